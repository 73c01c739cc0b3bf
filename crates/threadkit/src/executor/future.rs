//! `Future<T>`: the result of a submitted task (Python: `concurrent.futures.Future`).
//!
//! # Design
//!
//! The state sits in a [`Monitor`]: pending, running, or done with an outcome. Every
//! transition is checked and made under one lock (so `cancel` can never catch a task that has
//! started). Completion tells the `as_completed`/`wait` watchers, runs the done-callbacks in
//! order (each under its own panic catch), then wakes the threads waiting for the result. The value
//! can be cloned out (`result`, for `T: Clone`, as often as wanted) or moved out by the owner
//! (`into_result`). A failure that nobody retrieved is reported when the last handle to the
//! state goes away.

use super::completion::Watch;
use super::error::FutureError;
use super::report::{self, UnretrievedFailure};
use crate::facade::{AtomicBool, Duration, Instant, Ordering};
use crate::panic::{self, Panic};
use crate::sync::{Monitor, MutexGuard};
use crate::wait;
use std::fmt;
use std::io::Write;
use std::sync::Arc;

type Callback<T> = Box<dyn FnOnce(&Future<T>) + Send>;

enum Phase<T> {
    Pending,
    Running,
    Done(Result<T, FutureError>),
    /// The owner moved the value out (`into_result`); nobody else can look any more.
    Taken,
}

struct Inner<T> {
    phase: Phase<T>,
    /// True once completion has run every callback (later ones run at once).
    settled: bool,
    /// What few futures need, boxed on first use so a plain task stays small.
    extras: Option<Box<Extras<T>>>,
}

struct Extras<T> {
    callbacks: Vec<Callback<T>>,
    watchers: Vec<(Arc<Watch>, usize)>,
    /// The worker thread that ran a failed task, for reports.
    thread: Option<String>,
}

impl<T> Inner<T> {
    fn extras(&mut self) -> &mut Extras<T> {
        self.extras.get_or_insert_with(|| {
            Box::new(Extras {
                callbacks: Vec::new(),
                watchers: Vec::new(),
                thread: None,
            })
        })
    }
}

pub(crate) struct Shared<T> {
    state: Monitor<Inner<T>>,
    /// Set (Release) once the outcome is recorded: lets waiters spin before they lock.
    done: AtomicBool,
    retrieved: AtomicBool,
}

