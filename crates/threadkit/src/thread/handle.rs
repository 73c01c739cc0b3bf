//! `ThreadHandle`: the shared, cloneable view of a thread (Python's `Thread` object as seen by
//! other threads: name, ident, daemon flag, liveness, join).

use super::error::JoinError;
use super::registry;
use crate::diag::Kind;
use crate::facade::{AtomicBool, AtomicU64, AtomicU8, Duration, Instant, Ordering};
use crate::panic::Panic;
use crate::sync::{Event, Mutex};
use crate::timeout::{TimeoutError, WaitError};
use crate::wait;
use std::fmt;
use std::sync::{Arc, OnceLock};

const NEW: u8 = 0;
const STARTED: u8 = 1;
const FINISHED: u8 = 2;

/// Who created the thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Started by threadkit (`Thread::start`).
    Spawned,
    /// The process's main thread (`MainThread`).
    Main,
    /// A thread threadkit did not start, seen through `current_thread` (Python's `Dummy-N`).
    Foreign,
}

pub(crate) struct Inner {
    name: Mutex<Arc<str>>,
    daemon: AtomicBool,
    ident: AtomicU64,
    native_id: AtomicU64,
    state: AtomicU8,
    started: Event,
    finished: Event,
    panic: OnceLock<Panic>,
    origin: Origin,
    /// What `request_stop` stops; the thread's own token while it runs.
    stop: crate::StopToken,
}

/// A cloneable handle to a thread: its identity, liveness, and `join`.
///
/// Every [`Thread`](crate::Thread) derefs to its handle; [`current_thread`](crate::current_thread),
/// [`main_thread`](crate::main_thread) and [`enumerate`](crate::enumerate) return handles.
/// Handles are `Send + Sync` and compare equal when they name the same thread.
///
/// # Examples
///
/// ```
/// use threadkit::{current_thread, Thread};
///
/// let t = Thread::builder().name("worker").spawn(|| current_thread().name()).unwrap();
/// let handle = t.handle();
/// handle.join().unwrap();
/// assert!(!handle.is_alive());
/// assert_eq!(t.into_output().unwrap(), "worker");
/// ```
#[derive(Clone)]
pub struct ThreadHandle {
    inner: Arc<Inner>,
}

impl ThreadHandle {
    pub(crate) fn new(name: Arc<str>, daemon: bool, origin: Origin) -> Self {
        Self::with_stop_token(name, daemon, origin, crate::StopToken::new())
    }

    /// As `new`, with the token `request_stop` stops (a scope's thread: a child of the
    /// scope's).
    pub(crate) fn with_stop_token(
        name: Arc<str>,
        daemon: bool,
        origin: Origin,
        stop: crate::StopToken,
    ) -> Self {
        let state = if origin == Origin::Spawned {
            NEW
        } else {
            STARTED
        };
        let inner = Inner {
            name: Mutex::new_internal(name),
            daemon: AtomicBool::new(daemon),
            ident: AtomicU64::new(0),
            native_id: AtomicU64::new(0),
            state: AtomicU8::new(state),
            started: Event::new(),
            finished: Event::new(),
            panic: OnceLock::new(),
            origin,
            stop,
        };
        ThreadHandle {
            inner: Arc::new(inner),
        }
    }

    /// The thread's name (Python: `name`).
    ///
    /// ```
    /// assert_eq!(threadkit::main_thread().name(), "MainThread");
    /// ```
    #[must_use]
    pub fn name(&self) -> String {
        self.inner.name.lock().to_string()
    }

    /// Renames the thread (Python: `thread.name = ...`). Only threadkit's record changes: the
    /// operating system's name of a running thread stays what it was at start.
    ///
    /// ```
    /// let t = threadkit::Thread::new(|| ());
    /// t.set_name("renamed");
    /// assert_eq!(t.name(), "renamed");
    /// ```
    pub fn set_name(&self, name: impl Into<String>) {
        *self.inner.name.lock() = Arc::from(name.into());
    }

    /// Whether this is a daemon thread (Python: `daemon`).
    ///
    /// ```
    /// assert!(!threadkit::main_thread().is_daemon());
    /// ```
    #[must_use]
    pub fn is_daemon(&self) -> bool {
        self.inner.daemon.load(Ordering::Relaxed)
    }

    pub(crate) fn store_daemon(&self, daemon: bool) {
        self.inner.daemon.store(daemon, Ordering::Relaxed);
    }

