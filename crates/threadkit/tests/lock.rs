//! `Lock` and `Mutex<T>`: Python's `threading.Lock` rules (cases follow CPython's
//! `Lib/test/lock_tests.py` where they apply) plus the data-owning form.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use threadkit::{Event, Lock, Mutex, ReleaseError, Thread};

const HANG_GUARD: Duration = Duration::from_secs(60);

#[test]
fn acquire_release_and_locked() {
    let lock = Lock::new();
    assert!(!lock.locked());
    lock.acquire();
    assert!(lock.locked());
    lock.release().unwrap();
    assert!(!lock.locked());
}

#[test]
fn release_unlocked_is_an_error() {
    let lock = Lock::new();
    assert_eq!(lock.release(), Err(ReleaseError::Unlocked));
    assert_eq!(ReleaseError::Unlocked.to_string(), "release unlocked lock");
}

#[test]
fn try_and_timeout_forms_report_success() {
    let lock = Lock::new();
    assert!(lock.try_acquire());
    assert!(!lock.try_acquire());
    assert!(!lock.acquire_timeout(Duration::from_millis(5)));
    lock.release().unwrap();
    assert!(lock.acquire_timeout(Duration::from_millis(5)));
    lock.release().unwrap();
}

#[test]
fn a_lock_is_not_reentrant() {
    let lock = Lock::new();
    let _g = lock.guard();
    // Acquiring twice on one thread would deadlock; with a timeout it just fails.
    assert!(!lock.acquire_timeout(Duration::from_millis(5)));
}

#[test]
fn cross_thread_release_like_pythons_pipeline() {
    let lock = Arc::new(Lock::new());
    lock.acquire();
    let l = lock.clone();
    let waiter = Thread::spawn(move || {
        l.acquire(); // blocks until another thread releases
        true
    });
    let l = lock.clone();
    Thread::spawn(move || l.release().unwrap()).join().unwrap();
    assert!(waiter.into_output().unwrap());
    assert!(lock.locked(), "the waiter holds it now");
    lock.release().unwrap(); // and yet another thread releases it
}

#[test]
fn guard_releases_on_panic() {
    let lock = Arc::new(Lock::new());
    let l = lock.clone();
    threadkit::set_excepthook(|_| {});
    let t = Thread::spawn(move || {
        let _g = l.guard();
        panic!("while holding");
    });
    assert!(t.join().is_err());
    threadkit::reset_excepthook();
    assert!(!lock.locked());
}

#[test]
fn blocked_acquirers_all_get_through() {
    let lock = Arc::new(Lock::new());
    let go = Arc::new(Event::new());
    lock.acquire();
    let done = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..5)
        .map(|_| {
            let (lock, go, done) = (lock.clone(), go.clone(), done.clone());
            Thread::spawn(move || {
                go.wait();
                let _g = lock.guard();
                done.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    go.set();
    lock.release().unwrap();
    for t in threads {
        t.join_timeout(HANG_GUARD).unwrap();
    }
    assert_eq!(done.load(Ordering::SeqCst), 5);
}

#[test]
fn stress_no_lost_update() {
    let lock = Arc::new(Lock::new());
    let value = Arc::new(AtomicUsize::new(0));
    let per_thread = 20_000;
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (lock, value) = (lock.clone(), value.clone());
            Thread::spawn(move || {
                for _ in 0..per_thread {
                    let _g = lock.guard();
                    let v = value.load(Ordering::Relaxed);
                    value.store(v + 1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(value.load(Ordering::Relaxed), 4 * per_thread);
}

#[test]
fn mutex_guards_data_and_has_no_poison() {
    let m = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let m = m.clone();
            Thread::spawn(move || {
                for j in 0..1000 {
                    m.lock().push(i * 1000 + j);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut v = m.lock().clone();
    v.sort_unstable();
    assert_eq!(v, (0..4000).collect::<Vec<_>>());

    let m2 = m.clone();
    threadkit::set_excepthook(|_| {});
    let _ = Thread::spawn(move || {
        let mut g = m2.lock();
        g.clear();
        panic!("mid-update");
    })
    .join();
    threadkit::reset_excepthook();
    assert!(m.lock().is_empty(), "usable after a panic, no poisoning");
    assert!(m.try_lock().is_some());
    assert!(m.lock_timeout(Duration::from_millis(1)).is_some());
}
