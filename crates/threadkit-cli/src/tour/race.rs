//! The seeds' race condition: `FakeDatabase.update` reads, sleeps, writes; two threads lose
//! an update. Then the fix, `locked_update`, with a `Lock`.
//!
//! ```python
//! def update(self, name):
//!     logging.info("Thread %s: starting update", name)
//!     local_copy = self.value
//!     local_copy += 1
//!     time.sleep(0.1)
//!     self.value = local_copy
//!     logging.info("Thread %s: finishing update", name)
//! ```

use super::log::{log, nap};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use threadkit::{Barrier, Lock, ThreadPoolExecutor};

/// The seeds' `FakeDatabase`. `value` is an atomic only because Rust will not let two threads
/// share a plain integer; each load and store is separate, exactly like Python's
/// `local_copy = self.value` ... `self.value = local_copy`, so the race is the same.
struct FakeDatabase {
    value: AtomicU32,
    lock: Lock,
}

impl FakeDatabase {
    fn new() -> Self {
        FakeDatabase {
            value: AtomicU32::new(0),
            lock: Lock::new(),
        }
    }

    fn update(&self, name: u32) {
        log!("Thread {name}: starting update");
        let mut local_copy = self.value.load(Ordering::SeqCst);
        local_copy += 1;
        nap(0.1);
        self.value.store(local_copy, Ordering::SeqCst);
        log!("Thread {name}: finishing update");
    }

    fn locked_update(&self, name: u32) {
        log!("Thread {name}: starting update");
        {
            let _with = self.lock.guard(); // `with self._lock:`
            let mut local_copy = self.value.load(Ordering::SeqCst);
            local_copy += 1;
            nap(0.1);
            self.value.store(local_copy, Ordering::SeqCst);
        }
        log!("Thread {name}: finishing update");
    }
}

/// Runs `update` twice on a `ThreadPoolExecutor(max_workers=2)`, as the seed does. The two
/// tasks start together at a barrier, which makes the seeds' "usually" into "every time":
/// both read before either writes.
fn two_updates(locked: bool) {
    let database = Arc::new(FakeDatabase::new());
    log!(
        "Testing update. Starting value is {}.",
        database.value.load(Ordering::SeqCst)
    );
    let start = Arc::new(Barrier::new(2).expect("two parties"));
    {
        let executor = ThreadPoolExecutor::new(2).expect("2 workers");
        for index in 0..2 {
            let (db, start) = (Arc::clone(&database), Arc::clone(&start));
            executor
                .submit(move || {
                    start.wait().expect("barrier");
                    if locked {
                        db.locked_update(index);
                    } else {
                        db.update(index);
                    }
                })
                .expect("pool running");
        }
    } // the `with` block ends: the executor waits for both tasks
    log!(
        "Testing update. Ending value is {}.",
        database.value.load(Ordering::SeqCst)
    );
}

pub(crate) fn race_condition() {
    two_updates(false);
}

pub(crate) fn race_fixed_with_lock() {
    two_updates(true);
}

/// threadkit's own: the race found by check mode instead of by luck, its schedule replayed,
/// the fix checked under every schedule within a bound (threadkit's example
/// `finding_the_race`, built with the `check` feature: see `crate::checked`).
pub(super) fn finding_the_race() {
    match crate::checked::run("finding_the_race", &[]) {
        Ok(status) if status.success() => {}
        Ok(status) => {
            eprintln!("the check-mode program failed: {status}");
            std::process::exit(1);
        }
        Err(why) => {
            eprintln!("{why}");
            std::process::exit(1);
        }
    }
}
