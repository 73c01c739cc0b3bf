//! `Lock`: Python's `threading.Lock`, a one-word futex-style lock.
//!
//! # Design
//!
//! The state is one byte: `LOCKED` (held) and `PARKED` (somebody may sleep in the parking
//! lot). Acquire is one compare-exchange when free; release is one compare-exchange when
//! nobody sleeps. The contended paths are out of line: acquire spins a bounded number of times
//! (`SpinWait`), then sets `PARKED` and parks; release clears `LOCKED` first and then wakes one
//! sleeper, clearing `PARKED` under the queue lock when it was the last. The lock is not fair
//! (a running thread may barge in before a woken one), like Python's and parking_lot's.
//!
//! Unlike a Rust mutex, and like Python's, the lock has no owner: any thread may release it.

use super::error::ReleaseError;
use crate::diag::{self, Kind};
use crate::facade::{AtomicU8, Duration, Instant, Ordering};
use crate::wait::{self, SpinWait, Wake};
use std::fmt;
use std::panic::Location;

const LOCKED: u8 = 1;
const PARKED: u8 = 2;
/// The diagnostics recorded this acquisition: the release tells them. Only set together with
/// `LOCKED`, so an unrecorded release keeps its one-compare-exchange fast path.
const RECORDED: u8 = 4;

/// Whether the diagnostics record an acquisition of `kind` now.
#[inline]
fn records(kind: Kind) -> bool {
    kind != Kind::Internal && diag::recording()
}

/// Announces the coming acquisition to the diagnostics (they record): `RECORDED` then (the
/// caller must confirm or withdraw it), else 0 (no room to record it).
#[track_caller]
fn announce(kind: Kind, key: usize) -> u8 {
    if diag::announce(kind, key, Location::caller()) {
        RECORDED
    } else {
        0
    }
}

/// The ordering of an acquiring compare-exchange: `Acquire`, and also `Release` when the
/// acquisition was announced, so a thread that sees the lock taken (and releases it, as
/// Python allows) also sees the announcement to clear.
#[inline]
fn taking(recorded: u8) -> Ordering {
    if recorded == 0 {
        Ordering::Acquire
    } else {
        Ordering::AcqRel
    }
}

/// After the compare-exchange of an announced acquisition: confirm it or withdraw it.
#[inline]
fn settle_announced(recorded: u8, taken: bool, key: usize) {
    if recorded != 0 {
        if taken {
            diag::acquired();
        } else {
            diag::withdrawn(key);
        }
    }
}

/// A primitive lock, like Python's `threading.Lock`.
///
/// It has no owner: one thread may acquire it and another release it (Python's
/// producer/consumer pipelines rely on this). Use [`Lock::guard`] for Python's `with lock:`.
/// For a lock that owns data and hands out `&mut T`, see [`Mutex`](crate::Mutex).
///
/// There is no poisoning: a panic while a guard is held releases the lock.
///
/// # Examples
///
/// ```
/// use threadkit::Lock;
///
/// let lock = Lock::new();
/// {
///     let _guard = lock.guard(); // `with lock:`
///     assert!(lock.locked());
///     assert!(!lock.try_acquire());
/// }
/// assert!(!lock.locked());
///
/// lock.acquire();
/// lock.release().unwrap();
/// ```
pub struct Lock {
    state: AtomicU8,
}

impl Lock {
    const_fn! {
        /// A new, unlocked lock.
        ///
        /// ```
        /// static LOCK: threadkit::Lock = threadkit::Lock::new();
        /// assert!(!LOCK.locked());
        /// ```
        pub const fn new() -> Self {
            Lock {
                state: AtomicU8::new(0),
            }
        }
    }

    /// Blocks until the lock is acquired (Python: `acquire()`).
    ///
    /// ```
    /// let lock = threadkit::Lock::new();
    /// lock.acquire();
    /// assert!(lock.locked());
    /// # lock.release().unwrap();
    /// ```
    #[inline]
    #[track_caller]
    pub fn acquire(&self) {
        self.acquire_as(Kind::Lock);
    }

    /// `acquire`, recorded by the diagnostics as an acquisition of `kind` (an `RLock`'s or a
    /// `Mutex`'s inner lock says so; `Kind::Internal` is not recorded).
    #[inline]
    #[track_caller]
    pub(crate) fn acquire_as(&self, kind: Kind) {
        if records(kind) {
            self.acquire_recorded(kind);
        } else if self
            .state
            .compare_exchange_weak(0, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.acquire_slow(None, kind);
        }
    }

