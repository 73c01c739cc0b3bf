//! Executor scopes: pool tasks that may borrow from the caller's stack, all finished when the
//! scope ends, the first failure stopping the others, every failure returned.
//!
//! # Design
//!
//! [`ThreadPoolExecutor::scope`] is to a pool what [`crate::scope`] is to threads, and shares
//! its state ([`crate::scope`]'s `Shared`: the stop token, the fail-fast policy, the panics
//! nobody took). What differs is who runs the closures: the pool's workers, which are
//! `'static` threads. So a task, whose closure may borrow anything that outlives the scope
//! (`'scope`), has that lifetime erased from its two handles before it enters the pool's queue
//! (`task::package_borrowing`, or for a task without a future `queued::Queued::new_borrowing`;
//! `rayon::scope` erases it from a boxed job). That is sound because of one rule, kept by
//! construction:
//!
//! > **the scope does not return, nor unwind, while a closure it submitted exists.**
//!
//! Each closure is wrapped in a `Job` that counts it in the scope's count of live closures
//! (`live`) when it is made and counts it out when it is gone, called or dropped: after the
//! closure returned (its captures dropped with it), after its panic was caught, after it was
//! dropped unrun (a cancelled future, a discarded task, a broken pool), even if its own `Drop`
//! panicked. The scope waits for every closure to be gone after its own closure returned or
//! panicked, and that wait cannot be interrupted: a stop request is passed on to the tasks
//! instead, and a panic out of the wait (a deadlock report under the `Panic` policy) is kept
//! and the wait resumed.
//! Results are `'static` (`T: 'static`): only the closures borrow, so a future that outlives
//! the scope (a handle kept by a done-callback) holds nothing borrowed: its closure slot is
//! empty by then.
//!
//! The scope's state lives on the scope's stack and the tasks borrow it (no reference count
//! bouncing between the submitter and the workers per task). The count is two counters, the
//! submitter's and the workers', on cache lines of their own (see `live`); a closure's
//! count-out touches nothing of the state after its increment and wakes the scope by its
//! parking key, a number, since the scope may return as soon as it sees every closure gone.
//!
//! Alternatives rejected: a pool of scoped threads per scope (`std::thread::scope` under a
//! second executor: no `unsafe`, but a second executor to keep, and no reuse of warm workers);
//! joining every future at the end (a cancelled or discarded task's closure may be dropped
//! after its future completed, so futures do not bound the closures' lives; the count does).
//!
//! Failures: a task's panic is recorded in the scope (and, under fail-fast, stops the scope:
//! its running tasks' blocking calls return, its tasks not started end as stopped without
//! running) and is also its future's outcome; [`ScopedFuture::result`] takes it, as
//! [`ScopedThread::join`](crate::ScopedThread::join) does. The futures are marked retrieved:
//! the scope returns their failures, so nothing is reported twice. A task spawned with no
//! future ([`TaskScope::spawn`]) is the job alone: its panic is the scope's, its value nothing.
//!
//! The scope's stop reaches a running task through its worker's slot, which names the scope
//! whose tasks the worker runs (`running`; the worker's loop sets it when it takes a task of
//! another scope, not per task): one stop callback per scope, none per task. A task that runs
//! elsewhere (inline, by the caller-runs policy, unless inside a task of its own scope on a
//! worker) links its stop by a callback.
//!
//! A scope that waits on a pool whose every worker is blocked on that scope (a scope opened
//! inside a task of the same, full pool) cannot finish: the diagnostics report it as every
//! thread asleep, as Python's nested `submit(...).result()` would hang.

use super::error::SubmitError;
use super::future::Future;
use super::live::{self, LiveCount};
use super::pool::{Pool, ThreadPoolExecutor};
use super::queued::{Queued, Runnable};
use super::running;
use super::task;
use crate::panic;
use crate::scope::{ScopeError, ScopeOptions, Shared};
use crate::stop;
use crate::StopToken;
use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::sync::Arc;

/// An executor scope's state, on the scope's stack: the scope's (shared with
/// [`crate::scope`]) and the count of its closures still in existence.
struct ScopeState {
    shared: Arc<Shared>,
    /// The scope's number, which a worker's slot holds while it runs its tasks (and after).
    key: usize,
    /// Closures submitted and not yet called or dropped, and whether the scope's own closure
    /// has returned (on cache lines of their own: the fields above are read per task).
    live: LiveCount,
}

/// The child number of failures no handle takes back (a spawned task's, the scope's own wait's).
const NO_HANDLE: usize = usize::MAX;

