//! Diagnostics (issue 13): deadlocks reported when they form, no false alarm on the safe
//! patterns, and `dump()` saying who waits for whom.
//!
//! Every test runs with diagnostics on and the `Panic` policy, so a deadlock fails the thread
//! that closed it instead of hanging the suite, and a false alarm fails its test. The tests
//! run one after the other on the main thread (`harness = false`): a cycle through a `Lock`
//! (which any thread may release) is only reported when no other live thread could release
//! it, so a concurrently running test would hide it.

use std::any::Any;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier as StdBarrier, OnceLock};
use std::time::{Duration, Instant};
use threadkit::{
    set_deadlock_policy, set_diagnostics, set_lock_order_checking, Condition, DeadlockPolicy,
    Event, JoinError, Lock, Queue, RLock, Thread, ThreadHandle, ThreadState,
};

const HANG_GUARD: Duration = Duration::from_secs(60);

fn setup() {
    set_diagnostics(true);
    set_deadlock_policy(if std::env::var("TK_REPORT").is_ok() {
        DeadlockPolicy::Report
    } else {
        DeadlockPolicy::Panic
    });
    // The deadlock panics are the tests' expected outcome: keep stderr quiet about them.
    threadkit::set_excepthook(|_| {});
}

fn message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

/// The locks the main thread holds, as `dump()` shows them.
fn main_holds() -> Vec<threadkit::HeldLock> {
    threadkit::dump()
        .threads
        .into_iter()
        .find(|t| t.name == "MainThread")
        .map(|t| t.holds)
        .unwrap_or_default()
}

/// Waits (bounded) until `cond` holds.
fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let give_up = Instant::now() + HANG_GUARD;
    while !cond() {
        assert!(Instant::now() < give_up, "never: {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn a_lock_acquired_twice_by_its_thread_is_reported_with_both_call_sites() {
    setup();
    let lock = Lock::new();
    lock.acquire(); // the first acquisition: its line is in the report
    let first_line = line!() - 1;
    let loud = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {})); // the expected panic is checked, not printed
    let second = std::panic::catch_unwind(|| lock.acquire());
    std::panic::set_hook(loud);
    let report = message(&*second.unwrap_err());
    assert!(report.contains("which it already holds"), "{report}");
    assert!(
        report.contains(&format!("diagnostics.rs:{first_line}:")),
        "the first acquisition's site: {report}"
    );
    assert!(report.contains("waits to acquire Lock"), "{report}");
    lock.release().unwrap();
}

fn two_locks_taken_in_opposite_orders_are_reported_once_naming_both_threads() {
    setup();
    let (a, b) = (Arc::new(Lock::new()), Arc::new(Lock::new()));
    let both_hold_one = Arc::new(StdBarrier::new(2));
    let spawn = |first: Arc<Lock>, second: Arc<Lock>, name: &str| {
        let meet = Arc::clone(&both_hold_one);
        Thread::builder()
            .name(name)
            .spawn(move || {
                let _one = first.guard();
                meet.wait();
                let _two = second.guard(); // one of the two threads closes the cycle here
            })
            .unwrap()
    };
    let t1 = spawn(Arc::clone(&a), Arc::clone(&b), "transfer-1");
    let t2 = spawn(b, a, "transfer-2");
    let outcomes = [t1.join(), t2.join()];
    let reports: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.as_ref().err().and_then(JoinError::panic))
        .map(|p| p.message().to_owned())
        .collect();
    assert_eq!(
        reports.len(),
        1,
        "exactly one thread closed the cycle: {outcomes:?}"
    );
    let report = &reports[0];
    assert!(report.contains("2 threads wait for each other"), "{report}");
    assert!(
        report.contains("\"transfer-1\"") && report.contains("\"transfer-2\""),
        "{report}"
    );
    assert_eq!(report.matches("held by thread").count(), 2, "{report}");
}