    /// `acquire_as` while the diagnostics record: out of line, so the fast path with them off
    /// is the lock's own compare-exchange and one load of the switch.
    #[cold]
    #[track_caller]
    fn acquire_recorded(&self, kind: Kind) {
        diag::blocking_acquire(kind, self.key(), Location::caller());
        if self.take(0, kind).is_err() {
            self.acquire_slow(None, kind);
        }
    }

    /// One attempt to take the lock, free in `state`: the compare-exchange, announced to the
    /// diagnostics (and confirmed or withdrawn) when they record `kind`.
    #[inline]
    #[track_caller]
    fn take(&self, state: u8, kind: Kind) -> Result<u8, u8> {
        let recorded = if records(kind) {
            announce(kind, self.key())
        } else {
            0
        };
        let result = self.state.compare_exchange_weak(
            state,
            state | LOCKED | recorded,
            taking(recorded),
            Ordering::Relaxed,
        );
        settle_announced(recorded, result.is_ok(), self.key());
        result
    }

    /// `try_acquire` as [`acquire_as`](Self::acquire_as) records it.
    #[inline]
    #[track_caller]
    pub(crate) fn try_acquire_as(&self, kind: Kind) -> bool {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & LOCKED != 0 {
                return false;
            }
            match self.take(state, kind) {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
    }

    /// The timed forms as [`acquire_as`](Self::acquire_as) records them (`None`: forever).
    #[inline]
    #[track_caller]
    pub(crate) fn acquire_until_as(&self, kind: Kind, deadline: Option<Instant>) -> bool {
        if deadline.is_none() && records(kind) {
            diag::blocking_acquire(kind, self.key(), Location::caller());
        }
        self.try_acquire_as(kind) || self.acquire_slow(deadline, kind)
    }

    /// The lock's identity in the diagnostics.
    pub(crate) fn diag_key(&self) -> usize {
        self.key()
    }

    /// The lock's identity for the parking lot and the diagnostics.
    #[inline]
    fn key(&self) -> usize {
        wait::key_of(&self.state)
    }

    /// Acquires the lock if it is free, without blocking (Python: `acquire(blocking=False)`).
    ///
    /// ```
    /// let lock = threadkit::Lock::new();
    /// assert!(lock.try_acquire());
    /// assert!(!lock.try_acquire());
    /// # lock.release().unwrap();
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "if the lock was acquired, it must be released"]
    pub fn try_acquire(&self) -> bool {
        self.try_acquire_as(Kind::Lock)
    }

