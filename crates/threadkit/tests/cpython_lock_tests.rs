//! A port of CPython's `Lib/test/lock_tests.py` (CPython 3.14, the version after Victor
//! Stinner's rewrite with `wait_threads_blocked` and the gh-134322 / gh-134323 `RLock`
//! tests) onto threadkit's public API, as CPython's `Lib/test/test_threading.py` instantiates
//! it: `LockTests`, `RLockTests`, `ConditionAsRLockTests`, `EventTests`, `ConditionTests`,
//! `SemaphoreTests`, `BoundedSemaphoreTests`, `BarrierTests`.
//!
//! This is a port of the behaviour the tests check, not of their text. Each module is one
//! Python class and each test is named after the Python test it ports; the base classes
//! (`BaseLockTests`, `BaseSemaphoreTests`) are generic functions instantiated per type.
//!
//! Differences from CPython, by design of the port:
//! - CPython's `Bunch` starts threads with `_thread.start_new_thread`; here they are
//!   `std::thread`s, likewise threads threadkit did not start.
//! - Where CPython sleeps "long enough" for threads to block (`wait_threads_blocked`), the
//!   port waits until the threads sleep in the kernel (`cpython_support::wait_blocked`), or
//!   relies on an ordering the primitive guarantees (a condition waiter is queued before it
//!   releases the lock).
//! - Timeouts are shorter (100 ms instead of 0.5 s). A timed wait that gives up must not
//!   have waited less than its timeout; nothing asserts an upper bound. Waits that must
//!   succeed use a 60 s hang guard.
//! - threadkit's documented Rust forms are asserted where it differs from Python, with a
//!   `// Rust form:` comment: `release` returns `Result<(), ReleaseError>` instead of raising,
//!   `Condition` waits return `Result<_, NotOwnedError>`, `repr` is `Debug`, Python's
//!   optional arguments are separate methods (`try_acquire`, `acquire_timeout`, `release_n`).
//!
//! Skipped, with no counterpart in threadkit's API:
//! - `BaseLockTests.test_constructor_noargs`: constructors that take no arguments are checked
//!   by the compiler.
//! - `BaseLockTests.test_weakref_exists`, `test_weakref_deleted`: no garbage collector, no
//!   weak references to plain values; drop is deterministic.
//! - `LockTests.test_at_fork_reinit`, `EventTests.test_at_fork_reinit`: `fork` and
//!   `_at_fork_reinit` are not part of threadkit.
//! - `BaseLockTests.test_timeout`, `BaseSemaphoreTests.test_acquire_timeout`: only the
//!   `ValueError` / `OverflowError` parts (a negative timeout, a timeout with
//!   `blocking=False`) are unrepresentable (`Duration` is unsigned, `try_acquire` takes no
//!   timeout); the rest is ported. A timeout too large for the clock means "forever".
//! - `BaseSemaphoreTests.test_constructor`, `BarrierTests.test_constructor` (the `-1` part): a
//!   negative count is unrepresentable (`usize`); `Barrier::new(0)` is ported.
//! - `ConditionAsRLockTests.test_recursion_count`, `test_constructor_noargs`: CPython skips
//!   them too (`Condition` does not expose `_recursion_count()`).

mod cpython_support;

use cpython_support::{bunch, earliest_give_up, not_early, wait_until, HANG_GUARD};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use threadkit::{
    Barrier, BoundedSemaphore, Condition, Event, Lock, NotOwnedError, RLock, ReleaseError,
    Semaphore,
};

/// The timeout of the tests that check a timed wait gives up (CPython: 0.5 s).
const TIMEOUT: Duration = Duration::from_millis(100);

const SEQ: Ordering = Ordering::SeqCst;

/// Runs `body`, expecting it to panic (Python: `with self.assertRaises(TypeError):`).
fn expect_panic(body: impl FnOnce()) {
    assert!(
        panic::catch_unwind(AssertUnwindSafe(body)).is_err(),
        "the body was expected to panic"
    );
}

/// Whether a `Debug` rendering shows a recursion count of `n` (CPython's repr: `count=n`).
fn shows_count(debug: &str, n: usize) -> bool {
    debug.contains(&format!("count: {n}")) || debug.contains(&format!("count={n}"))
}

// ---------------------------------------------------------------------------------------------
// The lock types BaseLockTests and RLockTests run on.

/// What `BaseLockTests` needs of a lock.
trait LockKind: Send + Sync + fmt::Debug {
    fn make() -> Self;
    fn acquire(&self);
    fn try_acquire(&self) -> bool;
    fn acquire_timeout(&self, timeout: Duration) -> bool;
    fn release(&self) -> Result<(), ReleaseError>;
    fn locked(&self) -> bool;
    /// Python's `with lock: body`, through the type's guard.
    fn with<R>(&self, body: impl FnOnce() -> R) -> R;
}

/// What `RLockTests` needs on top.
trait RLockKind: LockKind {
    fn is_owned(&self) -> bool;
}

impl LockKind for Lock {
    fn make() -> Self {
        Lock::new()
    }
    fn acquire(&self) {
        Lock::acquire(self);
    }
    fn try_acquire(&self) -> bool {
        Lock::try_acquire(self)
    }
    fn acquire_timeout(&self, timeout: Duration) -> bool {
        Lock::acquire_timeout(self, timeout)
    }
    fn release(&self) -> Result<(), ReleaseError> {
        Lock::release(self)
    }
    fn locked(&self) -> bool {
        Lock::locked(self)
    }
    fn with<R>(&self, body: impl FnOnce() -> R) -> R {
        let _with = self.guard();
        body()
    }
}

impl LockKind for RLock {
    fn make() -> Self {
        RLock::new()
    }
    fn acquire(&self) {
        RLock::acquire(self);
    }
    fn try_acquire(&self) -> bool {
        RLock::try_acquire(self)
    }
    fn acquire_timeout(&self, timeout: Duration) -> bool {
        RLock::acquire_timeout(self, timeout)
    }
    fn release(&self) -> Result<(), ReleaseError> {
        RLock::release(self)
    }
    fn locked(&self) -> bool {
        RLock::locked(self)
    }
    fn with<R>(&self, body: impl FnOnce() -> R) -> R {
        let _with = self.guard();
        body()
    }
}

impl RLockKind for RLock {
    fn is_owned(&self) -> bool {
        RLock::is_owned(self)
    }
}

