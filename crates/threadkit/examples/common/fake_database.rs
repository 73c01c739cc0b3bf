//! The seeds' FakeDatabase as a check-mode test body, shared by `tests/check.rs` and the
//! `check_rate` example (the rate the bench reports is for the very test the suite runs).

use std::sync::Arc;
use std::time::Duration;
use threadkit::atomic::{AtomicU64, Ordering};
use threadkit::{Lock, Thread};

/// The seeds' FakeDatabase: two threads each read the value, sleep, and write it back plus
/// one. Unlocked, one update is lost in some interleavings.
pub(crate) fn fake_database(locked: bool, sleep: bool) -> impl Fn() + Send + Sync + 'static {
    move || {
        let value = Arc::new(AtomicU64::new(0));
        let lock = Arc::new(Lock::new());
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (value, lock) = (Arc::clone(&value), Arc::clone(&lock));
                Thread::spawn(move || {
                    let _guard = locked.then(|| lock.guard());
                    let local_copy = value.load(Ordering::SeqCst) + 1;
                    if sleep {
                        threadkit::sleep(Duration::from_millis(100));
                    }
                    value.store(local_copy, Ordering::SeqCst);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(value.load(Ordering::SeqCst), 2, "an update was lost");
    }
}
