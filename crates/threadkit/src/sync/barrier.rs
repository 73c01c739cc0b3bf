//! `Barrier`: Python's `threading.Barrier`, with its filling / draining / resetting / broken
//! phases, kept in a [`Monitor`].
//!
//! The last thread to arrive runs the action with the monitor's lock released (phase
//! `Acting`), so an action may read its own barrier (`n_waiting`, `broken`, `{:?}`), as
//! Python's (reentrant) lock allows, or `abort` it, which breaks this cycle for every party
//! (a `reset` from the action changes nothing: the cycle is complete). While it acts, the other parties
//! keep waiting (a timeout that expires meanwhile is moot, as in Python, where the waiter
//! cannot re-take the lock before the action ends) and newcomers wait for the next cycle.

use super::monitor::Monitor;
use super::mutex::MutexGuard;
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
}

impl BrokenBarrierError {
    /// The action's panic, for the one thread that ran the panicking action.
    ///
    /// ```
    /// let b = threadkit::Barrier::with_action(1, || panic!("action")).unwrap();
    /// assert_eq!(b.wait().unwrap_err().action_panic().unwrap().message(), "action");
    /// ```
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
    /// Every party arrived; the last one runs the action, without the lock.
    Acting,
    Draining,
    Resetting,
    Broken,
}

#[derive(Debug)]
struct State {
    phase: Phase,
    count: usize,
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
            state: Monitor::new(State {
                phase: Phase::Filling,
                count: 0,
            }),
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
        if state.count > 0 {
            if matches!(state.phase, Phase::Filling | Phase::Broken) {
                state.phase = Phase::Resetting;
            }
        } else {
            state.phase = Phase::Filling;
        }
        self.state.notify_all();
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
        if matches!(state.phase, Phase::Filling | Phase::Acting) {
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

    fn wait_until(&self, deadline: Option<Instant>) -> Result<usize, BrokenBarrierError> {
        let mut state = self.state.lock();
        // A previous cycle still acting, draining or resetting: wait for it to empty.
        self.state.wait_while(&mut state, None, |s| {
            matches!(s.phase, Phase::Acting | Phase::Draining | Phase::Resetting)
        });
        if state.phase == Phase::Broken {
            return Err(BrokenBarrierError { action_panic: None });
        }
        let index = state.count;
        state.count += 1;
        let result = if index + 1 == self.parties {
            self.release_all(&mut state)
        } else {
            if !self
                .state
                .wait_while(&mut state, deadline, |s| s.phase == Phase::Filling)
            {
                self.break_barrier(&mut state);
            }
            // The action may still run: its outcome decides this cycle, whatever the clock.
            self.state
                .wait_while(&mut state, None, |s| s.phase == Phase::Acting);
            if matches!(state.phase, Phase::Broken | Phase::Resetting) {
                Err(BrokenBarrierError { action_panic: None })
            } else {
                Ok(())
            }
        };
        state.count -= 1;
        if state.count == 0 && matches!(state.phase, Phase::Draining | Phase::Resetting) {
            state.phase = Phase::Filling;
            self.state.notify_all();
        }
        result.map(|()| index)
    }

    /// The last thread arrived: run the action (without the lock), then let everyone go,
    /// unless the action panicked or broke or reset the barrier meanwhile.
    fn release_all(&self, state: &mut MutexGuard<'_, State>) -> Result<(), BrokenBarrierError> {
        if let Some(action) = &self.action {
            state.phase = Phase::Acting;
            let outcome = MutexGuard::unlocked(state, || panic::catch(action));
            if let Err(p) = outcome {
                self.break_barrier(state);
                return Err(BrokenBarrierError {
                    action_panic: Some(p),
                });
            }
            if state.phase != Phase::Acting {
                // The action called `abort` or `reset`: this cycle is broken.
                self.state.notify_all();
                return Err(BrokenBarrierError { action_panic: None });
            }
        }
        state.phase = Phase::Draining;
        self.state.notify_all();
        Ok(())
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
            .finish()
    }
}