    /// threadkit's identifier of the thread, unique for the life of the process; `None`
    /// before start (Python: `ident`).
    ///
    /// ```
    /// let t = threadkit::Thread::new(|| ());
    /// assert_eq!(t.ident(), None);
    /// t.start().unwrap();
    /// assert!(t.ident().is_some());
    /// # t.join().unwrap();
    /// ```
    #[must_use]
    pub fn ident(&self) -> Option<u64> {
        match self.inner.ident.load(Ordering::Acquire) {
            0 => None,
            id => Some(id),
        }
    }

    /// The operating system's id of the thread (Linux: the TID); `None` before start
    /// (Python: `native_id`).
    ///
    /// ```
    /// assert!(threadkit::current_thread().native_id().is_some());
    /// ```
    #[must_use]
    pub fn native_id(&self) -> Option<u64> {
        match self.inner.native_id.load(Ordering::Acquire) {
            0 => None,
            id => Some(id),
        }
    }

    /// Whether threadkit did not start this thread: a foreign thread seen through
    /// [`current_thread`](crate::current_thread), named `Dummy-N` (Python's `_DummyThread`).
    /// Such a thread cannot be joined.
    ///
    /// ```
    /// assert!(!threadkit::main_thread().is_dummy());
    /// let foreign = std::thread::spawn(|| threadkit::current_thread().is_dummy());
    /// assert!(foreign.join().unwrap());
    /// let ours = threadkit::Thread::spawn(|| threadkit::current_thread().is_dummy());
    /// assert!(!ours.into_output().unwrap());
    /// ```
    #[must_use]
    pub fn is_dummy(&self) -> bool {
        self.inner.origin == Origin::Foreign
    }

    /// Whether the thread has started and not yet finished (Python: `is_alive()`).
    ///
    /// ```
    /// let t = threadkit::Thread::new(|| ());
    /// assert!(!t.is_alive());
    /// ```
    #[must_use]
    pub fn is_alive(&self) -> bool {
        self.inner.state.load(Ordering::Acquire) == STARTED
    }

    /// Whether the thread was started (it may have finished since).
    ///
    /// ```
    /// let t = threadkit::Thread::spawn(|| ());
    /// assert!(t.is_started());
    /// # t.join().unwrap();
    /// ```
    #[must_use]
    pub fn is_started(&self) -> bool {
        self.inner.state.load(Ordering::Acquire) != NEW
    }

    /// Blocks until the thread finishes (Python: `join()`). Any number of threads may join,
    /// any number of times.
    ///
    /// # Errors
    ///
    /// [`JoinError::NotStarted`], [`JoinError::CurrentThread`] (never a hang),
    /// [`JoinError::DummyThread`] for a thread threadkit did not start, or
    /// [`JoinError::Panicked`] with the panic of the thread's closure. The
    /// [main thread](crate::main_thread) can be joined: the join returns when `main` returns.
    ///
    /// ```
    /// let t = threadkit::Thread::spawn(|| ());
    /// t.join().unwrap();
    /// t.join().unwrap();
    /// ```
    #[allow(clippy::missing_panics_doc)] // the `expect` inside states an invariant: it cannot fire
    #[track_caller]
    pub fn join(&self) -> Result<(), JoinError> {
        self.join_until(None).map_err(WaitError::untimed)
    }

    /// Waits at most `timeout` for the thread to finish (Python: `join(timeout)` followed by
    /// `is_alive()`).
    ///
    /// # Errors
    ///
    /// [`WaitError::Timeout`] if the thread is still running, or [`WaitError::Failed`] with
    /// what [`join`](Self::join) returns.
    ///
    /// ```
    /// use std::time::Duration;
    /// let t = threadkit::Thread::spawn(|| ());
    /// while let Err(e) = t.join_timeout(Duration::from_secs(10)) {
    ///     assert!(e.is_timeout(), "{e}");
    /// }
    /// ```
    #[track_caller]
    pub fn join_timeout(&self, timeout: Duration) -> Result<(), WaitError<JoinError>> {
        self.join_until(wait::deadline_after(timeout))
    }

    /// Waits until `deadline` at the latest; like [`join_timeout`](Self::join_timeout).
    ///
    /// # Errors
    ///
    /// As [`join_timeout`](Self::join_timeout).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let t = threadkit::Thread::spawn(|| ());
    /// assert!(t.join_deadline(Instant::now() + Duration::from_secs(30)).is_ok());
    /// ```
    #[track_caller]
    pub fn join_deadline(&self, deadline: Instant) -> Result<(), WaitError<JoinError>> {
        self.join_until(Some(deadline))
    }