/// CPython's `ConditionAsRLockTests`: a `Condition` exports its `RLock`'s API. Rust form:
/// `acquire`, `release` and `guard` are on the condition, the rest on `cond.lock()`.
impl LockKind for Condition {
    fn make() -> Self {
        Condition::new()
    }
    fn acquire(&self) {
        Condition::acquire(self);
    }
    fn try_acquire(&self) -> bool {
        self.lock().try_acquire()
    }
    fn acquire_timeout(&self, timeout: Duration) -> bool {
        self.lock().acquire_timeout(timeout)
    }
    fn release(&self) -> Result<(), ReleaseError> {
        Condition::release(self)
    }
    fn locked(&self) -> bool {
        self.lock().locked()
    }
    fn with<R>(&self, body: impl FnOnce() -> R) -> R {
        let _with = self.guard();
        body()
    }
}

impl RLockKind for Condition {
    fn is_owned(&self) -> bool {
        self.lock().is_owned()
    }
}

/// `BaseLockTests`: for both recursive and non-recursive locks.
mod base_lock {
    use super::*;

    pub(crate) fn test_constructor<L: LockKind>() {
        let lock = L::make();
        assert!(!lock.locked());
        drop(lock);
    }

    pub(crate) fn test_repr<L: LockKind>() {
        let lock = L::make();
        // Rust form: `Debug` instead of `<unlocked ... object at ...>`.
        assert!(format!("{lock:?}").contains("locked: false"), "{lock:?}");
    }

    pub(crate) fn test_locked_repr<L: LockKind>() {
        let lock = L::make();
        lock.acquire();
        assert!(format!("{lock:?}").contains("locked: true"), "{lock:?}");
        lock.release().unwrap();
    }

    pub(crate) fn test_acquire_destroy<L: LockKind>() {
        let lock = L::make();
        lock.acquire();
        assert!(lock.locked());
        drop(lock); // dropping a held lock is fine
    }

    pub(crate) fn test_acquire_release<L: LockKind>() {
        let lock = L::make();
        lock.acquire();
        assert_eq!(lock.release(), Ok(()));
        assert!(!lock.locked());
    }

    pub(crate) fn test_try_acquire<L: LockKind>() {
        let lock = L::make();
        assert!(lock.try_acquire());
        lock.release().unwrap();
    }

    pub(crate) fn test_try_acquire_contended<L: LockKind>() {
        let lock = L::make();
        lock.acquire();
        let result = AtomicBool::new(true);
        bunch(1, false, || result.store(lock.try_acquire(), SEQ), |_| ());
        assert!(!result.load(SEQ));
        lock.release().unwrap();
    }

    pub(crate) fn test_acquire_contended<L: LockKind>() {
        let lock = L::make();
        lock.acquire();
        let f = || {
            assert!(lock.acquire_timeout(HANG_GUARD));
            lock.release().unwrap();
        };
        let n = 5;
        bunch(n, false, f, |b| {
            // The threads block on `acquire`.
            b.wait_blocked();
            assert_eq!(b.finished(), 0);
            // Unblock them.
            lock.release().unwrap();
        });
        // `bunch` returns once all `n` threads have finished.
        assert!(!lock.locked());
    }

    pub(crate) fn test_with<L: LockKind>() {
        let lock = L::make();
        let f = || {
            assert!(lock.acquire_timeout(HANG_GUARD));
            lock.release().unwrap();
        };
        // Acquire the lock, do nothing: the guard releases it.
        lock.with(|| ());
        // The lock is free again: another thread can take it.
        bunch(1, false, f, |_| ());
        // A panic inside the block releases it too (Python: an exception inside `with`).
        expect_panic(|| lock.with(|| panic!("TypeError")));
        bunch(1, false, f, |_| ());
        assert!(!lock.locked());
    }

    pub(crate) fn test_thread_leak<L: LockKind>() {
        // Using the lock from threads threadkit did not start must not register them.
        let lock = L::make();
        let idents = Mutex::new(Vec::new());
        let f = || {
            lock.acquire();
            lock.release().unwrap();
            idents.lock().unwrap().push(threadkit::get_ident());
        };
        bunch(15, false, f, |_| ());
        let idents = idents.into_inner().unwrap();
        assert_eq!(idents.len(), 15);
        for handle in threadkit::enumerate() {
            assert!(
                !idents.contains(&handle.ident().unwrap_or(0)),
                "{handle:?} was registered"
            );
        }
    }

    pub(crate) fn test_timeout<L: LockKind>() {
        let lock = L::make();
        // CPython: TIMEOUT_MAX is ok. Rust form: any `Duration`; one too large for the clock
        // means forever.
        assert!(lock.acquire_timeout(Duration::MAX));
        lock.release().unwrap();
        // A free lock is acquired at once (CPython also checks it took less than 5 s).
        assert!(lock.acquire_timeout(Duration::from_secs(5)));
        let result = Mutex::new(None);
        let f = || {
            let earliest = earliest_give_up(TIMEOUT);
            let got = lock.acquire_timeout(TIMEOUT);
            *result.lock().unwrap() = Some((got, not_early(earliest)));
        };
        bunch(1, false, f, |_| ());
        let (got, in_time) = result.into_inner().unwrap().unwrap();
        assert!(!got);
        assert!(in_time, "the acquire gave up before its timeout");
        lock.release().unwrap();
    }
}

/// The `BaseLockTests` tests, for the lock type `$L`.
macro_rules! base_lock_tests {
    ($L:ty) => {
        #[test]
        fn test_constructor() {
            base_lock::test_constructor::<$L>();
        }
        #[test]
        fn test_repr() {
            base_lock::test_repr::<$L>();
        }
        #[test]
        fn test_locked_repr() {
            base_lock::test_locked_repr::<$L>();
        }
        #[test]
        fn test_acquire_destroy() {
            base_lock::test_acquire_destroy::<$L>();
        }
        #[test]
        fn test_acquire_release() {
            base_lock::test_acquire_release::<$L>();
        }
        #[test]
        fn test_try_acquire() {
            base_lock::test_try_acquire::<$L>();
        }
        #[test]
        fn test_try_acquire_contended() {
            base_lock::test_try_acquire_contended::<$L>();
        }
        #[test]
        fn test_acquire_contended() {
            base_lock::test_acquire_contended::<$L>();
        }
        #[test]
        fn test_with() {
            base_lock::test_with::<$L>();
        }
        #[test]
        fn test_thread_leak() {
            base_lock::test_thread_leak::<$L>();
        }
        #[test]
        fn test_timeout() {
            base_lock::test_timeout::<$L>();
        }
    };
}

/// `LockTests`: non-recursive locks, which any thread may release.
mod lock_tests {
    use super::*;

    base_lock_tests!(Lock);

