//! `Condition`: Python's `threading.Condition`, over a [`Lock`] or an [`RLock`].
//!
//! A waiter is queued (in a `WaitList`, `crate::wait`) before it releases the lock, so a
//! `notify` made under the lock after that release always finds it; it spins briefly on its
//! own flag before it parks, so a prompt `notify` wakes it without a system call.
//! `notify(n)` wakes the `n` oldest waiters. A woken or timed-out waiter re-acquires the lock
//! (all of an `RLock`'s levels) before `wait` returns.

use super::error::NotOwnedError;
use super::lock::Lock;
use super::rlock::RLock;
use crate::diag::Kind;
use crate::facade::{Duration, Instant};
use crate::wait::{self, WaitList, Wake};
use std::cell::Cell;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Lock {}
    impl Sealed for super::RLock {}
    impl<L: super::ConditionLock> Sealed for std::sync::Arc<L> {}
}

/// A lock a [`Condition`] can be built on: [`Lock`], [`RLock`], or an `Arc` of either
/// (to share the lock with code that uses it directly). Sealed.
///
/// ```
/// use std::sync::Arc;
/// use threadkit::{Condition, Lock};
///
/// let lock = Arc::new(Lock::new());
/// let cond = Condition::with_lock(Arc::clone(&lock));
/// let g = cond.guard();
/// assert!(lock.locked());
/// # drop(g);
/// ```
pub trait ConditionLock: sealed::Sealed + Send + Sync {
    /// Blocks until held.
    ///
    /// ```
    /// use threadkit::{ConditionLock, RLock};
    /// let lock = RLock::new();
    /// ConditionLock::acquire(&lock);
    /// assert!(lock.is_owned());
    /// # ConditionLock::release(&lock).unwrap();
    /// ```
    #[track_caller]
    fn acquire(&self);
    /// Releases one level (see [`Lock::release`], [`RLock::release`]).
    ///
    /// # Errors
    ///
    /// As the lock's own `release`.
    ///
    /// ```
    /// use threadkit::{ConditionLock, Lock};
    /// let lock = Lock::new();
    /// assert!(ConditionLock::release(&lock).is_err(), "not held");
    /// ```
    fn release(&self) -> Result<(), super::ReleaseError>;
    /// Whether the calling thread may wait on / notify the condition: for an `RLock`, it owns
    /// it; for a `Lock`, which has no owner, it is locked (Python's rule).
    ///
    /// ```
    /// use threadkit::{ConditionLock, Lock};
    /// let lock = Lock::new();
    /// assert!(!ConditionLock::is_owned(&lock));
    /// let _g = lock.guard();
    /// assert!(ConditionLock::is_owned(&lock));
    /// ```
    fn is_owned(&self) -> bool;
    #[doc(hidden)]
    fn release_save(&self) -> usize;
    #[doc(hidden)]
    fn acquire_restore(&self, saved: usize);
    #[doc(hidden)]
    fn acquire_now(&self) -> bool;
    #[doc(hidden)]
    fn acquire_by(&self, deadline: Instant) -> bool;
    #[doc(hidden)]
    fn is_locked(&self) -> bool;
}

impl ConditionLock for Lock {
    #[track_caller]
    fn acquire(&self) {
        Lock::acquire(self);
    }
    fn release(&self) -> Result<(), super::ReleaseError> {
        Lock::release(self)
    }
    fn is_owned(&self) -> bool {
        self.locked()
    }
    fn release_save(&self) -> usize {
        let _ = Lock::release(self);
        1
    }
    fn acquire_restore(&self, _saved: usize) {
        Lock::acquire(self);
    }
    fn acquire_now(&self) -> bool {
        Lock::try_acquire(self)
    }
    fn acquire_by(&self, deadline: Instant) -> bool {
        Lock::acquire_deadline(self, deadline)
    }
    fn is_locked(&self) -> bool {
        Lock::locked(self)
    }
}

