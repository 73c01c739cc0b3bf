//! `Event`: Python's `threading.Event` rules.

use std::sync::Arc;
use std::time::Duration;
use threadkit::{Event, Thread};

mod common;

#[test]
fn set_clear_is_set() {
    let e = Event::new();
    assert!(!e.is_set());
    e.set();
    assert!(e.is_set());
    e.set();
    assert!(e.is_set());
    e.clear();
    assert!(!e.is_set());
}

#[test]
fn wait_returns_the_flag() {
    let e = Event::new();
    assert!(!e.wait_timeout(Duration::from_millis(2)));
    e.set();
    assert!(e.wait());
    assert!(e.wait_timeout(Duration::ZERO));
}

#[test]
fn set_wakes_every_waiter() {
    let e = Arc::new(Event::new());
    let threads: Vec<_> = (0..5)
        .map(|_| {
            let e = e.clone();
            Thread::spawn(move || e.wait_timeout(Duration::from_secs(60)))
        })
        .collect();
    e.set();
    for t in threads {
        assert!(t.into_output().unwrap());
    }
}

#[test]
fn stress_ping_pong_exact_rounds() {
    let ping = Arc::new(Event::new());
    let pong = Arc::new(Event::new());
    let rounds = 2_000;
    let (pi, po) = (ping.clone(), pong.clone());
    let t = Thread::spawn(move || {
        for _ in 0..rounds {
            pi.wait();
            pi.clear();
            po.set();
        }
    });
    for _ in 0..rounds {
        ping.set();
        pong.wait();
        pong.clear();
    }
    t.join().unwrap();
}

/// Issue 10, defect 2 (CPython `lock_tests.EventTests.test_set_and_clear`, gh-57711): a `set`
/// followed at once by `clear` releases every thread already waiting, and each `wait` returns
/// true, although the flag is clear again when the waiters run.
#[test]
fn set_then_clear_releases_every_blocked_waiter() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    const N: usize = 8;
    for round in 0..20 {
        let e = Arc::new(Event::new());
        let arrived = Arc::new(AtomicUsize::new(0));
        let waiters: Vec<_> = (0..N)
            .map(|_| {
                let (e, arrived) = (Arc::clone(&e), Arc::clone(&arrived));
                Thread::spawn(move || {
                    arrived.fetch_add(1, Ordering::SeqCst);
                    e.wait_timeout(Duration::from_secs(60))
                })
            })
            .collect();
        while arrived.load(Ordering::SeqCst) < N {
            std::thread::yield_now();
        }
        for w in &waiters {
            common::wait_until_blocked(w.native_id().unwrap());
        }
        e.set();
        e.clear();
        let released = waiters
            .into_iter()
            .map(|w| w.into_output().unwrap())
            .filter(|&woke| woke)
            .count();
        assert_eq!(released, N, "round {round}: every waiter saw the pulse");
        assert!(!e.is_set());
    }
}
