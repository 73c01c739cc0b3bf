//! The seeds' deadlock ("when two acquire operations are run without a release operation")
//! shown with a timeout instead of hanging forever, then as threadkit's diagnostics report it
//! the moment it forms, then two locks taken in opposite orders, then the same orders found
//! by lock-order checking with no deadlock at all, a dump of a hung pipeline, and the cure,
//! `RLock`.

use super::log::log;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};
use threadkit::{
    set_deadlock_policy, set_diagnostics, set_lock_order_checking, DeadlockPolicy, Lock, Queue,
    RLock, Thread, ThreadState,
};

/// Prints a deadlock report, one labelled line at a time.
fn show(report: &str) {
    for line in report.lines() {
        log!("[threadkit] {line}");
    }
}

pub(crate) fn deadlock() {
    let lock = Lock::new();
    log!("Main    : acquire the Lock once");
    lock.acquire();
    log!("Main    : acquire it again (Python would hang here forever)");
    if lock.acquire_timeout(Duration::from_millis(500)) {
        log!("Main    : acquired twice?!");
    } else {
        log!("Main    : deadlock: still waiting after 0.5s, giving up");
    }
    lock.release().expect("held");

    // The same mistake with threadkit's diagnostics on: the report names the thread, the
    // lock and both call sites; the `Panic` policy turns the hang into a failure.
    set_diagnostics(true);
    set_deadlock_policy(DeadlockPolicy::Panic);
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    log!("Main    : again, with threadkit's diagnostics on");
    lock.acquire();
    if let Err(report) = std::panic::catch_unwind(|| lock.acquire()) {
        show(report.downcast_ref::<String>().map_or("", String::as_str));
    }
    lock.release().expect("held");
    std::panic::set_hook(quiet);

    // Two threads taking two locks in opposite orders: the one that closes the cycle fails.
    let _ = threadkit::set_excepthook(|_| {});
    let (a, b) = (Arc::new(Lock::new()), Arc::new(Lock::new()));
    let both = Arc::new(Barrier::new(2));
    let transfer = |name: &str, first: Arc<Lock>, second: Arc<Lock>| {
        let both = Arc::clone(&both);
        Thread::builder()
            .name(name)
            .spawn(move || {
                let _one = first.guard();
                both.wait();
                let _two = second.guard();
            })
            .expect("thread started")
    };
    log!("Main    : two threads take locks A and B in opposite orders");
    let t1 = transfer("transfer-1", Arc::clone(&a), Arc::clone(&b));
    let t2 = transfer("transfer-2", b, a);
    for t in [t1, t2] {
        if let Err(e) = t.join() {
            show(e.panic().map_or("", |p| p.message()));
        }
    }

    // The same opposite orders, one transfer after the other: they never deadlock, but
    // lock-order checking reports the inversion the first time it happens.
    set_lock_order_checking(true);
    let (a, b) = (Arc::new(Lock::new()), Arc::new(Lock::new()));
    threadkit::name(&a, "account A");
    threadkit::name(&b, "account B");
    let transfer = |name: &str, first: &Arc<Lock>, second: &Arc<Lock>| {
        let (first, second) = (Arc::clone(first), Arc::clone(second));
        Thread::builder()
            .name(name)
            .spawn(move || {
                let _one = first.guard();
                let _two = second.guard();
            })
            .expect("thread started")
            .join()
    };
    log!("Main    : with lock-order checking on, transfer-1 takes A then B, and finishes");
    let _ = transfer("transfer-1", &a, &b);
    log!("Main    : then transfer-2 takes B then A: no deadlock today, but reported");
    if let Err(e) = transfer("transfer-2", &b, &a) {
        show(e.panic().map_or("", |p| p.message()));
    }
    set_lock_order_checking(false);
    threadkit::reset_excepthook();
    set_deadlock_policy(DeadlockPolicy::Report);

    hung_pipeline();

    let rlock = RLock::new();
    log!("Main    : the cure: an RLock can be acquired again by its owner");
    rlock.acquire();
    rlock.acquire();
    log!("Main    : RLock acquired {} times", rlock.recursion_count());
    rlock.release().expect("owner");
    rlock.release().expect("owner");
    log!(
        "Main    : RLock released as many times: locked = {}",
        rlock.locked()
    );
}

/// A pipeline that hangs without a cycle of locks: the consumer waits for a lock `main`
/// holds, so the producer waits on the full queue. `threadkit::dump()` shows who waits for
/// whom, like Java's `jstack`; then `main` lets go and everything finishes.
fn hung_pipeline() {
    let jobs = Arc::new(Queue::new(2));
    let output = Arc::new(Lock::new());
    threadkit::name(&jobs, "jobs");
    threadkit::name(&output, "output");
    log!("Main    : a pipeline that hangs: main holds the output lock the consumer needs");
    let held = output.guard();
    let q = Arc::clone(&jobs);
    let producer = Thread::builder()
        .name("producer")
        .spawn(move || {
            for job in 0..5 {
                q.put(job).expect("not shut down");
            }
        })
        .expect("thread started");
    let (q, out) = (Arc::clone(&jobs), Arc::clone(&output));
    let consumer = Thread::builder()
        .name("consumer")
        .spawn(move || {
            for _ in 0..5 {
                let job = q.get().expect("not shut down");
                let _out = out.guard();
                let _ = job;
            }
        })
        .expect("thread started");
    let stuck = |dump: &threadkit::Dump| {
        ["producer", "consumer"].iter().all(|name| {
            dump.threads.iter().any(|t| {
                t.name == *name && matches!(&t.state, ThreadState::Waiting { timed: false, .. })
            })
        })
    };
    let give_up = Instant::now() + Duration::from_secs(30);
    let mut dump = threadkit::dump();
    while !stuck(&dump) && Instant::now() < give_up {
        std::thread::sleep(Duration::from_millis(1));
        dump = threadkit::dump();
    }
    log!("Main    : threadkit::dump() shows who waits for whom:");
    for t in dump
        .threads
        .iter()
        .filter(|t| t.name == "producer" || t.name == "consumer")
    {
        if let ThreadState::Waiting {
            on, verb, held_by, ..
        } = &t.state
        {
            log!("[threadkit]   {:?} waits {verb} {on}", t.name);
            if let Some((holder, _)) = held_by {
                log!("[threadkit]     held by {holder}");
            }
        }
    }
    drop(held);
    producer.join().expect("the producer finished");
    consumer.join().expect("the consumer finished");
    log!("Main    : main let go of the output lock: the pipeline finished");
}