    #[test]
    fn test_reacquire() {
        // The lock must be released before it can be acquired again, even by its holder.
        let lock = Lock::new();
        let phase = AtomicUsize::new(0);
        let f = || {
            lock.acquire();
            phase.fetch_add(1, SEQ);
            assert!(lock.acquire_timeout(HANG_GUARD));
            phase.fetch_add(1, SEQ);
        };
        bunch(1, false, f, |b| {
            wait_until("reached phase 1", || phase.load(SEQ) >= 1);
            // The thread blocks on its second `acquire`.
            b.wait_blocked();
            assert_eq!(phase.load(SEQ), 1);
            lock.release().unwrap();
            wait_until("reached phase 2", || phase.load(SEQ) >= 2);
            assert_eq!(phase.load(SEQ), 2);
        });
    }

    #[test]
    fn test_different_thread() {
        // A Lock can be released from a different thread.
        let lock = Lock::new();
        lock.acquire();
        bunch(1, false, || lock.release().unwrap(), |_| ());
        lock.acquire();
        lock.release().unwrap();
    }

    #[test]
    fn test_state_after_timeout() {
        // Issue #11618: the lock is in a proper state after a (non-zero) timeout.
        let lock = Lock::new();
        lock.acquire();
        assert!(!lock.acquire_timeout(Duration::from_millis(10)));
        lock.release().unwrap();
        assert!(!lock.locked());
        assert!(lock.try_acquire());
        lock.release().unwrap();
    }
}

/// `RLockTests`: recursive locks.
mod rlock {
    use super::*;

    pub(crate) fn test_repr_count<L: RLockKind>() {
        // gh-134322: the count is right for a new lock, and when another thread looks.
        let lock = L::make();
        let debug = format!("{lock:?}");
        assert!(shows_count(&debug, 0), "{debug}");
        assert!(debug.contains("locked: false"), "{debug}");
        lock.acquire();
        lock.acquire();
        let debug = format!("{lock:?}");
        assert!(shows_count(&debug, 2), "{debug}");
        assert!(debug.contains("locked: true"), "{debug}");
        let seen = Mutex::new(String::new());
        bunch(
            1,
            false,
            || *seen.lock().unwrap() = format!("{lock:?}"),
            |_| (),
        );
        let seen = seen.into_inner().unwrap();
        assert!(shows_count(&seen, 2), "{seen}");
        assert!(seen.contains("locked: true"), "{seen}");
        lock.release().unwrap();
        lock.release().unwrap();
    }

    pub(crate) fn test_reacquire<L: RLockKind>() {
        let lock = L::make();
        lock.acquire();
        lock.acquire();
        lock.release().unwrap();
        lock.acquire();
        lock.release().unwrap();
        lock.release().unwrap();
        assert!(!lock.locked());
    }

    pub(crate) fn test_release_unacquired<L: RLockKind>() {
        // Cannot release an unacquired lock. Rust form: `Err(ReleaseError::Unlocked)`
        // instead of `RuntimeError`.
        let lock = L::make();
        assert_eq!(lock.release(), Err(ReleaseError::Unlocked));
        lock.acquire();
        lock.acquire();
        lock.release().unwrap();
        lock.acquire();
        lock.release().unwrap();
        lock.release().unwrap();
        assert_eq!(lock.release(), Err(ReleaseError::Unlocked));
    }

    pub(crate) fn test_locked<L: RLockKind>() {
        let lock = L::make();
        assert!(!lock.locked());
        lock.acquire();
        assert!(lock.locked());
        lock.acquire();
        assert!(lock.locked());
        lock.release().unwrap();
        assert!(lock.locked());
        lock.release().unwrap();
        assert!(!lock.locked());
    }

    pub(crate) fn test_locked_with_2threads<L: RLockKind>() {
        // gh-134323: a lock acquired in another thread is locked in this one.
        let lock = L::make();
        assert!(!lock.locked());
        let result = Mutex::new(Vec::new());
        let f = || {
            result.lock().unwrap().push(lock.locked());
            lock.acquire();
            result.lock().unwrap().push(lock.locked());
        };
        bunch(1, false, f, |_| ());
        assert!(lock.locked(), "the thread ended holding it");
        assert_eq!(*result.lock().unwrap(), [false, true]);
    }

    pub(crate) fn test_different_thread<L: RLockKind>() {
        // Cannot release from a different thread. Rust form: `Err(ReleaseError::NotOwner)`.
        let lock = L::make();
        bunch(
            1,
            true,
            || lock.acquire(),
            |b| {
                wait_until("saw the thread acquire", || b.finished() == 1);
                assert_eq!(lock.release(), Err(ReleaseError::NotOwner));
                b.do_finish();
            },
        );
    }

    pub(crate) fn test_is_owned<L: RLockKind>() {
        let lock = L::make();
        assert!(!lock.is_owned());
        lock.acquire();
        assert!(lock.is_owned());
        lock.acquire();
        assert!(lock.is_owned());
        let result = AtomicBool::new(true);
        bunch(1, false, || result.store(lock.is_owned(), SEQ), |_| ());
        assert!(!result.load(SEQ));
        lock.release().unwrap();
        assert!(lock.is_owned());
        lock.release().unwrap();
        assert!(!lock.is_owned());
    }
}

/// The `RLockTests` tests shared by `RLock` and `Condition`, for the type `$L`.
macro_rules! rlock_tests {
    ($L:ty) => {
        #[test]
        fn test_repr_count() {
            rlock::test_repr_count::<$L>();
        }
        #[test]
        fn test_reacquire() {
            rlock::test_reacquire::<$L>();
        }
        #[test]
        fn test_release_unacquired() {
            rlock::test_release_unacquired::<$L>();
        }
        #[test]
        fn test_locked() {
            rlock::test_locked::<$L>();
        }
        #[test]
        fn test_locked_with_2threads() {
            rlock::test_locked_with_2threads::<$L>();
        }
        #[test]
        fn test_different_thread() {
            rlock::test_different_thread::<$L>();
        }
        #[test]
        fn test__is_owned() {
            rlock::test_is_owned::<$L>();
        }
    };
}

/// `RLockTests` on `RLock` (CPython: `CRLockTests`, `PyRLockTests`).
#[allow(non_snake_case)]
mod rlock_tests {
    use super::*;

    base_lock_tests!(RLock);
    rlock_tests!(RLock);

    #[test]
    fn test_release_save_unacquired() {
        // `_release_save` is what `Condition.wait` does to the lock; it must refuse a lock
        // the caller does not hold. Rust form: `Condition::wait*` on the shared lock returns
        // `Err(NotOwnedError)` instead of `RuntimeError`.
        let lock = Arc::new(RLock::new());
        let cond = Condition::with_lock(Arc::clone(&lock));
        assert_eq!(cond.wait_timeout(Duration::ZERO), Err(NotOwnedError));
        lock.acquire();
        lock.acquire();
        lock.release().unwrap();
        lock.acquire();
        lock.release().unwrap();
        lock.release().unwrap();
        assert_eq!(cond.wait_timeout(Duration::ZERO), Err(NotOwnedError));
        assert_eq!(cond.wait(), Err(NotOwnedError));
        assert!(!lock.locked());
    }

