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
use crate::thread::JoinError;
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

/// Shared by the scope and its threads.
struct Shared {
    token: StopToken,
    fail_fast: bool,
    /// Panics (and stops) of threads nobody joined, in the order they happened.
    panics: Mutex<Vec<(usize, Panic)>>,
    /// The next thread's number.
    next: std::sync::atomic::AtomicUsize,
}

impl Shared {
    fn failed(&self, child: usize, p: Panic) {
        let stop = !p.is_stop();
        self.panics.lock().push((child, p));
        if self.fail_fast && stop {
            self.token.stop();
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
    token: StopToken,
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
    let token = stop::current_token().map_or_else(StopToken::new, |t| t.child());
    let shared = Arc::new(Shared {
        token: token.clone(),
        fail_fast: options.fail_fast,
        panics: Mutex::new_internal(Vec::new()),
        next: std::sync::atomic::AtomicUsize::new(0),
    });
    let outcome = std::thread::scope(|std_scope| {
        let scope = Scope {
            std: std_scope,
            shared: Arc::clone(&shared),
        };
        // The closure runs with the scope's token: stopping the scope stops its waits too.
        let outcome = panic::catch(|| token.run(|| f(&scope)));
        if outcome.is_err() && shared.fail_fast {
            shared.token.stop();
        }
        outcome
    });
    let mut panics: Vec<Panic> = shared
        .panics
        .lock()
        .drain(..)
        .map(|(_, p)| p)
        .filter(|p| !p.is_stop())
        .collect();
    match outcome {
        Ok(value) if panics.is_empty() => Ok(value),
        Ok(_) => Err(ScopeError { panics }),
        Err(p) if p.is_stop() && panics.is_empty() => stop::unwind(),
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

impl<'scope> Scope<'scope, '_> {
    /// Spawns a thread of the scope: it may borrow anything that outlives the scope, and runs
    /// with a stop token of its own, a child of the scope's.
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
        self.start(std::thread::Builder::new(), f)
    }

    /// [`spawn`](Self::spawn) with a thread name (as `dump()` and panics show it).
    ///
    /// ```
    /// let name = threadkit::scope(|s| {
    ///     s.spawn_named("worker-1", || std::thread::current().name().map(str::to_owned))
    ///         .join()
    ///         .unwrap()
    /// });
    /// assert_eq!(name.unwrap().as_deref(), Some("worker-1"));
    /// ```
    pub fn spawn_named<F, T>(&self, name: &str, f: F) -> ScopedThread<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        self.start(std::thread::Builder::new().name(name.to_owned()), f)
    }

    fn start<F, T>(&self, builder: std::thread::Builder, f: F) -> ScopedThread<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        let token = self.shared.token.child();
        let id = self
            .shared
            .next
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (mine, shared) = (token.clone(), Arc::clone(&self.shared));
        let body = move || match panic::catch(|| mine.run(f)) {
            Ok(value) => Some(value),
            Err(p) => {
                shared.failed(id, p);
                None
            }
        };
        let inner = builder
            .spawn_scoped(self.std, body)
            .expect("the operating system refused a new thread");
        ScopedThread {
            inner,
            token,
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
        let mut panics = self.shared.panics.lock();
        match panics.iter().position(|(id, _)| *id == self.id) {
            Some(at) => {
                let (_, p) = panics.remove(at);
                if p.is_stop() {
                    Err(JoinError::Stopped)
                } else {
                    Err(JoinError::Panicked(p))
                }
            }
            None => Err(JoinError::Stopped),
        }
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
        self.token.stop()
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