fn two_threads_joining_each_other_are_reported() {
    setup();
    let second: Arc<OnceLock<ThreadHandle>> = Arc::new(OnceLock::new());
    let s = Arc::clone(&second);
    let first = Thread::new(move || {
        eventually("the second thread exists", || s.get().is_some());
        s.get().unwrap().join()
    });
    first.start().unwrap();
    let handle = first.handle();
    let t2 = Thread::spawn(move || handle.join());
    second.set(t2.handle()).unwrap();
    let out1 = first.into_output();
    let out2 = t2.into_output();
    // One thread's join closed the cycle and panicked; the other's join then saw it end.
    let panicked: Vec<&JoinError> = [&out1, &out2]
        .into_iter()
        .filter_map(|o| o.as_ref().err())
        .collect();
    assert_eq!(panicked.len(), 1, "{out1:?} {out2:?}");
    let report = panicked[0].panic().unwrap().message();
    assert!(report.contains("waits to join thread"), "{report}");
}

/// Lock-order checking (lockdep): two transfers in opposite account orders, run one after the
/// other, never deadlock; the inversion is reported anyway, by the second one, with both
/// orders' call sites.
fn a_lock_order_inversion_is_reported_with_no_deadlock_at_all() {
    setup();
    set_lock_order_checking(true);
    let (a, b) = (Arc::new(Lock::new()), Arc::new(Lock::new()));
    threadkit::name(&a, "account-1");
    threadkit::name(&*b, "account-2");
    let guards_at = line!() + 6; // the first of the two guards' lines below
    let transfer = |first: &Arc<Lock>, second: &Arc<Lock>, name: &str| {
        let (first, second) = (Arc::clone(first), Arc::clone(second));
        Thread::builder()
            .name(name)
            .spawn(move || {
                let _from = first.guard();
                let _to = second.guard();
            })
            .unwrap()
            .join()
    };
    transfer(&a, &b, "transfer-1").unwrap();
    let second = transfer(&b, &a, "transfer-2");
    set_lock_order_checking(false);
    let report = second.unwrap_err();
    let report = report.panic().unwrap().message();
    assert!(report.contains("lock order inversion"), "{report}");
    assert!(
        report.contains("\"transfer-1\"") && report.contains("\"transfer-2\""),
        "{report}"
    );
    assert_eq!(report.matches("while holding").count(), 2, "{report}");
    assert_eq!(report.matches("Lock \"account-1\"").count(), 2, "{report}");
    assert_eq!(report.matches("Lock \"account-2\"").count(), 2, "{report}");
    // Both guards of both transfers: four call sites, two lines (each thread's two guards).
    let first_guard = format!("diagnostics.rs:{guards_at}:");
    let second_guard = format!("diagnostics.rs:{}:", guards_at + 1);
    assert_eq!(report.matches(&first_guard).count(), 2, "{report}");
    assert_eq!(report.matches(&second_guard).count(), 2, "{report}");
}

/// A dropped lock leaves the order graph: new locks at the same addresses start clean.
fn no_false_alarm_on_new_locks_at_the_addresses_of_dropped_ones() {
    setup();
    set_lock_order_checking(true);
    let mut locks = [Lock::new(), Lock::new()];
    {
        let _a = locks[0].guard();
        let _b = locks[1].guard();
    }
    locks = [Lock::new(), Lock::new()]; // the old ones are dropped in place
    {
        let _b = locks[1].guard();
        let _a = locks[0].guard(); // the opposite order, of other locks
    }
    set_lock_order_checking(false);
}

/// Runs `body` on `n` threads and fails if any panicked (a false deadlock report would).
/// A thread holding a lock joins a thread it asked to stop while that one waited for the
/// lock: a cycle for an instant (the stopped thread's record lags behind its wake-up), never
/// a deadlock. Repeated, so the lag is hit.
fn no_false_alarm_on_joining_a_stopped_waiter_of_a_held_lock() {
    setup();
    for _ in 0..50 {
        let lock = Arc::new(Lock::new());
        lock.acquire();
        let l = Arc::clone(&lock);
        let t = Thread::spawn(move || l.acquire());
        eventually("the thread waits for the lock", || {
            threadkit::dump()
                .threads
                .iter()
                .any(|d| d.ident == t.ident() && matches!(d.state, ThreadState::Waiting { .. }))
        });
        t.request_stop();
        assert!(matches!(t.join(), Err(JoinError::Stopped)));
        lock.release().unwrap();
        let holds = main_holds();
        assert!(holds.is_empty(), "released: {holds:?}");
    }
}

