//! `Future<T>`: the result of a submitted task (Python: `concurrent.futures.Future`).
//!
//! A thin handle over the task's [`FutureState`](super::state::FutureState), which holds the
//! phase, the outcome, the callbacks and the watchers (see there for the design). A future is
//! its task's only user-side handle (it is not `Clone`), so the owner may move the value out.

use super::error::FutureError;
use super::state::{report_callback_panic, FutureState, Until};
use super::task::Slot;
use crate::facade::{Duration, Instant};
use crate::panic;
use crate::timeout::{TimeoutError, WaitError};
use crate::wait;
use std::fmt;
use std::sync::Arc;

/// The eventual result of a task submitted to a
/// [`ThreadPoolExecutor`](crate::ThreadPoolExecutor) (Python: `concurrent.futures.Future`).
///
/// A task's panic is caught and delivered here, never lost: by [`result`](Future::result) /
/// [`into_result`](Future::into_result) as [`FutureError::Panicked`], by
/// [`exception`](Future::exception), and if nobody ever looks, by a report on stderr when the
/// future is dropped (see [`set_unretrieved_hook`](crate::set_unretrieved_hook)).
///
/// # Examples
///
/// ```
/// use threadkit::ThreadPoolExecutor;
///
/// let pool = ThreadPoolExecutor::new(2).unwrap();
/// let f = pool.submit(|| 6 * 7).unwrap();
/// assert_eq!(f.result(), Ok(42)); // repeatable: T is Clone
/// assert!(f.done());
/// assert_eq!(f.into_result(), Ok(42));
/// ```
pub struct Future<T> {
    slot: Arc<dyn Slot<T>>,
}

// Unwind safety: no poisoning (as in Python and parking_lot); a panic elsewhere cannot leave
// this future (its value only moves out or is read once published) in a state its own methods would misread (issue 10, defect 14).
impl<T> std::panic::UnwindSafe for Future<T> {}
impl<T> std::panic::RefUnwindSafe for Future<T> {}

impl<T> Future<T> {
    pub(crate) fn from_slot(slot: Arc<dyn Slot<T>>) -> Self {
        Future { slot }
    }

    pub(crate) fn state(&self) -> &FutureState<T> {
        self.slot.state()
    }

    /// The future's identity: the address of its shared state.
    pub(crate) fn id(&self) -> usize {
        Arc::as_ptr(&self.slot).cast::<()>() as usize
    }

