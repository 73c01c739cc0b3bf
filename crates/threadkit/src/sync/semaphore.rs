//! `Semaphore` and `BoundedSemaphore`: Python's counting semaphores.
//!
//! The count is one atomic word; acquire is a compare-exchange while it is positive. Sleepers
//! announce themselves in `waiters` before parking, and parking re-checks the count under the
//! queue lock; a release adds to the count and then reads `waiters` (both sequentially
//! consistent), so either the sleeper sees the new permit or the releaser sees the sleeper.

use super::error::ReleaseError;
use crate::diag::Kind;
use crate::facade::{AtomicUsize, Duration, Instant, Ordering};
use crate::wait::{self, SpinWait, WaitQueue, Wake};
use std::fmt;

/// The shared algorithm; `bound` is `usize::MAX` for an unbounded semaphore.
struct Counter {
    permits: AtomicUsize,
    waiters: WaitQueue,
    bound: usize,
}

impl Counter {
    const_fn! {
        const fn new(permits: usize, bound: usize) -> Self {
            Counter {
                permits: AtomicUsize::new(permits),
                waiters: WaitQueue::new(),
                bound,
            }
        }
    }

    /// One attempt that guesses one permit (a lock's use: no load first, whose wait for the
    /// last release's compare-exchange cost a quarter of an uncontended acquire and release
    /// here), then the general loop with the count the attempt saw.
    #[inline]
    #[track_caller]
    fn try_acquire_guessing(&self) -> bool {
        match self
            .permits
            .compare_exchange_weak(1, 0, Ordering::Acquire, Ordering::Relaxed)
        {
            Ok(_) => true,
            Err(permits) => self.try_acquire_from(permits),
        }
    }

    #[inline]
    #[track_caller]
    fn try_acquire(&self) -> bool {
        self.try_acquire_from(self.permits.load(Ordering::Relaxed))
    }

    /// Takes a permit if there is one, `permits` the count last seen.
    #[inline]
    fn try_acquire_from(&self, mut permits: usize) -> bool {
        while permits > 0 {
            match self.permits.compare_exchange_weak(
                permits,
                permits - 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => permits = now,
            }
        }
        false
    }

    #[cold]
    #[track_caller]
    fn acquire_slow(&self, deadline: Option<Instant>) -> bool {
        let mut spin = SpinWait::lock();
        loop {
            if self.try_acquire() {
                return true;
            }
            if spin.spin() {
                continue;
            }
            let wake = self.waiters.park_stoppable(
                Kind::Semaphore,
                || self.permits.load(Ordering::SeqCst) == 0,
                || {},
                deadline,
            );
            match wake {
                Wake::TimedOut => return self.try_acquire(),
                // No permit taken; `acquire` has nothing to return it in (`crate::stop`).
                Wake::Stopped => crate::stop::unwind(),
                Wake::Unparked | Wake::Invalid => {}
            }
        }
    }

    #[inline]
    fn release(&self, n: usize) -> Result<(), ReleaseError> {
        if n == 0 {
            return Err(ReleaseError::ZeroPermits);
        }
        // Guessed: none (a lock's use), so no load waits for the acquire's compare-exchange;
        // a wrong guess returns the count for the loop.
        let mut permits: usize = 0;
        loop {
            let next = match permits.checked_add(n) {
                Some(next) if next <= self.bound => next,
                _ => return Err(ReleaseError::TooManyReleases),
            };
            match self.permits.compare_exchange_weak(
                permits,
                next,
                Ordering::SeqCst,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => permits = now,
            }
        }
        // Checked here, inline: an uncontended release makes no call at all.
        if self.waiters.waiting() > 0 {
            self.waiters.wake_n(n);
        }
        Ok(())
    }
}

