//! `FutureState<T>`: the one-shot state behind a [`Future`], lock-free on the common path.
//!
//! # Design
//!
//! One atomic word holds the phase (pending, running, claimed, done) and a few flags. The
//! thread that moves the phase out of *pending* (a worker starting the task, or a canceller)
//! owns the outcome cell until it publishes *done* with a release store; from then on the
//! outcome is read-only, until the future's only owner moves it out (`into_result`), which it
//! may do once the state is *settled* (every done-callback ran). So a task that nobody watches
//! costs one compare-and-swap to start and one to finish, and reading its result one load.
//!
//! Callbacks and watchers (`as_completed`, `wait`) are rare: they live behind a small mutex,
//! boxed on first use, and the `EXTRAS` flag tells the completing thread to look at them.
//! Whether completion or registration happens first is decided in the state word, so a callback
//! runs exactly once: by the completing thread if it was registered before *settled*, at once by
//! the registering thread otherwise.
//!
//! Threads that wait for the outcome park on the state word (`WAITING` flag, see `crate::wait`).

use super::completion::Watch;
use super::error::FutureError;
use super::future::Future;
use super::report::{self, UnretrievedFailure};
use crate::diag::Kind;
use crate::facade::{AtomicUsize, Instant, Ordering, SlotCell};
use crate::panic::{self, Panic};
use crate::sync::Mutex;
use crate::wait::{self, Wake};
use std::io::Write;
use std::sync::Arc;

const PHASE: usize = 0b11;
const PENDING: usize = 0;
/// A worker runs the task.
const RUNNING: usize = 1;
/// A canceller or a breaking pool is writing the outcome (a short window).
const CLAIMED: usize = 2;
const DONE: usize = 3;
/// Done, and every callback registered before ran.
const SETTLED: usize = 1 << 2;
/// Threads may be parked on the state word.
const WAITING: usize = 1 << 3;
/// Callbacks or watchers were registered: completion must look at `extras`.
const EXTRAS: usize = 1 << 4;
/// Somebody looked at the failure: no report when dropped.
const RETRIEVED: usize = 1 << 5;

type Callback<T> = Box<dyn FnOnce(&Future<T>) + Send>;

/// What few futures need.
struct Extras<T> {
    callbacks: Vec<Callback<T>>,
    watchers: Vec<(Arc<Watch>, usize)>,
    /// The worker thread that ran a failed task, for the unretrieved-failure report.
    thread: Option<String>,
}

/// What a waiter waits for.
#[derive(Clone, Copy)]
pub(crate) enum Until {
    /// The outcome is published.
    Done,
    /// The outcome is published and the callbacks ran (before the value may be moved out).
    Settled,
}

impl Until {
    fn reached(self, state: usize) -> bool {
        match self {
            Until::Done => state & PHASE == DONE,
            Until::Settled => state & SETTLED != 0,
        }
    }
}

pub(crate) struct FutureState<T> {
    state: AtomicUsize,
    /// Written once by the thread that moved the phase out of pending, before it publishes
    /// `DONE`; read-only afterwards, until the owner takes it (see `take_outcome`).
    outcome: SlotCell<Option<Result<T, FutureError>>>,
    extras: Mutex<Option<Box<Extras<T>>>>,
}

// SAFETY: the state moves between threads with its value (`T: Send`). Shared access: the
// outcome cell is written only by the one thread that won the phase transition out of pending
// (`claim`), before the release store of `DONE`; everybody else reads it only after an acquire
// load saw `DONE`, and only the future's unique owner moves the value out (`take_outcome`).
// A `&T` is handed out only by `Future::result`, which requires `T: Sync`. The extras are
// behind a mutex.
unsafe impl<T: Send> Send for FutureState<T> {}
// SAFETY: see `Send` above.
unsafe impl<T: Send> Sync for FutureState<T> {}

impl<T> FutureState<T> {
    const_fn! {
        pub(crate) const fn new() -> Self {
            FutureState {
                state: AtomicUsize::new(PENDING),
                outcome: SlotCell::new(None),
                extras: Mutex::new_internal(None),
            }
        }
    }

    /// A pending state whose failure is already counted as retrieved (an executor scope's
    /// future: the scope returns the failure): a plain initial value, no read-modify-write.
    pub(crate) fn new_retrieved() -> Self {
        let state = FutureState::new();
        state.state.store(PENDING | RETRIEVED, Ordering::Relaxed);
        state
    }

