//! `Barrier`: Python's `threading.Barrier`, kept in a [`Monitor`].
//!
//! # Design
//!
//! Cycles are numbered. A party waits until its cycle's number moves on, then reads how that
//! cycle ended (passed, or broken and then reset) from `ended`. So the last party to arrive
//! lets everyone go with one wake-up and the next cycle starts at once: Python's barrier
//! instead drains (newcomers wait until every party of the last cycle has left, a second
//! wake-up per cycle). Nothing observable depends on the draining: `n_waiting`, `broken`,
//! `reset` and `abort` behave as Python's. `ended` is overwritten only when every party of
//! the previous cycle has read it (`unread`), which only takes waiting when more threads than
//! parties share the barrier.
//!
//! A cycle that is being closed is `Closing`: by its last party, which runs the action with
//! the monitor's lock released, so an action may read its own barrier (`n_waiting`, `broken`,
//! `{:?}`), as Python's (reentrant) lock allows, or `abort` it, which breaks this cycle for
//! every party (a `reset` from the action changes nothing: the cycle is complete); or by a
//! `reset`. While it closes, the other parties keep waiting (a timeout that expires meanwhile
//! is moot, as in Python, where the waiter cannot re-take the lock before the action ends) and
//! newcomers wait for the next cycle.

use super::monitor::Monitor;
use super::mutex::MutexGuard;
use crate::diag::Kind;
use crate::facade::{Duration, Instant};
use crate::panic::{self, Panic};
use crate::wait;
use std::fmt;
use thiserror::Error;

/// The barrier was broken (by a timeout, `abort`, `reset` or a panicking action) while this
/// thread waited, or was broken when it arrived (Python: `BrokenBarrierError`).
///
/// ```
/// let b = threadkit::Barrier::new(2).unwrap();
/// b.abort();
/// assert!(b.wait().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("barrier is broken")]
pub struct BrokenBarrierError {
    action_panic: Option<Panic>,
    timed_out: bool,
}

impl BrokenBarrierError {
    fn broken() -> Self {
        BrokenBarrierError {
            action_panic: None,
            timed_out: false,
        }
    }

    /// Whether this thread's own wait timed out, and so broke the barrier for every party
    /// (the others get a `BrokenBarrierError` without it, as after an abort).
    ///
    /// ```
    /// use std::time::Duration;
    /// let b = threadkit::Barrier::new(2).unwrap();
    /// assert!(b.wait_timeout(Duration::from_millis(1)).unwrap_err().timed_out());
    /// assert!(!b.wait().unwrap_err().timed_out()); // broken on arrival
    /// ```
    #[must_use]
    pub fn timed_out(&self) -> bool {
        self.timed_out
    }

    /// The action's panic, for the one thread that ran the panicking action.
    ///
    /// ```
    /// let b = threadkit::Barrier::with_action(1, || panic!("action")).unwrap();
    /// assert_eq!(b.wait().unwrap_err().action_panic().unwrap().message(), "action");
    /// ```
    #[must_use]
    pub fn action_panic(&self) -> Option<&Panic> {
        self.action_panic.as_ref()
    }
}

/// A barrier needs at least one party (Python: `ValueError`).
///
/// ```
/// assert!(threadkit::Barrier::new(0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("a barrier needs at least one party")]
pub struct ZeroPartiesError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Filling,
    /// The cycle is being closed: every party arrived and the last one runs the action (without
    /// the lock), or a `reset` waits to close it.
    Closing,
    Broken,
}

#[derive(Debug)]
struct State {
    phase: Phase,
    /// The number of the current cycle.
    cycle: u64,
    /// Parties in the current cycle.
    count: usize,
    /// How the previous cycle ended: `true` if it passed, `false` if it was broken and reset.
    passed: bool,
    /// Parties of the previous cycle that have not read `passed` yet.
    unread: usize,
    /// Somebody waits for `unread` to reach 0.
    awaiting_readers: bool,
}

type Action = Box<dyn Fn() + Send + Sync>;

/// A barrier for a fixed number of threads, like Python's `threading.Barrier`.
///
/// Each `wait` returns a distinct index in `0..parties`; the last thread to arrive runs the
/// optional action first. A timeout, [`abort`](Barrier::abort), [`reset`](Barrier::reset) of
/// a filling barrier, or a panicking action breaks it: every waiter gets
/// [`BrokenBarrierError`], and so does every later `wait` until `reset`.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use threadkit::{Barrier, Thread};
///
/// let barrier = Arc::new(Barrier::new(3).unwrap());
/// let threads: Vec<_> = (0..3)
///     .map(|_| {
///         let b = Arc::clone(&barrier);
///         Thread::spawn(move || b.wait().unwrap())
///     })
///     .collect();
/// let mut indexes: Vec<usize> = threads.into_iter().map(|t| t.into_output().unwrap()).collect();
/// indexes.sort_unstable();
/// assert_eq!(indexes, [0, 1, 2]);
/// ```
pub struct Barrier {
    parties: usize,
    action: Option<Action>,
    timeout: Option<Duration>,
    state: Monitor<State>,
}

