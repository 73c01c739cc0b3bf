//! `Monitor<T>`: a [`Mutex`] paired with its [`Condvar`], the crate's internal condition.
//!
//! Barrier, the queues and futures keep their state in a monitor (the condvar's design note
//! says why no notify made under the lock is lost).

use super::condvar::Condvar;
use super::mutex::{Mutex, MutexGuard};
use crate::diag::Kind;
use crate::facade::Instant;
use std::fmt;

pub(crate) struct Monitor<T> {
    data: Mutex<T>,
    waiters: Condvar,
}

impl<T> Monitor<T> {
    /// Its waiters' identity in the diagnostics.
    pub(crate) fn diag_key(&self) -> usize {
        self.waiters.diag_key()
    }

    const_fn! {
        /// A monitor whose waits the diagnostics show as waits on `kind`.
        pub(crate) const fn new(value: T, kind: Kind) -> Self {
            Monitor {
                data: Mutex::new_internal(value),
                waiters: Condvar::with_kind(kind),
            }
        }
    }

    #[inline]
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.data.lock()
    }

    /// Releases the guard's lock, sleeps until notified or `deadline`, re-locks.
    /// Returns `false` on timeout.
    #[track_caller]
    pub(crate) fn wait(&self, guard: &mut MutexGuard<'_, T>, deadline: Option<Instant>) -> bool {
        self.waiters.wait_until(guard, deadline)
    }

    /// Waits while `blocked(&state)` holds, until `deadline`; returns `false` if it timed out
    /// with `blocked` still true.
    #[track_caller]
    pub(crate) fn wait_while(
        &self,
        guard: &mut MutexGuard<'_, T>,
        deadline: Option<Instant>,
        mut blocked: impl FnMut(&T) -> bool,
    ) -> bool {
        self.waiters
            .wait_while_until(guard, &mut |state| blocked(state), deadline)
    }

    /// [`wait_while`](Self::wait_while), honouring the thread's stop: `Err(Stopped)` if it was
    /// requested before `blocked` turned false (the lock is held again either way).
    #[track_caller]
    pub(crate) fn wait_while_stoppable(
        &self,
        guard: &mut MutexGuard<'_, T>,
        deadline: Option<Instant>,
        mut blocked: impl FnMut(&T) -> bool,
    ) -> Result<bool, crate::Stopped> {
        while blocked(guard) {
            match self.waiters.wait_in(guard, deadline, true) {
                crate::wait::Wake::Stopped => return Err(crate::Stopped),
                crate::wait::Wake::TimedOut if blocked(guard) => return Ok(false),
                _ => {}
            }
        }
        Ok(true)
    }

    /// Wakes every waiter. Call with or without the lock held.
    #[inline]
    pub(crate) fn notify_all(&self) {
        self.waiters.notify_all();
    }
}

impl<T> fmt::Debug for Monitor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Monitor")
            .field("waiters", &self.waiters)
            .finish_non_exhaustive()
    }
}