/// Lock-order checking is on while they run: no false inversion either.
fn run_all(n: usize, body: impl Fn(usize) + Send + Sync + 'static) {
    set_lock_order_checking(true);
    let body = Arc::new(body);
    let threads: Vec<_> = (0..n)
        .map(|i| {
            let body = Arc::clone(&body);
            Thread::spawn(move || body(i))
        })
        .collect();
    for t in threads {
        t.join_timeout(HANG_GUARD)
            .unwrap_or_else(|e| panic!("no false alarm, no hang: {e}"));
    }
    set_lock_order_checking(false);
}

fn no_false_alarm_on_a_consistent_lock_order() {
    setup();
    let locks = Arc::new((Lock::new(), Lock::new()));
    run_all(4, move |_| {
        for _ in 0..2_000 {
            let _a = locks.0.guard();
            let _b = locks.1.guard();
        }
    });
}

fn no_false_alarm_on_try_acquire_back_off_or_timed_acquires_in_opposite_orders() {
    setup();
    let locks = Arc::new((Lock::new(), Lock::new()));
    run_all(4, move |i| {
        let (first, second) = if i % 2 == 0 {
            (&locks.0, &locks.1)
        } else {
            (&locks.1, &locks.0)
        };
        let mut done = 0;
        while done < 1_000 {
            let _one = first.guard();
            // Odd threads back off with a try, even ones with a short timeout: neither can
            // deadlock, so neither may be reported.
            let two = if i % 4 < 2 {
                second.try_guard()
            } else {
                second.guard_timeout(Duration::from_micros(50))
            };
            if two.is_some() {
                done += 1;
            }
        }
    });
}

fn no_false_alarm_on_rlock_reentry_under_contention() {
    setup();
    let rlock = Arc::new(RLock::new());
    run_all(3, move |_| {
        for _ in 0..1_000 {
            let _a = rlock.guard();
            let _b = rlock.guard();
            let _c = rlock.guard();
        }
    });
}

fn no_false_alarm_on_condition_waits() {
    setup();
    let cond = Arc::new(Condition::new());
    let items = Arc::new(AtomicUsize::new(0));
    let (c, n) = (Arc::clone(&cond), Arc::clone(&items));
    let consumer = Thread::spawn(move || {
        for _ in 0..500 {
            let _with = c.guard();
            c.wait_for(|| n.load(Ordering::SeqCst) > 0).unwrap();
            n.fetch_sub(1, Ordering::SeqCst);
        }
    });
    for _ in 0..500 {
        let _with = cond.guard();
        items.fetch_add(1, Ordering::SeqCst);
        cond.notify().unwrap();
    }
    consumer.join_timeout(HANG_GUARD).unwrap();
}

fn no_false_alarm_on_a_lock_released_by_another_thread() {
    setup();
    // The seeds' two-Lock pipeline: each lock is acquired by one thread, released by the other.
    let producer_lock = Arc::new(Lock::new());
    let consumer_lock = Arc::new(Lock::new());
    consumer_lock.acquire();
    let (p, c) = (Arc::clone(&producer_lock), Arc::clone(&consumer_lock));
    let consumer = Thread::spawn(move || {
        for _ in 0..1_000 {
            c.acquire();
            p.release().unwrap();
        }
    });
    for _ in 0..1_000 {
        producer_lock.acquire();
        consumer_lock.release().unwrap();
    }
    consumer.join_timeout(HANG_GUARD).unwrap();
    // Every record was cleared by whichever thread released: nothing is shown as held.
    producer_lock.acquire();
    producer_lock.release().unwrap();
    // And this thread's records still work (its stack does not fill with the slots the other
    // thread emptied: a defect ThreadSanitizer's timing exposed).
    let held = producer_lock.guard();
    assert_eq!(main_holds().len(), 1, "{}", threadkit::dump());
    drop(held);
    let dump = threadkit::dump();
    let me = dump
        .threads
        .iter()
        .find(|t| t.ident == threadkit::current_thread().ident());
    assert!(me.is_none_or(|t| t.holds.is_empty()), "{dump}");
}

fn no_false_alarm_with_many_threads_blocked_on_a_queue_get() {
    setup();
    let q: Queue<u32> = Queue::new(4);
    let consumers: Vec<_> = (0..8)
        .map(|_| {
            let q = q.clone();
            Thread::spawn(move || q.iter().count())
        })
        .collect();
    for i in 0..2_000 {
        q.put(i).unwrap();
    }
    q.shutdown();
    let got: usize = consumers
        .into_iter()
        .map(|c| c.into_output().unwrap())
        .sum();
    assert_eq!(got, 2_000);
}