    /// Waits at most `timeout` for the lock; `true` if it was acquired
    /// (Python: `acquire(timeout=...)`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let lock = threadkit::Lock::new();
    /// assert!(lock.acquire_timeout(Duration::from_millis(10)));
    /// assert!(!lock.acquire_timeout(Duration::from_millis(10)));
    /// # lock.release().unwrap();
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "if the lock was acquired, it must be released"]
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        self.acquire_until_as(Kind::Lock, wait::deadline_after(timeout))
    }

    /// Waits until `deadline` at the latest; `true` if the lock was acquired.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let lock = threadkit::Lock::new();
    /// assert!(lock.acquire_deadline(Instant::now() + Duration::from_millis(5)));
    /// # lock.release().unwrap();
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "if the lock was acquired, it must be released"]
    pub fn acquire_deadline(&self, deadline: Instant) -> bool {
        self.acquire_until_as(Kind::Lock, Some(deadline))
    }

    /// Releases the lock, from any thread (Python: `release()`).
    ///
    /// # Errors
    ///
    /// [`ReleaseError::Unlocked`] if the lock is not held.
    ///
    /// ```
    /// let lock = threadkit::Lock::new();
    /// lock.acquire();
    /// assert!(lock.release().is_ok());
    /// assert!(lock.release().is_err());
    /// ```
    #[inline]
    pub fn release(&self) -> Result<(), ReleaseError> {
        // No look at the state first: it would spare a recorded lock its failing
        // compare-exchange, but it costs the unrecorded path (the release default) ~2 ns.
        if self
            .state
            .compare_exchange(LOCKED, 0, Ordering::Release, Ordering::Relaxed)
            .is_ok()
        {
            return Ok(());
        }
        self.release_slow()
    }

    /// Whether the lock is held by some thread (Python: `locked()`); a snapshot.
    ///
    /// ```
    /// let lock = threadkit::Lock::new();
    /// assert!(!lock.locked());
    /// ```
    #[inline]
    pub fn locked(&self) -> bool {
        self.state.load(Ordering::Relaxed) & LOCKED != 0
    }

    /// Acquires the lock and returns a guard that releases it when dropped (Python's `with`).
    ///
    /// ```
    /// let lock = threadkit::Lock::new();
    /// let guard = lock.guard();
    /// assert!(lock.locked());
    /// drop(guard);
    /// assert!(!lock.locked());
    /// ```
    #[inline]
    #[track_caller]
    pub fn guard(&self) -> LockGuard<'_> {
        self.acquire();
        LockGuard { lock: self }
    }

    /// A guard if the lock is free now, without blocking.
    ///
    /// ```
    /// let lock = threadkit::Lock::new();
    /// let g = lock.try_guard().unwrap();
    /// assert!(lock.try_guard().is_none());
    /// # drop(g);
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_guard(&self) -> Option<LockGuard<'_>> {
        self.try_acquire().then(|| LockGuard { lock: self })
    }

    /// A guard if the lock could be acquired within `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let lock = threadkit::Lock::new();
    /// assert!(lock.guard_timeout(Duration::from_millis(1)).is_some());
    /// ```
    #[inline]
    #[track_caller]
    pub fn guard_timeout(&self, timeout: Duration) -> Option<LockGuard<'_>> {
        self.acquire_timeout(timeout)
            .then(|| LockGuard { lock: self })
    }

    /// A guard if the lock could be acquired by `deadline`.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let lock = threadkit::Lock::new();
    /// let held = lock.guard();
    /// assert!(lock.guard_deadline(Instant::now() + Duration::from_millis(1)).is_none());
    /// # drop(held);
    /// ```
    #[inline]
    #[track_caller]
    pub fn guard_deadline(&self, deadline: Instant) -> Option<LockGuard<'_>> {
        self.acquire_deadline(deadline)
            .then(|| LockGuard { lock: self })
    }

    #[cold]
    #[track_caller]
    fn acquire_slow(&self, deadline: Option<Instant>, kind: Kind) -> bool {
        let mut spin = SpinWait::lock();
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            // Free: take it, keeping PARKED so sleepers are still woken later.
            if state & LOCKED == 0 {
                match self.take(state, kind) {
                    Ok(_) => return true,
                    Err(now) => state = now,
                }
                continue;
            }
            // Held and nobody sleeps yet: spin a little, the holder may be about to release.
            if state & PARKED == 0 && spin.spin() {
                state = self.state.load(Ordering::Relaxed);
                continue;
            }
            if state & PARKED == 0 {
                if let Err(now) = self.state.compare_exchange_weak(
                    state,
                    state | PARKED,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    state = now;
                    continue;
                }
            }
            let key = self.key();
            let validate =
                || self.state.load(Ordering::Relaxed) & (LOCKED | PARKED) == LOCKED | PARKED;
            let timed_out = |was_last: bool| {
                if was_last {
                    self.state.fetch_and(!PARKED, Ordering::Relaxed);
                }
            };
            // A user's lock honours its thread's stop (unwinding: `acquire` has nothing to
            // return it in); threadkit's internal locks are held briefly and never stop.
            let woke = if kind == Kind::Internal {
                wait::park(kind, key, &validate, timed_out, deadline)
            } else {
                wait::park_stoppable(kind, key, &validate, || {}, timed_out, deadline)
            };
            if woke == Wake::Stopped {
                crate::stop::unwind();
            }
            if woke == Wake::TimedOut {
                return false;
            }
            spin.reset();
            state = self.state.load(Ordering::Relaxed);
        }
    }

    #[cold]
    fn release_slow(&self) -> Result<(), ReleaseError> {
        // Acquire: a recorded acquisition's announcement is visible (see `taking`).
        let mut state = self.state.load(Ordering::Acquire);
        if state & (LOCKED | RECORDED) == LOCKED | RECORDED {
            // Before the lock is free, so a new holder's record is not the one cleared (only
            // an acquirer sets `RECORDED`, together with `LOCKED`: it stays while held).
            diag::releasing(self.key());
        }
        loop {
            if state & LOCKED == 0 {
                return Err(ReleaseError::Unlocked);
            }
            match self.state.compare_exchange_weak(
                state,
                state & !(LOCKED | RECORDED),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => state = now,
            }
        }
        if state & PARKED != 0 {
            wait::unpark_one(self.key(), |have_more| {
                if !have_more {
                    self.state.fetch_and(!PARKED, Ordering::Relaxed);
                }
            });
        }
        Ok(())
    }
}

/// A dropped lock leaves the lock-order graph and the names (a new lock at its address starts
/// clean); one relaxed load unless either was ever used.
impl Drop for Lock {
    #[inline]
    fn drop(&mut self) {
        diag::dropped(self.key());
    }
}

impl Default for Lock {
    fn default() -> Self {
        Lock::new()
    }
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("locked", &self.locked())
            .finish()
    }
}

/// Holds a [`Lock`] until dropped; the body of Python's `with lock:`.
///
/// ```
/// let lock = threadkit::Lock::new();
/// let guard = lock.guard();
/// assert!(lock.locked());
/// drop(guard);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a> {
    lock: &'a Lock,
}

