//! `Event`: Python's `threading.Event` rules.

use std::sync::Arc;
use std::time::Duration;
use threadkit::{Event, Thread};

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