fn dump_says_who_waits_for_whom_and_who_holds_what() {
    setup();
    let holds = main_holds();
    assert!(holds.is_empty(), "nothing held before: {holds:?}");
    let lock = Arc::new(Lock::new());
    let held = lock.guard();
    let held_line = line!() - 1;
    let l = Arc::clone(&lock);
    let waiter = Thread::builder()
        .name("blocked-on-lock")
        .spawn(move || {
            let _g = l.guard();
        })
        .unwrap();
    let q: Queue<u8> = Queue::new(1);
    let q2 = q.clone();
    let getter = Thread::builder()
        .name("blocked-on-get")
        .spawn(move || q2.get())
        .unwrap();
    let find = |name: &str| {
        let dump = threadkit::dump();
        dump.threads.into_iter().find(|t| t.name == name)
    };
    eventually("the waiter parked", || {
        find("blocked-on-lock").is_some_and(|t| matches!(t.state, ThreadState::Waiting { .. }))
    });
    eventually("the getter parked", || {
        find("blocked-on-get").is_some_and(|t| matches!(t.state, ThreadState::Waiting { .. }))
    });
    let text = threadkit::dump().to_string();
    let t = find("blocked-on-lock").unwrap();
    let ThreadState::Waiting { verb, held_by, .. } = t.state else {
        unreachable!()
    };
    assert_eq!(verb, "to acquire");
    // Seen to fail once in about 15 runs under ThreadSanitizer only (open: see the closing
    // note of 2026-12-06); the dump says what the records held then.
    let (holder, site) = held_by.unwrap_or_else(|| panic!("the holder is known: {text}"));
    assert!(
        holder.contains(&format!("ident {}", threadkit::get_ident())),
        "{holder}"
    );
    assert!(
        site.contains(&format!("diagnostics.rs:{held_line}:")),
        "{site}"
    );
    let g = find("blocked-on-get").unwrap();
    assert!(
        matches!(&g.state, ThreadState::Waiting { verb: "to get from", on, .. } if on.starts_with("Queue")),
        "{text}"
    );
    assert!(text.contains("waiting to acquire Lock"), "{text}");
    assert!(text.contains("held by thread"), "{text}");
    drop(held);
    q.put(1).unwrap();
    waiter.join_timeout(HANG_GUARD).unwrap();
    getter.join_timeout(HANG_GUARD).unwrap();
}

fn a_dump_of_many_blocked_threads_stops_none_of_them() {
    setup();
    let gate = Arc::new(Event::new());
    let threads: Vec<_> = (0..64)
        .map(|_| {
            let g = Arc::clone(&gate);
            Thread::spawn(move || g.wait())
        })
        .collect();
    eventually("all parked", || {
        threadkit::dump()
            .threads
            .iter()
            .filter(
                |t| matches!(&t.state, ThreadState::Waiting { on, .. } if on.starts_with("Event")),
            )
            .count()
            >= 64
    });
    gate.set();
    for t in threads {
        assert!(t.into_output().unwrap());
    }
}

fn a_watchdog_fires_after_its_timeout_unless_cancelled() {
    setup();
    let w = threadkit::dump_after(Duration::from_secs(600));
    assert!(!w.has_fired());
    assert!(w.cancel(), "cancelled before it fired");
    let fired = threadkit::dump_after(Duration::from_millis(1));
    eventually("the watchdog fired (its dump went to stderr)", || {
        fired.has_fired()
    });
    assert!(!fired.cancel(), "too late to cancel");
}

/// Runs this test binary again as a child process playing `scenario` (see [`scenario`]), with
/// a hang guard; returns how it ended and its stderr.
#[cfg(target_os = "linux")]
fn in_child(scenario: &str) -> (std::process::ExitStatus, String) {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env("TK_SCENARIO", scenario)
        .env_remove("TK_ONLY")
        .env_remove("THREADKIT_DIAGNOSTICS")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).unwrap();
        text
    });
    let give_up = Instant::now() + HANG_GUARD;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= give_up {
            child.kill().unwrap();
            panic!("scenario {scenario} hung: its deadlock was never reported");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    (status, reader.join().unwrap())
}

/// A scenario's exit code when the process already had threads of its own (see [`scenario`]).
const SKIPPED: i32 = 5;

/// The process's thread count, from /proc.
#[cfg(target_os = "linux")]
fn os_threads() -> Option<usize> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(17)?.parse().ok()
}