    #[test]
    fn test_recursion_count() {
        let lock = RLock::new();
        assert_eq!(lock.recursion_count(), 0);
        lock.acquire();
        assert_eq!(lock.recursion_count(), 1);
        lock.acquire();
        lock.acquire();
        assert_eq!(lock.recursion_count(), 3);
        lock.release().unwrap();
        assert_eq!(lock.recursion_count(), 2);
        lock.release().unwrap();
        lock.release().unwrap();
        assert_eq!(lock.recursion_count(), 0);

        // Another thread holding the lock: the count seen here is still 0.
        let phase = AtomicUsize::new(0);
        let f = || {
            lock.acquire();
            phase.fetch_add(1, SEQ);
            wait_until("reached phase 2", || phase.load(SEQ) >= 2);
            lock.release().unwrap();
            phase.fetch_add(1, SEQ);
        };
        bunch(1, false, f, |_| {
            wait_until("reached phase 1", || phase.load(SEQ) >= 1);
            assert_eq!(lock.recursion_count(), 0);
            phase.fetch_add(1, SEQ);
            wait_until("reached phase 3", || phase.load(SEQ) >= 3);
            assert_eq!(lock.recursion_count(), 0);
        });
        assert!(!lock.locked());
    }
}

/// `ConditionAsRLockTests`: a `Condition` uses an `RLock` by default and exports its API.
#[allow(non_snake_case)]
mod condition_as_rlock_tests {
    use super::*;

    base_lock_tests!(Condition);
    rlock_tests!(Condition);

    #[test]
    fn test_release_save_unacquired() {
        // Rust form: `wait*` returns `Err(NotOwnedError)` instead of `RuntimeError`.
        let cond = Condition::new();
        assert_eq!(cond.wait_timeout(Duration::ZERO), Err(NotOwnedError));
        cond.acquire();
        cond.acquire();
        cond.release().unwrap();
        cond.acquire();
        cond.release().unwrap();
        cond.release().unwrap();
        assert_eq!(cond.wait_timeout(Duration::ZERO), Err(NotOwnedError));
        assert_eq!(cond.wait(), Err(NotOwnedError));
    }
}

// ---------------------------------------------------------------------------------------------

/// `EventTests`.
mod event_tests {
    use super::*;

    #[test]
    fn test_is_set() {
        let evt = Event::new();
        assert!(!evt.is_set());
        evt.set();
        assert!(evt.is_set());
        evt.set();
        assert!(evt.is_set());
        evt.clear();
        assert!(!evt.is_set());
        evt.clear();
        assert!(!evt.is_set());
    }

    /// All the threads waiting get notified.
    fn check_notify(evt: &Event) {
        let n = 5;
        let results1 = Mutex::new(Vec::new());
        let results2 = Mutex::new(Vec::new());
        let f = || {
            let r1 = evt.wait_timeout(HANG_GUARD);
            results1.lock().unwrap().push(r1);
            let r2 = evt.wait_timeout(HANG_GUARD);
            results2.lock().unwrap().push(r2);
        };
        bunch(n, false, f, |b| {
            // The threads block on their first `wait`.
            b.wait_blocked();
            assert!(results1.lock().unwrap().is_empty());
            // Unblock them.
            evt.set();
        });
        assert_eq!(*results1.lock().unwrap(), [true; 5]);
        assert_eq!(*results2.lock().unwrap(), [true; 5]);
    }

    #[test]
    fn test_notify() {
        let evt = Event::new();
        check_notify(&evt);
        // Another time, after an explicit clear().
        evt.set();
        evt.clear();
        check_notify(&evt);
    }

    #[test]
    fn test_timeout() {
        let evt = Event::new();
        let n = 5;
        let results1 = Mutex::new(Vec::new());
        let results2 = Mutex::new(Vec::new());
        let f = || {
            // Python: `wait(0.0)`.
            let r1 = evt.wait_timeout(Duration::ZERO);
            results1.lock().unwrap().push(r1);
            let earliest = earliest_give_up(TIMEOUT);
            let r = evt.wait_timeout(TIMEOUT);
            results2.lock().unwrap().push((r, not_early(earliest)));
        };
        bunch(n, false, f, |_| ());
        assert_eq!(*results1.lock().unwrap(), [false; 5]);
        for &(r, in_time) in results2.lock().unwrap().iter() {
            assert!(!r);
            assert!(in_time, "the wait gave up before its timeout");
        }
        // The event is set.
        results1.lock().unwrap().clear();
        results2.lock().unwrap().clear();
        evt.set();
        bunch(n, false, f, |_| ());
        assert_eq!(*results1.lock().unwrap(), [true; 5]);
        for &(r, _) in results2.lock().unwrap().iter() {
            assert!(r);
        }
    }

    #[test]
    fn test_set_and_clear() {
        // gh-57711: `wait` returns true even when the event is cleared before the waiting
        // thread is woken up.
        let event = Event::new();
        let results = Mutex::new(Vec::new());
        let f = || {
            let r = event.wait_timeout(HANG_GUARD);
            results.lock().unwrap().push(r);
        };
        bunch(5, false, f, |b| {
            // The threads block on `wait`.
            b.wait_blocked();
            assert!(results.lock().unwrap().is_empty());
            // Unblock them.
            event.set();
            event.clear();
        });
        assert_eq!(*results.lock().unwrap(), [true; 5]);
    }

    #[test]
    fn test_repr() {
        // Rust form: `Debug` instead of `<threading.Event at ...: unset>`.
        let evt = Event::new();
        assert!(format!("{evt:?}").contains("is_set: false"), "{evt:?}");
        evt.set();
        assert!(format!("{evt:?}").contains("is_set: true"), "{evt:?}");
    }
}

/// `ConditionTests`.
mod condition_tests {
    use super::*;

    #[test]
    fn test_acquire() {
        let cond = Condition::new();
        // By default a Condition is over an RLock: it can be acquired several times.
        cond.acquire();
        cond.acquire();
        cond.release().unwrap();
        cond.release().unwrap();
        // Over a given Lock (shared: Rust form `Arc<Lock>`).
        let lock = Arc::new(Lock::new());
        let cond = Condition::with_lock(Arc::clone(&lock));
        cond.acquire();
        assert!(!lock.try_acquire());
        cond.release().unwrap();
        assert!(lock.try_acquire());
        // Rust form: `cond.acquire(False)` is `cond.lock().try_acquire()`.
        assert!(!cond.lock().try_acquire());
        lock.release().unwrap();
        {
            let _with = cond.guard();
            assert!(!lock.try_acquire());
        }
        assert!(!lock.locked());
    }