    /// Pending to running (`to_run`) or to claimed. `true` if this thread won: it now owns
    /// the outcome cell and must [`publish`](Self::publish).
    pub(crate) fn claim(&self, to_run: bool) -> bool {
        let to = if to_run { RUNNING } else { CLAIMED };
        let mut s = PENDING;
        loop {
            match self
                .state
                .compare_exchange_weak(s, s | to, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => return true,
                Err(now) if now & PHASE == PENDING => s = now,
                Err(_) => return false,
            }
        }
    }

    /// Records the outcome (the caller won [`claim`](Self::claim)), marks the future done and
    /// wakes its waiters. Returns `true` if callbacks or watchers were registered: the caller
    /// must then [`settle`](Self::settle) with a handle to this future.
    pub(crate) fn publish(&self, outcome: Result<T, FutureError>) -> bool {
        if matches!(outcome, Err(FutureError::Panicked(_))) {
            let name = crate::thread::current_thread().name();
            extras(&mut self.extras.lock()).thread = Some(name);
        }
        // SAFETY: this thread won `claim`, so it is the only one touching the cell, and nobody
        // reads it before the `DONE` published below.
        self.outcome
            .with_mut(|cell| unsafe { *cell = Some(outcome) });
        let before = self.transition(|s| {
            let settled = if s & EXTRAS == 0 { SETTLED } else { 0 };
            (s & !PHASE) | DONE | settled
        });
        before & EXTRAS != 0
    }

    /// Tells the watchers, runs the callbacks in order (each under its own panic catch; ones
    /// added meanwhile join the queue), then marks the future settled.
    pub(crate) fn settle(&self, handle: &Future<T>) {
        let mut extras = self.extras.lock();
        let watchers = extras
            .as_mut()
            .map(|e| std::mem::take(&mut e.watchers))
            .unwrap_or_default();
        if !watchers.is_empty() {
            drop(extras);
            for (watch, index) in watchers {
                watch.finished(index);
            }
            extras = self.extras.lock();
        }
        loop {
            let callbacks = extras
                .as_mut()
                .map(|e| std::mem::take(&mut e.callbacks))
                .unwrap_or_default();
            if callbacks.is_empty() {
                // Under the lock: a registration sees either the callback queue or `SETTLED`.
                self.transition(|s| s | SETTLED);
                return;
            }
            drop(extras);
            for callback in callbacks {
                if let Err(p) = panic::catch(|| callback(handle)) {
                    report_callback_panic(&p);
                }
            }
            extras = self.extras.lock();
        }
    }

    /// Applies `change` to the state word, clears `WAITING` and wakes the parked threads if it
    /// was set. Returns the state before.
    fn transition(&self, change: impl Fn(usize) -> usize) -> usize {
        let mut s = self.state.load(Ordering::Relaxed);
        loop {
            let new = change(s) & !WAITING;
            match self
                .state
                .compare_exchange_weak(s, new, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => break,
                Err(now) => s = now,
            }
        }
        if s & WAITING != 0 {
            wait::unpark_all(wait::key_of(&self.state));
        }
        s
    }

    /// Waits until `until` is reached or `deadline` passes; `true` if reached.
    #[track_caller]
    pub(crate) fn wait(&self, until: Until, deadline: Option<Instant>) -> bool {
        // A task usually takes a moment: spin briefly before parking.
        let mut spin = wait::SpinWait::hand_off();
        loop {
            if until.reached(self.state.load(Ordering::Acquire)) {
                return true;
            }
            if !spin.spin() {
                break;
            }
        }
        loop {
            let s = self.state.load(Ordering::Acquire);
            if until.reached(s) {
                return true;
            }
            if s & WAITING == 0
                && self
                    .state
                    .compare_exchange_weak(s, s | WAITING, Ordering::Relaxed, Ordering::Relaxed)
                    .is_err()
            {
                continue;
            }
            let validate = || {
                let s = self.state.load(Ordering::Relaxed);
                s & WAITING != 0 && !until.reached(s)
            };
            let key = wait::key_of(&self.state);
            match wait::park_stoppable(Kind::Future, key, validate, || {}, |_| {}, deadline) {
                Wake::TimedOut => return until.reached(self.state.load(Ordering::Acquire)),
                // The waiter's own stop: the future's outcome cannot say it (`crate::stop`).
                Wake::Stopped => crate::stop::unwind(),
                Wake::Unparked | Wake::Invalid => {}
            }
        }
    }

