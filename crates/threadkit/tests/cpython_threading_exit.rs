//! A port of the tests of CPython's `Lib/test/test_threading.py` (CPython 3.14) that need a
//! whole process or the real main thread: `ThreadJoinOnShutdown`, the exit tests of
//! `ThreadTests`, `ThreadingExceptionTests.test_print_exception`, and the `ExceptHookTests`
//! that read what the default excepthook writes on stderr. CPython runs a script with
//! `assert_python_ok`; here this binary re-runs itself with `THREADKIT_CPYTHON_EXIT_SCENARIO`
//! set, lets the scenario's `main` end, and checks the child's status and output.
//!
//! This is a port of the behaviour the tests check, not of their text; the checks are named
//! `<Python class>::<Python test>`. It runs with `harness = false` (so `main` is a real
//! program's `main`), with a small harness of its own that mimics libtest's: a check with an
//! `ignore` reason is skipped unless `--ignored` or `--include-ignored` is given, and other
//! arguments filter the checks by name. threadkit's documented Rust forms are asserted where
//! it differs from Python (`// Rust form:` comments).
//!
//! Skipped, with no counterpart in threadkit: `ThreadJoinOnShutdown.test_2_join_in_forked_process`,
//! `test_3_join_in_forked_from_thread`, `test_reinit_tls_after_fork`,
//! `test_clear_threads_states_after_fork` (`fork`); the interpreter-finalization tests of
//! `ThreadTests` (listed in `cpython_threading.rs`); `ExceptHookTests.test_system_exit`
//! (no `SystemExit`); `ThreadingExceptionTests.test_print_exception_stderr_is_none_*`
//! (`sys.stderr = None` has no counterpart).

mod cpython_support;

use cpython_support::{wait_until, HANG_GUARD};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use threadkit::{current_thread, get_ident, get_native_id, main_thread, JoinError, Thread};

const VAR: &str = "THREADKIT_CPYTHON_EXIT_SCENARIO";

// ---------------------------------------------------------------------------------------------
// Scenarios: the child's `main`.

/// `ThreadJoinOnShutdown.test_1_join_on_shutdown`: a thread joins the main thread, whose
/// `main` then returns; the join returns when the main thread's code has ended, and the
/// process still waits for the (non-daemon) joining thread.
fn join_on_shutdown() {
    let main = main_thread();
    Thread::spawn(move || match main.join() {
        Ok(()) => println!("end of thread"),
        Err(e) => println!("join failed: {e}"),
    });
    println!("end of main");
}

/// `ThreadTests.test_join_nondaemon_on_shutdown` (issue 1722344): leaving through
/// `sys.exit` still waits for non-daemon threads. Rust form: `std::process::exit` on the
/// main thread.
fn join_nondaemon_on_shutdown() {
    Thread::builder()
        .daemon(false)
        .spawn(|| {
            // Still running when the main thread exits.
            std::thread::sleep(Duration::from_millis(100));
            println!("Woke up");
        })
        .unwrap();
    std::process::exit(0);
}

/// `ThreadJoinOnShutdown.test_4_daemon_threads`: daemon threads busy with I/O cannot crash
/// the process while it exits.
fn daemon_threads() {
    let count = 40;
    let has_run = Arc::new(Mutex::new(vec![false; count]));
    let exe = std::env::current_exe().unwrap();
    for i in 0..count {
        let (has_run, exe) = (has_run.clone(), exe.clone());
        Thread::builder()
            .daemon(true)
            .spawn(move || loop {
                let mut stuff = [0; 200];
                let n = std::fs::File::open(&exe).unwrap().read(&mut stuff).unwrap();
                std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/null")
                    .unwrap()
                    .write_all(&stuff[..n])
                    .unwrap();
                std::thread::sleep(Duration::from_micros(100 * (i as u64 % 5)));
                has_run.lock().unwrap()[i] = true;
            })
            .unwrap();
    }
    wait_until("saw every daemon thread run", || {
        has_run.lock().unwrap().iter().all(|&ran| ran)
    });
    // Python: `sys.exit(0)`.
    std::process::exit(0);
}