impl<T> Shared<T> {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Shared {
            state: Monitor::new(Inner {
                phase: Phase::Pending,
                settled: false,
                extras: None,
            }),
            done: AtomicBool::new(false),
            retrieved: AtomicBool::new(false),
        })
    }

    /// Pending to running; `false` if the task was cancelled meanwhile (then it must not run).
    pub(crate) fn start(&self) -> bool {
        let mut inner = self.state.lock();
        match inner.phase {
            Phase::Pending => {
                inner.phase = Phase::Running;
                true
            }
            _ => false,
        }
    }

    /// Records the outcome unless already done; runs callbacks and wakes everybody.
    pub(crate) fn complete(self: &Arc<Self>, outcome: Result<T, FutureError>) -> bool {
        let inner = self.state.lock();
        if matches!(inner.phase, Phase::Done(_) | Phase::Taken) {
            return false;
        }
        self.finish(inner, outcome);
        true
    }

    /// Pending to cancelled, in one step under the lock (a task that has started cannot be
    /// cancelled); `true` if cancelled, now or before.
    pub(crate) fn cancel(self: &Arc<Self>) -> bool {
        let inner = self.state.lock();
        match inner.phase {
            Phase::Pending => {
                self.finish(inner, Err(FutureError::Cancelled));
                true
            }
            Phase::Done(Err(FutureError::Cancelled)) => true,
            _ => false,
        }
    }

    /// Records the outcome (the caller checked the phase under `inner`), tells the watchers,
    /// runs the callbacks in order, then wakes the waiters.
    fn finish<'a>(
        self: &'a Arc<Self>,
        mut inner: MutexGuard<'a, Inner<T>>,
        outcome: Result<T, FutureError>,
    ) {
        if matches!(outcome, Err(FutureError::Panicked(_))) {
            inner.extras().thread = Some(crate::thread::current_thread().name());
        }
        inner.phase = Phase::Done(outcome);
        self.done.store(true, Ordering::Release);
        let watchers = inner
            .extras
            .as_mut()
            .map(|e| std::mem::take(&mut e.watchers))
            .unwrap_or_default();
        if !watchers.is_empty() {
            drop(inner);
            for (watch, index) in watchers {
                watch.finished(index);
            }
            inner = self.state.lock();
        }
        // Callbacks run outside the lock; ones added meanwhile join the queue, in order.
        let mut handle = None;
        loop {
            let callbacks = inner
                .extras
                .as_mut()
                .map(|e| std::mem::take(&mut e.callbacks))
                .unwrap_or_default();
            if callbacks.is_empty() {
                inner.settled = true;
                drop(inner);
                self.state.notify_all();
                return;
            }
            drop(inner);
            let handle = handle.get_or_insert_with(|| Future {
                shared: Arc::clone(self),
            });
            for callback in callbacks {
                if let Err(p) = panic::catch(|| callback(handle)) {
                    report_callback_panic(&p);
                }
            }
            inner = self.state.lock();
        }
    }

    /// Registers a watcher; `true` if the future is done already (then it is not kept).
    pub(crate) fn watch(&self, watch: &Arc<Watch>, index: usize) -> bool {
        let mut inner = self.state.lock();
        if matches!(inner.phase, Phase::Done(_) | Phase::Taken) {
            return true;
        }
        inner.extras().watchers.push((Arc::clone(watch), index));
        false
    }

    pub(crate) fn unwatch(&self, watch: &Arc<Watch>) {
        if let Some(extras) = &mut self.state.lock().extras {
            extras.watchers.retain(|(w, _)| !Arc::ptr_eq(w, watch));
        }
    }

    /// Waits until done (and, with `settled`, until the callbacks ran), or until `deadline`.
    fn wait_done(&self, deadline: Option<Instant>, settled: bool) -> MutexGuard<'_, Inner<T>> {
        // A task usually takes a moment: spin briefly before sleeping in the monitor.
        let mut spin = wait::SpinWait::new();
        while !self.done.load(Ordering::Acquire) {
            if !spin.spin() {
                break;
            }
        }
        let mut inner = self.state.lock();
        self.state.wait_while(&mut inner, deadline, |i| {
            !matches!(i.phase, Phase::Done(_)) || (settled && !i.settled)
        });
        inner
    }
}

fn report_callback_panic(p: &Panic) {
    let mut text = String::from("exception calling callback for Future:\n");
    if let Some(location) = p.location() {
        text.push_str(&format!("panicked at {location}:\n"));
    }
    text.push_str(p.message());
    text.push('\n');
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        let retrieved = *self.retrieved.get_mut();
        let inner = self.state.get_mut();
        if let Phase::Done(Err(error @ FutureError::Panicked(_))) = &inner.phase {
            if !retrieved {
                report::report(UnretrievedFailure {
                    thread: inner
                        .extras
                        .as_mut()
                        .and_then(|e| e.thread.take())
                        .unwrap_or_default(),
                    error: error.clone(),
                });
            }
        }
    }
}

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
    shared: Arc<Shared<T>>,
}

impl<T> Future<T> {
    pub(crate) fn from_shared(shared: Arc<Shared<T>>) -> Self {
        Future { shared }
    }

    pub(crate) fn shared(&self) -> &Arc<Shared<T>> {
        &self.shared
    }