thread_local! {
    /// Task-cell drops of an unrun closure in progress on this thread.
    static CONSUMING: Cell<u32> = const { Cell::new(0) };
    /// Scope counters whose closure ended inside such a call, counted out when it returns.
    static DEFERRED: RefCell<Vec<*const LiveCount>> = const { RefCell::new(Vec::new()) };
}

/// A task cell drops a closure unrun (a cancelled or abandoned task) while this lives: a scope
/// closure that ends meanwhile is counted out when it is dropped ([`consumed`], also when the
/// drop unwinds). The cell passes the closure by value down that drop, and a reference the
/// closure holds is asserted live until the call returns (the rule Miri checks): the scope,
/// which may free what it borrows as soon as it is counted out, must not be released before.
/// (A job that runs is called in place and dropped after its call returned, so it needs none
/// of this.)
pub(crate) struct Consuming(());

impl Consuming {
    /// A task cell begins to drop a closure unrun.
    pub(crate) fn begin() -> Self {
        CONSUMING.with(|c| c.set(c.get() + 1));
        Consuming(())
    }
}

impl Drop for Consuming {
    fn drop(&mut self) {
        consumed();
    }
}

/// The call begun at [`Consuming::begin`] has returned: counts out the scope closures that
/// ended in it.
fn consumed() {
    CONSUMING.with(|c| c.set(c.get() - 1));
    // Popped one by one: the list keeps its capacity (no allocation per task).
    while let Some(live) = DEFERRED.with(|d| d.borrow_mut().pop()) {
        // SAFETY: a scope outlives its closures' count (it waits for every count-out), and
        // this one was not counted out yet.
        unsafe { live::count_out(live) };
    }
}

/// Where an executor scope's tasks are submitted: the `s` of `pool.scope(|s| ...)`. It can be
/// shared with the tasks, which may submit more.
///
/// ```
/// let pool = threadkit::ThreadPoolExecutor::new(2).unwrap();
/// let words = ["a", "bb", "ccc"];
/// let total = pool
///     .scope(|s| {
///         let futures: Vec<_> = words.iter().map(|w| s.submit(move || w.len()).unwrap()).collect();
///         futures.into_iter().map(|f| f.result().unwrap()).sum::<usize>()
///     })
///     .unwrap();
/// assert_eq!(total, 6);
/// ```
pub struct TaskScope<'scope, 'env: 'scope> {
    pool: &'scope Arc<Pool>,
    state: &'scope ScopeState,
    /// Invariant in both lifetimes, as `std::thread::Scope`.
    _lifetimes: PhantomData<(&'scope mut &'scope (), &'env mut &'env ())>,
}

/// A task of a [`TaskScope`]: its result, or a stop request. It cannot outlive the scope;
/// [`future`](Self::future) lends the plain [`Future`] (for `as_completed`, `wait`).
pub struct ScopedFuture<'scope, T> {
    future: Future<T>,
    state: &'scope ScopeState,
    id: usize,
}

/// One submitted closure, counted in the scope's `live` count while it exists.
///
/// The scope's state is held by a raw pointer, not a reference: a `Job` is passed by value
/// (to be called, or dropped), and a reference inside a by-value argument is asserted live for
/// the whole call, while the scope may free its state as soon as the job counted itself out,
/// before that call returns.
struct Job<F, C: Child = usize> {
    f: Option<F>,
    state: *const ScopeState,
    /// Which child of the scope it is (a failure is filed under that number).
    child: C,
}

/// A job's child number: its future's, or none for a spawned task, which takes no room (a
/// spawned job of a two-word closure then fits the pool queue's slot: see `queued`).
trait Child: Copy {
    fn number(self) -> usize;
}

impl Child for usize {
    fn number(self) -> usize {
        self
    }
}

/// The child number of a spawned task: [`NO_HANDLE`].
#[derive(Clone, Copy)]
struct Spawned;

impl Child for Spawned {
    fn number(self) -> usize {
        NO_HANDLE
    }
}

// SAFETY: the state is `Sync` and outlives the job (the scope waits for it); `F: Send` moves.
unsafe impl<F: Send, C: Child + Send> Send for Job<F, C> {}

impl<F, C: Child> Job<F, C> {
    /// The scope's state.
    fn state(&self) -> &ScopeState {
        // SAFETY: the scope's state outlives every job: the scope returns only once every job
        // counted itself out, which a job does last, in its `Drop`.
        unsafe { &*self.state }
    }

