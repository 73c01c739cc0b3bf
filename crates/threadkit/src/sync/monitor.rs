//! `Monitor<T>`: a [`Mutex`] with one wait queue, the crate's internal condition variable.
//!
//! Barrier, the queues and futures keep their state in a monitor. A waiter parks with the
//! mutex released in `before_sleep` (see `wait::park_then`), so a notifier that takes the
//! mutex afterwards always finds it queued. `waiters` lets `notify_*` skip the parking lot
//! when nobody waits.

use super::mutex::{Mutex, MutexGuard};
use crate::facade::{AtomicUsize, Instant, Ordering};
use crate::wait::{self, Wake};
use std::fmt;

pub(crate) struct Monitor<T> {
    data: Mutex<T>,
    waiters: AtomicUsize,
}

impl<T> Monitor<T> {
    pub(crate) const fn new(value: T) -> Self {
        Monitor {
            data: Mutex::new(value),
            waiters: AtomicUsize::new(0),
        }
    }

    #[inline]
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.data.lock()
    }

    /// Releases the guard's lock, sleeps until notified or `deadline`, re-locks.
    /// Returns `false` on timeout.
    pub(crate) fn wait(&self, guard: &mut MutexGuard<'_, T>, deadline: Option<Instant>) -> bool {
        self.waiters.fetch_add(1, Ordering::Relaxed);
        let wake = wait::park_then(
            wait::key_of(&self.waiters),
            || true,
            || guard.unlock_raw(),
            |_| {},
            deadline,
        );
        self.waiters.fetch_sub(1, Ordering::Relaxed);
        guard.relock_raw();
        wake != Wake::TimedOut
    }

    /// Waits while `blocked(&state)` holds, until `deadline`; returns `false` if it timed out
    /// with `blocked` still true.
    pub(crate) fn wait_while(
        &self,
        guard: &mut MutexGuard<'_, T>,
        deadline: Option<Instant>,
        mut blocked: impl FnMut(&T) -> bool,
    ) -> bool {
        while blocked(guard) {
            if !self.wait(guard, deadline) && blocked(guard) {
                return false;
            }
        }
        true
    }

    /// Wakes every waiter. Call with or without the lock held.
    #[inline]
    pub(crate) fn notify_all(&self) {
        if self.waiters.load(Ordering::Relaxed) > 0 {
            wait::unpark_all(wait::key_of(&self.waiters));
        }
    }

    /// Wakes one waiter.
    #[inline]
    pub(crate) fn notify_one(&self) {
        if self.waiters.load(Ordering::Relaxed) > 0 {
            wait::unpark_one(wait::key_of(&self.waiters), |_| {});
        }
    }
}

impl<T> fmt::Debug for Monitor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Monitor")
            .field("waiters", &self.waiters.load(Ordering::Relaxed))
            .finish()
    }
}