    /// Whether the task finished, failed or was cancelled (Python: `done()`).
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| ()).unwrap();
    /// f.wait();
    /// assert!(f.done());
    /// ```
    pub fn done(&self) -> bool {
        matches!(
            self.shared.state.lock().phase,
            Phase::Done(_) | Phase::Taken
        )
    }

    /// Done with a failure other than cancellation, without marking it retrieved.
    pub(crate) fn failed(&self) -> bool {
        matches!(
            self.shared.state.lock().phase,
            Phase::Done(Err(FutureError::Panicked(_) | FutureError::BrokenPool(_)))
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
    pub fn running(&self) -> bool {
        matches!(self.shared.state.lock().phase, Phase::Running)
    }

    /// Whether the task was cancelled (Python: `cancelled()`).
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| ()).unwrap();
    /// f.wait();
    /// assert!(!f.cancelled());
    /// ```
    pub fn cancelled(&self) -> bool {
        matches!(
            self.shared.state.lock().phase,
            Phase::Done(Err(FutureError::Cancelled))
        )
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
    pub fn cancel(&self) -> bool {
        self.shared.cancel()
    }

    /// Blocks until the future is done.
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| ()).unwrap();
    /// f.wait();
    /// assert!(f.done());
    /// ```
    pub fn wait(&self) {
        drop(self.shared.wait_done(None, false));
    }

    /// Waits at most `timeout`; `true` if the future is done.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| ()).unwrap();
    /// assert!(f.wait_timeout(Duration::from_secs(60)));
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let inner = self.shared.wait_done(wait::deadline_after(timeout), false);
        matches!(inner.phase, Phase::Done(_))
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
    pub fn into_result(self) -> Result<T, FutureError> {
        let mut inner = self.shared.wait_done(None, true);
        match std::mem::replace(&mut inner.phase, Phase::Taken) {
            Phase::Done(Ok(value)) => Ok(value),
            Phase::Done(Err(error)) => {
                self.shared.retrieved.store(true, Ordering::Relaxed);
                inner.phase = Phase::Done(Err(error.clone()));
                Err(error)
            }
            _ => unreachable!("waited until done, and only the owner takes"),
        }
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
    pub fn exception(&self) -> Option<FutureError> {
        self.exception_until(None)
    }

    /// Like [`exception`](Self::exception), waiting at most `timeout`; a timeout gives
    /// `Some(FutureError::Timeout)`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| 1).unwrap();
    /// assert_eq!(f.exception_timeout(Duration::from_secs(60)), None);
    /// ```
    pub fn exception_timeout(&self, timeout: Duration) -> Option<FutureError> {
        self.exception_until(wait::deadline_after(timeout))
    }

    fn exception_until(&self, deadline: Option<Instant>) -> Option<FutureError> {
        let inner = self.shared.wait_done(deadline, false);
        match &inner.phase {
            Phase::Done(Ok(_)) | Phase::Taken => None,
            Phase::Done(Err(error)) => {
                self.shared.retrieved.store(true, Ordering::Relaxed);
                Some(error.clone())
            }
            Phase::Pending | Phase::Running => Some(FutureError::Timeout),
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
        let mut inner = self.shared.state.lock();
        if inner.settled {
            drop(inner);
            if let Err(p) = panic::catch(|| callback(self)) {
                report_callback_panic(&p);
            }
        } else {
            inner.extras().callbacks.push(Box::new(callback));
        }
    }
}

impl<T: Clone> Future<T> {
    /// Blocks for the outcome and returns a copy of the value; repeatable (Python: `result()`).
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
    pub fn result(&self) -> Result<T, FutureError> {
        self.result_until(None)
    }

    /// Like [`result`](Self::result), waiting at most `timeout` (Python: `result(timeout)`).
    ///
    /// # Errors
    ///
    /// [`FutureError::Timeout`] if not done in time (the task goes on), or the task's failure.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| 1).unwrap();
    /// assert_eq!(f.result_timeout(Duration::from_secs(60)), Ok(1));
    /// ```
    pub fn result_timeout(&self, timeout: Duration) -> Result<T, FutureError> {
        self.result_until(wait::deadline_after(timeout))
    }

    fn result_until(&self, deadline: Option<Instant>) -> Result<T, FutureError> {
        let inner = self.shared.wait_done(deadline, false);
        match &inner.phase {
            Phase::Done(Ok(value)) => Ok(value.clone()),
            Phase::Done(Err(error)) => {
                self.shared.retrieved.store(true, Ordering::Relaxed);
                Err(error.clone())
            }
            Phase::Pending | Phase::Running => Err(FutureError::Timeout),
            Phase::Taken => unreachable!("only the owner takes, by value"),
        }
    }
}

impl<T> fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.shared.state.lock();
        let state = match &inner.phase {
            Phase::Pending => "pending",
            Phase::Running => "running",
            Phase::Done(Ok(_)) | Phase::Taken => "finished",
            Phase::Done(Err(FutureError::Cancelled)) => "cancelled",
            Phase::Done(Err(_)) => "failed",
        };
        f.debug_struct("Future").field("state", &state).finish()
    }
}