    /// Drops the closure if it was not called (cancelled, discarded, abandoned, or stopped
    /// before it started). Its `Drop` is user code, whose panic is the scope's to return.
    /// Recording it stops the scope's token, whose callbacks are user code too: a panic of
    /// theirs is reported (the thread's excepthook), not unwound through the task's
    /// bookkeeping.
    fn drop_unrun(&mut self) {
        if let Some(f) = self.f.take() {
            if let Err(p) = panic::catch(move || drop(f)) {
                let shared = &self.state().shared;
                let id = self.child.number();
                if let Err(p) = panic::catch(move || shared.failed(id, p)) {
                    crate::thread::report_uncaught(&p);
                }
            }
        }
    }
}

impl<F: FnOnce() -> T, T, C: Child> Job<F, C> {
    /// Runs the closure with the scope's stop passed on to the task's token; a panic is the
    /// scope's too (fail-fast), then the future's. The job stays (counted in) until dropped.
    fn call(&mut self) -> T {
        // SAFETY: as in `state`; a reference not tied to a borrow of `self`, whose closure is
        // taken below.
        let state: &ScopeState = unsafe { &*self.state };
        let shared = &state.shared;
        // On a worker of the scope's pool, its slot names the scope, read by the scope's stop
        // (see `running`); elsewhere, a callback on the scope's token stops the thread's.
        let on_slot = running::names(state.key);
        if shared.token.is_stopped() {
            // Not started before the scope stopped: it ends as stopped, unrun. Dropped here,
            // not by the job's drop: a job is dropped by value, and what the closure borrows
            // must outlive that call, which its count-out ends (see `Consuming`).
            self.drop_unrun();
            stop::unwind();
        }
        let _link = (!on_slot).then(|| {
            let task = stop::stop_token();
            shared.token.on_stop(move || {
                task.stop();
            })
        });
        let f = self.f.take().expect("a job is called once");
        match panic::catch(f) {
            Ok(value) => value,
            Err(p) => {
                shared.failed(self.child.number(), p.clone());
                std::panic::resume_unwind(Box::new(p))
            }
        }
    }
}

impl<F, C: Child> Drop for Job<F, C> {
    fn drop(&mut self) {
        // Counted out last, whatever happens below. A job that was called holds no closure any
        // more (it is dropped after its call returned, or its call dropped the closure): it
        // counts out at once, even inside another drop. An unrun one is dropped here, inside
        // a task cell's call that holds it by value: counted out when that call has returned
        // (see `Consuming`).
        let _count_out = CountOut {
            // SAFETY: as in `state`; nothing of the state is used after the count-out.
            live: unsafe { &raw const (*self.state).live },
            defer: self.f.is_some() && CONSUMING.with(Cell::get) > 0,
        };
        self.drop_unrun();
    }
}

/// Counts a job out of its scope's `live` count when dropped (see `Job`'s `Drop`).
struct CountOut {
    live: *const LiveCount,
    /// Counted out at the enclosing [`consumed`] instead.
    defer: bool,
}

impl Drop for CountOut {
    fn drop(&mut self) {
        if self.defer {
            DEFERRED.with(|d| d.borrow_mut().push(self.live));
        } else {
            // SAFETY: the scope waits for this count-out, so its state is alive here, and this
            // job was not counted out yet.
            unsafe { live::count_out(self.live) };
        }
    }
}

/// A task with no future ([`TaskScope::spawn`]) is the job alone, held in the pool's queue
/// (in place when small: see `queued`). Its failure is the scope's (recorded by
/// [`Job::call`]), its value nothing.
// SAFETY: each method reads the job out once.
unsafe impl<F: FnOnce() + Send> Runnable for Job<F, Spawned> {
    unsafe fn run(this: *mut Self, free: &dyn Fn(), _stop: &StopToken) {
        // SAFETY: the caller's contract; the job becomes a local, not an argument.
        let mut job = unsafe { this.read() };
        // A panic was recorded by `call` for the scope to return; a stop is no failure. The
        // job is called in place and dropped (counted out) after the call returned: nothing
        // borrowed is held across the count-out, so it needs no deferral.
        let _ = panic::catch(|| job.call());
        free();
        drop(job);
    }

    unsafe fn cancel(this: *mut Self) {
        // SAFETY: the caller's contract.
        unsafe { discard(this) }
    }

    unsafe fn abandon(this: *mut Self, _reason: &Arc<str>) {
        // SAFETY: the caller's contract.
        unsafe { discard(this) }
    }

