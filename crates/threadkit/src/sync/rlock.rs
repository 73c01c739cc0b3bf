//! `RLock`: Python's `threading.RLock`, a [`Lock`] plus an owner and a recursion count.
//!
//! The owner is the holder's threadkit ident (a thread-local read); only the owner writes
//! `owner` and `count`, so both are relaxed atomics: a thread can only ever read its own ident
//! back from `owner` if it stored it itself.

use super::error::ReleaseError;
use super::lock::Lock;
use crate::diag::Kind;
use crate::facade::{AtomicU64, AtomicUsize, Duration, Instant, Ordering};
use crate::thread::current_ident;
use std::fmt;
use std::marker::PhantomData;

/// A reentrant lock, like Python's `threading.RLock`: the owning thread may acquire it again,
/// and must release it as many times.
///
/// # Examples
///
/// ```
/// use threadkit::RLock;
///
/// let lock = RLock::new();
/// let outer = lock.guard();
/// let inner = lock.guard(); // a Lock would deadlock here
/// assert_eq!(lock.recursion_count(), 2);
/// drop(inner);
/// drop(outer);
/// assert!(!lock.locked());
/// ```
pub struct RLock {
    lock: Lock,
    owner: AtomicU64,
    count: AtomicUsize,
}

impl RLock {
    /// Its identity in the diagnostics (its inner lock's).
    pub(crate) fn diag_key(&self) -> usize {
        self.lock.diag_key()
    }

    const_fn! {
        /// A new, unlocked reentrant lock.
        ///
        /// ```
        /// static LOCK: threadkit::RLock = threadkit::RLock::new();
        /// assert!(!LOCK.locked());
        /// ```
        pub const fn new() -> Self {
            RLock {
                lock: Lock::new(),
                owner: AtomicU64::new(0),
                count: AtomicUsize::new(0),
            }
        }
    }

    /// Blocks until this thread holds the lock; increments the count if it already does.
    ///
    /// ```
    /// let lock = threadkit::RLock::new();
    /// lock.acquire();
    /// lock.acquire();
    /// lock.release().unwrap();
    /// lock.release().unwrap();
    /// ```
    #[inline]
    #[track_caller]
    pub fn acquire(&self) {
        self.acquire_by(current_ident());
    }

    /// `acquire` for the calling thread, whose ident is `me`.
    #[inline]
    #[track_caller]
    fn acquire_by(&self, me: u64) {
        if !self.reenter(me) {
            self.lock.acquire_as(Kind::RLock);
            self.take(me, 1);
        }
    }

    /// Acquires without blocking; `true` on success (Python: `acquire(blocking=False)`).
    ///
    /// ```
    /// let lock = threadkit::RLock::new();
    /// assert!(lock.try_acquire());
    /// assert!(lock.try_acquire()); // reentrant
    /// # lock.release().unwrap(); lock.release().unwrap();
    /// ```
    #[inline]
    #[must_use = "if the lock was acquired, it must be released"]
    #[track_caller]
    pub fn try_acquire(&self) -> bool {
        let me = current_ident();
        self.reenter(me) || (self.lock.try_acquire_as(Kind::RLock) && self.take(me, 1))
    }