impl LockGuard<'_> {
    /// Releases the lock now (the same as dropping the guard).
    ///
    /// ```
    /// let lock = threadkit::Lock::new();
    /// lock.guard().unlock();
    /// assert!(!lock.locked());
    /// ```
    pub fn unlock(self) {}
}

impl Drop for LockGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        // Another thread may have released the lock behind the guard's back (Python allows
        // any thread to release a Lock); that is not an error of the guard's holder.
        let _ = self.lock.release();
    }
}

impl fmt::Debug for LockGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockGuard")
            .field("lock", self.lock)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn acquire_release_cycle() {
        let lock = Lock::new();
        assert!(!lock.locked());
        lock.acquire();
        assert!(lock.locked());
        assert!(!lock.try_acquire());
        lock.release().unwrap();
        assert_eq!(lock.release(), Err(ReleaseError::Unlocked));
    }

    #[test]
    fn failed_try_guard_leaves_the_holder_alone() {
        let lock = Lock::new();
        let held = lock.guard();
        assert!(lock.try_guard().is_none());
        assert!(lock.guard_timeout(Duration::from_millis(1)).is_none());
        assert!(
            lock.locked(),
            "a failed attempt must not release another's lock"
        );
        drop(held);
    }

    #[test]
    fn timeout_expires_when_held() {
        let lock = Lock::new();
        lock.acquire();
        assert!(!lock.acquire_timeout(Duration::from_millis(2)));
        // The timed-out waiter cleared its PARKED mark.
        assert_eq!(
            lock.state.load(Ordering::Relaxed) & (LOCKED | PARKED),
            LOCKED
        );
        lock.release().unwrap();
    }

    #[test]
    fn contended_counter_is_exact() {
        let n = if cfg!(miri) { 50 } else { 5_000 };
        let lock = Arc::new(Lock::new());
        let counter = Arc::new(crate::facade::AtomicUsize::new(0));
        let threads: Vec<_> = (0..3)
            .map(|_| {
                let (lock, counter) = (lock.clone(), counter.clone());
                std::thread::spawn(move || {
                    for _ in 0..n {
                        let _g = lock.guard();
                        // A non-atomic read-modify-write: only correct under the lock.
                        let v = counter.load(Ordering::Relaxed);
                        counter.store(v + 1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(counter.load(Ordering::Relaxed), 3 * n);
        assert_eq!(lock.state.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn released_by_another_thread_wakes_waiter() {
        let lock = Arc::new(Lock::new());
        lock.acquire();
        let l2 = lock.clone();
        let waiter = std::thread::spawn(move || {
            l2.acquire(); // blocks until main releases
            l2.release().unwrap();
        });
        let l3 = lock.clone();
        std::thread::spawn(move || l3.release().unwrap())
            .join()
            .unwrap();
        waiter.join().unwrap();
        assert!(!lock.locked());
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::cell::UnsafeCell;
    use loom::sync::Arc;

    /// Two threads and the main one increment a loom-checked cell under the lock: loom
    /// reports a data race if acquire/release do not order the accesses, and a deadlock if a
    /// release loses a parked acquirer's wake-up.
    #[test]
    fn loom_lock_excludes_and_wakes() {
        loom::model(|| {
            let shared = Arc::new((Lock::new(), UnsafeCell::new(0usize)));
            let threads: Vec<_> = (0..2)
                .map(|_| {
                    let shared = shared.clone();
                    loom::thread::spawn(move || {
                        let _held = shared.0.guard();
                        // SAFETY: the lock is held.
                        shared.1.with_mut(|n| unsafe { *n += 1 });
                    })
                })
                .collect();
            {
                let _held = shared.0.guard();
                // SAFETY: the lock is held.
                shared.1.with_mut(|n| unsafe { *n += 1 });
            }
            for t in threads {
                t.join().unwrap();
            }
            let _held = shared.0.guard();
            // SAFETY: the lock is held.
            assert_eq!(shared.1.with(|n| unsafe { *n }), 3);
        });
    }

    /// A timed acquire that gives up clears its parked mark, or leaves it for a sleeper: the
    /// lock ends free and a later acquire does not sleep forever.
    #[test]
    fn loom_lock_timed_acquire_leaves_it_consistent() {
        loom::model(|| {
            let lock = Arc::new(Lock::new());
            lock.acquire();
            let waiter = {
                let lock = lock.clone();
                loom::thread::spawn(move || {
                    if lock.acquire_deadline(Instant::now()) {
                        lock.release().unwrap();
                    }
                })
            };
            lock.release().unwrap();
            waiter.join().unwrap();
            assert!(lock.try_acquire());
        });
    }
}