/// The acquire and guard forms every semaphore kind shares (the crate's rule: try, timeout,
/// deadline, blocking), with examples on the kind they are generated for.
macro_rules! acquire_forms {
    ($kind:ident) => {
        /// Blocks until a permit is available and takes it (Python: `acquire()`).
        ///
        /// ```
        #[doc = concat!("let sem = threadkit::", stringify!($kind), "::new(1);")]
        /// sem.acquire();
        /// assert_eq!(sem.available(), 0);
        /// ```
        #[inline]
        #[track_caller]
        pub fn acquire(&self) {
            if !self.counter.try_acquire_guessing() {
                self.counter.acquire_slow(None);
            }
        }

        /// Takes a permit if one is available now (Python: `acquire(blocking=False)`).
        ///
        /// ```
        #[doc = concat!("let sem = threadkit::", stringify!($kind), "::new(1);")]
        /// assert!(sem.try_acquire());
        /// assert!(!sem.try_acquire());
        /// ```
        #[inline]
        #[must_use = "if the permit was taken, it must be released"]
        #[track_caller]
        pub fn try_acquire(&self) -> bool {
            self.counter.try_acquire()
        }

        /// Waits at most `timeout` for a permit; `true` if taken (Python: `acquire(timeout=)`).
        ///
        /// ```
        /// use std::time::Duration;
        #[doc = concat!("let sem = threadkit::", stringify!($kind), "::new(1);")]
        /// assert!(sem.acquire_timeout(Duration::from_millis(10)));
        /// assert!(!sem.acquire_timeout(Duration::from_millis(1)));
        /// ```
        #[must_use = "if the permit was taken, it must be released"]
        #[track_caller]
        pub fn acquire_timeout(&self, timeout: Duration) -> bool {
            self.counter.try_acquire() || self.counter.acquire_slow(wait::deadline_after(timeout))
        }

        /// Waits until `deadline` at the latest for a permit; `true` if taken.
        ///
        /// ```
        /// use std::time::{Duration, Instant};
        #[doc = concat!("let sem = threadkit::", stringify!($kind), "::new(0);")]
        /// assert!(!sem.acquire_deadline(Instant::now() + Duration::from_millis(1)));
        /// ```
        #[must_use = "if the permit was taken, it must be released"]
        #[track_caller]
        pub fn acquire_deadline(&self, deadline: Instant) -> bool {
            self.counter.try_acquire() || self.counter.acquire_slow(Some(deadline))
        }

        /// Permits available now (a snapshot; Python's `_value`).
        ///
        /// ```
        #[doc = concat!("assert_eq!(threadkit::", stringify!($kind), "::new(3).available(), 3);")]
        /// ```
        pub fn available(&self) -> usize {
            self.counter.permits.load(Ordering::Relaxed)
        }

        /// Takes a permit and returns a guard that gives it back when dropped (Python's
        /// `with sem:`).
        ///
        /// ```
        #[doc = concat!("let sem = threadkit::", stringify!($kind), "::new(1);")]
        /// {
        ///     let _permit = sem.guard();
        ///     assert_eq!(sem.available(), 0);
        /// }
        /// assert_eq!(sem.available(), 1);
        /// ```
        #[track_caller]
        pub fn guard(&self) -> SemaphoreGuard<'_> {
            self.acquire();
            SemaphoreGuard {
                counter: &self.counter,
            }
        }

        /// A guard if a permit is available now.
        ///
        /// ```
        #[doc = concat!("assert!(threadkit::", stringify!($kind), "::new(0).try_guard().is_none());")]
        /// ```
        #[track_caller]
        pub fn try_guard(&self) -> Option<SemaphoreGuard<'_>> {
            self.try_acquire().then(|| SemaphoreGuard {
                counter: &self.counter,
            })
        }

        /// A guard if a permit could be taken within `timeout`.
        ///
        /// ```
        /// use std::time::Duration;
        #[doc = concat!("let sem = threadkit::", stringify!($kind), "::new(1);")]
        /// assert!(sem.guard_timeout(Duration::from_millis(1)).is_some());
        /// ```
        #[track_caller]
        pub fn guard_timeout(&self, timeout: Duration) -> Option<SemaphoreGuard<'_>> {
            self.acquire_timeout(timeout).then(|| SemaphoreGuard {
                counter: &self.counter,
            })
        }

        /// A guard if a permit could be taken by `deadline`.
        ///
        /// ```
        /// use std::time::{Duration, Instant};
        #[doc = concat!("let sem = threadkit::", stringify!($kind), "::new(0);")]
        /// assert!(sem.guard_deadline(Instant::now() + Duration::from_millis(1)).is_none());
        /// ```
        #[track_caller]
        pub fn guard_deadline(&self, deadline: Instant) -> Option<SemaphoreGuard<'_>> {
            self.acquire_deadline(deadline).then(|| SemaphoreGuard {
                counter: &self.counter,
            })
        }
    };
}

/// A counting semaphore, like Python's `threading.Semaphore`.
///
/// # Examples
///
/// ```
/// use threadkit::Semaphore;
///
/// let sem = Semaphore::new(2);
/// let a = sem.guard(); // `with sem:`
/// assert!(sem.try_acquire());
/// assert!(!sem.try_acquire());
/// sem.release().unwrap();
/// drop(a);
/// assert_eq!(sem.available(), 2);
/// ```
pub struct Semaphore {
    counter: Counter,
}

impl Semaphore {
    /// Its identity in the diagnostics.
    pub(crate) fn diag_key(&self) -> usize {
        self.counter.waiters.key()
    }

    const_fn! {
        /// A semaphore with `permits` initial permits (Python: `Semaphore(value)`).
        ///
        /// ```
        /// assert_eq!(threadkit::Semaphore::new(3).available(), 3);
        /// ```
        pub const fn new(permits: usize) -> Self {
            Semaphore {
                counter: Counter::new(permits, usize::MAX),
            }
        }
    }

    acquire_forms!(Semaphore);

