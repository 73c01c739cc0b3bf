//! Structured scopes: threads that may borrow from the caller's stack, all finished when the
//! scope ends, the first failure stopping the others, every failure returned.
//!
//! # Design
//!
//! `std::thread::scope` gives the borrowing and the "all joined at the end"; it cannot stop
//! the other threads when one fails, and it re-raises one panic. Trio's nurseries, Python
//! 3.11's `asyncio.TaskGroup` and Java's `StructuredTaskScope` add the missing half: a failure
//! cancels the siblings, and the failures come back together. Here the scope is built on
//! `std::thread::scope` (the borrowing is std's, with no `unsafe` of ours), and on the stop
//! tokens (`crate::stop`): the scope has a token, a child of the caller's own (stopping the
//! caller stops the scope); each child thread runs with a child of the scope's token, so its
//! blocking calls honour both. A child's panic is caught where it happens (not printed: it is
//! returned), and under [`ScopeOptions::fail_fast`] (the default) it stops the scope's token:
//! the siblings' blocking calls return at once, and a sibling that ends by the resulting
//! [`Stopped`](crate::Stopped) unwind is "stopped", not failed. When the scope's closure
//! returns, every child is joined; the panics nobody took with
//! [`ScopedThread::join`] come back in one [`ScopeError`], the closure's own first.

use crate::panic::{self, Panic};
use crate::stop::{self, StopToken};
use crate::sync::Mutex;
use crate::thread::{self, JoinError, ThreadHandle};
use crossbeam_utils::CachePadded;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// What a scope does when one of its threads fails ([`scope_with`]).
///
/// ```
/// let options = threadkit::ScopeOptions::supervise();
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeOptions {
    fail_fast: bool,
}

impl ScopeOptions {
    /// The first failure asks every other thread of the scope to stop (Trio, `TaskGroup`).
    /// The default.
    ///
    /// ```
    /// assert_eq!(threadkit::ScopeOptions::fail_fast(), Default::default());
    /// ```
    #[must_use]
    pub const fn fail_fast() -> Self {
        ScopeOptions { fail_fast: true }
    }

    /// A failure stops nobody: the other threads run to their end (a supervisor's policy);
    /// every failure still comes back.
    ///
    /// ```
    /// let _ = threadkit::ScopeOptions::supervise();
    /// ```
    #[must_use]
    pub const fn supervise() -> Self {
        ScopeOptions { fail_fast: false }
    }
}

impl Default for ScopeOptions {
    fn default() -> Self {
        ScopeOptions::fail_fast()
    }
}

/// The failures of a scope: every panic of its threads that no `join` took, and its closure's
/// own (first). Stopped threads are not failures.
///
/// ```
/// let err = threadkit::scope(|s| {
///     s.spawn(|| panic!("one"));
///     s.spawn(|| panic!("two"));
/// })
/// .unwrap_err();
/// assert!(!err.panics().is_empty());
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} thread(s) of the scope panicked; the first: {}", .panics.len(), .panics[0])]
pub struct ScopeError {
    panics: Vec<Panic>,
}

impl ScopeError {
    /// The panics, the scope closure's first, then its threads' in the order they happened.
    ///
    /// ```
    /// let err = threadkit::scope(|s| {
    ///     s.spawn(|| panic!("boom"));
    /// })
    /// .unwrap_err();
    /// assert_eq!(err.panics()[0].message(), "boom");
    /// ```
    #[must_use]
    pub fn panics(&self) -> &[Panic] {
        &self.panics
    }
}

/// What a scope shares with its threads (and an executor scope with its tasks): the stop
/// token, the policy, and the panics nobody took yet.
pub(crate) struct Shared {
    pub(crate) token: StopToken,
    fail_fast: bool,
    /// Panics (and stops) of threads or tasks nobody joined, in the order they happened.
    panics: Mutex<Vec<(usize, Panic)>>,
    /// The next child's number, on a cache line of its own: an executor scope's submitter
    /// bumps it per task while the workers read the token beside it.
    next: CachePadded<AtomicUsize>,
}

