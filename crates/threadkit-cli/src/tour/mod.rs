//! `threadkit tour`: the seed notes' programs, ported, in the notes' order.
//!
//! Each program runs in its own child process (`threadkit tour --child NAME`), so that what
//! happens when its `main` returns (waiting for non-daemon threads, abandoning daemons) is
//! real, as in the Python originals.

mod deadlock;
mod executor;
mod gil;
pub(crate) mod log;
mod pipeline;
mod primitives;
mod queue;
mod race;
mod threads;

use std::process::{Command, ExitCode};

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
    /// Run one program in this process (used by the tour itself).
    #[arg(long, hide = true)]
    child: bool,
}

/// One ported program.
struct Program {
    name: &'static str,
    title: &'static str,
    run: fn(),
}

const PROGRAMS: &[Program] = &[
    Program {
        name: "single-thread",
        title: "Starting a thread (join() commented out)",
        run: threads::single_thread,
    },
    Program {
        name: "single-thread-join",
        title: "Starting a thread and joining it",
        run: threads::single_thread_join,
    },
    Program {
        name: "daemon-thread",
        title: "A daemon thread: its last line is missing",
        run: threads::daemon_thread,
    },
    Program {
        name: "daemon-thread-join",
        title: "Joining a daemon thread",
        run: threads::daemon_thread_join,
    },
    Program {
        name: "multiple-threads",
        title: "Working with many threads",
        run: threads::multiple_threads,
    },
    Program {
        name: "executor-map",
        title: "ThreadPoolExecutor(max_workers=3).map",
        run: executor::executor_map,
    },
    Program {
        name: "executor-submit",
        title: "ThreadPoolExecutor(max_workers=2).submit",
        run: executor::executor_submit,
    },
    Program {
        name: "executor-failure",
        title: "The pitfall fixed: a task's failure is not hidden",
        run: executor::executor_failure,
    },
    Program {
        name: "race-condition",
        title: "A race condition: two updates, one lost",
        run: race::race_condition,
    },
    Program {
        name: "race-fixed",
        title: "The race fixed with a Lock",
        run: race::race_fixed_with_lock,
    },
    Program {
        name: "deadlock",
        title: "Deadlock: a Lock acquired twice, and the RLock cure",
        run: deadlock::deadlock,
    },
    Program {
        name: "lock-pipeline",
        title: "Producer-consumer with two Locks",
        run: pipeline::lock_pipeline,
    },
    Program {
        name: "event-pipeline",
        title: "The pipeline stopped by an Event",
        run: pipeline::event_pipeline,
    },
    Program {
        name: "timer",
        title: "A Timer that fires and one cancelled",
        run: primitives::timer,
    },
    Program {
        name: "semaphore",
        title: "A Semaphore lets two workers in at a time",
        run: primitives::semaphore,
    },
    Program {
        name: "barrier",
        title: "A Barrier releases three threads together",
        run: primitives::barrier,
    },
    Program {
        name: "queue-event",
        title: "Producer-consumer with Queue(maxsize=10) and an Event",
        run: queue::queue_event_pipeline,
    },
    Program {
        name: "queue-shutdown",
        title: "The pipeline ended cleanly by Queue.shutdown",
        run: queue::queue_shutdown_pipeline,
    },
    Program {
        name: "gil",
        title: "The GIL lesson: a CPU-bound job on one and two threads",
        run: gil::gil,
    },
];

pub(crate) fn main(args: &TourArgs) -> ExitCode {
    log::set_fast(args.fast);
    if args.list {
        for p in PROGRAMS {
            println!("{:<22} {}", p.name, p.title);
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
    if chosen.is_empty() {
        chosen = PROGRAMS.iter().collect();
    }
    if args.child {
        // The child runs exactly one program: the one named.

        (chosen[0].run)();
        return ExitCode::SUCCESS;
    }
    for (i, program) in chosen.iter().enumerate() {
        println!("\n=== {}. {} [{}] ===", i + 1, program.title, program.name);
        if let Err(why) = run_child(program.name, args.fast) {
            eprintln!("tour program {} failed: {why}", program.name);
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn run_child(name: &str, fast: bool) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(exe);
    cmd.args(["tour", "--child", name]);
    if fast {
        cmd.arg("--fast");
    }
    let status = cmd.status().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("exited with {status}"))
    }
}