    /// Adds one permit, waking a waiter (Python: `release()`). Same shape as
    /// [`BoundedSemaphore::release`], so code can be generic over both.
    ///
    /// # Errors
    ///
    /// [`ReleaseError::TooManyReleases`] only if the count would overflow `usize`; nothing
    /// changes then.
    ///
    /// ```
    /// let sem = threadkit::Semaphore::new(0);
    /// sem.release().unwrap();
    /// assert!(sem.try_acquire());
    /// ```
    #[inline]
    pub fn release(&self) -> Result<(), ReleaseError> {
        self.counter.release(1)
    }

    /// Adds `n` permits, waking up to `n` waiters (Python: `release(n)`).
    ///
    /// # Errors
    ///
    /// [`ReleaseError::ZeroPermits`] if `n` is 0 (Python: `ValueError: n must be one or
    /// more`), [`ReleaseError::TooManyReleases`] if the count would overflow `usize`.
    ///
    /// ```
    /// let sem = threadkit::Semaphore::new(0);
    /// sem.release_n(2).unwrap();
    /// assert_eq!(sem.available(), 2);
    /// assert!(sem.release_n(0).is_err());
    /// ```
    pub fn release_n(&self, n: usize) -> Result<(), ReleaseError> {
        self.counter.release(n)
    }
}

impl Default for Semaphore {
    /// One permit, as Python's `Semaphore()`.
    ///
    /// ```
    /// assert_eq!(threadkit::Semaphore::default().available(), 1);
    /// ```
    fn default() -> Self {
        Semaphore::new(1)
    }
}

/// A semaphore that refuses to be released above its initial value, like Python's
/// `threading.BoundedSemaphore`: a release without a matching acquire is caught.
///
/// # Examples
///
/// ```
/// use threadkit::{BoundedSemaphore, ReleaseError};
///
/// let sem = BoundedSemaphore::new(1);
/// assert_eq!(sem.release(), Err(ReleaseError::TooManyReleases));
/// sem.acquire();
/// assert_eq!(sem.release(), Ok(()));
/// ```
pub struct BoundedSemaphore {
    counter: Counter,
}

impl BoundedSemaphore {
    /// Its identity in the diagnostics.
    pub(crate) fn diag_key(&self) -> usize {
        self.counter.waiters.key()
    }

    const_fn! {
        /// A bounded semaphore with `permits` permits, also its maximum.
        ///
        /// ```
        /// assert_eq!(threadkit::BoundedSemaphore::new(2).available(), 2);
        /// ```
        pub const fn new(permits: usize) -> Self {
            BoundedSemaphore {
                counter: Counter::new(permits, permits),
            }
        }
    }

    acquire_forms!(BoundedSemaphore);

    /// Gives one permit back.
    ///
    /// # Errors
    ///
    /// [`ReleaseError::TooManyReleases`] if that would exceed the initial value; nothing
    /// changes then.
    ///
    /// ```
    /// let sem = threadkit::BoundedSemaphore::new(1);
    /// assert!(sem.release().is_err());
    /// ```
    pub fn release(&self) -> Result<(), ReleaseError> {
        self.counter.release(1)
    }

    /// Gives `n` permits back, all or none.
    ///
    /// # Errors
    ///
    /// [`ReleaseError::TooManyReleases`] if that would exceed the initial value,
    /// [`ReleaseError::ZeroPermits`] if `n` is 0.
    ///
    /// ```
    /// let sem = threadkit::BoundedSemaphore::new(2);
    /// sem.acquire();
    /// assert!(sem.release_n(2).is_err());
    /// assert_eq!(sem.available(), 1);
    /// ```
    pub fn release_n(&self, n: usize) -> Result<(), ReleaseError> {
        self.counter.release(n)
    }
}

impl Default for BoundedSemaphore {
    /// One permit, as Python's `BoundedSemaphore()`.
    ///
    /// ```
    /// assert_eq!(threadkit::BoundedSemaphore::default().available(), 1);
    /// ```
    fn default() -> Self {
        BoundedSemaphore::new(1)
    }
}

/// A permit of a [`Semaphore`] or [`BoundedSemaphore`], given back when dropped.
///
/// ```
/// let sem = threadkit::Semaphore::new(1);
/// let permit = sem.guard();
/// drop(permit);
/// ```
#[must_use = "the permit is given back as soon as the guard is dropped"]
pub struct SemaphoreGuard<'a> {
    counter: &'a Counter,
}

impl Drop for SemaphoreGuard<'_> {
    fn drop(&mut self) {
        // The guard took a permit, so giving it back stays within any bound, unless someone
        // released extra permits by hand meanwhile: then the bound wins and the error is moot.
        let _ = self.counter.release(1);
    }
}

impl fmt::Debug for SemaphoreGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphoreGuard").finish_non_exhaustive()
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available", &self.available())
            .finish()
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("available", &self.available())
            .field("bound", &self.counter.bound)
            .finish()
    }
}