/// `ThreadJoinOnShutdown.test_thread_from_thread`: a non-daemon thread started by a
/// non-daemon thread after `main` returned is waited for.
fn thread_from_thread() {
    Thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(50));
        Thread::spawn(|| {
            std::thread::sleep(Duration::from_millis(50));
            println!("OK");
        });
    });
    // No join: the process waits for non-daemon threads.
}

/// A thread's panic, from one place (Python: `ThreadRunFail.run`).
fn thread_run_fail() {
    panic!("run failed");
}

/// Runs `ThreadRunFail(name="excepthook thread")` to its end.
fn run_failing_thread() {
    let thread = Thread::builder()
        .name("excepthook thread")
        .spawn(thread_run_fail)
        .unwrap();
    assert!(thread.join().is_err());
}

/// `ThreadingExceptionTests.test_print_exception`: an exception in a thread is printed on
/// stderr by the default excepthook.
fn print_exception() {
    let t = Thread::spawn(|| -> () { panic!("ZeroDivisionError: division by zero") });
    assert!(t.join().is_err());
}

/// `ExceptHookTests.test_custom_excepthook_fail`: the excepthook itself fails.
fn custom_excepthook_fail() {
    threadkit::set_excepthook(|_| panic!("threading_hook failed"));
    run_failing_thread();
}

/// `ExceptHookTests.test_original_excepthook`: the default hook, a custom one, then the
/// default again; stderr sections separated by `----` lines.
fn original_excepthook() {
    run_failing_thread();
    eprintln!("----");
    threadkit::set_excepthook(|_| eprintln!("Running a thread failed"));
    run_failing_thread();
    eprintln!("----");
    // Python: `threading.excepthook = threading.__excepthook__`.
    threadkit::reset_excepthook();
    run_failing_thread();
}

// ---------------------------------------------------------------------------------------------
// Checks: the parent's side.

/// What a child printed, and how it ended.
struct Output {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Output {
    fn describe(&self) -> String {
        format!(
            "status {:?}, stdout {:?}, stderr {:?}",
            self.code, self.stdout, self.stderr
        )
    }

    /// `assert_python_ok`: the child exited with status 0.
    fn ok(self) -> Result<Self, String> {
        if self.code == Some(0) {
            Ok(self)
        } else {
            Err(format!("the child failed: {}", self.describe()))
        }
    }

    fn expect(&self, holds: bool, what: &str) -> Result<(), String> {
        if holds {
            Ok(())
        } else {
            Err(format!("{what}: {}", self.describe()))
        }
    }
}

/// Runs `scenario` in a child process; kills it if it has not ended after the hang guard.
fn run_child(scenario: &str) -> Result<Output, String> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(VAR, scenario)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run the child: {e}"))?;
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = pipe.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + HANG_GUARD;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let output = Output {
        code: status.and_then(|s| s.code()),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    };
    match status {
        Some(_) => Ok(output),
        None => Err(format!(
            "hang guard: the child was still running after {HANG_GUARD:?}: {}",
            output.describe()
        )),
    }
}

fn check_join_on_shutdown() -> Result<(), String> {
    let out = run_child("join_on_shutdown")?.ok()?;
    out.expect(
        out.stdout == "end of main\nend of thread\n",
        "the joining thread did not end after main",
    )
}

fn check_join_nondaemon_on_shutdown() -> Result<(), String> {
    let out = run_child("join_nondaemon_on_shutdown")?.ok()?;
    out.expect(
        out.stdout.trim() == "Woke up",
        "the thread was not waited for",
    )?;
    out.expect(out.stderr.is_empty(), "stderr is not empty")
}

fn check_daemon_threads() -> Result<(), String> {
    let out = run_child("daemon_threads")?.ok()?;
    out.expect(out.stderr.is_empty(), "stderr is not empty")
}