/// The child's side of [`in_child`]: a program that hangs with every thread asleep, and the
/// `Abort` policy (or `Panic`, for the scenario that catches the report).
fn scenario(name: &str) {
    // A thread nobody started here could wake the others: the check rightly never reports
    // then, so the scenario cannot show it. ThreadSanitizer's runtime starts one with the
    // first thread created: start and end one, then count.
    #[cfg(target_os = "linux")]
    if let Some(n) = {
        std::thread::spawn(|| ()).join().unwrap();
        // The joined thread may take a moment to leave the count; the runtime's stays.
        (0..50)
            .map(|_| {
                std::thread::sleep(Duration::from_millis(1));
                os_threads()
            })
            .find(|n| *n == Some(1))
            .map_or_else(os_threads, |_| None)
            .filter(|n| *n > 1)
    } {
        eprintln!("skipped: {n} threads before the scenario starts (a sanitizer's runtime?)");
        std::process::exit(SKIPPED);
    }
    set_diagnostics(true);
    set_deadlock_policy(DeadlockPolicy::Abort);
    match name {
        "an-event-nobody-sets" => {
            Event::new().wait();
        }
        "a-condition-whose-notifier-is-blocked-on-a-lock-the-waiter-holds" => {
            let lock = Arc::new(Lock::new());
            let cond = Arc::new(Condition::new());
            let holding = Arc::new(Event::new());
            let (l, c, h) = (Arc::clone(&lock), Arc::clone(&cond), Arc::clone(&holding));
            let waiter = Thread::builder()
                .name("waiter")
                .spawn(move || {
                    let _held = l.guard();
                    let _c = c.guard();
                    h.set();
                    c.wait().unwrap(); // the notifier needs `l` first: never notified
                })
                .unwrap();
            let notifier = Thread::builder()
                .name("notifier")
                .spawn(move || {
                    holding.wait();
                    let _l = lock.guard(); // held by the waiter, which waits for us
                    let _c = cond.guard();
                    cond.notify().unwrap();
                })
                .unwrap();
            waiter.join().unwrap();
            notifier.join().unwrap();
        }
        "a-pool-task-waiting-on-a-future-queued-behind-it" => {
            let pool = Arc::new(threadkit::ThreadPoolExecutor::new(1).unwrap());
            let p = Arc::clone(&pool);
            let outer = pool
                .submit(move || p.submit(|| 1).unwrap().result().unwrap())
                .unwrap();
            let _ = outer.result();
        }
        "the-panic-policy-panics-the-thread-that-fell-asleep-last" => {
            set_deadlock_policy(DeadlockPolicy::Panic);
            std::panic::set_hook(Box::new(|_| {}));
            let event = Event::new();
            let report = std::panic::catch_unwind(|| event.wait()).unwrap_err();
            eprint!("caught: {}", message(&*report));
            std::process::exit(0);
        }
        "the-panic-policy-ends-condition-waits-with-their-locks-held-again" => {
            set_deadlock_policy(DeadlockPolicy::Panic);
            std::panic::set_hook(Box::new(|_| {}));
            // The report panics inside the wait, after it released the lock: the wait takes it
            // back before the panic goes on, so the caller's guard releases a lock it holds.
            let cond = Condition::with_lock(Lock::new());
            let held = cond.guard();
            let report = std::panic::catch_unwind(|| cond.wait()).unwrap_err();
            let condition_held = cond.locked();
            drop(held);
            let mutex = threadkit::Mutex::new(0);
            let condvar = threadkit::Condvar::new();
            let mut guard = mutex.lock();
            let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                condvar.wait(&mut guard);
            }))
            .unwrap_err();
            *guard += 1; // the guard's lock is held again
            drop(guard);
            let mutex_free = mutex.try_lock().is_some();
            eprint!(
                "caught: {}caught: {}held again: {condition_held} {}",
                message(&*report),
                message(&*again),
                mutex_free && !cond.locked()
            );
            std::process::exit(0);
        }
        #[cfg(all(unix, feature = "sigquit"))]
        "a-dump-on-sigquit" => {
            set_deadlock_policy(DeadlockPolicy::Report);
            threadkit::dump_on_sigquit().unwrap();
            let e = Event::new();
            threadkit::name(&e, "never set");
            // "ready" once the main thread shows as waiting (so the dump the parent asks for
            // shows the wait).
            std::thread::spawn(|| {
                eventually("the main thread waits", || {
                    threadkit::dump().threads.iter().any(|t| {
                        t.name == "MainThread" && matches!(t.state, ThreadState::Waiting { .. })
                    })
                });
                eprintln!("ready");
            });
            // The parent sends SIGQUIT, reads the dump and kills us; this is the hang guard.
            let _ = e.wait_timeout(HANG_GUARD);
            std::process::exit(4);
        }
        other => panic!("no scenario {other}"),
    }
    eprintln!("the scenario ended: no deadlock");
    std::process::exit(3);
}

