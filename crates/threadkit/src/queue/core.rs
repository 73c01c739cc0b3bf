//! The blocking layer every queue shares: put/get in their three forms, task tracking,
//! shutdown. Generic over the [`Store`] that keeps the items.
//!
//! # Design
//!
//! Getters and putters that must wait count themselves in `getters` / `putters`, then park
//! with a `validate` that re-checks the store ("still empty and open?") under the queue lock of
//! the parking lot. After a successful push or pop the other side is woken only if its counter
//! is non-zero (sequentially consistent on both sides), so the fast paths cost one load. A
//! short spin comes before parking, which keeps hand-offs between busy threads out of the
//! kernel.
//!
//! Task tracking costs a put nothing: every store knows how many items were ever pushed (a
//! ring's or a segmented queue's tail position), `done` counts `task_done` calls, and
//! unfinished tasks are `pushed_total - done`. `task_done` must refuse a call beyond the
//! pushes; it checks against `pushed_seen`, a lower bound of the pushes on the consumers' own
//! cache line, and reads the producers' tail only when `done` catches up with that bound. A
//! finished count wakes joiners only when one is parked (one load otherwise).

use super::error::{GetError, PutError, TaskDoneError};
use super::store::{Refused, Store};
use crate::facade::{AtomicU64, Instant, Ordering};
use crate::wait::{SpinWait, WaitQueue, Wake};
use crossbeam_utils::CachePadded;
use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};

/// How long a call may wait.
#[derive(Clone, Copy)]
pub(crate) enum Patience {
    /// Not at all (`*_nowait`).
    Never,
    /// Until the deadline (`None`: forever).
    Until(Option<Instant>),
}

pub(crate) struct Core<T, S> {
    store: S,
    getters: CachePadded<WaitQueue>,
    putters: CachePadded<WaitQueue>,
    tasks: CachePadded<Tasks>,
    joiners: WaitQueue,
    _items: PhantomData<fn(T) -> T>,
}

impl<T: Send, S: Store<T>> Core<T, S> {
    pub(crate) fn new(store: S) -> Self {
        Core {
            store,
            getters: CachePadded::new(WaitQueue::new()),
            putters: CachePadded::new(WaitQueue::new()),
            tasks: CachePadded::new(Tasks::default()),
            joiners: WaitQueue::new(),
            _items: PhantomData,
        }
    }

    pub(crate) fn store(&self) -> &S {
        &self.store
    }

    /// Pushes, and wakes a getter if one sleeps.
    #[inline]
    fn give(&self, item: T) -> Result<(), Refused<T>> {
        self.store.try_push(item)?;
        self.getters.wake_one();
        Ok(())
    }

    /// Pops, and wakes a putter if one sleeps.
    #[inline]
    fn take(&self) -> Option<T> {
        let item = self.store.try_pop()?;
        self.putters.wake_one();
        Some(item)
    }

    #[inline]
    pub(crate) fn put(&self, item: T, patience: Patience) -> Result<(), PutError<T>> {
        match self.give(item) {
            Ok(()) => Ok(()),
            Err(Refused::Closed(item)) => Err(PutError::ShutDown(item)),
            Err(Refused::Full(item)) => match patience {
                Patience::Never => Err(PutError::Full(item)),
                Patience::Until(deadline) => self.put_slow(item, deadline),
            },
        }
    }

    /// The queue was full: spin, then sleep until there is room, it closes, or `deadline`.
    #[cold]
    fn put_slow(&self, mut item: T, deadline: Option<Instant>) -> Result<(), PutError<T>> {
        let mut spin = SpinWait::new();
        loop {
            let timed_out = !spin.spin()
                && self
                    .putters
                    .park(|| self.store.is_full() && !self.store.is_closed(), deadline)
                    == Wake::TimedOut;
            match self.give(item) {
                Ok(()) => return Ok(()),
                Err(Refused::Closed(back)) => return Err(PutError::ShutDown(back)),
                Err(Refused::Full(back)) if timed_out => return Err(PutError::Full(back)),
                Err(Refused::Full(back)) => item = back,
            }
        }
    }

    #[inline]
    pub(crate) fn get(&self, patience: Patience) -> Result<T, GetError> {
        match self.take() {
            Some(item) => Ok(item),
            None => self.get_slow(patience),
        }
    }

