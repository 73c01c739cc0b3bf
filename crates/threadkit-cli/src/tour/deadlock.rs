//! The seeds' deadlock ("when two acquire operations are run without a release operation")
//! shown with a timeout instead of hanging forever, then as threadkit's diagnostics report it
//! the moment it forms, then two locks taken in opposite orders, and the cure, `RLock`.

use super::log::log;
use std::sync::{Arc, Barrier};
use std::time::Duration;
use threadkit::{set_deadlock_policy, set_diagnostics, DeadlockPolicy, Lock, RLock, Thread};

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
    threadkit::reset_excepthook();
    set_deadlock_policy(DeadlockPolicy::Report);

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
