//! Errors of starting and joining threads (Python's `RuntimeError` cases, named).

use crate::panic::Panic;
use std::sync::Arc;
use thiserror::Error;

/// Why a thread could not be started or configured.
///
/// ```
/// use threadkit::{StartError, Thread};
///
/// let t = Thread::new(|| ());
/// t.start().unwrap();
/// assert!(matches!(t.start(), Err(StartError::AlreadyStarted)));
/// # t.join().unwrap();
/// ```
#[derive(Debug, Clone, Error)]
#[non_exhaustive]
pub enum StartError {
    /// `start` was called twice, or `set_daemon` after start
    /// (Python: `RuntimeError: threads can only be started once`).
    #[error("threads can only be started once")]
    AlreadyStarted,
    /// The operating system refused to create the thread; the thread can be started again.
    #[error("can't start new thread: {0}")]
    Spawn(Arc<std::io::Error>),
}

/// A start error as an `io::Error`, so `?` works in a function returning `io::Result`: a
/// refused spawn keeps the operating system's error kind, a second start is
/// `ErrorKind::Other`; the message is the `StartError`'s.
///
/// ```
/// fn run() -> std::io::Result<u32> {
///     let t = threadkit::Thread::new(|| 7);
///     t.start()?;
///     Ok(t.into_output().map_err(std::io::Error::other)?)
/// }
/// assert_eq!(run().unwrap(), 7);
/// let err: std::io::Error = threadkit::StartError::AlreadyStarted.into();
/// assert_eq!(err.to_string(), "threads can only be started once");
/// ```
impl From<StartError> for std::io::Error {
    fn from(error: StartError) -> Self {
        match error {
            StartError::Spawn(os) => std::io::Error::new(os.kind(), StartError::Spawn(os)),
            other => std::io::Error::other(other),
        }
    }
}

// Unwind safety: no poisoning (as in Python and parking_lot); a panic elsewhere cannot leave
// this error (immutable data) in a state its own methods would misread (issue 10, defect 14).
impl std::panic::UnwindSafe for StartError {}
impl std::panic::RefUnwindSafe for StartError {}

/// Why a `join` did not deliver a normal completion.
///
/// ```
/// use threadkit::{JoinError, Thread};
///
/// let t = Thread::new(|| ());
/// assert!(matches!(t.join(), Err(JoinError::NotStarted)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum JoinError {
    /// The thread was never started (Python: `cannot join thread before it is started`).
    #[error("cannot join thread before it is started")]
    NotStarted,
    /// A thread tried to join itself (Python: `cannot join current thread`).
    #[error("cannot join current thread")]
    CurrentThread,
    /// The thread was not started by threadkit (a `Dummy-N` handle from
    /// [`current_thread`](crate::current_thread) on a foreign thread): nothing tells when it
    /// ends (Python 3.13: `RuntimeError: cannot join a dummy thread`).
    #[error("cannot join a dummy thread")]
    DummyThread,
    /// The thread's closure panicked; the panic's message and location are inside.
    #[error("thread panicked: {0}")]
    Panicked(Panic),
    /// The thread was stopped ([`ThreadHandle::request_stop`](crate::ThreadHandle::request_stop))
    /// and ended by a blocking call's [`Stopped`](crate::Stopped) unwind: stopped, not failed.
    #[error("thread stopped")]
    Stopped,
}

impl JoinError {
    /// The panic, when the thread panicked.
    ///
    /// ```
    /// let t = threadkit::Thread::spawn(|| -> () { panic!("bad") });
    /// assert_eq!(t.join().unwrap_err().panic().unwrap().message(), "bad");
    /// ```
    #[must_use]
    pub fn panic(&self) -> Option<&Panic> {
        match self {
            JoinError::Panicked(p) => Some(p),
            _ => None,
        }
    }
}