    /// The queue was empty: spin, then sleep until an item comes, it closes, or `deadline`.
    #[cold]
    fn get_slow(&self, patience: Patience) -> Result<T, GetError> {
        let mut spin = SpinWait::new();
        loop {
            if self.store.is_closed() {
                // Closed: what is left was pushed before the close, and nothing more can come.
                return self.take().ok_or(GetError::ShutDown);
            }
            let Patience::Until(deadline) = patience else {
                return Err(GetError::Empty);
            };
            let timed_out = !spin.spin()
                && self.getters.park(
                    || self.store.is_empty() && !self.store.is_closed(),
                    deadline,
                ) == Wake::TimedOut;
            if let Some(item) = self.take() {
                return Ok(item);
            }
            if timed_out && !self.store.is_closed() {
                return Err(GetError::Empty);
            }
        }
    }

    pub(crate) fn task_done(&self) -> Result<(), TaskDoneError> {
        let tasks = &*self.tasks;
        let mut done = tasks.done.load(Ordering::SeqCst);
        loop {
            // The bound is read after `done`, on every attempt. Both only grow, and the bound
            // never exceeds the pushes, so `done` below it means a task is unfinished now.
            // When it is not below, the fresh push count decides: not above the `done` seen
            // before it, there was a moment with no unfinished task. (Reading the pushes
            // once, before a retry refreshed `done`, refused calls that other threads'
            // progress had made look excessive.)
            if done >= tasks.pushed_seen.load(Ordering::Acquire) {
                let pushed = self.store.pushed_total();
                // Release: whoever trusts the bound also sees the pushes behind it.
                tasks.pushed_seen.fetch_max(pushed, Ordering::Release);
                if done >= pushed {
                    return Err(TaskDoneError);
                }
            }
            match tasks.done.compare_exchange_weak(
                done,
                done + 1,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => break,
                Err(now) => done = now,
            }
        }
        self.wake_joiners_if_finished();
        Ok(())
    }

    fn wake_joiners_if_finished(&self) {
        // A joiner counts itself parked before it checks `unfinished` (both sequentially
        // consistent, as the `done` update before this): it sees the new count or we see it.
        if self.joiners.waiting() > 0 && self.unfinished() == 0 {
            self.joiners.wake_all();
        }
    }

    pub(crate) fn unfinished(&self) -> u64 {
        let done = self.tasks.done.load(Ordering::SeqCst);
        self.store.pushed_total().saturating_sub(done)
    }

    /// Waits until every item put has been marked done; `false` on timeout.
    pub(crate) fn join(&self, deadline: Option<Instant>) -> bool {
        loop {
            if self.unfinished() == 0 {
                return true;
            }
            let woke = self.joiners.park(|| self.unfinished() > 0, deadline);
            if woke == Wake::TimedOut {
                return self.unfinished() == 0;
            }
        }
    }

    /// Closes the store, so no put can land afterwards; with `immediate`, drains it. A get
    /// racing the drain may still take an item: it is ordered before the shutdown.
    ///
    /// Dropping an item, or taking one from a priority queue, runs user code that may panic:
    /// the drain then goes on where it can, every blocked thread is still woken, and the first
    /// panic continues in the caller.
    pub(crate) fn shutdown(&self, immediate: bool) {
        self.store.close();
        let _wake = WakeEveryone(self);
        if !immediate {
            return;
        }
        let mut first_panic = None;
        loop {
            match panic::catch_unwind(AssertUnwindSafe(|| self.store.try_pop())) {
                Ok(Some(item)) => {
                    // Dropped items count as done, so `join` returns (as in Python).
                    let _ = self
                        .tasks
                        .done
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |d| {
                            (d < self.store.pushed_total()).then_some(d + 1)
                        });
                    if let Err(p) = panic::catch_unwind(AssertUnwindSafe(move || drop(item))) {
                        first_panic.get_or_insert(p);
                    }
                }
                Ok(None) => break,
                // The store is unchanged (see `heap`); what is left stays for the getters.
                Err(p) => {
                    first_panic.get_or_insert(p);
                    break;
                }
            }
        }
        if let Some(p) = first_panic {
            panic::resume_unwind(p);
        }
    }
}

/// `task_done` accounting, on the consumers' side.
#[derive(Default)]
struct Tasks {
    /// `task_done` calls that were accepted.
    done: AtomicU64,
    /// Items pushed, as last read from the store: a lower bound of `pushed_total`.
    pushed_seen: AtomicU64,
}

/// Wakes every blocked getter, putter and joiner when dropped, also while unwinding.
struct WakeEveryone<'a, T: Send, S: Store<T>>(&'a Core<T, S>);

impl<T: Send, S: Store<T>> Drop for WakeEveryone<'_, T, S> {
    fn drop(&mut self) {
        self.0.getters.wake_all();
        self.0.putters.wake_all();
        self.0.wake_joiners_if_finished();
    }
}
