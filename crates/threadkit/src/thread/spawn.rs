//! `Thread<T>` and its `Builder`: Python's `threading.Thread`, owning the closure's result.

use super::error::{JoinError, StartError};
use super::handle::{Origin, ThreadHandle};
use super::{excepthook, local, registry};
use crate::panic::{self, Panic};
use crate::sync::Mutex;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

type Body<T> = Box<dyn FnOnce() -> T + Send>;

/// Where the closure waits before start, and its result waits after.
enum Slot<T> {
    Pending(Body<T>),
    Running,
    Done(T),
    Taken,
}

/// A thread of execution, like Python's `threading.Thread`, that also delivers its closure's
/// return value to its owner.
///
/// A `Thread` is created unstarted ([`Thread::new`], [`Builder::build`]) and started once with
/// [`start`](Thread::start), or both at once with [`Thread::spawn`] / [`Builder::spawn`]. It
/// derefs to its [`ThreadHandle`], so `join`, `is_alive`, `name`, `ident`... are available on
/// it and on any clone of its handle.
///
/// Defaults follow Python: the name is `Thread-N`; the daemon flag is the creating thread's
/// (the main thread is not a daemon; threads threadkit did not start count as daemons).
/// When `main` returns, the process waits for every live non-daemon thread and abandons
/// daemon threads.
///
/// # Examples
///
/// ```
/// use threadkit::Thread;
///
/// let t = Thread::new(|| 6 * 7);
/// t.start().unwrap();
/// t.join().unwrap(); // any number of times, from any thread
/// assert_eq!(t.into_output().unwrap(), 42);
/// ```
pub struct Thread<T> {
    handle: ThreadHandle,
    slot: Arc<Mutex<Slot<T>>>,
    stack_size: Option<usize>,
}