impl Shared {
    /// A scope's state; its token is a child of the caller's (stopping the caller stops it).
    pub(crate) fn new(options: ScopeOptions) -> Arc<Self> {
        Arc::new(Shared {
            token: stop::current_token().map_or_else(StopToken::new, |t| t.child()),
            fail_fast: options.fail_fast,
            panics: Mutex::new_internal(Vec::new()),
            next: CachePadded::new(AtomicUsize::new(0)),
        })
    }

    /// A number for a new child.
    pub(crate) fn next_id(&self) -> usize {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    /// Child `child` ended by `p` (a panic, or a stop): kept for the scope's error, and under
    /// fail-fast a panic stops the scope.
    pub(crate) fn failed(&self, child: usize, p: Panic) {
        let stop = !p.is_stop();
        self.panics.lock().push((child, p));
        if self.fail_fast && stop {
            self.token.stop();
        }
    }

    /// Takes child `child`'s panic (or stop) back: whoever joined it has it, not the scope.
    pub(crate) fn take(&self, child: usize) -> Option<Panic> {
        let mut panics = self.panics.lock();
        let at = panics.iter().position(|(id, _)| *id == child)?;
        Some(panics.remove(at).1)
    }

    /// Takes child `child`'s failure back if `outcome` is one (its waiter has it now).
    pub(crate) fn take_if_failed<T, E>(&self, child: usize, outcome: &Result<T, E>) {
        if outcome.is_err() {
            let _ = self.take(child);
        }
    }

    /// Runs the scope's closure with the scope's token (stopping the scope stops its waits
    /// too); its failure stops the scope under fail-fast.
    pub(crate) fn run_body<R>(&self, f: impl FnOnce() -> R) -> Result<R, Panic> {
        let outcome = panic::catch(|| self.token.run(f));
        if outcome.is_err() && self.fail_fast {
            self.token.stop();
        }
        outcome
    }

    /// The scope's result, once every child has finished: the closure's value, or every panic
    /// nobody took (the closure's first). A scope ended only by stops re-raises the stop.
    pub(crate) fn finish<R>(&self, outcome: Result<R, Panic>) -> Result<R, ScopeError> {
        let mut panics: Vec<Panic> = self
            .panics
            .lock()
            .drain(..)
            .map(|(_, p)| p)
            .filter(|p| !p.is_stop())
            .collect();
        match outcome {
            Ok(value) if panics.is_empty() => Ok(value),
            Ok(_) => Err(ScopeError { panics }),
            Err(p) => {
                if !p.is_stop() {
                    panics.insert(0, p);
                }
                if panics.is_empty() {
                    stop::unwind();
                }
                Err(ScopeError { panics })
            }
        }
    }
}

/// Where a scope's threads are spawned: the `s` of `threadkit::scope(|s| ...)`. Clone it to
/// spawn from inside a scope's thread.
///
/// ```
/// let n = threadkit::scope(|s| {
///     let inner = s.clone();
///     s.spawn(move || inner.spawn(|| 7).join().unwrap()).join().unwrap()
/// });
/// assert_eq!(n.unwrap(), 7);
/// ```
pub struct Scope<'scope, 'env: 'scope> {
    std: &'scope std::thread::Scope<'scope, 'env>,
    shared: Arc<Shared>,
}

