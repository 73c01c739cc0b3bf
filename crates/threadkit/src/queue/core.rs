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
//! kernel. `done` counts `task_done` calls; unfinished tasks are `pushed_total - done`.

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
    done: CachePadded<AtomicU64>,
    joiners: WaitQueue,
    _items: PhantomData<fn(T) -> T>,
}

impl<T: Send, S: Store<T>> Core<T, S> {
    pub(crate) fn new(store: S) -> Self {
        Core {
            store,
            getters: CachePadded::new(WaitQueue::new()),
            putters: CachePadded::new(WaitQueue::new()),
            done: CachePadded::new(AtomicU64::new(0)),
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
        let mut done = self.done.load(Ordering::SeqCst);
        loop {
            // `pushed` is read after `done`, on every attempt: both only grow, so when the
            // fresh `pushed` does not exceed the `done` seen before it, there was a moment with
            // no unfinished task. (Reading `pushed` once, before a retry refreshed `done`,
            // refused calls that other threads' progress had made look excessive.)
            if done >= self.store.pushed_total() {
                return Err(TaskDoneError);
            }
            match self.done.compare_exchange_weak(
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
        if self.unfinished() == 0 {
            self.joiners.wake_all();
        }
    }

    pub(crate) fn unfinished(&self) -> u64 {
        let done = self.done.load(Ordering::SeqCst);
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

/// Wakes every blocked getter, putter and joiner when dropped, also while unwinding.
struct WakeEveryone<'a, T: Send, S: Store<T>>(&'a Core<T, S>);

impl<T: Send, S: Store<T>> Drop for WakeEveryone<'_, T, S> {
    fn drop(&mut self) {
        self.0.getters.wake_all();
        self.0.putters.wake_all();
        self.0.wake_joiners_if_finished();
    }
}