impl<T: Send + 'static> Thread<T> {
    /// An unstarted thread with default settings (Python: `Thread(target=f)`).
    ///
    /// ```
    /// let t = threadkit::Thread::new(|| ());
    /// assert!(!t.is_alive());
    /// assert!(t.name().starts_with("Thread-"));
    /// ```
    #[must_use = "a thread does nothing until `start`ed; `Thread::spawn` creates and starts"]
    pub fn new(f: impl FnOnce() -> T + Send + 'static) -> Self {
        Builder::new().build(f)
    }

    /// Creates and starts a thread with default settings.
    ///
    /// # Panics
    ///
    /// If the operating system cannot create a thread, like `std::thread::spawn`; use
    /// [`Builder::spawn`] to get the error instead.
    ///
    /// ```
    /// let t = threadkit::Thread::spawn(|| "done");
    /// assert_eq!(t.into_output().unwrap(), "done");
    /// ```
    pub fn spawn(f: impl FnOnce() -> T + Send + 'static) -> Self {
        Builder::new().spawn(f).expect("failed to spawn thread")
    }

    /// Starts the thread (Python: `start()`). Returns once the thread runs, so its `ident` and
    /// `native_id` are known and it is listed by [`enumerate`](crate::enumerate).
    ///
    /// # Errors
    ///
    /// [`StartError::AlreadyStarted`] on a second call; [`StartError::Spawn`] if the
    /// operating system refused, in which case the closure is kept and `start` can be retried.
    ///
    /// ```
    /// let t = threadkit::Thread::new(|| ());
    /// t.start().unwrap();
    /// assert!(t.start().is_err());
    /// # t.join().unwrap();
    /// ```
    pub fn start(&self) -> Result<(), StartError> {
        if !self.handle.mark_started() {
            return Err(StartError::AlreadyStarted);
        }
        super::prepare_process();
        let mut os_thread = std::thread::Builder::new();
        // The operating system's name stops at the first NUL, as in CPython; threadkit's
        // record keeps the whole name.
        let name = self.handle.name();
        let os_name = name.split('\0').next().unwrap_or_default();
        if !os_name.is_empty() {
            os_thread = os_thread.name(os_name.to_owned());
        }
        if let Some(size) = self.stack_size {
            os_thread = os_thread.stack_size(size);
        }
        let handle = self.handle.clone();
        let slot = Arc::clone(&self.slot);
        // Check mode: the new thread joins its starter's execution (nothing otherwise).
        let ticket = crate::check::spawned(&self.handle);
        let own_stack = self.stack_size.is_some();
        match crate::check::start_os_thread(os_thread, own_stack, move || {
            run(&handle, ticket, &slot);
        }) {
            Ok(()) => {
                self.handle.wait_started();
                Ok(())
            }
            Err(e) => {
                self.handle.unmark_started();
                Err(StartError::Spawn(Arc::new(e)))
            }
        }
    }

    /// Sets the daemon flag before start (Python: `thread.daemon = ...`).
    ///
    /// # Errors
    ///
    /// [`StartError::AlreadyStarted`] once the thread is started.
    ///
    /// ```
    /// let t = threadkit::Thread::new(|| ());
    /// t.set_daemon(true).unwrap();
    /// assert!(t.is_daemon());
    /// ```
    pub fn set_daemon(&self, daemon: bool) -> Result<(), StartError> {
        if self.handle.is_started() {
            return Err(StartError::AlreadyStarted);
        }
        self.handle.store_daemon(daemon);
        Ok(())
    }

    /// A cloneable handle to this thread, to join or inspect it from elsewhere.
    ///
    /// ```
    /// let t = threadkit::Thread::spawn(|| ());
    /// let h = t.handle();
    /// std::thread::spawn(move || h.join().unwrap()).join().unwrap();
    /// ```
    #[must_use]
    pub fn handle(&self) -> ThreadHandle {
        self.handle.clone()
    }

    /// Waits for the thread and returns its closure's value (what Python cannot give).
    ///
    /// # Errors
    ///
    /// As [`ThreadHandle::join`]: not started, current thread, or the closure panicked.
    ///
    /// ```
    /// let t = threadkit::Thread::spawn(|| vec![1, 2]);
    /// assert_eq!(t.into_output().unwrap(), [1, 2]);
    /// ```
    #[track_caller]
    pub fn into_output(self) -> Result<T, JoinError> {
        self.handle.join()?;
        match std::mem::replace(&mut *self.slot.lock(), Slot::Taken) {
            Slot::Done(value) => Ok(value),
            _ => unreachable!("a joined thread that did not panic has stored its value"),
        }
    }
}

impl Thread<()> {
    /// A builder for name, daemon flag and stack size (the thread's output type is chosen by
    /// the closure given to [`Builder::build`] or [`Builder::spawn`]).
    ///
    /// ```
    /// let t = threadkit::Thread::builder().name("io").daemon(true).build(|| 5);
    /// assert_eq!(t.name(), "io");
    /// assert!(t.is_daemon());
    /// ```
    #[must_use]
    pub fn builder() -> Builder {
        Builder::new()
    }
}

/// The body of every threadkit thread.
fn run<T>(handle: &ThreadHandle, ticket: crate::check::Ticket, slot: &Mutex<Slot<T>>) {
    crate::check::began(ticket);
    let Slot::Pending(body) = std::mem::replace(&mut *slot.lock(), Slot::Running) else {
        unreachable!("a thread is started once")
    };
    let _ = run_as(
        handle,
        || *slot.lock() = Slot::Done(body()),
        // Stopped, not failed: nothing to report.
        |p| {
            if !p.is_stop() {
                excepthook::report(handle, p);
            }
        },
    );
}