impl Clone for Scope<'_, '_> {
    fn clone(&self) -> Self {
        Scope {
            std: self.std,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// A thread of a [`Scope`]: join it for its value (or its panic, which then is not in the
/// scope's [`ScopeError`]), or ask it to stop.
pub struct ScopedThread<'scope, T> {
    inner: std::thread::ScopedJoinHandle<'scope, Option<T>>,
    handle: ThreadHandle,
    shared: Arc<Shared>,
    id: usize,
}

/// Runs `f` with a [`Scope`] whose threads may borrow from the caller's stack; returns when
/// `f` has returned and every thread of the scope has finished (Rust: `std::thread::scope`;
/// Python 3.11: `asyncio.TaskGroup`; Trio: a nursery). The first failure (a panic in a
/// thread, or in `f`) asks the other threads to stop: their blocking calls return at once (see
/// the crate docs' "Stopping work"). [`scope_with`] chooses another policy.
///
/// # Errors
///
/// [`ScopeError`] with every panic that no [`ScopedThread::join`] took (none printed, none
/// lost).
///
/// ```
/// use threadkit::Queue;
///
/// let mut totals = [0u64; 3];
/// let jobs: Queue<u64> = Queue::new(0);
/// threadkit::scope(|s| {
///     for total in &mut totals {
///         let jobs = &jobs;
///         s.spawn(move || {
///             while let Ok(n) = jobs.get() {
///                 *total += n;
///                 jobs.task_done().unwrap();
///             }
///         });
///     }
///     for n in 1..=100 {
///         jobs.put(n).unwrap();
///     }
///     jobs.join();
///     s.stop(); // the workers wait on an empty queue: they stop
/// })
/// .unwrap();
/// assert_eq!(totals.iter().sum::<u64>(), 5050);
/// ```
pub fn scope<'env, F, T>(f: F) -> Result<T, ScopeError>
where
    F: for<'scope> FnOnce(&Scope<'scope, 'env>) -> T,
{
    scope_with(ScopeOptions::default(), f)
}

/// [`scope`] with a failure policy ([`ScopeOptions`]).
///
/// # Errors
///
/// As [`scope`].
///
/// ```
/// use threadkit::ScopeOptions;
///
/// let mut finished = false;
/// let err = threadkit::scope_with(ScopeOptions::supervise(), |s| {
///     s.spawn(|| panic!("one fails"));
///     s.spawn(|| {
///         threadkit::sleep(std::time::Duration::from_millis(1));
///         finished = true; // not stopped: supervised
///     });
/// })
/// .unwrap_err();
/// assert_eq!(err.panics().len(), 1);
/// assert!(finished);
/// ```
pub fn scope_with<'env, F, T>(options: ScopeOptions, f: F) -> Result<T, ScopeError>
where
    F: for<'scope> FnOnce(&Scope<'scope, 'env>) -> T,
{
    let shared = Shared::new(options);
    let outcome = std::thread::scope(|std_scope| {
        let scope = Scope {
            std: std_scope,
            shared: Arc::clone(&shared),
        };
        shared.run_body(|| f(&scope))
    });
    shared.finish(outcome)
}

impl<'scope> Scope<'scope, '_> {
    /// Spawns a thread of the scope: it may borrow anything that outlives the scope. It is a
    /// threadkit thread (named `Thread-N`, in [`enumerate`](crate::enumerate) and dumps, with
    /// its own [`Local`](crate::Local) values), never a daemon (the scope joins it), and runs
    /// with a stop token of its own, a child of the scope's. Its panic is the scope's to
    /// return, so the excepthook does not print it.
    ///
    /// ```
    /// let data = vec![1, 2, 3];
    /// let sum = threadkit::scope(|s| s.spawn(|| data.iter().sum::<i32>()).join().unwrap());
    /// assert_eq!(sum.unwrap(), 6);
    /// ```
    pub fn spawn<F, T>(&self, f: F) -> ScopedThread<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        self.start(None, f)
    }