    pub(crate) fn is_running(&self) -> bool {
        self.state.load(Ordering::Relaxed) & PHASE == RUNNING
    }

    /// The outcome, if published.
    pub(crate) fn outcome(&self) -> Option<&Result<T, FutureError>> {
        if self.state.load(Ordering::Acquire) & PHASE != DONE {
            return None;
        }
        // SAFETY: `DONE` was published (release) after the outcome was written, and this load
        // acquired it; the cell does not change again until `take_outcome`, whose caller
        // guarantees no reference from here is alive.
        self.outcome.with(|cell| unsafe { (*cell).as_ref() })
    }

    /// Moves the outcome out.
    ///
    /// # Safety
    ///
    /// The caller is the future's only handle (so nobody else can be reading the outcome),
    /// holds no reference from [`outcome`](Self::outcome), and waited for [`Until::Settled`]
    /// (so no callback still looks at it).
    pub(crate) unsafe fn take_outcome(&self) -> Option<Result<T, FutureError>> {
        debug_assert!(Until::Settled.reached(self.state.load(Ordering::Acquire)));
        // SAFETY: exclusive access, per this function's contract.
        self.outcome.with_mut(|cell| unsafe { (*cell).take() })
    }

    /// Somebody looked at the failure: no report when the future is dropped.
    pub(crate) fn mark_retrieved(&self) {
        self.state.fetch_or(RETRIEVED, Ordering::Relaxed);
    }

    /// Registers a done-callback, or hands it back if the future is settled (then the caller
    /// runs it at once).
    pub(crate) fn add_callback(&self, callback: Callback<T>) -> Option<Callback<T>> {
        let mut extras_guard = self.extras.lock();
        if !self.flag_extras(|s| s & SETTLED == 0) {
            return Some(callback);
        }
        extras(&mut extras_guard).callbacks.push(callback);
        None
    }

    /// Registers a watcher; `false` if the future is done already (then it is not kept).
    pub(crate) fn watch(&self, watch: &Arc<Watch>, index: usize) -> bool {
        let mut extras_guard = self.extras.lock();
        if !self.flag_extras(|s| s & PHASE != DONE) {
            return false;
        }
        extras(&mut extras_guard)
            .watchers
            .push((Arc::clone(watch), index));
        true
    }

    pub(crate) fn unwatch(&self, watch: &Arc<Watch>) {
        if let Some(extras) = &mut *self.extras.lock() {
            extras.watchers.retain(|(w, _)| !Arc::ptr_eq(w, watch));
        }
    }

    /// Sets `EXTRAS` while `open` holds for the state; `false` if it does not (the caller,
    /// holding the extras lock, then acts at once instead of registering).
    fn flag_extras(&self, open: impl Fn(usize) -> bool) -> bool {
        let mut s = self.state.load(Ordering::Acquire);
        loop {
            if !open(s) {
                return false;
            }
            match self.state.compare_exchange_weak(
                s,
                s | EXTRAS,
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(now) => s = now,
            }
        }
    }

    #[cfg(test)]
    fn settled(&self) -> bool {
        Until::Settled.reached(self.state.load(Ordering::Acquire))
    }
}

fn extras<T>(slot: &mut Option<Box<Extras<T>>>) -> &mut Extras<T> {
    slot.get_or_insert_with(|| {
        Box::new(Extras {
            callbacks: Vec::new(),
            watchers: Vec::new(),
            thread: None,
        })
    })
}

