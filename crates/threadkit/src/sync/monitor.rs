//! `Monitor<T>`: a [`Mutex`] with one wait queue, the crate's internal condition variable.
//!
//! Barrier, the queues and futures keep their state in a monitor. A waiter parks with the
//! mutex released in `before_sleep` (see `wait::park_then`), so a notifier that takes the
//! mutex afterwards always finds it queued; the `WaitQueue` lets `notify_*` skip the parking
//! lot when nobody waits.

use super::mutex::{Mutex, MutexGuard};
use crate::facade::Instant;
use crate::wait::{WaitQueue, Wake};
use std::fmt;

pub(crate) struct Monitor<T> {
    data: Mutex<T>,
    waiters: WaitQueue,
}

impl<T> Monitor<T> {
    const_fn! {
        pub(crate) const fn new(value: T) -> Self {
            Monitor {
                data: Mutex::new(value),
                waiters: WaitQueue::new(),
            }
        }
    }

    #[inline]
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.data.lock()
    }

    /// Releases the guard's lock, sleeps until notified or `deadline`, re-locks.
    /// Returns `false` on timeout.
    pub(crate) fn wait(&self, guard: &mut MutexGuard<'_, T>, deadline: Option<Instant>) -> bool {
        let wake = self
            .waiters
            .park_then(|| true, || guard.unlock_raw(), deadline);
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
        self.waiters.wake_all();
    }
}

impl<T> fmt::Debug for Monitor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Monitor")
            .field("waiters", &self.waiters)
            .finish()
    }
}