    #[test]
    fn test_unacquired_wait() {
        // Rust form: `Err(NotOwnedError)` instead of `RuntimeError`.
        let cond = Condition::new();
        assert_eq!(cond.wait(), Err(NotOwnedError));
    }

    #[test]
    fn test_unacquired_notify() {
        // Rust form: `Err(NotOwnedError)` instead of `RuntimeError`.
        let cond = Condition::new();
        assert_eq!(cond.notify(), Err(NotOwnedError));
    }

    /// Results of one wait: what it returned and the phase it woke up in.
    type Woken = Mutex<Vec<(bool, usize)>>;

    /// `notify(n)` and `notify_all()` wake that many waiters, and only them.
    ///
    /// CPython sleeps to let the threads settle into `wait`. Here a thread counts itself
    /// `ready` while holding the lock, and `wait` queues it before it releases the lock, so
    /// once `ready` has reached `k`, taking the lock guarantees those `k` threads wait.
    fn check_notify(cond: &Condition) {
        let n = 5;
        let ready = AtomicUsize::new(0);
        let phase = AtomicUsize::new(0);
        let results1 = Woken::default();
        let results2 = Woken::default();
        let wait_once = |results: &Woken| {
            cond.acquire();
            ready.fetch_add(1, SEQ);
            let woken = cond.wait_timeout(HANG_GUARD).unwrap();
            let woke_in = phase.load(SEQ);
            cond.release().unwrap();
            results.lock().unwrap().push((woken, woke_in));
        };
        let f = || {
            wait_once(&results1);
            wait_once(&results2);
        };
        let count = |results: &Woken| results.lock().unwrap().len();
        bunch(n, false, f, |_| {
            wait_until("saw every thread wait", || ready.load(SEQ) >= n);
            ready.store(0, SEQ);
            assert_eq!(count(&results1), 0);

            // Notify 3 threads at first.
            let count1 = 3;
            cond.acquire();
            cond.notify_n(count1).unwrap();
            phase.store(1, SEQ);
            cond.release().unwrap();
            wait_until("saw 3 threads wake", || count(&results1) >= count1);
            assert_eq!(*results1.lock().unwrap(), [(true, 1); 3]);
            assert_eq!(count(&results2), 0);

            // Notify 5 threads: they might be in their first or second wait.
            wait_until("saw the woken threads wait again", || {
                ready.load(SEQ) >= count1
            });
            cond.acquire();
            cond.notify_n(5).unwrap();
            phase.store(2, SEQ);
            cond.release().unwrap();
            wait_until("saw 5 threads wake", || {
                count(&results1) + count(&results2) >= n + count1
            });
            let expected1 = [[(true, 1); 3].as_slice(), &[(true, 2); 2]].concat();
            assert_eq!(*results1.lock().unwrap(), expected1);
            assert_eq!(*results2.lock().unwrap(), [(true, 2); 3]);

            // Notify all threads: they are all in their second wait.
            wait_until("saw every thread wait again", || ready.load(SEQ) >= n);
            cond.acquire();
            cond.notify_all().unwrap();
            phase.store(3, SEQ);
            cond.release().unwrap();
            wait_until("saw every thread wake", || count(&results2) >= n);
            assert_eq!(*results1.lock().unwrap(), expected1);
            let expected2 = [[(true, 2); 3].as_slice(), &[(true, 3); 2]].concat();
            assert_eq!(*results2.lock().unwrap(), expected2);
        });
    }

    #[test]
    fn test_notify() {
        let cond = Condition::new();
        check_notify(&cond);
        // A second time, to check the internal state is still right.
        check_notify(&cond);
    }

    #[test]
    fn test_timeout() {
        let cond = Condition::new();
        let results = Mutex::new(Vec::new());
        let f = || {
            cond.acquire();
            let earliest = earliest_give_up(TIMEOUT);
            let result = cond.wait_timeout(TIMEOUT);
            let in_time = not_early(earliest);
            cond.release().unwrap();
            results.lock().unwrap().push((in_time, result));
        };
        bunch(5, false, f, |_| ());
        let results = results.into_inner().unwrap();
        assert_eq!(results.len(), 5);
        for (in_time, result) in results {
            assert!(in_time, "the wait gave up before its timeout");
            // CPython notes that a spurious wakeup would make this true; its implementation
            // has none, and neither should threadkit's.
            assert_eq!(result, Ok(false));
        }
    }

    #[test]
    fn test_waitfor() {
        let cond = Condition::new();
        let state = AtomicUsize::new(0);
        let f = || {
            let _with = cond.guard();
            let result = cond.wait_for_timeout(|| state.load(SEQ) == 4, HANG_GUARD);
            assert_eq!(result, Ok(true));
            assert_eq!(state.load(SEQ), 4);
        };
        bunch(1, false, f, |_| {
            for _ in 0..4 {
                let _with = cond.guard();
                state.fetch_add(1, SEQ);
                cond.notify().unwrap();
            }
        });
    }

    #[test]
    fn test_waitfor_timeout() {
        let cond = Condition::new();
        let state = AtomicUsize::new(0);
        let success = AtomicUsize::new(0);
        let f = || {
            let _with = cond.guard();
            let earliest = earliest_give_up(TIMEOUT);
            let result = cond.wait_for_timeout(|| state.load(SEQ) == 4, TIMEOUT);
            assert_eq!(result, Ok(false));
            assert!(not_early(earliest), "wait_for gave up before its timeout");
            success.fetch_add(1, SEQ);
        };
        bunch(1, false, f, |_| {
            // Only 3 increments: `state == 4` is never reached.
            for _ in 0..3 {
                let _with = cond.guard();
                state.fetch_add(1, SEQ);
                cond.notify().unwrap();
            }
        });
        assert_eq!(success.load(SEQ), 1);
    }
}

// ---------------------------------------------------------------------------------------------
// The semaphore types BaseSemaphoreTests runs on.

/// What `BaseSemaphoreTests` needs of a semaphore.
trait SemKind: Send + Sync + fmt::Debug {
    fn make(value: usize) -> Self;
    fn acquire(&self);
    fn try_acquire(&self) -> bool;
    fn acquire_timeout(&self, timeout: Duration) -> bool;
    fn release(&self) -> Result<(), ReleaseError>;
    fn release_n(&self, n: usize) -> Result<(), ReleaseError>;
    fn available(&self) -> usize;
    /// Python's `with sem: body`, through the type's guard.
    fn with<R>(&self, body: impl FnOnce() -> R) -> R;
}