    /// Whether the task finished, failed or was cancelled (Python: `done()`).
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| ()).unwrap();
    /// f.wait();
    /// assert!(f.done());
    /// ```
    #[must_use]
    pub fn done(&self) -> bool {
        self.state().outcome().is_some()
    }

    /// Done with a failure other than cancellation, without marking it retrieved.
    pub(crate) fn failed(&self) -> bool {
        matches!(
            self.state().outcome(),
            Some(Err(FutureError::Panicked(_)
                | FutureError::BrokenPool(_)
                | FutureError::Abandoned))
        )
    }

    /// Whether the task is running now (Python: `running()`).
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| ()).unwrap();
    /// f.wait();
    /// assert!(!f.running());
    /// ```
    #[must_use]
    pub fn running(&self) -> bool {
        self.state().is_running()
    }

    /// Whether the task was cancelled (Python: `cancelled()`).
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| ()).unwrap();
    /// f.wait();
    /// assert!(!f.cancelled());
    /// ```
    #[must_use]
    pub fn cancelled(&self) -> bool {
        matches!(self.state().outcome(), Some(Err(FutureError::Cancelled)))
    }

    /// Cancels the task if it has not started; `true` if it is (now) cancelled
    /// (Python: `cancel()`).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use threadkit::{Event, ThreadPoolExecutor};
    ///
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// let gate = Arc::new(Event::new());
    /// let g = Arc::clone(&gate);
    /// let busy = pool.submit(move || g.wait()).unwrap(); // occupies the only worker
    /// let queued = pool.submit(|| 1).unwrap();
    /// assert!(queued.cancel());
    /// assert!(queued.cancelled());
    /// gate.set();
    /// assert!(busy.into_result().unwrap());
    /// ```
    #[allow(clippy::must_use_candidate)] // called for its effect, as Python's `cancel()`
    #[track_caller]
    pub fn cancel(&self) -> bool {
        let state = self.state();
        if state.claim(false) {
            if state.publish(Err(FutureError::Cancelled)) {
                state.settle(self);
            }
            return true;
        }
        // Running or done, or claimed by a canceller or a breaking pool for a moment.
        if !state.is_running() {
            state.wait(Until::Done, None);
        }
        self.cancelled()
    }

    /// Asks the task to stop: a task not started yet is cancelled (as [`cancel`](Self::cancel));
    /// a running task's blocking calls return at once (see the crate docs' "Stopping work"),
    /// and if it ends by such a call's unwind its outcome is [`FutureError::Stopped`]. `false`
    /// if the task had finished (Python's `cancel()` can only say `False` for a running task;
    /// Java: `cancel(true)`).
    ///
    /// ```
    /// use threadkit::{FutureError, ThreadPoolExecutor};
    ///
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// let forever = pool.submit(|| threadkit::sleep(std::time::Duration::from_secs(3600))).unwrap();
    /// while !forever.running() {
    ///     std::thread::yield_now();
    /// }
    /// assert!(!forever.cancel(), "running: cancel cannot");
    /// assert!(forever.request_stop());
    /// assert!(matches!(forever.result(), Err(FutureError::Stopped)));
    /// ```
    #[allow(clippy::must_use_candidate)] // called for its effect
    pub fn request_stop(&self) -> bool {
        let state = self.state();
        if state.claim(false) {
            if state.publish(Err(FutureError::Cancelled)) {
                state.settle(self);
            }
            return true;
        }
        self.slot.stop_running()
    }

    /// Blocks until the future is done.
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| ()).unwrap();
    /// f.wait();
    /// assert!(f.done());
    /// ```
    #[track_caller]
    pub fn wait(&self) {
        self.state().wait(Until::Done, None);
    }

    /// Waits at most `timeout`; `true` if the future is done.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| ()).unwrap();
    /// assert!(f.wait_timeout(Duration::from_secs(60)));
    /// ```
    #[must_use]
    #[track_caller]
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.state()
            .wait(Until::Done, wait::deadline_after(timeout))
    }

    /// Waits until `deadline` at the latest; `true` if the future is done.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| ()).unwrap();
    /// assert!(f.wait_deadline(Instant::now() + Duration::from_secs(60)));
    /// ```
    #[must_use]
    #[track_caller]
    pub fn wait_deadline(&self, deadline: Instant) -> bool {
        self.state().wait(Until::Done, Some(deadline))
    }

    /// Blocks for the outcome and moves the value out (any `T`).
    ///
    /// # Errors
    ///
    /// [`FutureError::Panicked`], [`FutureError::Cancelled`] or [`FutureError::BrokenPool`].
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| vec![1, 2]).unwrap();
    /// assert_eq!(f.into_result(), Ok(vec![1, 2]));
    /// ```
    #[allow(clippy::missing_panics_doc)] // the `expect` inside states an invariant: it cannot fire
    #[track_caller]
    pub fn into_result(self) -> Result<T, FutureError> {
        let state = self.state();
        state.wait(Until::Settled, None);
        // SAFETY: `self` is the future's only handle (moved in here; callbacks only borrow a
        // handle while they run), no reference from `outcome` is alive, and the state is
        // settled.
        let outcome = unsafe { state.take_outcome() };
        outcome.expect("a settled future holds its outcome until its owner takes it")
    }

    /// The failure, if the task failed or was cancelled; `None` if it returned a value.
    /// Blocks until done (Python: `exception()`).
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let ok = pool.submit(|| 1).unwrap();
    /// assert_eq!(ok.exception(), None);
    /// let bad = pool.submit(|| -> u8 { panic!("no") }).unwrap();
    /// assert!(bad.exception().is_some());
    /// ```
    #[must_use]
    #[allow(clippy::missing_panics_doc)] // the `expect` inside states an invariant: it cannot fire
    #[track_caller]
    pub fn exception(&self) -> Option<FutureError> {
        self.exception_until(None)
            .expect("a wait without deadline cannot time out")
    }

    /// Like [`exception`](Self::exception), waiting at most `timeout` (Python:
    /// `exception(timeout)`).
    ///
    /// # Errors
    ///
    /// [`TimeoutError`] if the future is not done in time (the task goes on).
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| 1).unwrap();
    /// assert_eq!(f.exception_timeout(Duration::from_secs(60)), Ok(None));
    /// ```
    #[track_caller]
    pub fn exception_timeout(
        &self,
        timeout: Duration,
    ) -> Result<Option<FutureError>, TimeoutError> {
        self.exception_until(wait::deadline_after(timeout))
    }

    /// Like [`exception`](Self::exception), waiting until `deadline` at the latest.
    ///
    /// # Errors
    ///
    /// [`TimeoutError`] if the future is not done in time (the task goes on).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| -> u8 { panic!("no") }).unwrap();
    /// let failure = f.exception_deadline(Instant::now() + Duration::from_secs(60)).unwrap();
    /// assert!(matches!(failure, Some(threadkit::FutureError::Panicked(_))));
    /// ```
    #[track_caller]
    pub fn exception_deadline(
        &self,
        deadline: Instant,
    ) -> Result<Option<FutureError>, TimeoutError> {
        self.exception_until(Some(deadline))
    }

    #[track_caller]
    fn exception_until(
        &self,
        deadline: Option<Instant>,
    ) -> Result<Option<FutureError>, TimeoutError> {
        let state = self.state();
        state.wait(Until::Done, deadline);
        match state.outcome() {
            Some(Ok(_)) => Ok(None),
            Some(Err(error)) => {
                state.mark_retrieved();
                Ok(Some(error.clone()))
            }
            None => Err(TimeoutError::single()),
        }
    }

    /// Waits at most `timeout` for the outcome and moves the value out (any `T`); on a
    /// timeout the future comes back, so the wait can go on.
    ///
    /// # Errors
    ///
    /// `Err(Ok(future))` if not done in time (the task goes on), `Err(Err(failure))` with the
    /// task's failure.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let mut f = pool.submit(|| vec![1, 2]).unwrap();
    /// let value = loop {
    ///     match f.into_result_timeout(Duration::from_secs(1)) {
    ///         Ok(value) => break value,
    ///         Err(Ok(pending)) => f = pending,
    ///         Err(Err(failure)) => panic!("{failure}"),
    ///     }
    /// };
    /// assert_eq!(value, [1, 2]);
    /// ```
    #[track_caller]
    pub fn into_result_timeout(self, timeout: Duration) -> Result<T, Result<Self, FutureError>> {
        if self.wait_timeout(timeout) {
            self.into_result().map_err(Err)
        } else {
            Err(Ok(self))
        }
    }

    /// Calls `callback` with this future once it is done, at once if it is done already;
    /// callbacks run in the order added, on the thread that completes the future. A panicking
    /// callback is reported on stderr and does not disturb the others or the pool
    /// (Python: `add_done_callback`).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    ///
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| 5).unwrap();
    /// let seen = Arc::new(AtomicBool::new(false));
    /// let s = Arc::clone(&seen);
    /// f.add_done_callback(move |f| s.store(f.result() == Ok(5), Ordering::SeqCst));
    /// f.wait();
    /// drop(f.into_result()); // returns once the callbacks have run
    /// assert!(seen.load(Ordering::SeqCst));
    /// ```
    pub fn add_done_callback(&self, callback: impl FnOnce(&Future<T>) + Send + 'static) {
        if let Some(callback) = self.state().add_callback(Box::new(callback)) {
            if let Err(p) = panic::catch(|| callback(self)) {
                report_callback_panic(&p);
            }
        }
    }
}