    unsafe fn scope(this: *const Self) -> usize {
        // SAFETY: the caller's contract: a valid job, whose scope outlives it.
        unsafe { (*this).state().key }
    }
}

/// Drops a job unrun (a cancelled or abandoned pool): its closure's `Drop` panic is the
/// scope's (see `Job`'s `Drop`).
///
/// # Safety
///
/// As [`Runnable::cancel`].
unsafe fn discard<F, C: Child>(this: *mut Job<F, C>) {
    let _consuming = Consuming::begin();
    // SAFETY: the caller's contract.
    drop(unsafe { this.read() });
}

/// Packages `f` with no future, counted in (see [`package`]).
fn package_spawned<'scope, F>(f: F, state: &'scope ScopeState) -> Queued
where
    F: FnOnce() + Send + 'scope,
{
    state.live.count_in();
    let job = Job {
        f: Some(f),
        state: std::ptr::from_ref(state),
        child: Spawned,
    };
    // SAFETY: as in `package`: `live` counts the closure until it was called or dropped, and
    // the scope waits for it.
    unsafe { Queued::new_borrowing(job) }
}

impl<F: FnOnce() -> T + Send, T> task::Work<T> for Job<F> {
    fn work(&mut self) -> T {
        self.call()
    }

    fn scope(&self) -> usize {
        self.state().key
    }
}

/// Packages `f` for the pool, counted in (see the module's design note).
fn package<'scope, T, F>(f: F, state: &'scope ScopeState, id: usize) -> (Queued, Future<T>)
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'scope,
{
    state.live.count_in();
    let job = Job {
        f: Some(f),
        state: std::ptr::from_ref(state),
        child: id,
    };
    // SAFETY: `Job` keeps the scope from returning or unwinding while the closure exists:
    // `live` counts it until it was called or dropped (the `Job` is consumed either way), and
    // `ThreadPoolExecutor::scope_with` waits, uninterruptibly, for every closure counted in
    // to be counted out before it returns. So everything borrowed for `'scope` (the closure's
    // borrows and the scope's state) outlives the closure.
    // Its future is marked retrieved: the scope returns the failure.
    unsafe { task::package_borrowing(job) }
}

impl ThreadPoolExecutor {
    /// Runs `f` with a [`TaskScope`] whose tasks run on this pool and may borrow from the
    /// caller's stack; returns when `f` has returned and every task submitted through the
    /// scope has finished (Python 3.11's `asyncio.TaskGroup` on a thread pool; Rust:
    /// `rayon::scope`). The first failure asks the other tasks to stop (their blocking calls
    /// return at once; those not started end as stopped without running);
    /// [`scope_with`](Self::scope_with) chooses another policy.
    ///
    /// Do not open a scope inside a task of the same pool if every worker could be waiting on
    /// it: its tasks would never run (as with Python's nested `submit(...).result()`).
    ///
    /// # Errors
    ///
    /// [`ScopeError`] with every panic no [`ScopedFuture::result`] took (none printed, none
    /// lost).
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(2).unwrap();
    /// let mut data = vec![1, 2, 3, 4, 5, 6];
    /// pool.scope(|s| {
    ///     for chunk in data.chunks_mut(2) {
    ///         s.submit(move || chunk.iter_mut().for_each(|x| *x *= 10)).unwrap();
    ///     }
    /// })
    /// .unwrap();
    /// assert_eq!(data, [10, 20, 30, 40, 50, 60]);
    /// ```
    pub fn scope<'env, F, R>(&self, f: F) -> Result<R, ScopeError>
    where
        F: for<'scope> FnOnce(&'scope TaskScope<'scope, 'env>) -> R,
    {
        self.scope_with(ScopeOptions::default(), f)
    }

    /// [`scope`](Self::scope) with a failure policy ([`ScopeOptions`]).
    ///
    /// # Errors
    ///
    /// As [`scope`](Self::scope).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use threadkit::ScopeOptions;
    ///
    /// let pool = threadkit::ThreadPoolExecutor::new(2).unwrap();
    /// let finished = AtomicUsize::new(0);
    /// let err = pool
    ///     .scope_with(ScopeOptions::supervise(), |s| {
    ///         s.submit(|| panic!("one fails")).unwrap();
    ///         for _ in 0..3 {
    ///             s.submit(|| finished.fetch_add(1, Ordering::SeqCst)).unwrap();
    ///         }
    ///     })
    ///     .unwrap_err();
    /// assert_eq!(err.panics().len(), 1);
    /// assert_eq!(finished.load(Ordering::SeqCst), 3);
    /// ```
    pub fn scope_with<'env, F, R>(&self, options: ScopeOptions, f: F) -> Result<R, ScopeError>
    where
        F: for<'scope> FnOnce(&'scope TaskScope<'scope, 'env>) -> R,
    {
        let state = ScopeState {
            shared: Shared::new(options),
            key: running::scope_key(),
            live: LiveCount::new(),
        };
        // One link for the scope's life: its stop reaches its tasks running on the workers.
        let pool = Arc::downgrade(self.pool());
        let key = state.key;
        let _stop_tasks = state.shared.token.on_stop(move || {
            if let Some(pool) = pool.upgrade() {
                pool.stop_scope_tasks(key);
            }
        });
        let scope = TaskScope {
            pool: self.pool(),
            state: &state,
            _lifetimes: PhantomData,
        };
        let outcome = state.shared.run_body(|| f(&scope));
        state.live.close();
        wait_all_done(&state);
        state.shared.finish(outcome)
    }
}