impl SemKind for Semaphore {
    fn make(value: usize) -> Self {
        Semaphore::new(value)
    }
    fn acquire(&self) {
        Semaphore::acquire(self);
    }
    fn try_acquire(&self) -> bool {
        Semaphore::try_acquire(self)
    }
    fn acquire_timeout(&self, timeout: Duration) -> bool {
        Semaphore::acquire_timeout(self, timeout)
    }
    fn release(&self) -> Result<(), ReleaseError> {
        Semaphore::release(self)
    }
    fn release_n(&self, n: usize) -> Result<(), ReleaseError> {
        Semaphore::release_n(self, n)
    }
    fn available(&self) -> usize {
        Semaphore::available(self)
    }
    fn with<R>(&self, body: impl FnOnce() -> R) -> R {
        let _with = self.guard();
        body()
    }
}

impl SemKind for BoundedSemaphore {
    fn make(value: usize) -> Self {
        BoundedSemaphore::new(value)
    }
    fn acquire(&self) {
        BoundedSemaphore::acquire(self);
    }
    fn try_acquire(&self) -> bool {
        BoundedSemaphore::try_acquire(self)
    }
    fn acquire_timeout(&self, timeout: Duration) -> bool {
        BoundedSemaphore::acquire_timeout(self, timeout)
    }
    fn release(&self) -> Result<(), ReleaseError> {
        BoundedSemaphore::release(self)
    }
    fn release_n(&self, n: usize) -> Result<(), ReleaseError> {
        BoundedSemaphore::release_n(self, n)
    }
    fn available(&self) -> usize {
        BoundedSemaphore::available(self)
    }
    fn with<R>(&self, body: impl FnOnce() -> R) -> R {
        let _with = self.guard();
        body()
    }
}

/// `BaseSemaphoreTests`: for bounded and unbounded semaphores.
mod base_semaphore {
    use super::*;

    pub(crate) fn test_acquire<S: SemKind>() {
        let sem = S::make(1);
        sem.acquire();
        assert_eq!(sem.available(), 0);
        sem.release().unwrap();
        let sem = S::make(2);
        sem.acquire();
        sem.acquire();
        assert_eq!(sem.available(), 0);
        sem.release().unwrap();
        sem.release().unwrap();
        assert_eq!(sem.available(), 2);
    }

    pub(crate) fn test_acquire_destroy<S: SemKind>() {
        // Rust form: the initial value is explicit (Python's default is 1).
        let sem = S::make(1);
        sem.acquire();
        assert!(!sem.try_acquire());
        drop(sem); // dropping a semaphore with its permit out is fine
    }

    /// The phases of `test_acquire_contended` and `test_multirelease`: which phase each of
    /// the successful acquisitions happened in.
    struct Phases {
        phase: AtomicUsize,
        results1: Mutex<Vec<usize>>,
        results2: Mutex<Vec<usize>>,
    }

    impl Phases {
        fn new() -> Self {
            Phases {
                phase: AtomicUsize::new(0),
                results1: Mutex::new(Vec::new()),
                results2: Mutex::new(Vec::new()),
            }
        }

        fn all(&self) -> Vec<usize> {
            let mut all = self.results1.lock().unwrap().clone();
            all.extend(self.results2.lock().unwrap().iter());
            all
        }

        fn wait_count(&self, count: usize) {
            wait_until(&format!("saw {count} acquisitions"), || {
                self.all().len() >= count
            });
        }
    }

    /// `n` of `k` then `k - n` of `k`...: `[0] * count1 + [1] * count2 + ...`.
    fn phases(counts: &[usize]) -> Vec<usize> {
        counts
            .iter()
            .enumerate()
            .flat_map(|(phase, &count)| std::iter::repeat_n(phase, count))
            .collect()
    }

    /// Runs the phases of `test_acquire_contended` (`multi` false: release one by one) or
    /// of `test_multirelease` (`multi` true: `release(n)`).
    fn run_phases<S: SemKind>(multi: bool) {
        let sem_value = 7;
        let sem = S::make(sem_value);
        sem.acquire();
        let p = Phases::new();
        let sem_results = Mutex::new(Vec::new());
        let f = || {
            for results in [&p.results1, &p.results2] {
                let got = sem.acquire_timeout(HANG_GUARD);
                sem_results.lock().unwrap().push(got);
                results.lock().unwrap().push(p.phase.load(SEQ));
            }
        };
        let release = |n: usize| {
            if multi {
                sem.release_n(n).unwrap();
            } else {
                for _ in 0..n {
                    sem.release().unwrap();
                }
            }
        };
        bunch(10, false, f, |_| {
            // Phase 0: the 6 free permits are taken.
            let count1 = sem_value - 1;
            p.wait_count(count1);
            assert_eq!(p.all(), phases(&[count1]));

            // Phase 1.
            p.phase.store(1, SEQ);
            let count2 = sem_value;
            release(count2);
            p.wait_count(count1 + count2);
            let mut all = p.all();
            all.sort_unstable();
            assert_eq!(all, phases(&[count1, count2]));

            // Phase 2.
            p.phase.store(2, SEQ);
            let count3 = sem_value - 1;
            release(count3);
            p.wait_count(count1 + count2 + count3);
            let mut all = p.all();
            all.sort_unstable();
            assert_eq!(all, phases(&[count1, count2, count3]));
            // The semaphore is still locked.
            assert!(!sem.try_acquire());

            // A final release lets the last thread finish.
            sem.release().unwrap();
        });
        assert_eq!(*sem_results.lock().unwrap(), [true; 20]);
    }

    pub(crate) fn test_acquire_contended<S: SemKind>() {
        run_phases::<S>(false);
    }

    pub(crate) fn test_multirelease<S: SemKind>() {
        // Rust form: Python's `release(n)` is `release_n(n)`.
        run_phases::<S>(true);
    }

    pub(crate) fn test_try_acquire<S: SemKind>() {
        let sem = S::make(2);
        assert!(sem.try_acquire());
        assert!(sem.try_acquire());
        assert!(!sem.try_acquire());
        sem.release().unwrap();
        assert!(sem.try_acquire());
    }

    pub(crate) fn test_try_acquire_contended<S: SemKind>() {
        let sem = S::make(4);
        sem.acquire();
        let results = Mutex::new(Vec::new());
        let f = || {
            let first = sem.try_acquire();
            let second = sem.try_acquire();
            results.lock().unwrap().extend([first, second]);
        };
        bunch(5, false, f, |_| ());
        let mut results = results.into_inner().unwrap();
        results.sort_unstable();
        let expected = [[false; 7].as_slice(), &[true; 3]].concat();
        assert_eq!(results, expected);
    }

