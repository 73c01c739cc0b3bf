//! `threadkit tour`: the seed notes' programs, ported, in the notes' order, with threadkit's
//! own programs between them.
//!
//! Each program runs in its own child process (`threadkit tour --child NAME`), so that what
//! happens when its `main` returns (waiting for non-daemon threads, abandoning daemons) is
//! real, as in the Python originals. A port prints the original's lines and nothing else
//! (`../shared/seeds-py/compare.sh` compares them with CPython's); a program or line that is
//! threadkit's own addition says so (`threadkit's own:` in its header, `[threadkit]` on a
//! line). The Queue pipelines print tens of thousands of lines; the whole tour shows their
//! first and last lines with a count of the rest (`--full`, or naming the program, prints
//! everything).

mod deadlock;
mod executor;
mod gil;
pub(crate) mod log;
mod pipeline;
mod primitives;
mod queue;
mod race;
mod stopping;
mod threads;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};

/// Arguments of `threadkit tour`.
#[derive(clap::Args)]
pub(crate) struct TourArgs {
    /// Run only these programs, in the order given (see --list).
    names: Vec<String>,
    /// List the programs and exit.
    #[arg(long)]
    list: bool,
    /// Make every sleep 20 times shorter.
    #[arg(long)]
    fast: bool,
    /// Print every line of the long programs (the whole tour shortens them otherwise).
    #[arg(long)]
    full: bool,
    /// Run one program in this process (used by the tour itself).
    #[arg(long, hide = true)]
    child: bool,
}

/// One program of the tour.
struct Program {
    name: &'static str,
    title: &'static str,
    origin: Origin,
    run: fn(),
}

/// Where a program comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// A seed program, ported: prints the original's lines.
    Port,
    /// A Port whose output runs to tens of thousands of lines.
    LongPort,
    /// threadkit's own, showing what the notes describe or what threadkit does better.
    Own,
}

const PROGRAMS: &[Program] = &[
    Program {
        name: "single-thread",
        title: "Starting a thread (join() commented out)",
        origin: Origin::Port,
        run: threads::single_thread,
    },
    Program {
        name: "single-thread-join",
        title: "Starting a thread and joining it",
        origin: Origin::Port,
        run: threads::single_thread_join,
    },
    Program {
        name: "daemon-thread",
        title: "A daemon thread: its last line is missing",
        origin: Origin::Port,
        run: threads::daemon_thread,
    },
    Program {
        name: "daemon-thread-join",
        title: "Joining a daemon thread",
        origin: Origin::Port,
        run: threads::daemon_thread_join,
    },
    Program {
        name: "multiple-threads",
        title: "Working with many threads",
        origin: Origin::Port,
        run: threads::multiple_threads,
    },
    Program {
        name: "executor-map",
        title: "ThreadPoolExecutor(max_workers=3).map",
        origin: Origin::Port,
        run: executor::executor_map,
    },
    Program {
        name: "executor-submit",
        title: "ThreadPoolExecutor(max_workers=2).submit",
        origin: Origin::Port,
        run: executor::executor_submit,
    },
    Program {
        name: "executor-failure",
        title: "The pitfall fixed: a task's failure is not hidden",
        origin: Origin::Own,
        run: executor::executor_failure,
    },
    Program {
        name: "race-condition",
        title: "A race condition: two updates, one lost",
        origin: Origin::Port,
        run: race::race_condition,
    },
    Program {
        name: "race-fixed",
        title: "The race fixed with a Lock",
        origin: Origin::Port,
        run: race::race_fixed_with_lock,
    },
    Program {
        name: "finding-the-race",
        title: "Finding the race: check mode runs the FakeDatabase test under many schedules, replays the failing one exactly, and passes the Lock fix through an exhaustive search",
        origin: Origin::Own,
        run: race::finding_the_race,
    },
    Program {
        name: "deadlock",
        title: "Deadlock: a Lock acquired twice, reported; opposite orders; an inversion found early; a hung pipeline dumped; the RLock cure",
        origin: Origin::Own,
        run: deadlock::deadlock,
    },
    Program {
        name: "lock-pipeline",
        title: "Producer-consumer with two Locks",
        origin: Origin::Port,
        run: pipeline::lock_pipeline,
    },
    Program {
        name: "event-pipeline",
        title: "The Pipeline as a Queue(maxsize=10), stopped by an Event",
        origin: Origin::LongPort,
        run: pipeline::event_pipeline,
    },
    Program {
        name: "timer",
        title: "A Timer that fires and one cancelled",
        origin: Origin::Own,
        run: primitives::timer,
    },
    Program {
        name: "semaphore",
        title: "A Semaphore lets two workers in at a time",
        origin: Origin::Own,
        run: primitives::semaphore,
    },
    Program {
        name: "barrier",
        title: "A Barrier releases three threads together",
        origin: Origin::Own,
        run: primitives::barrier,
    },
    Program {
        name: "queue-event",
        title: "Producer-consumer with Queue(maxsize=10) and an Event",
        origin: Origin::LongPort,
        run: queue::queue_event_pipeline,
    },
    Program {
        name: "queue-shutdown",
        title: "The pipeline ended cleanly by Queue.shutdown",
        origin: Origin::Own,
        run: queue::queue_shutdown_pipeline,
    },
    Program {
        name: "stopping",
        title: "Stopping work: a pipeline stopped with nothing lost, a pool shut down mid-task, a TaskGroup whose failure stops the rest",
        origin: Origin::Own,
        run: stopping::stopping,
    },
    Program {
        name: "gil",
        title: "The GIL lesson: a CPU-bound job on one and two threads",
        origin: Origin::Own,
        run: gil::gil,
    },
];

