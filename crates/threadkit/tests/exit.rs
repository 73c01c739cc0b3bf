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
    pool.shutdown(true, false);
}

fn run_child(scenario: &str) -> (i32, String, String) {
    let out = Command::new(std::env::current_exe().unwrap())
        .env(VAR, scenario)
        .output()
        .expect("child runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
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
            other => panic!("unknown scenario {other}"),
        }
        return; // `main` returns: exit semantics apply here
    }
    let checks: [(&str, Check); 6] = [
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