impl ConditionLock for RLock {
    #[track_caller]
    fn acquire(&self) {
        RLock::acquire(self);
    }
    fn release(&self) -> Result<(), super::ReleaseError> {
        RLock::release(self)
    }
    fn is_owned(&self) -> bool {
        RLock::is_owned(self)
    }
    fn release_save(&self) -> usize {
        self.release_all().unwrap_or(0)
    }
    fn acquire_restore(&self, saved: usize) {
        self.acquire_with_count(saved);
    }
    fn acquire_now(&self) -> bool {
        RLock::try_acquire(self)
    }
    fn acquire_by(&self, deadline: Instant) -> bool {
        RLock::acquire_deadline(self, deadline)
    }
    fn is_locked(&self) -> bool {
        RLock::locked(self)
    }
}

impl<L: ConditionLock> ConditionLock for Arc<L> {
    #[track_caller]
    fn acquire(&self) {
        (**self).acquire();
    }
    fn release(&self) -> Result<(), super::ReleaseError> {
        (**self).release()
    }
    fn is_owned(&self) -> bool {
        (**self).is_owned()
    }
    fn release_save(&self) -> usize {
        (**self).release_save()
    }
    fn acquire_restore(&self, saved: usize) {
        (**self).acquire_restore(saved);
    }
    fn acquire_now(&self) -> bool {
        (**self).acquire_now()
    }
    fn acquire_by(&self, deadline: Instant) -> bool {
        (**self).acquire_by(deadline)
    }
    fn is_locked(&self) -> bool {
        (**self).is_locked()
    }
}

/// A condition variable, like Python's `threading.Condition`: threads wait, with the lock
/// released, until another thread holding the lock notifies them.
///
/// The default lock is an [`RLock`], as in Python. Waiting or notifying without holding the
/// lock is a [`NotOwnedError`]. Waiting on an `RLock` held several times releases it fully and
/// restores the count afterwards.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
/// use threadkit::{Condition, Thread};
///
/// let cond = Arc::new(Condition::new());
/// let ready = Arc::new(AtomicBool::new(false));
/// let (c, r) = (Arc::clone(&cond), Arc::clone(&ready));
/// let waiter = Thread::spawn(move || {
///     let _with = c.guard();
///     c.wait_for(|| r.load(Ordering::SeqCst)).unwrap();
/// });
/// {
///     let _with = cond.guard();
///     ready.store(true, Ordering::SeqCst);
///     cond.notify_all().unwrap();
/// }
/// waiter.join().unwrap();
/// ```
pub struct Condition<L: ConditionLock = RLock> {
    lock: L,
    waiters: WaitList,
}

impl Condition<RLock> {
    /// A condition over a new [`RLock`] (Python: `Condition()`).
    ///
    /// ```
    /// let cond = threadkit::Condition::new();
    /// assert!(!cond.lock().locked());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Condition::with_lock(RLock::new())
    }
}

impl Default for Condition<RLock> {
    fn default() -> Self {
        Condition::new()
    }
}

impl<L: ConditionLock> Condition<L> {
    /// Its waiters' identity in the diagnostics.
    pub(crate) fn diag_key(&self) -> usize {
        self.waiters.key()
    }

    /// A condition over the given lock (Python: `Condition(lock)`).
    ///
    /// ```
    /// let cond = threadkit::Condition::with_lock(threadkit::Lock::new());
    /// # let _ = cond;
    /// ```
    pub fn with_lock(lock: L) -> Self {
        Condition {
            lock,
            waiters: WaitList::new(),
        }
    }

    /// The underlying lock.
    ///
    /// ```
    /// let cond = threadkit::Condition::with_lock(threadkit::Lock::new());
    /// cond.lock().acquire();
    /// cond.notify().unwrap();
    /// cond.lock().release().unwrap();
    /// ```
    pub fn lock(&self) -> &L {
        &self.lock
    }

    /// Acquires the lock (Python: `cond.acquire()`).
    ///
    /// ```
    /// let cond = threadkit::Condition::new();
    /// cond.acquire();
    /// cond.release().unwrap();
    /// ```
    #[track_caller]
    pub fn acquire(&self) {
        self.lock.acquire();
    }

    /// Releases the lock (Python: `cond.release()`).
    ///
    /// # Errors
    ///
    /// As the lock's own `release`.
    ///
    /// ```
    /// assert!(threadkit::Condition::new().release().is_err());
    /// ```
    pub fn release(&self) -> Result<(), super::ReleaseError> {
        self.lock.release()
    }