pub(crate) fn report_callback_panic(p: &Panic) {
    let text = format!(
        "exception calling callback for Future:\n{}\n",
        p.report_text()
    );
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

impl<T> Drop for FutureState<T> {
    fn drop(&mut self) {
        // `&mut self`: a relaxed load sees every write.
        let retrieved = self.state.load(Ordering::Relaxed) & RETRIEVED != 0;
        // SAFETY: `&mut self`: nobody else can reach the cell.
        let outcome = self.outcome.with_mut(|cell| unsafe { &mut *cell });
        if let Some(Err(error @ FutureError::Panicked(_))) = outcome {
            if !retrieved {
                let thread = self
                    .extras
                    .get_mut()
                    .as_mut()
                    .and_then(|e| e.thread.take())
                    .unwrap_or_default();
                report::report(&UnretrievedFailure {
                    thread,
                    error: error.clone(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_claim_wins() {
        let state = FutureState::<u8>::new();
        assert!(state.claim(true));
        assert!(state.is_running());
        assert!(!state.claim(false));
        assert!(state.outcome().is_none());
        assert!(!state.publish(Ok(7)));
        assert!(state.settled());
        assert_eq!(state.outcome(), Some(&Ok(7)));
        assert!(!state.claim(true));
        // SAFETY: the only handle, no outstanding reference, settled.
        assert_eq!(unsafe { state.take_outcome() }, Some(Ok(7)));
    }

    #[test]
    fn registration_after_settled_is_refused() {
        let state = FutureState::<u8>::new();
        assert!(state.claim(false));
        state.publish(Err(FutureError::Cancelled));
        assert!(state.add_callback(Box::new(|_| ())).is_some());
        assert!(!state.watch(&Watch::new(), 0));
    }

    #[test]
    fn registration_before_done_asks_for_settling() {
        let state = FutureState::<u8>::new();
        assert!(state.add_callback(Box::new(|_| ())).is_none());
        assert!(state.claim(true));
        assert!(state.publish(Ok(1)));
        assert!(!state.settled());
        // A watcher registered between done and settled is refused: it is done.
        assert!(!state.watch(&Watch::new(), 0));
    }

    #[test]
    fn waiters_wake_on_publish() {
        let state = Arc::new(FutureState::<u32>::new());
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let s = Arc::clone(&state);
                std::thread::spawn(move || {
                    assert!(s.wait(Until::Done, None));
                    *s.outcome().unwrap().as_ref().unwrap()
                })
            })
            .collect();
        assert!(state.claim(true));
        assert!(!state.publish(Ok(5)));
        for w in waiters {
            assert_eq!(w.join().unwrap(), 5);
        }
    }

    #[test]
    fn racing_claims_have_one_winner() {
        let state = Arc::new(FutureState::<u32>::new());
        let racers: Vec<_> = (0..3)
            .map(|i| {
                let s = Arc::clone(&state);
                std::thread::spawn(move || {
                    let won = s.claim(i == 0);
                    if won {
                        s.publish(Ok(i));
                    }
                    won
                })
            })
            .collect();
        let winners = racers
            .into_iter()
            .map(|r| r.join().unwrap())
            .filter(|&w| w)
            .count();
        assert_eq!(winners, 1);
        assert!(state.wait(Until::Settled, None));
        assert!(state.outcome().unwrap().is_ok());
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;

    /// A worker starting the task races a canceller: exactly one writes the outcome, and a
    /// thread waiting for it wakes and reads the winner's outcome, never an empty cell.
    #[test]
    fn loom_future_one_outcome_reaches_the_waiter() {
        loom::model(|| {
            let state = Arc::new(FutureState::<u32>::new());
            let worker = {
                let s = state.clone();
                loom::thread::spawn(move || {
                    if s.claim(true) {
                        assert!(!s.publish(Ok(7)));
                        true
                    } else {
                        false
                    }
                })
            };
            let canceller = {
                let s = state.clone();
                loom::thread::spawn(move || {
                    if s.claim(false) {
                        assert!(!s.publish(Err(FutureError::Cancelled)));
                        true
                    } else {
                        false
                    }
                })
            };
            assert!(state.wait(Until::Settled, None));
            let seen = state
                .outcome()
                .cloned()
                .expect("settled without an outcome");
            let ran = worker.join().unwrap();
            let cancelled = canceller.join().unwrap();
            assert!(ran ^ cancelled, "one claim wins");
            assert_eq!(
                seen,
                if ran {
                    Ok(7)
                } else {
                    Err(FutureError::Cancelled)
                }
            );
        });
    }

    /// A callback registered while the task completes is either kept, and then the completing
    /// thread is told to settle (and run it), or refused because the future settled (and the
    /// registering thread runs it): never lost, never both.
    #[test]
    fn loom_future_callback_is_kept_or_handed_back() {
        loom::model(|| {
            let state = Arc::new(FutureState::<u32>::new());
            let worker = {
                let s = state.clone();
                loom::thread::spawn(move || {
                    assert!(s.claim(true));
                    s.publish(Ok(1))
                })
            };
            let handed_back = state.add_callback(Box::new(|_| ())).is_some();
            let must_settle = worker.join().unwrap();
            assert!(
                handed_back ^ must_settle,
                "handed back: {handed_back}, settle asked: {must_settle}"
            );
        });
    }
}