// Unwind safety: no poisoning (as in Python and parking_lot); a panic elsewhere cannot leave
// this barrier in a state its own methods would misread (issue 10, defect 14).
impl std::panic::UnwindSafe for Barrier {}
impl std::panic::RefUnwindSafe for Barrier {}

impl Barrier {
    /// Its identity in the diagnostics.
    pub(crate) fn diag_key(&self) -> usize {
        self.state.diag_key()
    }

    /// A barrier for `parties` threads (Python: `Barrier(parties)`).
    ///
    /// # Errors
    ///
    /// [`ZeroPartiesError`] if `parties` is 0.
    ///
    /// ```
    /// assert_eq!(threadkit::Barrier::new(4).unwrap().parties(), 4);
    /// ```
    pub fn new(parties: usize) -> Result<Self, ZeroPartiesError> {
        if parties == 0 {
            return Err(ZeroPartiesError);
        }
        Ok(Barrier {
            parties,
            action: None,
            timeout: None,
            state: Monitor::new(
                State {
                    phase: Phase::Filling,
                    cycle: 0,
                    count: 0,
                    passed: true,
                    unread: 0,
                    awaiting_readers: false,
                },
                Kind::Barrier,
            ),
        })
    }

    /// A barrier whose last arriving thread runs `action` before releasing the others
    /// (Python: `Barrier(parties, action)`).
    ///
    /// # Errors
    ///
    /// [`ZeroPartiesError`] if `parties` is 0.
    ///
    /// ```
    /// let b = threadkit::Barrier::with_action(1, || println!("all here")).unwrap();
    /// assert_eq!(b.wait(), Ok(0));
    /// ```
    pub fn with_action(
        parties: usize,
        action: impl Fn() + Send + Sync + 'static,
    ) -> Result<Self, ZeroPartiesError> {
        let mut barrier = Barrier::new(parties)?;
        barrier.action = Some(Box::new(action));
        Ok(barrier)
    }

    /// Sets the default timeout of [`wait`](Barrier::wait) (Python: `Barrier(..., timeout=)`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let b = threadkit::Barrier::new(2).unwrap().default_timeout(Duration::from_millis(1));
    /// assert!(b.wait().is_err()); // nobody else came: broken
    /// assert!(b.broken());
    /// ```
    #[must_use]
    pub fn default_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Waits for all parties; returns this thread's arrival index (Python: `wait()`).
    ///
    /// # Errors
    ///
    /// [`BrokenBarrierError`] if the barrier is or becomes broken.
    ///
    /// ```
    /// let b = threadkit::Barrier::new(1).unwrap();
    /// assert_eq!(b.wait(), Ok(0));
    /// assert_eq!(b.wait(), Ok(0)); // reusable
    /// ```
    #[track_caller]
    pub fn wait(&self) -> Result<usize, BrokenBarrierError> {
        self.wait_until(self.timeout.and_then(wait::deadline_after))
    }

    /// Like [`wait`](Barrier::wait) with this call's own timeout (Python: `wait(timeout)`).
    ///
    /// # Errors
    ///
    /// [`BrokenBarrierError`]; a timeout breaks the barrier for everyone.
    ///
    /// ```
    /// use std::time::Duration;
    /// let b = threadkit::Barrier::new(2).unwrap();
    /// assert!(b.wait_timeout(Duration::from_millis(1)).is_err());
    /// ```
    #[track_caller]
    pub fn wait_timeout(&self, timeout: Duration) -> Result<usize, BrokenBarrierError> {
        self.wait_until(wait::deadline_after(timeout))
    }

    /// Like [`wait`](Barrier::wait) until `deadline` at the latest.
    ///
    /// # Errors
    ///
    /// [`BrokenBarrierError`]; a timeout breaks the barrier for everyone.
    ///
    /// ```
    /// let b = threadkit::Barrier::new(1).unwrap();
    /// assert_eq!(b.wait_deadline(std::time::Instant::now()), Ok(0));
    /// ```
    #[track_caller]
    pub fn wait_deadline(&self, deadline: Instant) -> Result<usize, BrokenBarrierError> {
        self.wait_until(Some(deadline))
    }

    /// Returns the barrier to its empty state; threads waiting now get
    /// [`BrokenBarrierError`] (Python: `reset()`).
    ///
    /// ```
    /// let b = threadkit::Barrier::new(2).unwrap();
    /// b.abort();
    /// b.reset();
    /// assert!(!b.broken());
    /// ```
    pub fn reset(&self) {
        let mut state = self.state.lock();
        match state.phase {
            // Being closed: by its last party (the cycle is complete) or by another reset.
            Phase::Closing => {}
            Phase::Filling | Phase::Broken if state.count == 0 => state.phase = Phase::Filling,
            Phase::Filling | Phase::Broken => {
                // The parties inside get `BrokenBarrierError`; a new cycle starts.
                state.phase = Phase::Closing;
                self.await_readers(&mut state);
                self.end_cycle(&mut state, false);
            }
        }
    }

