//! Errors of the queues: Python's `queue.Full`, `queue.Empty`, `queue.ShutDown` and the
//! `ValueError` of `task_done`. A refused item always comes back inside the error.

use std::fmt;
use thiserror::Error;

/// A `put` that did not happen; the item is inside (`into_inner`), never lost.
///
/// ```
/// use threadkit::{PutError, Queue};
///
/// let q = Queue::new(1);
/// q.put("a").unwrap();
/// let err = q.put_nowait("b").unwrap_err();
/// assert!(matches!(err, PutError::Full(_)));
/// assert_eq!(err.into_inner(), "b");
/// ```
#[derive(PartialEq, Eq, Clone, Copy, Error)]
#[non_exhaustive]
pub enum PutError<T> {
    /// The queue was full: at once for `put_nowait`, or for the whole timeout
    /// (Python: `queue.Full`).
    #[error("queue is full")]
    Full(T),
    /// The queue was shut down (Python 3.13: `queue.ShutDown`).
    #[error("queue is shut down")]
    ShutDown(T),
    /// The calling thread's stop was requested while it waited for room
    /// ([`ThreadHandle::request_stop`](crate::ThreadHandle::request_stop)): the item comes back.
    #[error("stopped while waiting to put")]
    Stopped(T),
}

impl<T> PutError<T> {
    /// The item that was not put.
    ///
    /// ```
    /// assert_eq!(threadkit::PutError::Full(5).into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            PutError::Full(item) | PutError::ShutDown(item) | PutError::Stopped(item) => item,
        }
    }
}

impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::Full(_) => f.write_str("Full(..)"),
            PutError::ShutDown(_) => f.write_str("ShutDown(..)"),
            PutError::Stopped(_) => f.write_str("Stopped(..)"),
        }
    }
}

/// A `get` that returned no item.
///
/// ```
/// use threadkit::{GetError, Queue};
///
/// let q: Queue<u8> = Queue::new(0);
/// assert_eq!(q.get_nowait(), Err(GetError::Empty));
/// q.shutdown();
/// assert_eq!(q.get(), Err(GetError::ShutDown));
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy, Error)]
#[non_exhaustive]
pub enum GetError {
    /// Nothing to get: at once for `get_nowait`, or for the whole timeout
    /// (Python: `queue.Empty`).
    #[error("queue is empty")]
    Empty,
    /// The queue is shut down and has nothing left to give (Python 3.13: `queue.ShutDown`).
    #[error("queue is shut down")]
    ShutDown,
    /// The calling thread's stop was requested while it waited for an item
    /// ([`ThreadHandle::request_stop`](crate::ThreadHandle::request_stop)); nothing was taken.
    #[error("stopped while waiting to get")]
    Stopped,
}

/// `task_done` was called more times than items were put
/// (Python: `ValueError: task_done() called too many times`).
///
/// ```
/// let q: threadkit::Queue<u8> = threadkit::Queue::new(0);
/// assert_eq!(q.task_done(), Err(threadkit::TaskDoneError));
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy, Error)]
#[error("task_done() called too many times")]
pub struct TaskDoneError;