/// Waits until every closure of the scope is gone. Nothing may end this wait early (the
/// closures borrow the caller's frame): a stop is not honoured here (it reached the tasks
/// through the scope's token), and a panic out of the wait (a deadlock report under the
/// `Panic` policy) is kept for the scope's error.
fn wait_all_done(state: &ScopeState) {
    while !state.live.all_ended() {
        if let Err(p) = panic::catch(|| state.live.park()) {
            state.shared.failed(NO_HANDLE, p);
        }
    }
}

impl<'scope> TaskScope<'scope, '_> {
    /// Schedules `f`, which may borrow anything that outlives the scope, on the pool (Python:
    /// `TaskGroup.create_task`, on a thread pool). It runs with the task's stop token, which
    /// the scope's stop (its first failure, or [`stop`](Self::stop)) also stops.
    ///
    /// # Errors
    ///
    /// As [`ThreadPoolExecutor::submit`]: the closure comes back inside.
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(2).unwrap();
    /// let name = String::from("borrowed");
    /// let len = pool.scope(|s| s.submit(|| name.len()).unwrap().result().unwrap());
    /// assert_eq!(len.unwrap(), 8);
    /// ```
    pub fn submit<F, T>(&self, f: F) -> Result<ScopedFuture<'scope, T>, SubmitError<F>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'static,
    {
        let id = self.state.shared.next_id();
        let state = self.state;
        let future = self.pool.submit_packaged(f, |f| package(f, state, id))?;
        Ok(ScopedFuture { future, state, id })
    }

    /// Schedules `f` as [`submit`](Self::submit) does, with no future: for a task whose only
    /// result is its effect (Rust: `rayon::Scope::spawn`). Its panic is the scope's to return
    /// (and, fail-fast, stops the other tasks); it costs less than a submitted task (no
    /// future to allocate, publish or wake). A spawned task that never starts (cancelled by
    /// `shutdown` with `cancel_futures`, discarded by [`WhenFull::DiscardOldest`](crate::WhenFull),
    /// or left by a broken pool) is dropped before the scope returns and reports nothing, as
    /// it has no future to say so; use `submit` where that must be known.
    ///
    /// # Errors
    ///
    /// As [`submit`](Self::submit): the closure comes back inside.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// let pool = threadkit::ThreadPoolExecutor::new(2).unwrap();
    /// let total = AtomicUsize::new(0);
    /// pool.scope(|s| {
    ///     for n in 1..=4 {
    ///         let total = &total;
    ///         s.spawn(move || {
    ///             total.fetch_add(n, Ordering::Relaxed);
    ///         })
    ///         .unwrap();
    ///     }
    /// })
    /// .unwrap();
    /// assert_eq!(total.into_inner(), 10);
    /// ```
    pub fn spawn<F>(&self, f: F) -> Result<(), SubmitError<F>>
    where
        F: FnOnce() + Send + 'scope,
    {
        let state = self.state;
        // No handle will take its panic back: no number of its own needed.
        self.pool
            .submit_packaged(f, |f| (package_spawned(f, state), ()))
    }

    /// Asks every task of the scope to stop: running ones through their stop tokens, those not
    /// started end as stopped without running.
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let q: threadkit::Queue<u8> = threadkit::Queue::new(0);
    /// pool.scope(|s| {
    ///     let f = s.submit(|| q.get()).unwrap();
    ///     s.stop();
    ///     // Stopped in `get` (its `Stopped` error), or before it started (not run at all).
    ///     let r = f.into_result();
    ///     assert!(matches!(
    ///         r,
    ///         Ok(Err(threadkit::GetError::Stopped)) | Err(threadkit::FutureError::Stopped)
    ///     ));
    /// })
    /// .unwrap();
    /// ```
    pub fn stop(&self) {
        self.state.shared.token.stop();
    }

    /// The scope's stop token.
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// pool.scope(|s| assert!(!s.stop_token().is_stopped())).unwrap();
    /// ```
    #[must_use]
    pub fn stop_token(&self) -> crate::StopToken {
        self.state.shared.token.clone()
    }
}