    /// Acquires the lock if it is free, without blocking; `true` if acquired
    /// (Python: `cond.acquire(blocking=False)`).
    ///
    /// ```
    /// let cond = threadkit::Condition::with_lock(threadkit::Lock::new());
    /// assert!(cond.try_acquire());
    /// assert!(!cond.try_acquire());
    /// cond.release().unwrap();
    /// ```
    #[must_use = "false means the lock was not acquired"]
    #[track_caller]
    pub fn try_acquire(&self) -> bool {
        self.lock.acquire_now()
    }

    /// Acquires the lock, waiting at most `timeout`; `true` if acquired
    /// (Python: `cond.acquire(timeout=t)`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let cond = threadkit::Condition::new();
    /// assert!(cond.acquire_timeout(Duration::from_secs(1)));
    /// cond.release().unwrap();
    /// ```
    #[must_use = "false means the lock was not acquired"]
    #[track_caller]
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        if let Some(deadline) = wait::deadline_after(timeout) {
            self.lock.acquire_by(deadline)
        } else {
            self.lock.acquire(); // a timeout past the clock's end: wait forever
            true
        }
    }

    /// Acquires the lock, waiting until `deadline` at the latest; `true` if acquired.
    ///
    /// ```
    /// let cond = threadkit::Condition::new();
    /// assert!(cond.acquire_deadline(std::time::Instant::now()));
    /// cond.release().unwrap();
    /// ```
    #[must_use = "false means the lock was not acquired"]
    #[track_caller]
    pub fn acquire_deadline(&self, deadline: Instant) -> bool {
        self.lock.acquire_by(deadline)
    }

    /// Whether the lock is held by any thread (Python: `cond._lock.locked()`; Python 3.13's
    /// `Condition` passes `locked` through as well).
    ///
    /// ```
    /// let cond = threadkit::Condition::new();
    /// let g = cond.guard();
    /// assert!(cond.locked());
    /// drop(g);
    /// assert!(!cond.locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.lock.is_locked()
    }

    /// Whether the calling thread may wait or notify: it owns an `RLock`, or a `Lock` is
    /// held (Python: `cond._is_owned()`).
    ///
    /// ```
    /// let cond = threadkit::Condition::new();
    /// assert!(!cond.is_owned());
    /// let _with = cond.guard();
    /// assert!(cond.is_owned());
    /// ```
    pub fn is_owned(&self) -> bool {
        self.lock.is_owned()
    }

    /// Acquires the lock for a scope if it is free, without blocking.
    ///
    /// ```
    /// let cond = threadkit::Condition::with_lock(threadkit::Lock::new());
    /// let g = cond.try_guard().unwrap();
    /// assert!(cond.try_guard().is_none());
    /// drop(g);
    /// ```
    #[track_caller]
    pub fn try_guard(&self) -> Option<ConditionGuard<'_, L>> {
        self.try_acquire().then(|| self.guard_held())
    }

    /// Acquires the lock for a scope, waiting at most `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let cond = threadkit::Condition::new();
    /// let _with = cond.guard_timeout(Duration::from_secs(1)).unwrap();
    /// ```
    #[track_caller]
    pub fn guard_timeout(&self, timeout: Duration) -> Option<ConditionGuard<'_, L>> {
        self.acquire_timeout(timeout).then(|| self.guard_held())
    }

    /// Acquires the lock for a scope, waiting until `deadline` at the latest.
    ///
    /// ```
    /// let cond = threadkit::Condition::new();
    /// let _with = cond.guard_deadline(std::time::Instant::now()).unwrap();
    /// ```
    #[track_caller]
    pub fn guard_deadline(&self, deadline: Instant) -> Option<ConditionGuard<'_, L>> {
        self.acquire_deadline(deadline).then(|| self.guard_held())
    }

    fn guard_held(&self) -> ConditionGuard<'_, L> {
        ConditionGuard {
            cond: self,
            _owner_thread_only: std::marker::PhantomData,
        }
    }

    /// Acquires the lock for a scope (Python: `with cond:`).
    ///
    /// ```
    /// let cond = threadkit::Condition::new();
    /// let _with = cond.guard();
    /// cond.notify_all().unwrap();
    /// ```
    #[track_caller]
    pub fn guard(&self) -> ConditionGuard<'_, L> {
        self.lock.acquire();
        self.guard_held()
    }

    /// Releases the lock, blocks until notified, re-acquires (Python: `wait()`).
    ///
    /// # Errors
    ///
    /// [`NotOwnedError`] if the calling thread does not hold the lock.
    ///
    /// ```
    /// let cond = threadkit::Condition::new();
    /// assert!(cond.wait().is_err()); // not holding the lock
    /// ```
    #[track_caller]
    pub fn wait(&self) -> Result<(), NotOwnedError> {
        self.wait_until(None).map(|_| ())
    }

    /// Like [`wait`](Self::wait) for at most `timeout`; `Ok(false)` if it timed out
    /// (Python: `wait(timeout)`). A wait whose timeout ends just as a `notify` chooses it
    /// returns `Ok(true)`: the notification is this waiter's, not lost (CPython returns
    /// `False` then, and the notification is gone).
    ///
    /// # Errors
    ///
    /// [`NotOwnedError`] if the calling thread does not hold the lock.
    ///
    /// ```
    /// use std::time::Duration;
    /// let cond = threadkit::Condition::new();
    /// let _with = cond.guard();
    /// assert_eq!(cond.wait_timeout(Duration::from_millis(1)), Ok(false));
    /// ```
    #[track_caller]
    pub fn wait_timeout(&self, timeout: Duration) -> Result<bool, NotOwnedError> {
        self.wait_until(wait::deadline_after(timeout))
    }

    /// Like [`wait`](Self::wait) until `deadline` at the latest; `Ok(false)` if it timed out.
    ///
    /// # Errors
    ///
    /// [`NotOwnedError`] if the calling thread does not hold the lock.
    ///
    /// ```
    /// let cond = threadkit::Condition::new();
    /// let _with = cond.guard();
    /// assert_eq!(cond.wait_deadline(std::time::Instant::now()), Ok(false));
    /// ```
    #[track_caller]
    pub fn wait_deadline(&self, deadline: Instant) -> Result<bool, NotOwnedError> {
        self.wait_until(Some(deadline))
    }

    /// Waits until `predicate` is true (Python: `wait_for(predicate)`).
    ///
    /// # Errors
    ///
    /// [`NotOwnedError`] if the calling thread does not hold the lock.
    ///
    /// ```
    /// let cond = threadkit::Condition::new();
    /// let _with = cond.guard();
    /// cond.wait_for(|| true).unwrap();
    /// ```
    #[track_caller]
    pub fn wait_for(&self, mut predicate: impl FnMut() -> bool) -> Result<(), NotOwnedError> {
        self.wait_for_until(&mut predicate, None).map(|_| ())
    }

    /// Waits at most `timeout` for `predicate`; returns the predicate's last value
    /// (Python: `wait_for(predicate, timeout)`).
    ///
    /// # Errors
    ///
    /// [`NotOwnedError`] if the calling thread does not hold the lock.
    ///
    /// ```
    /// use std::time::Duration;
    /// let cond = threadkit::Condition::new();
    /// let _with = cond.guard();
    /// assert_eq!(cond.wait_for_timeout(|| false, Duration::from_millis(1)), Ok(false));
    /// ```
    #[track_caller]
    pub fn wait_for_timeout(
        &self,
        mut predicate: impl FnMut() -> bool,
        timeout: Duration,
    ) -> Result<bool, NotOwnedError> {
        self.wait_for_until(&mut predicate, wait::deadline_after(timeout))
    }

    /// Waits until `deadline` at the latest for `predicate`; returns the predicate's last
    /// value.
    ///
    /// # Errors
    ///
    /// [`NotOwnedError`] if the calling thread does not hold the lock.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let cond = threadkit::Condition::new();
    /// let _with = cond.guard();
    /// let deadline = Instant::now() + Duration::from_millis(1);
    /// assert_eq!(cond.wait_for_deadline(|| false, deadline), Ok(false));
    /// ```
    #[track_caller]
    pub fn wait_for_deadline(
        &self,
        mut predicate: impl FnMut() -> bool,
        deadline: Instant,
    ) -> Result<bool, NotOwnedError> {
        self.wait_for_until(&mut predicate, Some(deadline))
    }

    /// Wakes up to `n` waiting threads, oldest first (Python: `notify(n)`).
    ///
    /// # Errors
    ///
    /// [`NotOwnedError`] if the calling thread does not hold the lock.
    ///
    /// ```
    /// let cond = threadkit::Condition::new();
    /// let _with = cond.guard();
    /// cond.notify_n(3).unwrap();
    /// ```
    pub fn notify_n(&self, n: usize) -> Result<(), NotOwnedError> {
        if !self.lock.is_owned() {
            return Err(NotOwnedError);
        }
        self.waiters.wake_n(n);
        Ok(())
    }

    /// Wakes one waiting thread (Python: `notify()`).
    ///
    /// # Errors
    ///
    /// [`NotOwnedError`] if the calling thread does not hold the lock.
    ///
    /// ```
    /// let cond = threadkit::Condition::new();
    /// assert!(cond.notify().is_err());
    /// ```
    pub fn notify(&self) -> Result<(), NotOwnedError> {
        self.notify_n(1)
    }

    /// Wakes every waiting thread (Python: `notify_all()`).
    ///
    /// # Errors
    ///
    /// [`NotOwnedError`] if the calling thread does not hold the lock.
    ///
    /// ```
    /// let cond = threadkit::Condition::new();
    /// let _with = cond.guard();
    /// cond.notify_all().unwrap();
    /// ```
    pub fn notify_all(&self) -> Result<(), NotOwnedError> {
        if !self.lock.is_owned() {
            return Err(NotOwnedError);
        }
        self.waiters.wake_all();
        Ok(())
    }

    #[track_caller]
    fn wait_until(&self, deadline: Option<Instant>) -> Result<bool, NotOwnedError> {
        if !self.lock.is_owned() {
            return Err(NotOwnedError);
        }
        // Queued while the lock is held, so a notifier holding the lock sees this waiter.
        let mut saved = 0;
        let released = Cell::new(false);
        let waited = panic::catch_unwind(AssertUnwindSafe(|| {
            let release = || {
                saved = self.lock.release_save();
                released.set(true);
            };
            self.waiters.wait(Kind::Condition, true, release, deadline)
        }));
        // Re-acquired whatever happens to the thread's stop, and before a panic raised in the
        // wait (a deadlock report) goes on: the caller holds it again.
        if released.get() {
            crate::stop::unstoppable(|| self.lock.acquire_restore(saved));
        }
        let wake = waited.unwrap_or_else(|p| panic::resume_unwind(p));
        if wake == Wake::Stopped {
            // With the lock held again, as the caller's guard expects (`crate::stop`).
            crate::stop::unwind();
        }
        Ok(wake != Wake::TimedOut)
    }

    #[track_caller]
    fn wait_for_until(
        &self,
        predicate: &mut dyn FnMut() -> bool,
        deadline: Option<Instant>,
    ) -> Result<bool, NotOwnedError> {
        let mut result = predicate();
        while !result {
            if wait::expired(deadline) {
                break;
            }
            self.wait_until(deadline)?;
            result = predicate();
        }
        Ok(result)
    }
}

impl<L: ConditionLock + fmt::Debug> fmt::Debug for Condition<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("lock", &self.lock)
            .field("waiters", &self.waiters)
            .finish()
    }
}

/// Holds a [`Condition`]'s lock until dropped (Python's `with cond:`).
///
/// ```
/// let cond = threadkit::Condition::new();
/// let g = cond.guard();
/// drop(g);
/// assert!(!cond.lock().locked());
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct ConditionGuard<'a, L: ConditionLock> {
    cond: &'a Condition<L>,
    _owner_thread_only: std::marker::PhantomData<*const ()>,
}

impl<L: ConditionLock> Drop for ConditionGuard<'_, L> {
    fn drop(&mut self) {
        let _ = self.cond.lock.release();
    }
}

impl<L: ConditionLock> fmt::Debug for ConditionGuard<'_, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConditionGuard").finish_non_exhaustive()
    }
}
