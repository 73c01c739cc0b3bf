//! Exit semantics, checked in child processes: this test binary re-runs itself with
//! `THREADKIT_EXIT_SCENARIO` set, lets `main` return, and inspects what the child printed.
//! (Run with `harness = false`, so each scenario's `main` is a real program's `main`.)

use std::io::Write;
use std::process::Command;
use std::time::Duration;
use threadkit::Thread;

const VAR: &str = "THREADKIT_EXIT_SCENARIO";

fn say(line: &str) {
    println!("{line}");
}

/// A non-daemon thread outlives `main`: the process waits, so its last line is printed.
fn non_daemon_outlives_main() {
    Thread::builder()
        .daemon(false)
        .spawn(|| {
            std::thread::sleep(Duration::from_millis(200));
            say("worker: finishing");
        })
        .unwrap();
    say("main: all done");
}

/// A daemon thread is abandoned: its last line never appears.
fn daemon_is_abandoned() {
    Thread::builder()
        .daemon(true)
        .spawn(|| {
            say("daemon: starting");
            std::thread::sleep(Duration::from_secs(30));
            say("daemon: finishing");
        })
        .unwrap();
    std::thread::sleep(Duration::from_millis(50));
    say("main: all done");
}

/// 50 daemon threads print in a loop while `main` returns.
fn daemon_storm() {
    for i in 0..50 {
        Thread::builder()
            .daemon(true)
            .spawn(move || {
                let mut n = 0u64;
                loop {
                    say(&format!("daemon {i:02} line {n:08} {}", "x".repeat(40)));
                    n += 1;
                }
            })
            .unwrap();
    }
    std::thread::sleep(Duration::from_millis(100));
    say("main: all done");
}

/// A non-daemon thread started by another non-daemon thread during shutdown is waited for.
fn chained_non_daemon() {
    Thread::builder()
        .daemon(false)
        .spawn(|| {
            std::thread::sleep(Duration::from_millis(100));
            Thread::spawn(|| {
                std::thread::sleep(Duration::from_millis(100));
                say("grandchild: finishing");
            });
            say("child: finishing");
        })
        .unwrap();
}

/// A thread panics with the default excepthook in place.
fn uncaught_panic() {
    let t = Thread::builder()
        .name("boom-thread")
        .daemon(false)
        .spawn(|| -> () { panic!("kaboom") })
        .unwrap();
    let _ = t.join();
    let _ = t.join();
}

/// A pool task fails and nobody looks at its future.
fn unretrieved_failure() {
    let pool = threadkit::ThreadPoolExecutor::builder()
        .thread_name_prefix("lost")
        .build()
        .unwrap();
    drop(pool.submit(|| -> () { panic!("nobody looked") }).unwrap());
    pool.shutdown();
}

/// Issue 10, defect 3: a thread that joins the main thread returns once `main` returns
/// (CPython prints "end of main", then "end of thread").
fn join_main_thread() {
    let main = threadkit::main_thread();
    Thread::builder()
        .daemon(false)
        .spawn(move || {
            main.join().unwrap();
            say("end of thread");
        })
        .unwrap();
    std::thread::sleep(Duration::from_millis(50));
    say("end of main");
}

/// Issue 10, defect 7: executors still alive at exit (one in a `static`, one after
/// `shutdown(wait=false)`) finish their queued and running tasks, as in Python 3.9+.
fn live_executors_finish_at_exit() {
    static POOL: std::sync::OnceLock<threadkit::ThreadPoolExecutor> = std::sync::OnceLock::new();
    let pool = POOL.get_or_init(|| threadkit::ThreadPoolExecutor::new(1).unwrap());
    for i in 0..3 {
        drop(
            pool.submit(move || {
                std::thread::sleep(Duration::from_millis(20));
                say(&format!("static task {i}"));
            })
            .unwrap(),
        );
    }
    let other = threadkit::ThreadPoolExecutor::new(1).unwrap();
    for i in 0..3 {
        drop(
            other
                .submit(move || {
                    std::thread::sleep(Duration::from_millis(20));
                    say(&format!("detached task {i}"));
                })
                .unwrap(),
        );
    }
    other.shutdown_with(threadkit::ShutdownOptions::new().wait(false));
    std::mem::forget(other);
    say("main: all done");
}

/// Issue 10, defect 12: a daemon thread stuck inside a stdout write (nobody reads the pipe)
/// must not hold up exit.
fn daemon_blocked_in_a_write() {
    Thread::builder()
        .daemon(true)
        .spawn(|| loop {
            say(&"y".repeat(1000));
        })
        .unwrap();
    // Long enough for the daemon to fill the pipe (64 KiB) and block in `write`.
    std::thread::sleep(Duration::from_millis(200));
}

/// Runs a scenario in a child process; kills it after a generous hang guard (a hung exit
/// is then a failure with the output so far, not a hung test suite).
fn run_child(scenario: &str) -> (i32, String, String) {
    use std::io::Read;
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(VAR, scenario)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("child runs");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = pipe.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let guard = std::time::Instant::now() + Duration::from_secs(60);
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code().unwrap_or(-1);
        }
        if std::time::Instant::now() > guard {
            let _ = child.kill();
            let _ = child.wait();
            break -2; // hung: reported by the check as a bad status
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    (code, out.join().unwrap(), err.join().unwrap())
}

fn check_non_daemon() -> Result<(), String> {
    let (code, out, err) = run_child("non_daemon");
    if code != 0 || out != "main: all done\nworker: finishing\n" {
        return Err(format!("status {code}, stdout {out:?}, stderr {err:?}"));
    }
    Ok(())
}

