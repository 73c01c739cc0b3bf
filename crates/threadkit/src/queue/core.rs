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
//! A getter that is spinning will see the next item without being woken, so a push does not
//! wake a parked getter while one spins (`spinning`, counted from a getter's first miss until
//! it parks or leaves): two idle workers of a pool otherwise take turns being woken for
//! nothing, one of them stealing the core the other needs. A skipped wake is made up for by
//! the spinner: it leaves the count (sequentially consistent) before it parks, and its park's
//! `validate` sees any item pushed meanwhile; before it returns, it leaves the count and then
//! wakes a parked getter if an item is still there and no other getter spins ("chain" wake:
//! an item pushed while it spun, after the one it took).
//!
//! Task tracking costs a put nothing: every store knows how many items were ever pushed (a
//! ring's or a segmented queue's tail position), `done` counts `task_done` calls, and
//! unfinished tasks are `pushed_total - done`. `task_done` must refuse a call beyond the
//! pushes; it checks against `pushed_seen`, a lower bound of the pushes on the consumers' own
//! cache line, and reads the producers' tail only when `done` catches up with that bound. A
//! finished count wakes joiners only when one is parked (one load otherwise).

use super::error::{GetError, PutError, TaskDoneError};
use super::store::{Refused, Store};
use crate::diag::Kind;
use crate::facade::{AtomicU64, AtomicUsize, Instant, Ordering};
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
    /// Getters spinning now (see the design note): a push skips the wake while one spins.
    spinning: CachePadded<AtomicUsize>,
    putters: CachePadded<WaitQueue>,
    tasks: CachePadded<Tasks>,
    joiners: WaitQueue,
    _items: PhantomData<fn(T) -> T>,
}

impl<T, S> Core<T, S> {
    /// Its identities in the diagnostics: the getters', putters' and joiners' queues.
    pub(crate) fn diag_keys(&self) -> [usize; 3] {
        [self.getters.key(), self.putters.key(), self.joiners.key()]
    }
}

/// A getter counted in `spinning` while it spins (see the design note). Once made it owes
/// the wake a push may have skipped because of it.
struct Spinner<'a, T, S: Store<T>> {
    core: &'a Core<T, S>,
    counted: bool,
}

impl<'a, T, S: Store<T>> Spinner<'a, T, S> {
    fn new(core: &'a Core<T, S>) -> Self {
        core.spinning.fetch_add(1, Ordering::SeqCst);
        Spinner {
            core,
            counted: true,
        }
    }