    /// The three join forms (`deadline` `None`: wait forever).
    #[track_caller]
    fn join_until(&self, deadline: Option<Instant>) -> Result<(), WaitError<JoinError>> {
        if !self.is_started() {
            return Err(WaitError::Failed(JoinError::NotStarted));
        }
        if registry::current_ident() == self.inner.ident.load(Ordering::Acquire) {
            return Err(WaitError::Failed(JoinError::CurrentThread));
        }
        if self.inner.origin == Origin::Foreign {
            return Err(WaitError::Failed(JoinError::DummyThread));
        }
        let joined = Kind::Join(self.inner.ident.load(Ordering::Acquire));
        let finished = self.inner.finished.wait_as(joined, deadline);
        match self.inner.panic.get() {
            _ if !finished => Err(WaitError::Timeout(TimeoutError::single())),
            Some(p) if p.is_stop() => Err(WaitError::Failed(JoinError::Stopped)),
            Some(p) => Err(WaitError::Failed(JoinError::Panicked(p.clone()))),
            None => Ok(()),
        }
    }

    /// Asks the thread to stop: every threadkit blocking call it is in, or makes from now on,
    /// returns at once (see the crate docs' "Stopping work"), and a thread that ends by such
    /// a call's unwind joins with [`JoinError::Stopped`]. `true` if this call made the
    /// request. The thread can also poll [`stop_requested`](crate::stop_requested).
    ///
    /// ```
    /// use threadkit::{Event, JoinError, Thread};
    ///
    /// let never = std::sync::Arc::new(Event::new());
    /// let n = std::sync::Arc::clone(&never);
    /// let t = Thread::spawn(move || n.wait()); // would wait forever
    /// assert!(t.request_stop());
    /// assert!(matches!(t.join(), Err(JoinError::Stopped)));
    /// ```
    #[allow(clippy::must_use_candidate)] // called for its effect
    pub fn request_stop(&self) -> bool {
        self.inner.stop.stop()
    }

    /// The thread's stop token (what [`request_stop`](Self::request_stop) stops): link other
    /// tokens to it, or register callbacks.
    ///
    /// ```
    /// let t = threadkit::Thread::spawn(|| ());
    /// let token = t.stop_token();
    /// t.request_stop();
    /// assert!(token.is_stopped());
    /// # t.join().ok();
    /// ```
    #[must_use]
    pub fn stop_token(&self) -> crate::StopToken {
        self.inner.stop.clone()
    }

    pub(crate) fn origin(&self) -> Origin {
        self.inner.origin
    }

    /// Moves a new thread to started; `false` if it was started already.
    pub(crate) fn mark_started(&self) -> bool {
        self.inner
            .state
            .compare_exchange(NEW, STARTED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Undoes `mark_started` when the OS refused to create the thread.
    pub(crate) fn unmark_started(&self) {
        self.inner.state.store(NEW, Ordering::Release);
    }

    /// Records the running thread's identity (called on the thread itself).
    pub(crate) fn bind_ids(&self, ident: u64, native_id: u64) {
        self.inner.ident.store(ident, Ordering::Release);
        self.inner.native_id.store(native_id, Ordering::Release);
    }

    pub(crate) fn signal_started(&self) {
        self.inner.started.set();
    }

    pub(crate) fn wait_started(&self) {
        self.inner.started.wait_unstoppable();
    }

    /// Marks the thread finished, with its panic if it had one, and wakes joiners.
    pub(crate) fn finish(&self, panic: Option<Panic>) {
        if let Some(p) = panic {
            let _ = self.inner.panic.set(p);
        }
        self.inner.state.store(FINISHED, Ordering::Release);
        self.inner.finished.set();
    }

    /// Whether two handles name the same thread.
    pub(crate) fn same(&self, other: &ThreadHandle) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl PartialEq for ThreadHandle {
    fn eq(&self, other: &Self) -> bool {
        self.same(other)
    }
}

impl Eq for ThreadHandle {}

impl fmt::Debug for ThreadHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.inner.state.load(Ordering::Acquire) {
            NEW => "initial",
            STARTED => "started",
            _ => "stopped",
        };
        f.debug_struct("ThreadHandle")
            .field("name", &self.name())
            .field("state", &state)
            .field("daemon", &self.is_daemon())
            .field("ident", &self.ident())
            .finish()
    }
}