pub(crate) fn main(args: &TourArgs) -> ExitCode {
    log::set_fast(args.fast);
    if args.list {
        for p in PROGRAMS {
            println!("{:<22} {}", p.name, heading(p));
        }
        return ExitCode::SUCCESS;
    }
    let mut chosen = Vec::new();
    for name in &args.names {
        match PROGRAMS.iter().find(|p| p.name == name) {
            Some(p) => chosen.push(p),
            None => {
                eprintln!("no tour program named {name:?}; `threadkit tour --list` lists them");
                return ExitCode::from(2);
            }
        }
    }
    // The whole tour shortens the long programs; one asked for by name prints everything.
    let shorten = chosen.is_empty() && !args.full;
    if chosen.is_empty() {
        chosen = PROGRAMS.iter().collect();
    }
    if args.child {
        // The child runs exactly one program: the one named.

        (chosen[0].run)();
        return ExitCode::SUCCESS;
    }
    for (i, program) in chosen.iter().enumerate() {
        println!(
            "\n=== {}. {} [{}] ===",
            i + 1,
            heading(program),
            program.name
        );
        let shorten = shorten && program.origin == Origin::LongPort;
        if let Err(why) = run_child(program.name, args.fast, shorten) {
            eprintln!("tour program {} failed: {why}", program.name);
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// The title, labelled when the program is threadkit's own.
fn heading(program: &Program) -> String {
    match program.origin {
        Origin::Own => format!("threadkit's own: {}", program.title),
        Origin::Port | Origin::LongPort => program.title.to_owned(),
    }
}

/// Lines a shortened program shows at its start and at its end.
const HEAD: usize = 12;
const TAIL: usize = 8;

fn run_child(name: &str, fast: bool, shorten: bool) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(exe);
    cmd.args(["tour", "--child", name]);
    if fast {
        cmd.arg("--fast");
    }
    let status = if shorten {
        cmd.stdout(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| e.to_string())?;
        let out = child.stdout.take().expect("piped");
        print_shortened(BufReader::new(out)).map_err(|e| e.to_string())?;
        child.wait().map_err(|e| e.to_string())?
    } else {
        cmd.status().map_err(|e| e.to_string())?
    };
    if status.success() {
        Ok(())
    } else {
        Err(format!("exited with {status}"))
    }
}

/// Prints the first `HEAD` lines as they come, then the last `TAIL`, with a labelled count of
/// the lines between (all of them if there are few).
fn print_shortened(out: impl BufRead) -> std::io::Result<()> {
    let mut seen = 0usize;
    let mut tail = VecDeque::with_capacity(TAIL + 1);
    for line in out.lines() {
        let line = line?;
        seen += 1;
        if seen <= HEAD {
            println!("{line}");
        } else {
            tail.push_back(line);
            if tail.len() > TAIL {
                tail.pop_front();
            }
        }
    }
    let elided = seen.saturating_sub(HEAD + tail.len());
    if elided > 0 {
        println!(
            "[threadkit] ... {elided} lines not shown (`threadkit tour --full` prints them) ..."
        );
    }
    for line in tail {
        println!("{line}");
    }
    Ok(())
}
