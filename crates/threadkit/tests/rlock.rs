//! `RLock`: owner and recursion count, Python's `threading.RLock` rules.

use std::sync::Arc;
use std::time::Duration;
use threadkit::{RLock, ReleaseError, Thread};

#[test]
fn reentrant_acquire_needs_as_many_releases() {
    let lock = RLock::new();
    lock.acquire();
    lock.acquire();
    assert!(lock.try_acquire());
    assert_eq!(lock.recursion_count(), 3);
    lock.release().unwrap();
    lock.release().unwrap();
    assert!(lock.locked());
    lock.release().unwrap();
    assert!(!lock.locked());
    assert_eq!(lock.release(), Err(ReleaseError::Unlocked));
}

#[test]
fn release_by_non_owner_is_an_error() {
    let lock = Arc::new(RLock::new());
    lock.acquire();
    let l = lock.clone();
    let r = Thread::spawn(move || l.release()).into_output().unwrap();
    assert_eq!(r, Err(ReleaseError::NotOwner));
    assert_eq!(lock.recursion_count(), 1, "nothing changed");
    lock.release().unwrap();
}

#[test]
fn other_threads_block_until_fully_released() {
    let lock = Arc::new(RLock::new());
    let outer = lock.guard();
    let inner = lock.guard();
    let l = lock.clone();
    let t = Thread::spawn(move || l.try_acquire());
    assert!(!t.into_output().unwrap());
    drop(inner);
    let l = lock.clone();
    let t = Thread::spawn(move || l.acquire_timeout(Duration::from_millis(5)));
    assert!(!t.into_output().unwrap(), "still held once");
    drop(outer);
    let l = lock.clone();
    let t = Thread::spawn(move || {
        let ok = l.try_acquire();
        l.release().unwrap();
        ok
    });
    assert!(t.into_output().unwrap());
}

#[test]
fn is_owned_is_per_thread() {
    let lock = Arc::new(RLock::new());
    let _g = lock.guard();
    assert!(lock.is_owned());
    let l = lock.clone();
    assert!(!Thread::spawn(move || l.is_owned()).into_output().unwrap());
}

#[test]
fn stress_recursive_counter() {
    let lock = Arc::new(RLock::new());
    let value = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (lock, value) = (lock.clone(), value.clone());
            Thread::spawn(move || {
                for _ in 0..5_000 {
                    let _a = lock.guard();
                    let _b = lock.guard();
                    let v = value.load(std::sync::atomic::Ordering::Relaxed);
                    value.store(v + 1, std::sync::atomic::Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(value.load(std::sync::atomic::Ordering::Relaxed), 20_000);
    assert!(!lock.locked());
}

/// Issue 10, defect 15: `{:?}` shows the recursion count, also when read from another thread
/// (CPython's repr: `owner=... count=N`).
#[test]
fn debug_shows_the_recursion_count_from_any_thread() {
    let lock = std::sync::Arc::new(threadkit::RLock::new());
    assert!(format!("{lock:?}").contains("count: 0"));
    lock.acquire();
    lock.acquire();
    let mine = format!("{lock:?}");
    assert!(mine.contains("count: 2"), "{mine}");
    let l = std::sync::Arc::clone(&lock);
    let theirs = threadkit::Thread::spawn(move || format!("{l:?}"))
        .into_output()
        .unwrap();
    assert!(theirs.contains("count: 2"), "{theirs}");
    lock.release().unwrap();
    lock.release().unwrap();
    assert!(format!("{lock:?}").contains("count: 0"));
}

#[test]
fn a_guard_released_by_hand_leaves_the_next_owners_hold_alone() {
    use threadkit::Event;
    let lock = Arc::new(RLock::new());
    let guard = lock.guard();
    lock.release().unwrap(); // by hand: the guard's level is gone
    let (held, done) = (Arc::new(Event::new()), Arc::new(Event::new()));
    let other = {
        let (lock, held, done) = (lock.clone(), held.clone(), done.clone());
        Thread::spawn(move || {
            let _g = lock.guard();
            held.set();
            done.wait();
            lock.recursion_count()
        })
    };
    held.wait();
    drop(guard); // not the owner any more: releases nothing
    assert!(lock.locked(), "the other thread's level is intact");
    done.set();
    assert_eq!(other.into_output().unwrap(), 1);
    assert!(!lock.locked());
}
