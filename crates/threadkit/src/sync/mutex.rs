//! `Mutex<T>`: a [`Lock`] that owns the data it guards.
//!
//! The inner `Lock` is private and only a guard releases it, so the cross-thread release that
//! Python's `Lock` allows cannot free the data while a guard still hands out `&mut T`.

use super::lock::Lock;
use crate::diag::Kind;
use crate::facade::{Duration, Instant};
use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

/// A lock that owns a `T` and gives `&mut T` through its guard: the Rust way to guard data.
///
/// Same algorithm and speed as [`Lock`]; no poisoning (a panic while the guard is held
/// releases the lock and leaves the data as the panicking code left it).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use threadkit::{Mutex, Thread};
///
/// let total = Arc::new(Mutex::new(0));
/// let threads: Vec<_> = (0..4)
///     .map(|_| {
///         let total = Arc::clone(&total);
///         Thread::spawn(move || *total.lock() += 1)
///     })
///     .collect();
/// for t in &threads {
///     t.join().unwrap();
/// }
/// assert_eq!(*total.lock(), 4);
/// ```
pub struct Mutex<T: ?Sized> {
    lock: Lock,
    /// threadkit's own (a queue's, a future's state): not shown by the diagnostics.
    internal: bool,
    data: UnsafeCell<T>,
}

// Unwind safety: no poisoning (as in Python and parking_lot); a panic while the lock is held releases
// it and leaves the data as the panicking code left it, like any `&mut` across `catch_unwind` (issue 10, defect 14).
impl<T: ?Sized> std::panic::UnwindSafe for Mutex<T> {}
impl<T: ?Sized> std::panic::RefUnwindSafe for Mutex<T> {}

// SAFETY: the lock serialises all access to `data`, so sharing the mutex only ever moves
// access to `T` between threads one at a time, which needs `T: Send` and nothing more.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}
// SAFETY: owning the mutex is owning the `T`.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}

impl<T> Mutex<T> {
    const_fn! {
        /// A new unlocked mutex holding `value`.
        ///
        /// ```
        /// let m = threadkit::Mutex::new(vec![1]);
        /// assert_eq!(m.lock().len(), 1);
        /// ```
        pub const fn new(value: T) -> Self {
            Mutex {
                lock: Lock::new(),
                internal: false,
                data: UnsafeCell::new(value),
            }
        }
    }

    const_fn! {
        /// A mutex of threadkit's own, which the diagnostics do not record.
        pub(crate) const fn new_internal(value: T) -> Self {
            Mutex {
                lock: Lock::new(),
                internal: true,
                data: UnsafeCell::new(value),
            }
        }
    }

    /// Consumes the mutex and returns the data.
    ///
    /// ```
    /// assert_eq!(threadkit::Mutex::new(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Its identity in the diagnostics (its lock's).
    pub(crate) fn diag_key(&self) -> usize {
        self.lock.diag_key()
    }

    /// Blocks until the lock is held and returns the guard.
    ///
    /// ```
    /// let m = threadkit::Mutex::new(1);
    /// *m.lock() += 1;
    /// assert_eq!(*m.lock(), 2);
    /// ```
    #[inline]
    #[track_caller]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.lock.acquire_as(self.kind());
        self.held()
    }

    /// The guard if the lock is free now.
    ///
    /// ```
    /// let m = threadkit::Mutex::new(1);
    /// let g = m.lock();
    /// assert!(m.try_lock().is_none());
    /// # drop(g);
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.lock.try_acquire_as(self.kind()).then(|| self.held())
    }

    /// The guard if the lock could be taken within `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let m = threadkit::Mutex::new(1);
    /// assert!(m.lock_timeout(Duration::from_millis(1)).is_some());
    /// ```
    #[inline]
    #[track_caller]
    pub fn lock_timeout(&self, timeout: Duration) -> Option<MutexGuard<'_, T>> {
        let deadline = crate::wait::deadline_after(timeout);
        self.lock
            .acquire_until_as(self.kind(), deadline)
            .then(|| self.held())
    }

    /// The guard if the lock could be taken by `deadline`.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let m = threadkit::Mutex::new(1);
    /// let held = m.lock();
    /// assert!(m.lock_deadline(Instant::now() + Duration::from_millis(1)).is_none());
    /// # drop(held);
    /// ```
    #[inline]
    #[track_caller]
    pub fn lock_deadline(&self, deadline: Instant) -> Option<MutexGuard<'_, T>> {
        self.lock
            .acquire_until_as(self.kind(), Some(deadline))
            .then(|| self.held())
    }

    /// The guard of the lock just taken. Check mode: a threadkit-internal critical section
    /// is one step (no scheduling point in it, until [`quiet_end`](Self::quiet_end)), so a
    /// thread of a failed, abandoned schedule never holds a process-wide lock (the thread
    /// registry's) and one of the same schedule never waits on it. Nothing otherwise.
    #[inline]
    fn held(&self) -> MutexGuard<'_, T> {
        self.quiet_begin();
        MutexGuard {
            mutex: self,
            _not_sync_unless_t_is: PhantomData,
        }
    }

    /// Begins the quiet section of a lock just taken (see [`held`](Self::held)).
    #[inline]
    #[cfg_attr(any(not(feature = "check"), loom), allow(clippy::unused_self))]
    fn quiet_begin(&self) {
        #[cfg(all(feature = "check", not(loom)))]
        if self.internal {
            crate::check::quiet_begin();
        }
    }

    /// Ends what [`quiet_begin`](Self::quiet_begin) began, once the lock is released.
    #[inline]
    #[cfg_attr(any(not(feature = "check"), loom), allow(clippy::unused_self))]
    fn quiet_end(&self) {
        #[cfg(all(feature = "check", not(loom)))]
        if self.internal {
            crate::check::quiet_end();
        }
    }

    /// How the diagnostics record this mutex.
    #[inline]
    fn kind(&self) -> Kind {
        if self.internal {
            Kind::Internal
        } else {
            Kind::Mutex
        }
    }

    /// Whether some thread holds the lock now (a snapshot).
    ///
    /// ```
    /// let m = threadkit::Mutex::new(());
    /// assert!(!m.is_locked());
    /// ```
    pub fn is_locked(&self) -> bool {
        self.lock.locked()
    }

    /// Mutable access without locking: `&mut self` proves nobody else can look.
    ///
    /// ```
    /// let mut m = threadkit::Mutex::new(1);
    /// *m.get_mut() = 5;
    /// assert_eq!(*m.lock(), 5);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.try_lock() {
            Some(guard) => f.debug_struct("Mutex").field("data", &&*guard).finish(),
            None => f.debug_struct("Mutex").field("data", &"<locked>").finish(),
        }
    }
}