#[cfg(target_os = "linux")]
fn every_thread_asleep_is_reported_with_a_dump() {
    use std::os::unix::process::ExitStatusExt;
    for (scenario, waits) in [
        ("an-event-nobody-sets", &["waiting on Event"][..]),
        (
            "a-condition-whose-notifier-is-blocked-on-a-lock-the-waiter-holds",
            &[
                "waiting on Condition",
                "waiting to acquire Lock",
                "\"waiter\"",
            ][..],
        ),
        (
            "a-pool-task-waiting-on-a-future-queued-behind-it",
            &["waiting on Future", "queued"][..],
        ),
    ] {
        let (status, stderr) = in_child(scenario);
        if status.code() == Some(SKIPPED) {
            print!("({}) ", stderr.trim());
            return;
        }
        assert_eq!(status.signal(), Some(6), "{scenario} aborted: {stderr}");
        assert_eq!(
            stderr.matches("threads are asleep").count(),
            1,
            "{scenario}: {stderr}"
        );
        for wait in waits {
            assert!(stderr.contains(wait), "{scenario}: {wait:?} in {stderr}");
        }
    }
    let (status, stderr) = in_child("the-panic-policy-panics-the-thread-that-fell-asleep-last");
    if status.code() == Some(SKIPPED) {
        return;
    }
    assert!(status.success(), "{stderr}");
    assert!(
        stderr.starts_with("caught: threadkit: deadlock found: all 1 threads are asleep"),
        "{stderr}"
    );
    let (status, stderr) =
        in_child("the-panic-policy-ends-condition-waits-with-their-locks-held-again");
    assert!(status.success(), "{stderr}");
    assert_eq!(
        stderr.matches("caught: threadkit: deadlock found").count(),
        2,
        "{stderr}"
    );
    assert!(stderr.ends_with("held again: true true"), "{stderr}");
}

/// `kill -QUIT` prints the dump, and the process goes on (as the JVM does).
#[cfg(all(target_os = "linux", feature = "sigquit"))]
fn sigquit_prints_the_dump_and_the_process_goes_on() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env("TK_SCENARIO", "a-dump-on-sigquit")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    let kill = Command::new("kill")
        .args(["-QUIT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.contains("waiting on Event \"never set\"");
        seen.push(line);
        if done {
            break;
        }
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "still running: {seen:?}"
    );
    child.kill().unwrap();
    let _ = child.wait();
    assert!(seen.iter().any(|l| l == "threadkit: SIGQUIT"), "{seen:?}");
    assert!(
        seen.last().unwrap().contains("(timed)"),
        "the dump shows the wait: {seen:?}"
    );
}

/// The dump as data: with the `serde` feature it serializes (here as JSON).
#[cfg(feature = "serde")]
fn a_dump_serializes_as_structured_data() {
    setup();
    let gate = Arc::new(Event::new());
    threadkit::name(&*gate, "gate");
    let g = Arc::clone(&gate);
    let t = Thread::builder()
        .name("json-waiter")
        .spawn(move || g.wait())
        .unwrap();
    let mut json = serde_json::Value::Null;
    eventually("the waiter shows as waiting", || {
        json = serde_json::to_value(threadkit::dump()).unwrap();
        json["threads"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "json-waiter" && t["state"]["Waiting"]["on"] == "Event \"gate\"")
    });
    assert_eq!(json["recording"], true);
    gate.set();
    t.join().unwrap();
}