/// Runs `body` on the calling thread, just started for it, as the threadkit thread `handle`:
/// registered, with the handle's stop token, `on_panic` told of a panic (a stop included)
/// before the thread's `Local` values go and it counts as finished, as in Python.
pub(crate) fn run_as<T>(
    handle: &ThreadHandle,
    body: impl FnOnce() -> T,
    on_panic: impl FnOnce(&Panic),
) -> Result<T, Panic> {
    registry::enter(handle);
    crate::stop::install(handle.stop_token());
    handle.signal_started();
    let outcome = panic::catch(body);
    if let Err(p) = &outcome {
        on_panic(p);
    }
    local::drop_thread_values();
    registry::unregister(handle);
    handle.finish(outcome.as_ref().err().cloned());
    crate::check::ended(outcome.as_ref().err());
    outcome
}

impl<T> Deref for Thread<T> {
    type Target = ThreadHandle;
    fn deref(&self) -> &ThreadHandle {
        &self.handle
    }
}

impl<T> fmt::Debug for Thread<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Thread").field(&self.handle).finish()
    }
}

/// Configures a [`Thread`] before it is built: name, daemon flag, stack size.
///
/// ```
/// use threadkit::Thread;
///
/// let t = Thread::builder()
///     .name("loader")
///     .daemon(false)
///     .stack_size(256 * 1024)
///     .spawn(|| 1)
///     .unwrap();
/// assert_eq!(t.name(), "loader");
/// assert_eq!(t.into_output().unwrap(), 1);
/// ```
#[derive(Debug, Default, Clone)]
pub struct Builder {
    name: Option<String>,
    daemon: Option<bool>,
    stack_size: Option<usize>,
}

impl Builder {
    /// Default settings: `Thread-N`, the creating thread's daemon flag, the default stack.
    ///
    /// ```
    /// let t = threadkit::Builder::new().build(|| ());
    /// assert!(!t.is_daemon()); // created by a non-daemon thread
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Builder::default()
    }

    /// The thread's name, also given to the operating system's thread (cut at the first NUL
    /// there, as CPython does). An empty name means the default `Thread-N`, as in Python.
    ///
    /// ```
    /// assert_eq!(threadkit::Builder::new().name("n").build(|| ()).name(), "n");
    /// assert!(threadkit::Builder::new().name("").build(|| ()).name().starts_with("Thread-"));
    /// ```
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Whether the process may exit while this thread still runs.
    ///
    /// ```
    /// assert!(threadkit::Builder::new().daemon(true).build(|| ()).is_daemon());
    /// ```
    #[must_use]
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = Some(daemon);
        self
    }

    /// The stack size in bytes (Python: `threading.stack_size`, per thread here).
    ///
    /// ```
    /// let t = threadkit::Builder::new().stack_size(1 << 20).spawn(|| 3).unwrap();
    /// assert_eq!(t.into_output().unwrap(), 3);
    /// ```
    #[must_use]
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// An unstarted thread that will run `f`.
    ///
    /// ```
    /// let t = threadkit::Builder::new().build(|| ());
    /// t.start().unwrap();
    /// # t.join().unwrap();
    /// ```
    #[must_use = "a thread does nothing until `start`ed; `Builder::spawn` creates and starts"]
    pub fn build<T: Send + 'static>(self, f: impl FnOnce() -> T + Send + 'static) -> Thread<T> {
        let name = match self.name {
            Some(n) if !n.is_empty() => Arc::from(n),
            _ => registry::next_name("Thread"),
        };
        let daemon = self
            .daemon
            .unwrap_or_else(|| registry::current_thread().is_daemon());
        Thread {
            handle: ThreadHandle::new(name, daemon, Origin::Spawned),
            slot: Arc::new(Mutex::new_internal(Slot::Pending(Box::new(f)))),
            stack_size: self.stack_size,
        }
    }

    /// Builds and starts the thread.
    ///
    /// # Errors
    ///
    /// [`StartError::Spawn`] if the operating system cannot create the thread.
    ///
    /// ```
    /// let t = threadkit::Builder::new().spawn(|| 2).unwrap();
    /// assert_eq!(t.into_output().unwrap(), 2);
    /// ```
    pub fn spawn<T: Send + 'static>(
        self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<Thread<T>, StartError> {
        let thread = self.build(f);
        thread.start()?;
        Ok(thread)
    }
}