impl<T: Clone + Sync> Future<T> {
    /// Blocks for the outcome and returns a copy of the value; repeatable (Python: `result()`).
    ///
    /// The value is read without a lock, possibly by several threads at once, hence `T: Sync`;
    /// [`into_result`](Self::into_result) moves it out for any `T`.
    ///
    /// # Errors
    ///
    /// [`FutureError::Panicked`], [`FutureError::Cancelled`] or [`FutureError::BrokenPool`].
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| String::from("hi")).unwrap();
    /// assert_eq!(f.result().unwrap(), "hi");
    /// assert_eq!(f.result().unwrap(), "hi");
    /// ```
    #[allow(clippy::missing_panics_doc)] // the `expect` inside states an invariant: it cannot fire
    #[track_caller]
    pub fn result(&self) -> Result<T, FutureError> {
        self.result_until(None).map_err(WaitError::untimed)
    }

    /// Like [`result`](Self::result), waiting at most `timeout` (Python: `result(timeout)`).
    ///
    /// # Errors
    ///
    /// [`WaitError::Timeout`] if not done in time (the task goes on), or
    /// [`WaitError::Failed`] with the task's failure.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| 1).unwrap();
    /// assert_eq!(f.result_timeout(Duration::from_secs(60)), Ok(1));
    /// ```
    #[track_caller]
    pub fn result_timeout(&self, timeout: Duration) -> Result<T, WaitError<FutureError>> {
        self.result_until(wait::deadline_after(timeout))
    }

    /// Like [`result`](Self::result), waiting until `deadline` at the latest.
    ///
    /// # Errors
    ///
    /// [`WaitError::Timeout`] if not done in time (the task goes on), or
    /// [`WaitError::Failed`] with the task's failure.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| 1).unwrap();
    /// assert_eq!(f.result_deadline(Instant::now() + Duration::from_secs(60)), Ok(1));
    /// ```
    #[track_caller]
    pub fn result_deadline(&self, deadline: Instant) -> Result<T, WaitError<FutureError>> {
        self.result_until(Some(deadline))
    }

    #[track_caller]
    fn result_until(&self, deadline: Option<Instant>) -> Result<T, WaitError<FutureError>> {
        let state = self.state();
        state.wait(Until::Done, deadline);
        match state.outcome() {
            Some(Ok(value)) => Ok(value.clone()),
            Some(Err(error)) => {
                state.mark_retrieved();
                Err(WaitError::Failed(error.clone()))
            }
            None => Err(WaitError::Timeout(TimeoutError::single())),
        }
    }
}

/// Futures are equal when they are the same future (Python: identity), so a future can key a
/// map, as in Python's `future_to_url[future]`.
///
/// ```
/// use std::collections::HashMap;
/// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
/// let (a, b) = (pool.submit(|| 1).unwrap(), pool.submit(|| 1).unwrap());
/// assert!(a == a && a != b);
/// let names = HashMap::from([(a, "a"), (b, "b")]);
/// assert_eq!(names.len(), 2);
/// ```
impl<T> PartialEq for Future<T> {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl<T> Eq for Future<T> {}

impl<T> std::hash::Hash for Future<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id().hash(state);
    }
}

impl<T> fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state().outcome() {
            None if self.running() => "running",
            None => "pending",
            Some(Ok(_)) => "finished",
            Some(Err(FutureError::Cancelled)) => "cancelled",
            Some(Err(_)) => "failed",
        };
        f.debug_struct("Future").field("state", &state).finish()
    }
}