    /// [`spawn`](Self::spawn) with a thread name (as `current_thread()`, `dump()` and panics
    /// show it).
    ///
    /// ```
    /// let name = threadkit::scope(|s| {
    ///     s.spawn_named("worker-1", || threadkit::current_thread().name()).join().unwrap()
    /// });
    /// assert_eq!(name.unwrap(), "worker-1");
    /// ```
    pub fn spawn_named<F, T>(&self, name: &str, f: F) -> ScopedThread<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        self.start(Some(name), f)
    }

    fn start<F, T>(&self, name: Option<&str>, f: F) -> ScopedThread<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        let handle = thread::scoped_handle(name, self.shared.token.child());
        let id = self.shared.next_id();
        let (mine, shared) = (handle.clone(), Arc::clone(&self.shared));
        // Check mode: the new thread joins its starter's execution (nothing otherwise).
        let ticket = crate::check::spawned(&handle);
        let body = move || {
            crate::check::began(ticket);
            thread::run_as(&mine, f, |p| shared.failed(id, p.clone())).ok()
        };
        // The operating system's name stops at the first NUL, as in CPython.
        let full_name = handle.name();
        let os_name = full_name.split('\0').next().unwrap_or_default();
        let inner = std::thread::Builder::new()
            .name(os_name.to_owned())
            .spawn_scoped(self.std, body)
            .expect("the operating system refused a new thread");
        ScopedThread {
            inner,
            handle,
            shared: Arc::clone(&self.shared),
            id,
        }
    }

    /// Asks every thread of the scope (and the scope's closure's waits) to stop.
    ///
    /// ```
    /// let q: threadkit::Queue<u8> = threadkit::Queue::new(0);
    /// threadkit::scope(|s| {
    ///     s.spawn(|| q.get());
    ///     s.stop();
    /// })
    /// .unwrap();
    /// ```
    pub fn stop(&self) {
        self.shared.token.stop();
    }

    /// The scope's stop token.
    ///
    /// ```
    /// threadkit::scope(|s| assert!(!s.stop_token().is_stopped())).unwrap();
    /// ```
    #[must_use]
    pub fn stop_token(&self) -> StopToken {
        self.shared.token.clone()
    }
}

impl<T> ScopedThread<'_, T> {
    /// Waits for the thread: its value, [`JoinError::Stopped`] if it ended by a stop, or
    /// [`JoinError::Panicked`] (that panic is then the joiner's, not the scope's).
    ///
    /// # Errors
    ///
    /// As above.
    ///
    /// ```
    /// let r = threadkit::scope(|s| s.spawn(|| 2 + 2).join());
    /// assert_eq!(r.unwrap().unwrap(), 4);
    /// ```
    pub fn join(self) -> Result<T, JoinError> {
        if let Ok(Some(value)) = self.inner.join() {
            return Ok(value);
        }
        // The body catches every panic: it recorded this one (or its stop).
        match self.shared.take(self.id) {
            Some(p) if !p.is_stop() => Err(JoinError::Panicked(p)),
            _ => Err(JoinError::Stopped),
        }
    }

    /// The thread's handle: its name, ident, liveness (a scoped thread is a threadkit thread).
    ///
    /// ```
    /// threadkit::scope(|s| {
    ///     let t = s.spawn_named("reader", || ());
    ///     assert_eq!(t.handle().name(), "reader");
    /// })
    /// .unwrap();
    /// ```
    #[must_use]
    pub fn handle(&self) -> ThreadHandle {
        self.handle.clone()
    }

    /// Asks this thread only to stop.
    ///
    /// ```
    /// let q: threadkit::Queue<u8> = threadkit::Queue::new(0);
    /// threadkit::scope(|s| {
    ///     let t = s.spawn(|| q.get());
    ///     t.request_stop();
    ///     assert_eq!(t.join().unwrap(), Err(threadkit::GetError::Stopped));
    /// })
    /// .unwrap();
    /// ```
    #[allow(clippy::must_use_candidate)] // called for its effect
    pub fn request_stop(&self) -> bool {
        self.handle.request_stop()
    }
}

impl std::fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope")
            .field("stopped", &self.shared.token.is_stopped())
            .finish_non_exhaustive()
    }
}

impl<T> std::fmt::Debug for ScopedThread<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopedThread").finish_non_exhaustive()
    }
}