impl<T: Send + 'static> ScopedFuture<'_, T> {
    /// Waits for the task: its value, or its failure, which is then the caller's and not in
    /// the scope's [`ScopeError`] (as [`Future::result`]). As
    /// [`ScopedThread::join`](crate::ScopedThread::join), a stop does not cut this wait short:
    /// the stop that
    /// reaches the caller reaches the scope's tasks too, and the task ends by it.
    ///
    /// # Errors
    ///
    /// As [`Future::result`].
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let r = pool.scope(|s| s.submit(|| 6 * 7).unwrap().result());
    /// assert_eq!(r.unwrap(), Ok(42));
    /// ```
    pub fn result(&self) -> Result<T, super::FutureError>
    where
        T: Clone + Sync,
    {
        let outcome = stop::unstoppable(|| self.future.result());
        self.state.shared.take_if_failed(self.id, &outcome);
        outcome
    }

    /// As [`result`](Self::result), taking the value (no `Clone` needed).
    ///
    /// # Errors
    ///
    /// As [`Future::into_result`].
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let r = pool.scope(|s| s.submit(|| vec![1, 2]).unwrap().into_result());
    /// assert_eq!(r.unwrap(), Ok(vec![1, 2]));
    /// ```
    pub fn into_result(self) -> Result<T, super::FutureError> {
        let outcome = stop::unstoppable(|| self.future.into_result());
        self.state.shared.take_if_failed(self.id, &outcome);
        outcome
    }

    /// Asks the task to stop if it is running (see [`Future::request_stop`]).
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// pool.scope(|s| {
    ///     let f = s.submit(|| 1).unwrap();
    ///     let _ = f.request_stop();
    /// })
    /// .unwrap();
    /// ```
    #[allow(clippy::must_use_candidate)] // called for its effect
    pub fn request_stop(&self) -> bool {
        self.future.request_stop()
    }

    /// The plain future (its state, `cancel`, `add_done_callback`, `as_completed`, `wait`).
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// pool.scope(|s| {
    ///     let f = s.submit(|| 1).unwrap();
    ///     f.future().wait();
    ///     assert!(f.future().done());
    /// })
    /// .unwrap();
    /// ```
    #[must_use]
    pub fn future(&self) -> &Future<T> {
        &self.future
    }
}

impl std::fmt::Debug for TaskScope<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskScope")
            .field("stopped", &self.state.shared.token.is_stopped())
            .finish_non_exhaustive()
    }
}