    /// Breaks the barrier: current and future waiters get [`BrokenBarrierError`] until
    /// [`reset`](Barrier::reset) (Python: `abort()`).
    ///
    /// ```
    /// let b = threadkit::Barrier::new(3).unwrap();
    /// b.abort();
    /// assert!(b.broken());
    /// ```
    pub fn abort(&self) {
        let mut state = self.state.lock();
        self.break_barrier(&mut state);
    }

    /// The number of threads required (Python: `parties`).
    ///
    /// ```
    /// assert_eq!(threadkit::Barrier::new(2).unwrap().parties(), 2);
    /// ```
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// The number of threads waiting now (Python: `n_waiting`).
    ///
    /// ```
    /// assert_eq!(threadkit::Barrier::new(2).unwrap().n_waiting(), 0);
    /// ```
    pub fn n_waiting(&self) -> usize {
        let state = self.state.lock();
        if matches!(state.phase, Phase::Filling | Phase::Closing) {
            state.count
        } else {
            0
        }
    }

    /// Whether the barrier is broken (Python: `broken`).
    ///
    /// ```
    /// assert!(!threadkit::Barrier::new(2).unwrap().broken());
    /// ```
    pub fn broken(&self) -> bool {
        self.state.lock().phase == Phase::Broken
    }

    #[track_caller]
    fn wait_until(&self, deadline: Option<Instant>) -> Result<usize, BrokenBarrierError> {
        let mut state = self.state.lock();
        // A cycle being closed: newcomers belong to the next one.
        self.state
            .wait_while(&mut state, None, |s| s.phase == Phase::Closing);
        if state.phase == Phase::Broken {
            return Err(BrokenBarrierError::broken());
        }
        let cycle = state.cycle;
        let index = state.count;
        state.count += 1;
        if index + 1 == self.parties {
            return self.close_cycle(&mut state).map(|()| index);
        }
        let in_this_cycle = |s: &State| s.cycle == cycle;
        let waited = self.state.wait_while_stoppable(&mut state, deadline, |s| {
            in_this_cycle(s) && s.phase == Phase::Filling
        });
        let timed_out = waited == Ok(false);
        // A stopped party leaves as a timed-out one does: the barrier breaks for the others
        // (unless its cycle passed meanwhile: then the stop waits for the next blocking call).
        let stopped = waited.is_err() && in_this_cycle(&state) && state.phase == Phase::Filling;
        if timed_out || stopped {
            self.break_barrier(&mut state);
        }
        // The action may still run: its outcome decides this cycle, whatever the clock.
        self.state.wait_while(&mut state, None, |s| {
            in_this_cycle(s) && s.phase == Phase::Closing
        });
        if in_this_cycle(&state) {
            // Broken while this thread was in it (by its own timeout, if it timed out).
            state.count -= 1;
            if stopped {
                drop(state);
                crate::stop::unwind();
            }
            return Err(BrokenBarrierError {
                action_panic: None,
                timed_out,
            });
        }
        let passed = state.passed;
        state.unread -= 1;
        if state.unread == 0 && state.awaiting_readers {
            state.awaiting_readers = false;
            self.state.notify_all();
        }
        if passed {
            Ok(index)
        } else {
            Err(BrokenBarrierError::broken())
        }
    }

    /// The last party arrived: run the action (without the lock), then let everyone go,
    /// unless the action panicked or aborted the barrier meanwhile.
    #[track_caller]
    fn close_cycle(&self, state: &mut MutexGuard<'_, State>) -> Result<(), BrokenBarrierError> {
        state.phase = Phase::Closing;
        self.await_readers(state);
        let mut outcome = Ok(());
        if state.phase == Phase::Closing {
            if let Some(action) = &self.action {
                if let Err(p) = MutexGuard::unlocked(state, || panic::catch(action)) {
                    self.break_barrier(state);
                    outcome = Err(BrokenBarrierError {
                        action_panic: Some(p),
                        timed_out: false,
                    });
                }
            }
        }
        if state.phase != Phase::Closing {
            // Aborted (by the action or another thread) or the action panicked.
            state.count -= 1;
            return outcome.and(Err(BrokenBarrierError::broken()));
        }
        self.end_cycle(state, true);
        Ok(())
    }

    /// Waits until every party of the previous cycle has read how it ended.
    #[track_caller]
    fn await_readers(&self, state: &mut MutexGuard<'_, State>) {
        while state.unread > 0 {
            state.awaiting_readers = true;
            self.state.wait(state, None);
        }
    }

    /// Ends the current cycle (its other parties learn `passed`) and starts the next one.
    fn end_cycle(&self, state: &mut State, passed: bool) {
        debug_assert_eq!(state.unread, 0);
        state.passed = passed;
        // The closing party (if any) is not among the readers.
        state.unread = if passed { state.count - 1 } else { state.count };
        state.count = 0;
        state.cycle += 1;
        state.phase = Phase::Filling;
        self.state.notify_all();
    }

    fn break_barrier(&self, state: &mut State) {
        state.phase = Phase::Broken;
        self.state.notify_all();
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("n_waiting", &self.n_waiting())
            .field("broken", &self.broken())
            .finish_non_exhaustive()
    }
}