    pub(crate) fn test_acquire_timeout<S: SemKind>() {
        let sem = S::make(2);
        let short = Duration::from_millis(5);
        assert!(sem.acquire_timeout(short));
        assert!(sem.acquire_timeout(short));
        assert!(!sem.acquire_timeout(short));
        sem.release().unwrap();
        assert!(sem.acquire_timeout(short));
        let earliest = earliest_give_up(TIMEOUT);
        assert!(!sem.acquire_timeout(TIMEOUT));
        assert!(
            not_early(earliest),
            "the acquire gave up before its timeout"
        );
    }

    pub(crate) fn test_default_value<S: SemKind>() {
        // Rust form: the initial value is explicit; Python's default is 1.
        let sem = S::make(1);
        sem.acquire();
        let f = || {
            assert!(sem.acquire_timeout(HANG_GUARD));
            sem.release().unwrap();
        };
        bunch(1, false, f, |b| {
            // The thread blocks on `acquire`.
            b.wait_blocked();
            assert_eq!(b.finished(), 0);
            // Unblock it.
            sem.release().unwrap();
        });
        assert_eq!(sem.available(), 1);
    }

    pub(crate) fn test_with<S: SemKind>() {
        let sem = S::make(2);
        let with = |fail: bool| {
            sem.with(|| {
                assert!(sem.try_acquire());
                sem.release().unwrap();
                sem.with(|| {
                    assert!(!sem.try_acquire());
                    if fail {
                        panic!("TypeError");
                    }
                });
            });
        };
        with(false);
        assert!(sem.try_acquire());
        sem.release().unwrap();
        expect_panic(|| with(true));
        assert!(sem.try_acquire());
        sem.release().unwrap();
        assert_eq!(sem.available(), 2);
    }
}

/// The `BaseSemaphoreTests` tests, for the semaphore type `$S`.
macro_rules! base_semaphore_tests {
    ($S:ty) => {
        #[test]
        fn test_acquire() {
            base_semaphore::test_acquire::<$S>();
        }
        #[test]
        fn test_acquire_destroy() {
            base_semaphore::test_acquire_destroy::<$S>();
        }
        #[test]
        fn test_acquire_contended() {
            base_semaphore::test_acquire_contended::<$S>();
        }
        #[test]
        fn test_multirelease() {
            base_semaphore::test_multirelease::<$S>();
        }
        #[test]
        fn test_try_acquire() {
            base_semaphore::test_try_acquire::<$S>();
        }
        #[test]
        fn test_try_acquire_contended() {
            base_semaphore::test_try_acquire_contended::<$S>();
        }
        #[test]
        fn test_acquire_timeout() {
            base_semaphore::test_acquire_timeout::<$S>();
        }
        #[test]
        fn test_default_value() {
            base_semaphore::test_default_value::<$S>();
        }
        #[test]
        fn test_with() {
            base_semaphore::test_with::<$S>();
        }
    };
}

/// `SemaphoreTests`: unbounded semaphores.
mod semaphore_tests {
    use super::*;

    base_semaphore_tests!(Semaphore);

    #[test]
    fn test_release_unacquired() {
        // Unbounded releases are allowed and increment the semaphore's value.
        let sem = Semaphore::new(1);
        sem.release().unwrap();
        sem.acquire();
        sem.acquire();
        sem.release().unwrap();
        assert_eq!(sem.available(), 1);
    }

    #[test]
    fn test_repr() {
        // Rust form: `Debug` instead of `<threading.Semaphore at ...: value=3>`.
        let sem = Semaphore::new(3);
        assert!(format!("{sem:?}").contains("available: 3"), "{sem:?}");
        sem.acquire();
        assert!(format!("{sem:?}").contains("available: 2"), "{sem:?}");
        sem.release().unwrap();
        sem.release().unwrap();
        assert!(format!("{sem:?}").contains("available: 4"), "{sem:?}");
    }
}

/// `BoundedSemaphoreTests`.
mod bounded_semaphore_tests {
    use super::*;

    base_semaphore_tests!(BoundedSemaphore);

    #[test]
    fn test_release_unacquired() {
        // Cannot go past the initial value. Rust form: `Err(ReleaseError::TooManyReleases)`
        // instead of `ValueError`.
        let sem = BoundedSemaphore::new(1);
        assert_eq!(sem.release(), Err(ReleaseError::TooManyReleases));
        sem.acquire();
        sem.release().unwrap();
        assert_eq!(sem.release(), Err(ReleaseError::TooManyReleases));
        assert_eq!(sem.available(), 1);
    }

    #[test]
    fn test_repr() {
        // Rust form: `Debug` instead of `<threading.BoundedSemaphore at ...: value=3/3>`.
        let sem = BoundedSemaphore::new(3);
        let debug = format!("{sem:?}");
        assert!(
            debug.contains("available: 3") && debug.contains("bound: 3"),
            "{debug}"
        );
        sem.acquire();
        let debug = format!("{sem:?}");
        assert!(
            debug.contains("available: 2") && debug.contains("bound: 3"),
            "{debug}"
        );
    }
}

// ---------------------------------------------------------------------------------------------

/// `BarrierTests`.
mod barrier_tests {
    use super::*;
    use threadkit::ZeroPartiesError;

    const N: usize = 5;

    /// CPython's fixture: a barrier for `N` threads with a default timeout. CPython's 2 s
    /// default is a hang guard; on a loaded machine it could break a healthy barrier, so the
    /// port uses its own hang guard.
    fn barrier() -> Barrier {
        Barrier::new(N).unwrap().default_timeout(HANG_GUARD)
    }

    /// CPython's `run_threads`: `f` on `N` threads.
    fn run_threads(f: impl Fn() + Sync) {
        bunch(N, false, f, |_| ());
    }

    /// Passes the barrier in lockstep `n` times.
    fn multipass(barrier: &Barrier, results: &[AtomicUsize; 2], n: usize) {
        let m = barrier.parties();
        assert_eq!(m, N);
        for i in 0..n {
            results[0].fetch_add(1, SEQ);
            assert_eq!(results[1].load(SEQ), i * m);
            barrier.wait().unwrap();
            results[1].fetch_add(1, SEQ);
            assert_eq!(results[0].load(SEQ), (i + 1) * m);
            barrier.wait().unwrap();
        }
        assert_eq!(barrier.n_waiting(), 0);
        assert!(!barrier.broken());
    }

    #[test]
    fn test_constructor() {
        // Rust form: `Err(ZeroPartiesError)` instead of `ValueError` (-1 is unrepresentable).
        assert_eq!(Barrier::new(0).unwrap_err(), ZeroPartiesError);
    }

    fn check_barrier(passes: usize) {
        let barrier = barrier();
        let results = [AtomicUsize::new(0), AtomicUsize::new(0)];
        run_threads(|| multipass(&barrier, &results, passes));
        barrier.abort();
    }