    /// Waits at most `timeout`; `true` if acquired (Python: `acquire(timeout=...)`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let lock = threadkit::RLock::new();
    /// assert!(lock.acquire_timeout(Duration::from_millis(1)));
    /// # lock.release().unwrap();
    /// ```
    #[must_use = "if the lock was acquired, it must be released"]
    #[track_caller]
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        let me = current_ident();
        self.reenter(me)
            || (self
                .lock
                .acquire_until_as(Kind::RLock, crate::wait::deadline_after(timeout))
                && self.take(me, 1))
    }

    /// Waits until `deadline` at the latest; `true` if acquired.
    ///
    /// ```
    /// let lock = threadkit::RLock::new();
    /// assert!(lock.acquire_deadline(std::time::Instant::now()));
    /// # lock.release().unwrap();
    /// ```
    #[must_use = "if the lock was acquired, it must be released"]
    #[track_caller]
    pub fn acquire_deadline(&self, deadline: Instant) -> bool {
        let me = current_ident();
        self.reenter(me)
            || (self.lock.acquire_until_as(Kind::RLock, Some(deadline)) && self.take(me, 1))
    }

    /// Releases one level; the lock is free when the count reaches zero.
    ///
    /// # Errors
    ///
    /// [`ReleaseError::Unlocked`] if nobody holds it, [`ReleaseError::NotOwner`] if another
    /// thread does (Python raises `RuntimeError` for both).
    ///
    /// ```
    /// use threadkit::{RLock, ReleaseError};
    /// let lock = RLock::new();
    /// assert_eq!(lock.release(), Err(ReleaseError::Unlocked));
    /// ```
    #[inline]
    pub fn release(&self) -> Result<(), ReleaseError> {
        self.release_by(current_ident())
    }

    /// `release` for the calling thread, whose ident is `me`.
    #[inline]
    fn release_by(&self, me: u64) -> Result<(), ReleaseError> {
        if self.owner.load(Ordering::Relaxed) != me {
            return Err(if self.lock.locked() {
                ReleaseError::NotOwner
            } else {
                ReleaseError::Unlocked
            });
        }
        let count = self.count.load(Ordering::Relaxed) - 1;
        self.count.store(count, Ordering::Relaxed);
        if count == 0 {
            self.owner.store(0, Ordering::Relaxed);
            self.lock.release()?;
        }
        Ok(())
    }

    /// Whether some thread holds the lock (a snapshot).
    ///
    /// ```
    /// assert!(!threadkit::RLock::new().locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.lock.locked()
    }

    /// Whether the calling thread holds the lock (Python: `_is_owned()`).
    ///
    /// ```
    /// let lock = threadkit::RLock::new();
    /// let g = lock.guard();
    /// assert!(lock.is_owned());
    /// # drop(g);
    /// ```
    pub fn is_owned(&self) -> bool {
        self.owner.load(Ordering::Relaxed) == current_ident()
    }

    /// How many times the calling thread holds the lock (0 if it does not).
    ///
    /// ```
    /// let lock = threadkit::RLock::new();
    /// assert_eq!(lock.recursion_count(), 0);
    /// ```
    pub fn recursion_count(&self) -> usize {
        if self.is_owned() {
            self.count.load(Ordering::Relaxed)
        } else {
            0
        }
    }

    /// Acquires and returns a guard that releases one level when dropped (Python's `with`).
    ///
    /// ```
    /// let lock = threadkit::RLock::new();
    /// {
    ///     let _g = lock.guard();
    ///     assert!(lock.locked());
    /// }
    /// assert!(!lock.locked());
    /// ```
    #[inline]
    #[track_caller]
    pub fn guard(&self) -> RLockGuard<'_> {
        let me = current_ident();
        self.acquire_by(me);
        self.guard_for(me)
    }

    /// The guard of a level the calling thread, `me`, has just acquired.
    #[inline]
    fn guard_for(&self, me: u64) -> RLockGuard<'_> {
        RLockGuard {
            lock: self,
            me,
            _owner_thread_only: PhantomData,
        }
    }

    /// A guard if the lock can be taken now.
    ///
    /// ```
    /// let lock = threadkit::RLock::new();
    /// assert!(lock.try_guard().is_some());
    /// ```
    #[track_caller]
    pub fn try_guard(&self) -> Option<RLockGuard<'_>> {
        self.try_acquire().then(|| self.guard_for(current_ident()))
    }

    /// A guard if the lock could be taken within `timeout`.
    ///
    /// ```
    /// let lock = threadkit::RLock::new();
    /// assert!(lock.guard_timeout(std::time::Duration::from_millis(1)).is_some());
    /// ```
    #[track_caller]
    pub fn guard_timeout(&self, timeout: Duration) -> Option<RLockGuard<'_>> {
        self.acquire_timeout(timeout)
            .then(|| self.guard_for(current_ident()))
    }

    /// A guard if the lock could be acquired by `deadline`.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let lock = threadkit::RLock::new();
    /// let g = lock.guard_deadline(Instant::now() + Duration::from_millis(1)).unwrap();
    /// assert_eq!(lock.recursion_count(), 1);
    /// # drop(g);
    /// ```
    #[track_caller]
    pub fn guard_deadline(&self, deadline: Instant) -> Option<RLockGuard<'_>> {
        self.acquire_deadline(deadline)
            .then(|| self.guard_for(current_ident()))
    }

    #[inline]
    fn reenter(&self, me: u64) -> bool {
        if self.owner.load(Ordering::Relaxed) == me {
            let count = self.count.load(Ordering::Relaxed);
            self.count.store(
                count.checked_add(1).expect("RLock recursion overflow"),
                Ordering::Relaxed,
            );
            true
        } else {
            false
        }
    }

    #[inline]
    fn take(&self, me: u64, count: usize) -> bool {
        self.owner.store(me, Ordering::Relaxed);
        self.count.store(count, Ordering::Relaxed);
        true
    }

    /// Releases every level at once, returning the count (for `Condition::wait`).
    pub(crate) fn release_all(&self) -> Result<usize, ReleaseError> {
        if !self.is_owned() {
            return Err(ReleaseError::NotOwner);
        }
        let count = self.count.swap(0, Ordering::Relaxed);
        self.owner.store(0, Ordering::Relaxed);
        self.lock.release()?;
        Ok(count)
    }

    /// Re-acquires with a saved count (for `Condition::wait`).
    #[track_caller]
    pub(crate) fn acquire_with_count(&self, count: usize) {
        self.lock.acquire_as(Kind::RLock);
        self.take(current_ident(), count);
    }
}

impl Default for RLock {
    fn default() -> Self {
        RLock::new()
    }
}

impl fmt::Debug for RLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A snapshot, readable from any thread (CPython's repr shows `owner=` and `count=`).
        let owner = self.owner.load(Ordering::Relaxed);
        let count = if owner == 0 {
            0
        } else {
            self.count.load(Ordering::Relaxed)
        };
        f.debug_struct("RLock")
            .field("locked", &self.locked())
            .field("owner", &owner)
            .field("count", &count)
            .finish_non_exhaustive()
    }
}

/// Holds one level of an [`RLock`] until dropped. Not `Send`: only the owner may release.
///
/// ```
/// let lock = threadkit::RLock::new();
/// let g = lock.guard();
/// drop(g);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RLockGuard<'a> {
    lock: &'a RLock,
    /// The owner's ident, read once when the level was taken (the guard stays on its thread).
    me: u64,
    _owner_thread_only: PhantomData<*const ()>,
}

impl Drop for RLockGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        // The guard is not `Send`, so it is dropped by the owner; a failure would mean the
        // owner released the level by hand, which is its own (reported) business.
        let _ = self.lock.release_by(self.me);
    }
}

impl fmt::Debug for RLockGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RLockGuard")
            .field("lock", self.lock)
            .finish()
    }
}