/// Access to the data of a [`Mutex`]; releases the lock when dropped.
///
/// ```
/// let m = threadkit::Mutex::new(String::new());
/// m.lock().push('a');
/// assert_eq!(&*m.lock(), "a");
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    // Makes the guard `Sync` only when `T: Sync` (the guard hands out `&T`).
    _not_sync_unless_t_is: PhantomData<&'a mut T>,
}

// Unwind safety: no poisoning (as in Python and parking_lot); a panic elsewhere cannot leave
// this guard in a state its own methods would misread (issue 10, defect 14).
impl<T: ?Sized> std::panic::UnwindSafe for MutexGuard<'_, T> {}
impl<T: ?Sized> std::panic::RefUnwindSafe for MutexGuard<'_, T> {}

impl<T: ?Sized> MutexGuard<'_, T> {
    /// Releases the lock while keeping the guard; for `Monitor::wait` only, which re-locks
    /// with `relock_raw` before the guard is used or dropped again.
    pub(crate) fn unlock_raw(&self) {
        let released = self.mutex.lock.release();
        debug_assert!(released.is_ok());
        self.mutex.quiet_end();
    }

    /// Re-takes the lock released by `unlock_raw`.
    #[track_caller]
    pub(crate) fn relock_raw(&self) {
        self.mutex.lock.acquire_as(self.mutex.kind());
        // `unlock_raw` ended the quiet section; the guard's drop will end this one.
        self.mutex.quiet_begin();
    }

    /// Runs `f` with the lock released, and takes it again before returning (also if `f`
    /// unwinds), as parking_lot's `MutexGuard::unlocked`.
    pub(crate) fn unlocked<R>(guard: &mut Self, f: impl FnOnce() -> R) -> R {
        struct Relock<'g, 'a, T: ?Sized>(&'g MutexGuard<'a, T>);
        impl<T: ?Sized> Drop for Relock<'_, '_, T> {
            fn drop(&mut self) {
                self.0.relock_raw();
            }
        }
        guard.unlock_raw();
        let _relock = Relock(guard);
        f()
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while this thread holds the lock, and the mutex's lock
        // is private, so nobody else can release it: no other reference to the data exists.
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only live borrow through the guard.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // Only guards release the private lock, and this guard holds it: cannot fail.
        let released = self.mutex.lock.release();
        debug_assert!(released.is_ok());
        self.mutex.quiet_end();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn guards_data_across_threads() {
        let n = if cfg!(miri) { 20 } else { 2_000 };
        let m = Arc::new(Mutex::new(0usize));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let m = m.clone();
                std::thread::spawn(move || {
                    for _ in 0..n {
                        *m.lock() += 1;
                    }
                })
            })
            .collect();
        for t in ts {
            t.join().unwrap();
        }
        assert_eq!(*m.lock(), 2 * n);
    }

    #[test]
    fn panic_while_locked_releases_without_poison() {
        let m = Arc::new(Mutex::new(1));
        let m2 = m.clone();
        let r = std::thread::spawn(move || {
            let mut g = m2.lock();
            *g = 2;
            panic!("inside");
        })
        .join();
        assert!(r.is_err());
        assert_eq!(*m.lock(), 2);
    }

    #[test]
    fn guard_sent_to_other_thread_releases_there() {
        let m = Arc::new(Mutex::new(5));
        let g = m.lock();
        std::thread::scope(|s| {
            s.spawn(move || drop(g));
        });
        assert!(!m.is_locked());
    }
}