fn check_daemon() -> Result<(), String> {
    let (code, out, err) = run_child("daemon");
    if code != 0 || out != "daemon: starting\nmain: all done\n" {
        return Err(format!("status {code}, stdout {out:?}, stderr {err:?}"));
    }
    Ok(())
}

fn check_storm() -> Result<(), String> {
    let (code, out, err) = run_child("storm");
    if code != 0 || !err.is_empty() {
        return Err(format!("status {code}, stderr {err:?}"));
    }
    if !out.ends_with('\n') {
        return Err("stdout ends in a half-written line".into());
    }
    for line in out.lines() {
        let whole = line == "main: all done"
            || (line.len() == 64 && line.starts_with("daemon ") && line.ends_with(&"x".repeat(40)));
        if !whole {
            return Err(format!("garbled line {line:?}"));
        }
    }
    if !out.lines().any(|l| l == "main: all done") {
        return Err("main's line is missing".into());
    }
    Ok(())
}

fn check_panic_report() -> Result<(), String> {
    let (code, _out, err) = run_child("panic");
    let reports = err.matches("Exception in thread boom-thread:").count();
    if code != 0
        || reports != 1
        || !err.contains("kaboom")
        || err.contains("thread 'boom-thread' panicked")
    {
        return Err(format!("status {code}, stderr {err:?}"));
    }
    Ok(())
}

fn check_unretrieved_report() -> Result<(), String> {
    let (code, _out, err) = run_child("unretrieved");
    let reports = err
        .matches("Future exception was never retrieved (task ran on thread lost_0)")
        .count();
    if code != 0 || reports != 1 || !err.contains("nobody looked") {
        return Err(format!("status {code}, stderr {err:?}"));
    }
    Ok(())
}

fn check_join_main() -> Result<(), String> {
    let (code, out, err) = run_child("join_main");
    if code != 0 || out != "end of main\nend of thread\n" {
        return Err(format!("status {code}, stdout {out:?}, stderr {err:?}"));
    }
    Ok(())
}

fn check_live_executors() -> Result<(), String> {
    let (code, out, err) = run_child("live_executors");
    let mut lines: Vec<_> = out.lines().collect();
    lines.sort_unstable();
    let expected = [
        "detached task 0",
        "detached task 1",
        "detached task 2",
        "main: all done",
        "static task 0",
        "static task 1",
        "static task 2",
    ];
    if code != 0 || lines != expected {
        return Err(format!("status {code}, stdout {out:?}, stderr {err:?}"));
    }
    Ok(())
}

/// The child's stdout is a pipe nobody reads: it must still exit (a hang guard, not a timing).
fn check_blocked_daemon_writer() -> Result<(), String> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(VAR, "blocked_writer")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("child runs");
    let guard = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return match status.code() {
                Some(0) => Ok(()),
                other => Err(format!("status {other:?}")),
            };
        }
        if std::time::Instant::now() > guard {
            let _ = child.kill();
            return Err("exit waited for a daemon blocked in a write (hang guard)".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn check_chained() -> Result<(), String> {
    let (code, out, err) = run_child("chained");
    let mut lines: Vec<_> = out.lines().collect();
    lines.sort_unstable();
    if code != 0 || lines != ["child: finishing", "grandchild: finishing"] {
        return Err(format!("status {code}, stdout {out:?}, stderr {err:?}"));
    }
    Ok(())
}

/// A check of one scenario's output.
type Check = fn() -> Result<(), String>;

fn main() {
    if let Ok(scenario) = std::env::var(VAR) {
        match scenario.as_str() {
            "non_daemon" => non_daemon_outlives_main(),
            "daemon" => daemon_is_abandoned(),
            "storm" => daemon_storm(),
            "chained" => chained_non_daemon(),
            "panic" => uncaught_panic(),
            "unretrieved" => unretrieved_failure(),
            "join_main" => join_main_thread(),
            "live_executors" => live_executors_finish_at_exit(),
            "blocked_writer" => daemon_blocked_in_a_write(),
            other => panic!("unknown scenario {other}"),
        }
        return; // `main` returns: exit semantics apply here
    }
    let checks: [(&str, Check); 9] = [
        ("non_daemon_thread_outlives_main", check_non_daemon),
        ("daemon_thread_is_abandoned", check_daemon),
        ("fifty_printing_daemons_exit_cleanly", check_storm),
        ("chained_non_daemon_threads_are_waited_for", check_chained),
        (
            "uncaught_panic_is_reported_once_with_the_thread_name",
            check_panic_report,
        ),
        (
            "unretrieved_failure_is_reported_on_stderr",
            check_unretrieved_report,
        ),
        ("a_thread_joining_main_returns_at_exit", check_join_main),
        (
            "live_executors_finish_their_tasks_at_exit",
            check_live_executors,
        ),
        (
            "a_daemon_blocked_in_a_write_does_not_hold_up_exit",
            check_blocked_daemon_writer,
        ),
    ];
    let mut failed = 0;
    for (name, check) in checks {
        match check() {
            Ok(()) => println!("test {name} ... ok"),
            Err(why) => {
                failed += 1;
                println!("test {name} ... FAILED: {why}");
            }
        }
    }
    println!("{} passed, {failed} failed", checks.len() - failed);
    std::io::stdout().flush().unwrap();
    if failed > 0 {
        std::process::exit(1);
    }
}