fn check_thread_from_thread() -> Result<(), String> {
    let out = run_child("thread_from_thread")?.ok()?;
    out.expect(out.stderr.is_empty(), "stderr is not empty")?;
    out.expect(
        out.stdout.trim() == "OK",
        "the second thread was not waited for",
    )
}

/// The default report of a thread's panic, reported once, and not by Rust's own panic
/// message.
fn reported_once(out: &Output, message: &str) -> Result<(), String> {
    out.expect(
        out.stderr.matches("Exception in thread ").count() == 1,
        "not exactly one report",
    )?;
    out.expect(out.stderr.contains(message), "the message is missing")?;
    out.expect(
        !out.stderr.contains("' panicked at"),
        "Rust's default panic message was printed too",
    )
}

fn check_print_exception() -> Result<(), String> {
    let out = run_child("print_exception")?.ok()?;
    out.expect(out.stdout.is_empty(), "stdout is not empty")?;
    reported_once(&out, "ZeroDivisionError")?;
    out.expect(
        !out.stderr.contains("Unhandled exception"),
        "the report failed",
    )
}

fn check_excepthook() -> Result<(), String> {
    let out = run_child("excepthook")?.ok()?;
    reported_once(&out, "run failed")?;
    out.expect(
        out.stderr
            .contains("Exception in thread excepthook thread:\n"),
        "the thread's name is missing",
    )?;
    // Rust form: the traceback is the panic's location.
    out.expect(
        out.stderr.contains("panicked at ") && out.stderr.contains("cpython_threading_exit.rs:"),
        "the location is missing",
    )
}

fn check_custom_excepthook_fail() -> Result<(), String> {
    let out = run_child("custom_excepthook_fail")?.ok()?;
    // Rust form: the hook's own panic is reported, then the default hook reports the
    // thread's (Python reports the hook's exception through `sys.excepthook`).
    out.expect(
        out.stderr
            .contains("Exception in threading.excepthook: threading_hook failed"),
        "the hook's failure is not reported",
    )?;
    reported_once(&out, "run failed")
}

fn check_original_excepthook() -> Result<(), String> {
    let out = run_child("original_excepthook")?.ok()?;
    let parts: Vec<&str> = out.stderr.split("----\n").collect();
    out.expect(parts.len() == 3, "expected three sections")?;
    let (default_output, custom_hook_output, recovered_output) = (parts[0], parts[1], parts[2]);
    out.expect(
        default_output == recovered_output,
        "the recovered hook differs from the default",
    )?;
    out.expect(
        default_output != custom_hook_output,
        "the custom hook was not used",
    )?;
    out.expect(
        custom_hook_output == "Running a thread failed\n",
        "the custom hook's output is wrong",
    )
}

/// `ThreadTests.test_main_thread`, on the real main thread (this process's).
fn check_main_thread() -> Result<(), String> {
    let main = main_thread();
    let ensure = |holds: bool, what: &str| if holds { Ok(()) } else { Err(what.to_owned()) };
    ensure(main.name() == "MainThread", "the main thread's name")?;
    ensure(
        main == current_thread(),
        "current_thread() is main_thread()",
    )?;
    ensure(
        main.ident() == current_thread().ident() && main.ident() == Some(get_ident()),
        "the main thread's ident",
    )?;
    ensure(
        main.native_id() == Some(get_native_id()),
        "the main thread's native id",
    )?;
    let t = Thread::spawn(|| (main_thread().ident(), current_thread().ident()));
    let (seen_main, its_own) = t.into_output().map_err(|e| e.to_string())?;
    ensure(
        seen_main == main.ident() && its_own != main.ident(),
        "main_thread() from another thread",
    )
}

/// `ThreadTests.test_daemon_param`, from the real main thread: a thread it creates is not a
/// daemon by default.
fn check_daemon_param() -> Result<(), String> {
    if Thread::new(|| ()).is_daemon() {
        return Err("a thread created by the main thread is a daemon".into());
    }
    Ok(())
}