    #[test]
    fn test_barrier() {
        // The barrier is passed in lockstep.
        check_barrier(1);
    }

    #[test]
    fn test_barrier_10() {
        // The barrier works for 10 consecutive runs.
        check_barrier(10);
    }

    #[test]
    fn test_wait_return() {
        let barrier = barrier();
        let results = Mutex::new(Vec::new());
        run_threads(|| {
            let r = barrier.wait().unwrap();
            results.lock().unwrap().push(r);
        });
        let mut results = results.into_inner().unwrap();
        assert_eq!(results.iter().sum::<usize>(), (0..N).sum());
        // Stronger than CPython's sum: the indexes are distinct.
        results.sort_unstable();
        assert_eq!(results, (0..N).collect::<Vec<_>>());
    }

    #[test]
    fn test_action() {
        let results = Arc::new(AtomicUsize::new(0));
        let r = Arc::clone(&results);
        let barrier = Barrier::with_action(N, move || {
            r.fetch_add(1, SEQ);
        })
        .unwrap()
        .default_timeout(HANG_GUARD);
        run_threads(|| {
            barrier.wait().unwrap();
            assert_eq!(results.load(SEQ), 1);
        });
    }

    #[test]
    fn test_abort() {
        // An abort puts the barrier in a broken state.
        let barrier = barrier();
        let results1 = AtomicUsize::new(0);
        let results2 = AtomicUsize::new(0);
        run_threads(|| match barrier.wait() {
            // Python: this thread raises RuntimeError and aborts.
            Ok(i) if i == N / 2 => barrier.abort(),
            Ok(_) => match barrier.wait() {
                Ok(_) => {
                    results1.fetch_add(1, SEQ);
                }
                Err(_) => {
                    results2.fetch_add(1, SEQ);
                }
            },
            Err(_) => {
                results2.fetch_add(1, SEQ);
            }
        });
        assert_eq!(results1.load(SEQ), 0);
        assert_eq!(results2.load(SEQ), N - 1);
        assert!(barrier.broken());
    }

    #[test]
    fn test_reset() {
        // A reset frees the waiting threads, and the barrier can be passed again.
        let barrier = barrier();
        let results1 = AtomicUsize::new(0);
        let results2 = AtomicUsize::new(0);
        let results3 = AtomicUsize::new(0);
        run_threads(|| {
            let i = barrier.wait().unwrap();
            if i == N / 2 {
                // Wait until the other threads are all in the barrier.
                wait_until("saw the others wait", || barrier.n_waiting() >= N - 1);
                barrier.reset();
            } else {
                match barrier.wait() {
                    Ok(_) => results1.fetch_add(1, SEQ),
                    Err(_) => results2.fetch_add(1, SEQ),
                };
            }
            // Now, pass the barrier again.
            barrier.wait().unwrap();
            results3.fetch_add(1, SEQ);
        });
        assert_eq!(results1.load(SEQ), 0);
        assert_eq!(results2.load(SEQ), N - 1);
        assert_eq!(results3.load(SEQ), N);
    }

    #[test]
    fn test_abort_and_reset() {
        // A barrier can be reset after being broken.
        let barrier = barrier();
        let barrier2 = Barrier::new(N).unwrap().default_timeout(HANG_GUARD);
        let results1 = AtomicUsize::new(0);
        let results2 = AtomicUsize::new(0);
        let results3 = AtomicUsize::new(0);
        run_threads(|| {
            match barrier.wait() {
                Ok(i) if i == N / 2 => barrier.abort(),
                Ok(_) => match barrier.wait() {
                    Ok(_) => {
                        results1.fetch_add(1, SEQ);
                    }
                    Err(_) => {
                        results2.fetch_add(1, SEQ);
                    }
                },
                Err(_) => {
                    results2.fetch_add(1, SEQ);
                }
            }
            // Synchronize and reset the barrier: first so that everyone has left it when it
            // is reset, then so that nobody enters it before the reset.
            if barrier2.wait().unwrap() == N / 2 {
                barrier.reset();
            }
            barrier2.wait().unwrap();
            barrier.wait().unwrap();
            results3.fetch_add(1, SEQ);
        });
        assert_eq!(results1.load(SEQ), 0);
        assert_eq!(results2.load(SEQ), N - 1);
        assert_eq!(results3.load(SEQ), N);
    }

    #[test]
    fn test_timeout() {
        // `wait(timeout)`: a timeout shorter than the default breaks the barrier.
        //
        // CPython makes one thread late by sleeping longer than the others' timeout. Here the
        // late thread waits until the barrier is broken, so the others cannot all meet
        // whatever the scheduling.
        let barrier = barrier();
        run_threads(|| {
            let i = barrier.wait().unwrap();
            if i == N / 2 {
                // One thread is late!
                wait_until("saw the barrier break", || barrier.broken());
            }
            assert!(barrier.wait_timeout(TIMEOUT).is_err());
        });
        assert!(barrier.broken());
    }

    #[test]
    fn test_default_timeout() {
        // The barrier's default timeout applies to `wait()`.
        let timeout = TIMEOUT;
        let barrier = Barrier::new(2).unwrap().default_timeout(timeout);
        let earliest = earliest_give_up(timeout);
        bunch(1, false, || assert!(barrier.wait().is_err()), |_| ());
        assert!(
            not_early(earliest),
            "the barrier gave up before its default timeout"
        );
        assert!(barrier.broken());
    }

    #[test]
    fn test_single_thread() {
        let b = Barrier::new(1).unwrap();
        assert_eq!(b.wait(), Ok(0));
        assert_eq!(b.wait(), Ok(0));
    }

    #[test]
    fn test_repr() {
        // Rust form: `Debug` instead of `<threading.Barrier at ...: waiters=0/3>`.
        let barrier = Barrier::new(3).unwrap();
        let shows = |n_waiting: usize| {
            let debug = format!("{barrier:?}");
            debug.contains("parties: 3")
                && debug.contains(&format!("n_waiting: {n_waiting}"))
                && debug.contains("broken: false")
        };
        assert!(shows(0), "{barrier:?}");
        let f = || {
            barrier.wait_timeout(HANG_GUARD).unwrap();
        };
        bunch(2, false, f, |_| {
            // The threads block on `wait`.
            wait_until("saw 2 threads wait", || barrier.n_waiting() >= 2);
            assert!(shows(2), "{barrier:?}");
            // Unblock them.
            barrier.wait_timeout(HANG_GUARD).unwrap();
        });
        assert!(shows(0), "{barrier:?}");
        // Abort the barrier.
        barrier.abort();
        assert!(
            format!("{barrier:?}").contains("broken: true"),
            "{barrier:?}"
        );
    }
}
