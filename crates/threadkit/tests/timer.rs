//! `Timer`: Python's `threading.Timer` rules; cancellation is a guarantee.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use threadkit::{Builder, Thread, Timer};

#[test]
fn fires_after_the_interval() {
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let t = Timer::new(Duration::from_millis(1), move || {
        r.fetch_add(1, Ordering::SeqCst);
    });
    t.start().unwrap();
    t.join().unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert!(t.has_fired());
    assert!(!t.cancel(), "too late to cancel");
}

#[test]
fn cancelled_before_firing_never_runs() {
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let t = Timer::new(Duration::from_secs(3600), move || {
        r.fetch_add(1, Ordering::SeqCst);
    });
    t.start().unwrap();
    assert!(t.cancel());
    t.join().unwrap(); // returns promptly: cancel wakes the timer thread
    assert_eq!(runs.load(Ordering::SeqCst), 0);
    assert!(!t.has_fired());
}

#[test]
fn cancel_racing_the_deadline_is_exclusive() {
    // Whatever the interleaving, exactly one of "ran" and "cancel() == true" happens.
    for _ in 0..200 {
        let runs = Arc::new(AtomicUsize::new(0));
        let r = runs.clone();
        let t = Timer::new(Duration::ZERO, move || {
            r.fetch_add(1, Ordering::SeqCst);
        });
        t.start().unwrap();
        let cancelled = t.cancel();
        t.join().unwrap();
        assert_eq!(runs.load(Ordering::SeqCst), usize::from(!cancelled));
    }
}

#[test]
fn a_timer_is_a_thread() {
    let t = Timer::with_builder(Builder::new().name("alarm"), Duration::ZERO, || ());
    assert_eq!(t.name(), "alarm");
    t.set_daemon(true).unwrap();
    assert!(t.is_daemon());
    t.start().unwrap();
    assert!(t.start().is_err());
    t.join().unwrap();
    assert!(!t.is_alive());
}

#[test]
fn panicking_function_reaches_the_joiner() {
    threadkit::set_excepthook(|_| {});
    let t = Timer::new(Duration::ZERO, || panic!("timer body"));
    t.start().unwrap();
    let err = t.join().unwrap_err();
    threadkit::reset_excepthook();
    assert_eq!(err.panic().unwrap().message(), "timer body");
    // Joinable from other threads too.
    let h = (*t).clone();
    assert!(Thread::spawn(move || h.join().is_err())
        .into_output()
        .unwrap());
}