/// `ThreadingExceptionTests.test_joining_current_thread`, on the main thread.
fn check_joining_current_thread() -> Result<(), String> {
    match main_thread().join() {
        Err(JoinError::CurrentThread) => Ok(()),
        other => Err(format!("the main thread joined itself: {other:?}")),
    }
}

/// One check of this harness.
struct Case {
    name: &'static str,
    /// Like `#[ignore = "..."]`: skipped unless asked for.
    ignore: Option<&'static str>,
    check: fn() -> Result<(), String>,
}

const CASES: &[Case] = &[
    Case {
        name: "ThreadJoinOnShutdown::test_1_join_on_shutdown",
        ignore: None,
        check: check_join_on_shutdown,
    },
    Case {
        name: "ThreadJoinOnShutdown::test_4_daemon_threads",
        ignore: None,
        check: check_daemon_threads,
    },
    Case {
        name: "ThreadJoinOnShutdown::test_thread_from_thread",
        ignore: None,
        check: check_thread_from_thread,
    },
    Case {
        name: "ThreadTests::test_join_nondaemon_on_shutdown",
        ignore: None,
        check: check_join_nondaemon_on_shutdown,
    },
    Case {
        name: "ThreadTests::test_main_thread",
        ignore: None,
        check: check_main_thread,
    },
    Case {
        name: "ThreadTests::test_daemon_param",
        ignore: None,
        check: check_daemon_param,
    },
    Case {
        name: "ThreadingExceptionTests::test_joining_current_thread",
        ignore: None,
        check: check_joining_current_thread,
    },
    Case {
        name: "ThreadingExceptionTests::test_print_exception",
        ignore: None,
        check: check_print_exception,
    },
    Case {
        name: "ExceptHookTests::test_excepthook",
        ignore: None,
        check: check_excepthook,
    },
    Case {
        name: "ExceptHookTests::test_custom_excepthook_fail",
        ignore: None,
        check: check_custom_excepthook_fail,
    },
    Case {
        name: "ExceptHookTests::test_original_excepthook",
        ignore: None,
        check: check_original_excepthook,
    },
];

fn main() {
    if let Ok(scenario) = std::env::var(VAR) {
        match scenario.as_str() {
            "join_on_shutdown" => join_on_shutdown(),
            "join_nondaemon_on_shutdown" => join_nondaemon_on_shutdown(),
            "daemon_threads" => daemon_threads(),
            "thread_from_thread" => thread_from_thread(),
            "print_exception" => print_exception(),
            "excepthook" => run_failing_thread(),
            "custom_excepthook_fail" => custom_excepthook_fail(),
            "original_excepthook" => original_excepthook(),
            other => panic!("unknown scenario {other}"),
        }
        return; // `main` returns: the exit rules apply here
    }

    let args: Vec<String> = std::env::args().skip(1).collect();
    let only_ignored = args.iter().any(|a| a == "--ignored");
    let include_ignored = args.iter().any(|a| a == "--include-ignored");
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let (mut passed, mut failed, mut ignored) = (0, 0, 0);
    for case in CASES {
        if !filters.is_empty() && !filters.iter().any(|f| case.name.contains(f.as_str())) {
            continue;
        }
        let run = match case.ignore {
            Some(_) => only_ignored || include_ignored,
            None => !only_ignored,
        };
        if !run {
            if let Some(reason) = case.ignore {
                println!("test {} ... ignored, {reason}", case.name);
                ignored += 1;
            }
            continue;
        }
        match (case.check)() {
            Ok(()) => {
                println!("test {} ... ok", case.name);
                passed += 1;
            }
            Err(why) => {
                println!("test {} ... FAILED: {why}", case.name);
                failed += 1;
            }
        }
    }
    println!("{passed} passed, {failed} failed, {ignored} ignored");
    std::io::stdout().flush().unwrap();
    if failed > 0 {
        std::process::exit(1);
    }
}
