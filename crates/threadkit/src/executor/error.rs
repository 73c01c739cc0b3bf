//! Errors of the executor and its futures.

use crate::panic::Panic;
use std::fmt;
use std::sync::Arc;
use thiserror::Error;

/// Why a finished future gives no value: the task's outcome (Python: the exception `result()`
/// raises). A timed wait adds its timeout around it: [`WaitError`](crate::WaitError).
///
/// ```
/// use threadkit::{FutureError, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new(1).unwrap();
/// let f = pool.submit(|| -> u8 { panic!("task failed") }).unwrap();
/// match f.into_result() {
///     Err(FutureError::Panicked(p)) => assert_eq!(p.message(), "task failed"),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FutureError {
    /// The task was cancelled before it ran (Python: `CancelledError`).
    #[error("the future was cancelled")]
    Cancelled,
    /// The task panicked; its message and location are inside (Python: the task's exception).
    #[error("the task panicked: {0}")]
    Panicked(Panic),
    /// The pool broke (a worker's initializer panicked) before the task could run
    /// (Python: `BrokenThreadPool`).
    #[error("the thread pool is broken: {0}")]
    BrokenPool(Arc<str>),
    /// The executor was shut down before this task could be submitted (a lazy
    /// [`map_with`](crate::ThreadPoolExecutor::map_with) with a `buffersize`; Python:
    /// `RuntimeError: cannot schedule new futures after shutdown`).
    #[error("cannot schedule new futures after shutdown")]
    ShutDown,
    /// The [`Promise`](crate::Promise) of a standalone future was dropped without setting an
    /// outcome (C++: `broken_promise`; in Python the future would stay pending forever).
    #[error("the promise was dropped without setting an outcome")]
    Abandoned,
    /// The running task was stopped ([`Future::request_stop`](crate::Future::request_stop), or
    /// a shutdown that stops running tasks) and ended by a blocking call's
    /// [`Stopped`](crate::Stopped) unwind: stopped, not failed.
    #[error("the task was stopped")]
    Stopped,
    /// A lazy [`map_with`](crate::ThreadPoolExecutor::map_with) could not submit this task:
    /// the queue was full under [`WhenFull::Reject`](crate::WhenFull::Reject) (or the
    /// submitter was stopped while waiting for room).
    #[error("the executor refused the task: its queue was full")]
    Rejected,
}

/// A submission the executor refused; the closure comes back (`into_inner`).
///
/// ```
/// use threadkit::{SubmitError, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new(1).unwrap();
/// pool.shutdown();
/// let err = pool.submit(|| 1).unwrap_err();
/// assert!(matches!(err, SubmitError::ShutDown(_)));
/// assert_eq!((err.into_inner())(), 1);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SubmitError<F> {
    /// After `shutdown` (Python: `RuntimeError: cannot schedule new futures after shutdown`).
    #[error("cannot schedule new futures after shutdown")]
    ShutDown(F),
    /// The pool is broken (Python: `BrokenThreadPool`).
    #[error("the thread pool is broken")]
    BrokenPool(F),
    /// The queue of tasks not started was full and the pool's policy is
    /// [`WhenFull::Reject`](crate::WhenFull::Reject) (Java: `RejectedExecutionException`).
    #[error("the executor's queue is full")]
    Full(F),
    /// The submitting thread's stop was requested while it waited for room
    /// ([`WhenFull::Block`](crate::WhenFull::Block)).
    #[error("stopped while waiting for room in the executor's queue")]
    Stopped(F),
}

impl<F> SubmitError<F> {
    /// The closure that was not submitted.
    ///
    /// ```
    /// let f = threadkit::SubmitError::ShutDown(5).into_inner();
    /// assert_eq!(f, 5);
    /// ```
    pub fn into_inner(self) -> F {
        match self {
            SubmitError::ShutDown(f)
            | SubmitError::BrokenPool(f)
            | SubmitError::Full(f)
            | SubmitError::Stopped(f) => f,
        }
    }
}

impl<F> fmt::Debug for SubmitError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubmitError::ShutDown(_) => f.write_str("ShutDown(..)"),
            SubmitError::BrokenPool(_) => f.write_str("BrokenPool(..)"),
            SubmitError::Full(_) => f.write_str("Full(..)"),
            SubmitError::Stopped(_) => f.write_str("Stopped(..)"),
        }
    }
}

/// `max_workers` must be at least 1 (Python: `ValueError`).
///
/// ```
/// assert!(threadkit::ThreadPoolExecutor::new(0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("max_workers must be greater than 0")]
pub struct InvalidMaxWorkers;
