//! `Semaphore` and `BoundedSemaphore`: Python's counting semaphore rules.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use threadkit::{BoundedSemaphore, ReleaseError, Semaphore, Thread};

#[test]
fn counts_permits() {
    let sem = Semaphore::new(2);
    assert!(sem.try_acquire());
    assert!(sem.try_acquire());
    assert!(!sem.try_acquire());
    assert!(!sem.acquire_timeout(Duration::from_millis(2)));
    sem.release_n(2).unwrap();
    assert_eq!(sem.available(), 2);
}

#[test]
fn zero_initial_blocks_until_release() {
    let sem = Arc::new(Semaphore::new(0));
    let s = sem.clone();
    let t = Thread::spawn(move || s.acquire());
    sem.release().unwrap();
    t.join().unwrap();
    assert_eq!(sem.available(), 0);
}

#[test]
fn release_n_wakes_n_waiters() {
    let sem = Arc::new(Semaphore::new(0));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let s = sem.clone();
            Thread::spawn(move || s.acquire())
        })
        .collect();
    sem.release_n(3).unwrap();
    for t in threads {
        t.join_timeout(Duration::from_secs(60)).unwrap();
    }
}

#[test]
fn bounded_refuses_release_above_initial_value() {
    let sem = BoundedSemaphore::new(2);
    assert_eq!(sem.release(), Err(ReleaseError::TooManyReleases));
    sem.acquire();
    sem.acquire();
    assert_eq!(sem.release_n(3), Err(ReleaseError::TooManyReleases));
    assert_eq!(sem.available(), 0, "a refused release changes nothing");
    sem.release_n(2).unwrap();
    assert_eq!(sem.release(), Err(ReleaseError::TooManyReleases));
    assert_eq!(
        ReleaseError::TooManyReleases.to_string(),
        "semaphore released too many times"
    );
}

#[test]
fn guard_gives_the_permit_back() {
    let sem = Semaphore::new(1);
    {
        let _g = sem.guard();
        assert!(sem.try_guard().is_none());
    }
    assert!(sem.guard_timeout(Duration::from_millis(1)).is_some());
    let bounded = BoundedSemaphore::new(1);
    drop(bounded.guard());
    assert_eq!(bounded.available(), 1);
}

#[test]
fn stress_never_more_than_n_inside() {
    let sem = Arc::new(Semaphore::new(3));
    let inside = Arc::new(AtomicUsize::new(0));
    let max_seen = Arc::new(AtomicUsize::new(0));
    let entries = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let (sem, inside, max_seen, entries) = (
                sem.clone(),
                inside.clone(),
                max_seen.clone(),
                entries.clone(),
            );
            Thread::spawn(move || {
                for _ in 0..2_000 {
                    let _permit = sem.guard();
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    max_seen.fetch_max(now, Ordering::SeqCst);
                    entries.fetch_add(1, Ordering::SeqCst);
                    inside.fetch_sub(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(max_seen.load(Ordering::SeqCst) <= 3);
    assert_eq!(entries.load(Ordering::SeqCst), 12_000);
    assert_eq!(sem.available(), 3);
}

#[test]
fn releasing_zero_permits_is_an_error_on_both_kinds_and_changes_nothing() {
    // Python: `release(0)` raises `ValueError: n must be one or more`.
    let sem = Semaphore::new(1);
    assert_eq!(sem.release_n(0), Err(threadkit::ReleaseError::ZeroPermits));
    assert_eq!(sem.available(), 1);
    let bounded = threadkit::BoundedSemaphore::new(2);
    bounded.acquire();
    assert_eq!(
        bounded.release_n(0),
        Err(threadkit::ReleaseError::ZeroPermits)
    );
    assert_eq!(bounded.available(), 1);
}