impl<T> std::fmt::Debug for ScopedFuture<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ScopedFuture").field(&self.future).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Event, ExecutorBuilder, FutureError, WhenFull};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Tasks submit and spawn more tasks, some after the scope's own closure returned: the
    /// scope counts them all (see `live`), and returns only once the last is gone (Miri sees
    /// a use of the borrowed data after it returned).
    #[test]
    fn nested_tasks_all_finish_before_the_scope_returns() {
        let pool = ThreadPoolExecutor::new(2).unwrap();
        let word = String::from("four");
        let total = AtomicUsize::new(0);
        pool.scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    for _ in 0..2 {
                        s.submit(|| total.fetch_add(word.len(), Ordering::SeqCst))
                            .unwrap();
                    }
                })
                .unwrap();
            }
        })
        .unwrap();
        drop(word);
        assert_eq!(total.load(Ordering::SeqCst), 24);
    }

    #[test]
    fn tasks_borrow_and_all_finish_before_the_scope_returns() {
        let pool = ThreadPoolExecutor::new(2).unwrap();
        let mut counts = vec![0u32; 8];
        pool.scope(|s| {
            for (i, c) in counts.iter_mut().enumerate() {
                s.submit(move || *c = u32::try_from(i).unwrap() + 1)
                    .unwrap();
            }
        })
        .unwrap();
        assert_eq!(counts, [1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn a_cancelled_task_is_dropped_before_the_scope_returns() {
        let pool = ThreadPoolExecutor::new(1).unwrap();
        let gate = Event::new();
        let dropped = AtomicUsize::new(0);
        struct Mark<'a>(&'a AtomicUsize);
        impl Drop for Mark<'_> {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        pool.scope(|s| {
            let blocker = s.submit(|| gate.wait()).unwrap();
            let mark = Mark(&dropped);
            let queued = s.submit(move || drop(mark)).unwrap();
            assert!(queued.future().cancel());
            gate.set();
            blocker.result().unwrap();
        })
        .unwrap();
        assert_eq!(dropped.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn spawned_tasks_borrow_and_all_finish_before_the_scope_returns() {
        let pool = ThreadPoolExecutor::new(2).unwrap();
        let mut counts = vec![0u32; 8];
        pool.scope(|s| {
            for (i, c) in counts.iter_mut().enumerate() {
                s.spawn(move || *c = u32::try_from(i).unwrap() + 1).unwrap();
            }
        })
        .unwrap();
        assert_eq!(counts, [1, 2, 3, 4, 5, 6, 7, 8]);
    }

    /// One worker and room for one queued task: a submission while both are taken discards the
    /// queued one.
    fn one_worker_discarding_the_oldest() -> ThreadPoolExecutor {
        ExecutorBuilder::new()
            .max_workers(1)
            .max_queued(1, WhenFull::DiscardOldest)
            .build()
            .unwrap()
    }

    /// A spawned task discarded unrun (the oldest, by `DiscardOldest`) is dropped before the
    /// scope returns, and a panic in its `Drop` is the scope's.
    #[test]
    fn a_discarded_spawned_task_is_dropped_and_its_drop_panic_returned() {
        let pool = one_worker_discarding_the_oldest();
        let (started, gate) = (Event::new(), Event::new());
        let dropped = AtomicUsize::new(0);
        struct Mark<'a>(&'a AtomicUsize);
        impl Drop for Mark<'_> {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
                panic!("drop of a discarded task");
            }
        }
        let err = pool
            .scope(|s| {
                s.spawn(|| {
                    started.set();
                    gate.wait();
                })
                .unwrap();
                started.wait(); // the worker is busy and the queue empty
                let mark = Mark(&dropped);
                s.spawn(move || {
                    let _mark = mark;
                    unreachable!("discarded before it runs")
                })
                .unwrap();
                s.spawn(|| ()).unwrap(); // discards the one queued
                gate.set();
            })
            .unwrap_err();
        assert_eq!(dropped.load(Ordering::SeqCst), 1);
        assert_eq!(err.panics().len(), 1);
        assert_eq!(err.panics()[0].message(), "drop of a discarded task");
    }

    /// A spawned job carries no child number: one whose closure is two words, one of them a
    /// reference (an `Option` of it takes no more), is held in the queue's slot, unboxed.
    #[test]
    fn a_spawned_job_of_a_two_word_closure_is_held_in_place() {
        assert!(Queued::in_place::<Job<(&u8, usize), Spawned>>());
    }

    /// A spawned task too large for the queue's slot goes boxed (see `queued`): it runs, or
    /// is dropped unrun when discarded, before the scope returns, as one held in place.
    #[test]
    fn spawned_tasks_too_large_to_hold_in_place_run_or_are_dropped_boxed() {
        let pool = one_worker_discarding_the_oldest();
        let (started, gate) = (Event::new(), Event::new());
        let (ran, dropped) = (AtomicUsize::new(0), AtomicUsize::new(0));
        struct Mark<'a>(&'a AtomicUsize, [u64; 8]);
        impl Drop for Mark<'_> {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        pool.scope(|s| {
            s.spawn(|| {
                started.set();
                gate.wait();
            })
            .unwrap();
            started.wait(); // the worker is busy and the queue empty
            let discarded = Mark(&dropped, [1; 8]);
            s.spawn(move || {
                let _mark = discarded;
                unreachable!("discarded before it runs")
            })
            .unwrap();
            let runs = Mark(&dropped, [2; 8]);
            let ran = &ran;
            // Discards the one queued, then runs.
            s.spawn(move || {
                ran.fetch_add(
                    usize::try_from(runs.1.iter().sum::<u64>()).unwrap(),
                    Ordering::SeqCst,
                );
            })
            .unwrap();
            gate.set();
        })
        .unwrap();
        assert_eq!(ran.load(Ordering::SeqCst), 16);
        assert_eq!(
            dropped.load(Ordering::SeqCst),
            2,
            "both marks dropped, once each"
        );
    }

    /// A spawned task stopped before it started (its scope failed meanwhile) is dropped unrun,
    /// and a panic in that drop is the scope's, beside the failure.
    #[test]
    fn a_task_stopped_before_it_started_returns_its_drop_panic() {
        let pool = ThreadPoolExecutor::new(1).unwrap();
        let gate = Event::new();
        struct Mark;
        impl Drop for Mark {
            fn drop(&mut self) {
                panic!("drop after the stop");
            }
        }
        let err = pool
            .scope(|s| {
                s.spawn(|| {
                    gate.wait();
                    panic!("the failure");
                })
                .unwrap();
                let mark = Mark;
                s.spawn(move || {
                    let _mark = mark;
                    unreachable!("the scope stopped before this started")
                })
                .unwrap();
                gate.set();
            })
            .unwrap_err();
        let mut messages: Vec<_> = err.panics().iter().map(|p| p.message()).collect();
        messages.sort_unstable();
        assert_eq!(messages, ["drop after the stop", "the failure"]);
    }

    /// A scope whose task runs on the caller's thread (the caller-runs policy) while that
    /// thread drops another closure unrun (a value whose `Drop` runs the scope): the task that
    /// ran counts itself out at once, not when the outer drop has returned, which would be
    /// never, as that drop waits for the scope.
    #[test]
    fn a_scope_inside_an_unrun_drop_is_not_held_up_by_it() {
        let pool = Arc::new(
            ExecutorBuilder::new()
                .max_workers(1)
                .max_queued(1, WhenFull::CallerRuns)
                .build()
                .unwrap(),
        );
        let (started, gate) = (Arc::new(Event::new()), Arc::new(Event::new()));
        let busy = {
            let (started, gate) = (Arc::clone(&started), Arc::clone(&gate));
            pool.submit(move || {
                started.set();
                gate.wait();
            })
            .unwrap()
        };
        started.wait();
        let queued = pool.submit(|| ()).unwrap(); // the queue is full: spawns run here
        let (done_tx, done) = std::sync::mpsc::channel();
        let inner_pool = Arc::clone(&pool);
        std::thread::spawn(move || {
            let consuming = Consuming::begin();
            let mut ran = false;
            inner_pool
                .scope(|s| s.spawn(|| ran = true).unwrap())
                .unwrap();
            drop(consuming);
            done_tx.send(ran).unwrap();
        });
        let ran = done.recv_timeout(std::time::Duration::from_secs(60));
        gate.set();
        busy.result().unwrap();
        queued.result().unwrap();
        assert_eq!(ran, Ok(true), "the scope waited for the outer drop");
    }

    #[test]
    fn a_refused_closure_comes_back() {
        let pool = ExecutorBuilder::new()
            .max_workers(1)
            .max_queued(1, WhenFull::Reject)
            .build()
            .unwrap();
        let (started, gate) = (Event::new(), Event::new());
        pool.scope(|s| {
            s.submit(|| {
                started.set();
                gate.wait()
            })
            .unwrap();
            started.wait(); // the worker is busy and the queue empty
            s.submit(|| 0).unwrap();
            let Err(SubmitError::Full(refused)) = s.submit(|| 1) else {
                panic!("the bound of one queued task refuses a second")
            };
            gate.set();
            assert_eq!(refused(), 1);
        })
        .unwrap();
    }

    #[test]
    fn a_failure_is_returned_once_and_stops_the_siblings() {
        let pool = ThreadPoolExecutor::new(2).unwrap();
        let q: crate::Queue<u8> = crate::Queue::new(0);
        let started = Event::new();
        let err = pool
            .scope(|s| {
                let waiter = s
                    .submit(|| {
                        started.set();
                        q.get()
                    })
                    .unwrap();
                started.wait();
                s.submit(|| panic!("boom")).unwrap();
                // The running sibling's `get` returns stopped (its outcome, not a failure).
                assert_eq!(waiter.into_result(), Ok(Err(crate::GetError::Stopped)));
            })
            .unwrap_err();
        assert_eq!(err.panics().len(), 1);
        assert_eq!(err.panics()[0].message(), "boom");
    }

    #[test]
    fn a_failure_taken_by_result_is_not_the_scopes() {
        let pool = ThreadPoolExecutor::new(1).unwrap();
        let r = pool.scope(|s| {
            let f = s.submit(|| -> u8 { panic!("mine") }).unwrap();
            matches!(f.result(), Err(FutureError::Panicked(_)))
        });
        assert!(r.unwrap());
    }
}