    /// Leaves the count (to park, or to return).
    fn leave(&mut self) {
        if self.counted {
            self.counted = false;
            self.core.spinning.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl<T, S: Store<T>> Drop for Spinner<'_, T, S> {
    /// Returning (an item, a stop, a timeout, the shutdown): out of the count, then the wake a
    /// push may have skipped because this thread spun, if an item is still there and no
    /// getter spins.
    fn drop(&mut self) {
        self.leave();
        crate::facade::seq_cst_point();
        if self.core.getters.waiting() > 0
            && !self.core.store.is_empty()
            && self.core.spinning.load(Ordering::SeqCst) == 0
        {
            self.core.getters.wake_one();
        }
    }
}

impl<T: Send, S: Store<T>> Core<T, S> {
    pub(crate) fn new(store: S) -> Self {
        Core {
            store,
            getters: CachePadded::new(WaitQueue::new()),
            spinning: CachePadded::new(AtomicUsize::new(0)),
            putters: CachePadded::new(WaitQueue::new()),
            tasks: CachePadded::new(Tasks::default()),
            joiners: WaitQueue::new(),
            _items: PhantomData,
        }
    }

    pub(crate) fn store(&self) -> &S {
        &self.store
    }

    /// Pushes, and wakes a getter if one sleeps and none spins.
    #[inline]
    fn give(&self, item: T) -> Result<(), Refused<T>> {
        self.store.try_push(item)?;
        if self.getters.waiting() > 0 {
            self.wake_a_getter();
        }
        Ok(())
    }

    /// Wakes a parked getter unless one spins (it will see the item).
    #[cold]
    fn wake_a_getter(&self) {
        crate::facade::seq_cst_point();
        if self.spinning.load(Ordering::SeqCst) == 0 {
            self.getters.wake_one();
        }
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
        let mut spin = SpinWait::hand_off();
        // A full queue drains only as fast as its getters take items, and every look at it
        // reads the lines they write, slowing them. So between its looks a put lets them work
        // in proportion to the items ahead of it (a queue of 1,024: 64 spin hints): a deep
        // queue then fills in batches instead of one contended slot at a time, and a put that
        // waits behind that many items is not delayed in any way a getter can see. A queue of
        // 16 items or fewer (a hand-off) is looked at as often as the spin allows.
        let between_looks = self.store.capacity().map_or(0, |cap| (cap / 16).min(64));
        loop {
            let wake = if spin.spin() {
                for _ in 0..between_looks {
                    std::hint::spin_loop();
                }
                Wake::Invalid
            } else {
                self.putters.park_stoppable(
                    Kind::QueuePut,
                    || self.store.is_full() && !self.store.is_closed(),
                    || {},
                    deadline,
                )
            };
            if wake == Wake::Stopped {
                return Err(PutError::Stopped(item));
            }
            let timed_out = wake == Wake::TimedOut;
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
        let Patience::Until(deadline) = patience else {
            return if self.store.is_closed() {
                // Closed: what is left was pushed before the close, and nothing more can come.
                self.take().ok_or(GetError::ShutDown)
            } else {
                Err(GetError::Empty)
            };
        };
        let mut spinner = Spinner::new(self);
        let mut spin = SpinWait::for_work();
        loop {
            if self.store.is_closed() {
                return self.take().ok_or(GetError::ShutDown);
            }
            let wake = if spin.spin() {
                Wake::Invalid
            } else {
                // Out of the count before parking: a push from now on wakes this thread, and
                // the park's `validate` sees one made before.
                spinner.leave();
                self.getters.park_stoppable(
                    Kind::QueueGet,
                    || self.store.is_empty() && !self.store.is_closed(),
                    || {},
                    deadline,
                )
            };
            if wake == Wake::Stopped {
                return Err(GetError::Stopped);
            }
            let timed_out = wake == Wake::TimedOut;
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
            let woke = self.joiners.park_stoppable(
                Kind::QueueJoin,
                || self.unfinished() > 0,
                || {},
                deadline,
            );
            match woke {
                Wake::TimedOut => return self.unfinished() == 0,
                // `join` has nothing to return it in: it unwinds (see `crate::stop`).
                Wake::Stopped => crate::stop::unwind(),
                Wake::Unparked | Wake::Invalid => {}
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

#[cfg(all(test, loom))]
mod loom_tests {
    use super::super::ring::Ring;
    use super::super::store::Segmented;
    use super::*;
    use loom::sync::Arc;

    /// `consumers` threads take the two items between them and mark each done while the
    /// producer still puts: no `task_done` is refused (the bug of defect 1 refused one when the
    /// count of puts was read before a retry refreshed the done count), and a `join` after the
    /// puts returns.
    fn task_done_never_refused_and_join_returns<S: Store<u32> + 'static>(
        store: fn() -> S,
        consumers: u32,
    ) {
        let mut model = loom::model::Builder::new();
        model.preemption_bound = Some(2);
        // A get that finds a slot claimed but not yet written waits for the put (a spin that
        // yields to it): long paths, not endless ones.
        model.max_branches = 100_000;
        model.check(move || {
            let q = Arc::new(Core::new(store()));
            let consumers: Vec<_> = (0..consumers)
                .map(|c| {
                    let q = q.clone();
                    loom::thread::spawn(move || {
                        for _ in 0..2 / consumers + u32::from(c < 2 % consumers) {
                            q.get(Patience::Until(None)).unwrap();
                            q.task_done().expect("a task_done owed was refused");
                        }
                    })
                })
                .collect();
            q.put(1, Patience::Until(None)).unwrap();
            q.put(2, Patience::Until(None)).unwrap();
            assert!(q.join(None));
            for c in consumers {
                c.join().unwrap();
            }
            assert_eq!(q.unfinished(), 0);
            assert!(q.task_done().is_err(), "one task_done too many");
        });
    }

    #[test]
    fn loom_task_done_on_the_ring() {
        // One consumer: a ring's get that finds a slot claimed but unwritten waits for the
        // put, and two such waiters make the model too long to explore in CI.
        task_done_never_refused_and_join_returns(|| Ring::new(2), 1);
    }

    #[test]
    fn loom_task_done_on_the_segmented_queue() {
        task_done_never_refused_and_join_returns(Segmented::new, 2);
    }

    /// Two getters waiting, two items put: each getter gets one. A put skips the wake while a
    /// getter is counted as spinning; the spinner makes up for it (it leaves the count before
    /// it parks, and wakes a parked getter for an item left behind when it returns).
    #[test]
    fn loom_a_wake_skipped_for_a_spinner_is_never_lost() {
        loom::model(|| {
            let q = Arc::new(Core::new(Segmented::new()));
            let getters: Vec<_> = (0..2)
                .map(|_| {
                    let q = q.clone();
                    loom::thread::spawn(move || q.get(Patience::Until(None)).unwrap())
                })
                .collect();
            q.put(1u32, Patience::Never).unwrap();
            q.put(2, Patience::Never).unwrap();
            let mut got: Vec<u32> = getters.into_iter().map(|g| g.join().unwrap()).collect();
            got.sort_unstable();
            assert_eq!(got, [1, 2]);
        });
    }

    /// `join` racing the last `task_done`: it returns once both tasks are done, never before
    /// (the consumer's marks are counted when join returns).
    #[test]
    fn loom_join_waits_for_the_last_task_done() {
        loom::model(|| {
            let q = Arc::new(Core::new(Ring::new(2)));
            let done = Arc::new(AtomicU64::new(0));
            q.put(1, Patience::Never).unwrap();
            q.put(2, Patience::Never).unwrap();
            let consumer = {
                let (q, done) = (q.clone(), done.clone());
                loom::thread::spawn(move || {
                    for _ in 0..2 {
                        q.get(Patience::Never).unwrap();
                        done.fetch_add(1, Ordering::SeqCst);
                        q.task_done().unwrap();
                    }
                })
            };
            assert!(q.join(None));
            assert_eq!(
                done.load(Ordering::SeqCst),
                2,
                "join returned before the last task_done"
            );
            consumer.join().unwrap();
        });
    }
}
