//! `Timer`: Python's `threading.Timer`, a thread that runs a function after an interval
//! unless cancelled first.
//!
//! The timer thread waits on an [`Event`] for the interval, then races `cancel` for a single
//! state word (`PENDING` to `FIRED` or `CANCELLED`), so exactly one of "the function runs" and
//! "`cancel` returned true" happens.

use super::event::Event;
use crate::facade::{AtomicU8, Duration, Ordering};
use crate::thread::{Builder, StartError, Thread, ThreadHandle};
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

const PENDING: u8 = 0;
const FIRED: u8 = 1;
const CANCELLED: u8 = 2;

struct Shared {
    state: AtomicU8,
    wake: Event,
}

/// A thread that calls a function once `interval` has passed, unless [`cancel`](Timer::cancel)
/// came first (Python: `threading.Timer(interval, function)`).
///
/// It is a thread: it derefs to its [`ThreadHandle`] (name, daemon, `join`), and a panic in
/// the function reaches the excepthook and every joiner like any thread's.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use threadkit::Timer;
///
/// let fired = Timer::new(Duration::from_millis(1), || println!("fired"));
/// fired.start().unwrap();
/// fired.join().unwrap();
/// assert!(fired.has_fired());
///
/// let cancelled = Timer::new(Duration::from_secs(3600), || unreachable!());
/// cancelled.start().unwrap();
/// assert!(cancelled.cancel()); // the function will never run
/// cancelled.join().unwrap();
/// ```
pub struct Timer {
    thread: Thread<()>,
    shared: Arc<Shared>,
}

impl Timer {
    /// An unstarted timer with default thread settings.
    ///
    /// ```
    /// let t = threadkit::Timer::new(std::time::Duration::ZERO, || ());
    /// assert!(!t.is_alive());
    /// ```
    #[must_use = "a timer does nothing until `start`ed"]
    pub fn new(interval: Duration, function: impl FnOnce() + Send + 'static) -> Self {
        Timer::with_builder(Builder::new(), interval, function)
    }

    /// An unstarted timer whose thread is configured by `builder` (name, daemon, stack).
    ///
    /// ```
    /// use std::time::Duration;
    /// let t = threadkit::Timer::with_builder(
    ///     threadkit::Builder::new().name("alarm").daemon(true),
    ///     Duration::from_secs(1),
    ///     || (),
    /// );
    /// assert_eq!(t.name(), "alarm");
    /// ```
    #[must_use = "a timer does nothing until `start`ed"]
    pub fn with_builder(
        builder: Builder,
        interval: Duration,
        function: impl FnOnce() + Send + 'static,
    ) -> Self {
        let shared = Arc::new(Shared {
            state: AtomicU8::new(PENDING),
            wake: Event::new(),
        });
        let s = Arc::clone(&shared);
        let thread = builder.build(move || {
            s.wake.wait_timeout(interval);
            if s.state
                .compare_exchange(PENDING, FIRED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                function();
            }
        });
        Timer { thread, shared }
    }

    /// Starts the countdown (Python: `start()`).
    ///
    /// # Errors
    ///
    /// As [`Thread::start`].
    ///
    /// ```
    /// let t = threadkit::Timer::new(std::time::Duration::ZERO, || ());
    /// t.start().unwrap();
    /// assert!(t.start().is_err());
    /// # t.join().unwrap();
    /// ```
    pub fn start(&self) -> Result<(), StartError> {
        self.thread.start()
    }

    /// Stops the timer if its function has not started; `true` if this call guaranteed that
    /// it never runs (Python: `cancel()`, which does not say).
    ///
    /// ```
    /// let t = threadkit::Timer::new(std::time::Duration::from_secs(60), || ());
    /// assert!(t.cancel()); // even before start
    /// assert!(t.cancel()); // still cancelled
    /// ```
    #[allow(clippy::must_use_candidate)] // called for its effect, as Python's `cancel()`
    pub fn cancel(&self) -> bool {
        let cancelled = match self.shared.state.compare_exchange(
            PENDING,
            CANCELLED,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => true,
            Err(state) => state == CANCELLED,
        };
        self.shared.wake.set();
        cancelled
    }

    /// Whether the function was started (it may still be running).
    ///
    /// ```
    /// let t = threadkit::Timer::new(std::time::Duration::ZERO, || ());
    /// assert!(!t.has_fired());
    /// ```
    #[must_use]
    pub fn has_fired(&self) -> bool {
        self.shared.state.load(Ordering::Acquire) == FIRED
    }

    /// Sets the daemon flag before start.
    ///
    /// # Errors
    ///
    /// [`StartError::AlreadyStarted`] once started.
    ///
    /// ```
    /// let t = threadkit::Timer::new(std::time::Duration::ZERO, || ());
    /// t.set_daemon(true).unwrap();
    /// ```
    pub fn set_daemon(&self, daemon: bool) -> Result<(), StartError> {
        self.thread.set_daemon(daemon)
    }
}

impl Deref for Timer {
    type Target = ThreadHandle;
    fn deref(&self) -> &ThreadHandle {
        &self.thread
    }
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer")
            .field("thread", &*self.thread)
            .field("fired", &self.has_fired())
            .finish_non_exhaustive()
    }
}