fn no_false_alarm_while_a_thread_threadkit_never_saw_or_a_timer_can_still_wake_the_others() {
    setup();
    let q = Arc::new(Queue::new(0));
    let q2 = Arc::clone(&q);
    let unseen = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        q2.put(1).unwrap();
    });
    assert_eq!(q.get(), Ok(1), "woken by a thread threadkit never saw park");
    unseen.join().unwrap();
    let event = Arc::new(Event::new());
    let e = Arc::clone(&event);
    let timer = threadkit::Timer::new(Duration::from_millis(20), move || e.set());
    timer.start().unwrap();
    event.wait(); // the timer waits with a deadline: not asleep for good
    timer.join().unwrap();
}

type Test = (&'static str, fn());

const TESTS: &[Test] = &[
    (
        "a_lock_acquired_twice_by_its_thread_is_reported_with_both_call_sites",
        a_lock_acquired_twice_by_its_thread_is_reported_with_both_call_sites,
    ),
    (
        "two_locks_taken_in_opposite_orders_are_reported_once_naming_both_threads",
        two_locks_taken_in_opposite_orders_are_reported_once_naming_both_threads,
    ),
    (
        "two_threads_joining_each_other_are_reported",
        two_threads_joining_each_other_are_reported,
    ),
    (
        "a_lock_order_inversion_is_reported_with_no_deadlock_at_all",
        a_lock_order_inversion_is_reported_with_no_deadlock_at_all,
    ),
    (
        "no_false_alarm_on_new_locks_at_the_addresses_of_dropped_ones",
        no_false_alarm_on_new_locks_at_the_addresses_of_dropped_ones,
    ),
    (
        "no_false_alarm_on_a_consistent_lock_order",
        no_false_alarm_on_a_consistent_lock_order,
    ),
    (
        "no_false_alarm_on_try_acquire_back_off_or_timed_acquires_in_opposite_orders",
        no_false_alarm_on_try_acquire_back_off_or_timed_acquires_in_opposite_orders,
    ),
    (
        "no_false_alarm_on_rlock_reentry_under_contention",
        no_false_alarm_on_rlock_reentry_under_contention,
    ),
    (
        "no_false_alarm_on_condition_waits",
        no_false_alarm_on_condition_waits,
    ),
    (
        "no_false_alarm_on_a_lock_released_by_another_thread",
        no_false_alarm_on_a_lock_released_by_another_thread,
    ),
    (
        "no_false_alarm_with_many_threads_blocked_on_a_queue_get",
        no_false_alarm_with_many_threads_blocked_on_a_queue_get,
    ),
    (
        "no_false_alarm_while_a_thread_threadkit_never_saw_or_a_timer_can_still_wake_the_others",
        no_false_alarm_while_a_thread_threadkit_never_saw_or_a_timer_can_still_wake_the_others,
    ),
    (
        "no_false_alarm_on_joining_a_stopped_waiter_of_a_held_lock",
        no_false_alarm_on_joining_a_stopped_waiter_of_a_held_lock,
    ),
    (
        "dump_says_who_waits_for_whom_and_who_holds_what",
        dump_says_who_waits_for_whom_and_who_holds_what,
    ),
    (
        "a_dump_of_many_blocked_threads_stops_none_of_them",
        a_dump_of_many_blocked_threads_stops_none_of_them,
    ),
    (
        "a_watchdog_fires_after_its_timeout_unless_cancelled",
        a_watchdog_fires_after_its_timeout_unless_cancelled,
    ),
    #[cfg(target_os = "linux")]
    (
        "every_thread_asleep_is_reported_with_a_dump",
        every_thread_asleep_is_reported_with_a_dump,
    ),
    #[cfg(all(target_os = "linux", feature = "sigquit"))]
    (
        "sigquit_prints_the_dump_and_the_process_goes_on",
        sigquit_prints_the_dump_and_the_process_goes_on,
    ),
    #[cfg(feature = "serde")]
    (
        "a_dump_serializes_as_structured_data",
        a_dump_serializes_as_structured_data,
    ),
];

/// Runs every test in order, on the main thread (or, in a child process, one scenario).
fn main() {
    if let Ok(name) = std::env::var("TK_SCENARIO") {
        scenario(&name);
        return;
    }
    let only = std::env::var("TK_ONLY").ok();
    let mut ran = 0;
    for (name, test) in TESTS {
        if only
            .as_ref()
            .is_some_and(|only| !name.contains(only.as_str()))
        {
            continue;
        }
        print!("test {name} ... ");
        test();
        println!("ok");
        ran += 1;
    }
    println!("{ran} diagnostics tests passed");
}
