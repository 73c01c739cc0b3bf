//! `Condition` over `Lock` and `RLock`: Python's `threading.Condition` rules.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use threadkit::{Condition, Lock, NotOwnedError, RLock, Thread};

const HANG_GUARD: Duration = Duration::from_secs(60);

#[test]
fn wait_and_notify_without_the_lock_are_errors() {
    let cond = Condition::new();
    assert_eq!(cond.wait(), Err(NotOwnedError));
    assert_eq!(
        cond.wait_timeout(Duration::from_millis(1)),
        Err(NotOwnedError)
    );
    assert_eq!(cond.notify(), Err(NotOwnedError));
    assert_eq!(cond.notify_all(), Err(NotOwnedError));
    let over_lock = Condition::with_lock(Lock::new());
    assert_eq!(over_lock.notify(), Err(NotOwnedError));
}

#[test]
fn rlock_held_by_another_thread_is_not_owned() {
    let cond = Arc::new(Condition::new());
    let _g = cond.guard();
    let c = cond.clone();
    assert_eq!(
        Thread::spawn(move || c.notify()).into_output().unwrap(),
        Err(NotOwnedError)
    );
}

#[test]
fn wait_timeout_reports_timeout_and_reacquires() {
    let cond = Condition::with_lock(Lock::new());
    let _g = cond.guard();
    assert_eq!(cond.wait_timeout(Duration::from_millis(2)), Ok(false));
    assert!(
        cond.lock().locked(),
        "the lock is held again after the wait"
    );
}

#[test]
fn wait_with_rlock_held_three_times_releases_fully_and_restores() {
    let cond = Arc::new(Condition::with_lock(RLock::new()));
    let stage = Arc::new(AtomicUsize::new(0));
    let (c, s) = (cond.clone(), stage.clone());
    let waiter = Thread::spawn(move || {
        c.acquire();
        c.acquire();
        c.acquire();
        s.store(1, Ordering::SeqCst);
        c.wait_for(|| s.load(Ordering::SeqCst) == 2).unwrap();
        let count = c.lock().recursion_count();
        for _ in 0..3 {
            c.release().unwrap();
        }
        count
    });
    // The waiter holds the RLock three times; we can only get it if wait released all three.
    loop {
        let _g = cond.guard();
        if stage.load(Ordering::SeqCst) == 1 {
            stage.store(2, Ordering::SeqCst);
            cond.notify().unwrap();
            break;
        }
    }
    assert_eq!(waiter.into_output().unwrap(), 3);
    assert!(!cond.lock().locked());
}

#[test]
fn notify_n_wakes_exactly_n() {
    let cond = Arc::new(Condition::with_lock(Lock::new()));
    let waiting = Arc::new(AtomicUsize::new(0));
    let woken = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..5)
        .map(|_| {
            let (c, waiting, woken) = (cond.clone(), waiting.clone(), woken.clone());
            Thread::spawn(move || {
                let _g = c.guard();
                waiting.fetch_add(1, Ordering::SeqCst);
                c.wait().unwrap();
                woken.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    // All five are inside wait() once each has counted itself and released the lock.
    loop {
        let _g = cond.guard();
        if waiting.load(Ordering::SeqCst) == 5 {
            cond.notify_n(2).unwrap();
            break;
        }
    }
    // Wait until the two woken threads are through.
    while woken.load(Ordering::SeqCst) < 2 {
        std::thread::yield_now();
    }
    {
        let _g = cond.guard();
        assert_eq!(
            woken.load(Ordering::SeqCst),
            2,
            "notify(2) woke exactly two"
        );
        cond.notify_all().unwrap();
    }
    for t in threads {
        t.join_timeout(HANG_GUARD).unwrap();
    }
    assert_eq!(woken.load(Ordering::SeqCst), 5);
}

#[test]
fn wait_for_returns_predicates_last_value() {
    let cond = Condition::new();
    let _g = cond.guard();
    assert_eq!(
        cond.wait_for_timeout(|| false, Duration::from_millis(2)),
        Ok(false)
    );
    assert_eq!(cond.wait_for_timeout(|| true, Duration::ZERO), Ok(true));
}

#[test]
fn shared_lock_through_arc() {
    let lock = Arc::new(Lock::new());
    let cond = Condition::with_lock(lock.clone());
    lock.acquire();
    cond.notify_all().unwrap();
    lock.release().unwrap();
    assert_eq!(cond.notify_all(), Err(NotOwnedError));
}

#[test]
fn stress_producer_consumer_no_lost_wakeup() {
    let cond = Arc::new(Condition::with_lock(Lock::new()));
    let items = Arc::new(AtomicUsize::new(0));
    let consumed = Arc::new(AtomicUsize::new(0));
    let total = 4_000;
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let (c, items, consumed) = (cond.clone(), items.clone(), consumed.clone());
            Thread::spawn(move || loop {
                let _g = c.guard();
                c.wait_for(|| {
                    items.load(Ordering::SeqCst) > 0 || consumed.load(Ordering::SeqCst) >= total
                })
                .unwrap();
                if items.load(Ordering::SeqCst) > 0 {
                    items.fetch_sub(1, Ordering::SeqCst);
                    consumed.fetch_add(1, Ordering::SeqCst);
                    if consumed.load(Ordering::SeqCst) == total {
                        c.notify_all().unwrap();
                    }
                } else {
                    return;
                }
            })
        })
        .collect();
    for _ in 0..total {
        let _g = cond.guard();
        items.fetch_add(1, Ordering::SeqCst);
        cond.notify().unwrap();
    }
    for c in consumers {
        c.join_timeout(HANG_GUARD).unwrap();
    }
    assert_eq!(consumed.load(Ordering::SeqCst), total);
}
