//! `ThreadPoolExecutor`: Python's `concurrent.futures.ThreadPoolExecutor`.
//!
//! # Design
//!
//! Tasks wait in a lock-free [`SimpleQueue`]. Workers start lazily, one per submission while
//! no worker is idle and fewer than `max_workers` exist (Python's rule: an "idle" token is
//! released when a task finishes, before its future is seen done, and taken by each
//! submission). A small lock orders submissions
//! with `shutdown`, which puts one `None` sentinel after the last task: a worker that takes
//! it puts it back for the next and exits. A task and its future's state share one allocation
//! (see `task`); a task without a future (an executor scope's spawn) needs none when it is
//! small: the queue's slot holds it (see `queued`). A task is run, cancelled, or abandoned when
//! the pool breaks, so no future is ever left pending.
//!
//! Workers are daemon threads, so a leaked executor's idle workers do not keep the process
//! alive; but, as in Python 3.9+, an executor still alive when the program ends (in a
//! `static`, or after `shutdown(wait=false)`) finishes its queued and running tasks first:
//! every pool that started a worker is listed, and an exit hook shuts the live ones down
//! with `wait` before the non-daemon threads are joined.

use super::error::{InvalidMaxWorkers, SubmitError};
use super::future::Future;
use super::map::{Map, MapOptions};
use super::queued::Queued;
use super::running::Running;
use super::task;
use crate::facade::{AtomicBool, AtomicU64, Ordering};
use crate::panic;
use crate::queue::SimpleQueue;
use crate::sync::{Mutex, Semaphore};
use crate::thread::{Builder, ThreadHandle};
use crate::StopToken;
use crossbeam_utils::CachePadded;
use std::fmt;
use std::sync::{Arc, Weak};

type Initializer = Arc<dyn Fn() + Send + Sync>;

const NO_THREAD: &str = "can't start a worker thread";

const_static! {
    /// Every pool that has started a worker (pruned as pools go away), for the exit hook.
    static POOLS_WITH_WORKERS: Mutex<Vec<Weak<Pool>>> = Mutex::new_internal(Vec::new());
}

/// Lists `pool` for the exit hook, installing the hook with the first pool.
fn list_for_exit(pool: &Arc<Pool>) {
    let mut pools = POOLS_WITH_WORKERS.lock();
    if pools.is_empty() {
        static HOOK: std::sync::Once = std::sync::Once::new();
        HOOK.call_once(|| crate::thread::before_exit(finish_live_pools));
    }
    pools.retain(|p| p.strong_count() > 0);
    pools.push(Arc::downgrade(pool));
}

/// The live pools that started a worker, with their counts (for `dump`).
pub(crate) fn live_pools() -> Vec<(String, ExecutorStats)> {
    let pools: Vec<Arc<Pool>> = POOLS_WITH_WORKERS
        .lock()
        .iter()
        .filter_map(Weak::upgrade)
        .collect();
    pools
        .iter()
        .map(|p| (p.prefix.clone(), p.stats()))
        .collect()
}

/// At exit: every live pool runs its queued and running tasks, then its workers exit.
fn finish_live_pools() {
    let pools = std::mem::take(&mut *POOLS_WITH_WORKERS.lock());
    for pool in pools.iter().filter_map(Weak::upgrade) {
        pool.shutdown(true, false, false);
    }
}

struct State {
    shutdown: bool,
    broken: bool,
    workers: Vec<ThreadHandle>,
    /// One per worker, in the order of `workers`.
    counters: Vec<Arc<CachePadded<WorkerCounters>>>,
}

/// What a worker did, written by that worker alone (plain stores on its own cache line, so
/// counting costs the hot path nothing measurable) and read by [`ThreadPoolExecutor::stats`];
/// and which scope's task it runs (for a scope's stop).
struct WorkerCounters {
    completed: AtomicU64,
    busy: AtomicBool,
    running: Running,
}

pub(crate) struct Pool {
    queue: SimpleQueue<Option<Queued>>,
    /// A bound on the tasks not started, and what a submission does when it is reached.
    bound: Option<(Semaphore, WhenFull)>,
    idle: Semaphore,
    /// Every worker has started: idle tokens are no longer needed.
    full: AtomicBool,
    state: Mutex<State>,
    max_workers: usize,
    prefix: String,
    stack_size: Option<usize>,
    initializer: Option<Initializer>,
}

/// What a bounded pool does with a submission when its queue of tasks not started is full
/// ([`ExecutorBuilder::max_queued`]; Java: the `RejectedExecutionHandler` policies).
///
/// ```
/// use threadkit::{ExecutorBuilder, WhenFull};
/// let pool = ExecutorBuilder::new().max_queued(100, WhenFull::Block).build().unwrap();
/// # drop(pool);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WhenFull {
    /// `submit` waits for room (honouring the submitter's stop: `SubmitError::Stopped`).
    Block,
    /// `submit` returns [`SubmitError::Full`] with the closure (Java: `AbortPolicy`).
    Reject,
    /// The submitting thread runs the task itself, now; its future is done on return (Java:
    /// `CallerRunsPolicy`: the natural brake on a too-fast producer).
    CallerRuns,
    /// The oldest task not started is cancelled to make room (Java: `DiscardOldestPolicy`).
    DiscardOldest,
}

/// The answer of [`Pool::room`].
enum Room<F> {
    Granted(F),
    Refused(SubmitError<F>),
    RunHere(F),
}

/// Runs a packaged task on the submitting thread (`WhenFull::CallerRuns`): its handle (a done
/// future, its panic delivered by it as a worker's would be).
fn run_here<H>((task, handle): (Queued, H)) -> H {
    task.run(&|| {}, &crate::stop_token());
    handle
}

impl Pool {
    pub(crate) fn submit<T, F>(self: &Arc<Self>, f: F) -> Result<Future<T>, SubmitError<F>>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.submit_packaged(f, task::package)
    }

    /// Submits `f`, packaged into a task and its handle (a future, or nothing) by `package`
    /// once it is accepted (a refused closure comes back as it was given: an executor scope
    /// packages its borrowing closures its own way).
    pub(crate) fn submit_packaged<H, F>(
        self: &Arc<Self>,
        f: F,
        package: impl FnOnce(F) -> (Queued, H),
    ) -> Result<H, SubmitError<F>> {
        let f = match self.room(f) {
            Room::Granted(f) => f,
            Room::Refused(e) => return Err(e),
            Room::RunHere(f) => return Ok(run_here(package(f))),
        };
        let mut state = self.state.lock();
        if state.broken || state.shutdown {
            self.give_back_room();
            return Err(if state.broken {
                SubmitError::BrokenPool(f)
            } else {
                SubmitError::ShutDown(f)
            });
        }
        let (task, handle) = package(f);
        self.queue.put(Some(task));
        // Python's rule: start a worker unless one is idle. Once the pool is full the idle
        // tokens no longer matter, and neither side touches them.
        if state.workers.len() < self.max_workers
            && !self.idle.try_acquire()
            && !self.start_worker(&mut state)
        {
            drop(state);
            self.break_pool(NO_THREAD);
        }
        Ok(handle)
    }

    /// Room for one more task not started, by the pool's policy (unbounded: always).
    fn room<F>(&self, f: F) -> Room<F> {
        let Some((slots, when_full)) = &self.bound else {
            return Room::Granted(f);
        };
        loop {
            if slots.try_acquire() {
                return Room::Granted(f);
            }
            match when_full {
                WhenFull::Reject => return Room::Refused(SubmitError::Full(f)),
                WhenFull::CallerRuns => return Room::RunHere(f),
                WhenFull::Block => {
                    // A shutdown lets blocked submitters through (to be refused by it).
                    let acquired = panic::catch(|| slots.acquire());
                    return match acquired {
                        Ok(()) => Room::Granted(f),
                        Err(p) if p.is_stop() => Room::Refused(SubmitError::Stopped(f)),
                        Err(p) => std::panic::resume_unwind(Box::new(p)),
                    };
                }
                WhenFull::DiscardOldest => {
                    // The oldest task not started makes room: cancelled, its slot is ours.
                    match self.queue.get_nowait() {
                        Ok(Some(oldest)) => {
                            oldest.cancel();
                            return Room::Granted(f);
                        }
                        // The shutdown sentinel goes back; nothing queued: a worker took it
                        // meanwhile and its slot is free again.
                        Ok(None) => {
                            self.queue.put(None);
                            return Room::Refused(SubmitError::ShutDown(f));
                        }
                        Err(_) => {}
                    }
                }
            }
        }
    }

    /// A slot taken by a submission that did not queue a task goes back.
    fn give_back_room(&self) {
        if let Some((slots, _)) = &self.bound {
            let _ = slots.release();
        }
    }

    /// Starts a worker; `false` if none could start and none exists (the pool cannot run
    /// anything: the caller breaks it, once it has released the state lock).
    fn start_worker(self: &Arc<Self>, state: &mut State) -> bool {
        let name = format!("{}_{}", self.prefix, state.workers.len());
        let pool = Arc::clone(self);
        let counters = Arc::new(CachePadded::new(WorkerCounters {
            completed: AtomicU64::new(0),
            busy: AtomicBool::new(false),
            running: Running::new(),
        }));
        let mine = Arc::clone(&counters);
        // Daemon: dropping the executor waits for its workers (shutdown), but a leaked
        // executor's idle workers must not keep the process alive.
        let mut builder = Builder::new().name(name).daemon(true);
        if let Some(bytes) = self.stack_size {
            builder = builder.stack_size(bytes);
        }
        match builder.spawn(move || pool.work(&mine)) {
            Ok(worker) => {
                if state.workers.is_empty() {
                    list_for_exit(self);
                }
                state.workers.push(worker.handle());
                state.counters.push(counters);
                if state.workers.len() == self.max_workers {
                    self.full.store(true, Ordering::Relaxed);
                }
                true
            }
            // No thread now: the task stays queued for the workers that exist.
            Err(_) => !state.workers.is_empty(),
        }
    }

    fn work(self: Arc<Self>, counters: &WorkerCounters) {
        if let Some(init) = &self.initializer {
            if let Err(p) = panic::catch(|| init()) {
                crate::thread::report_uncaught(&p);
                self.break_pool(
                    "A thread initializer failed, the thread pool is not usable anymore",
                );
                return;
            }
        }
        // Idle again before the task's future is seen done: a submission that follows a result
        // finds this worker, rather than starting another.
        let free = || {
            // Only this worker writes its counters.
            let done = counters.completed.load(Ordering::Relaxed);
            counters.completed.store(done + 1, Ordering::Relaxed);
            counters.busy.store(false, Ordering::Relaxed);
            if !self.full.load(Ordering::Relaxed) {
                let _ = self.idle.release(); // unbounded: cannot fail
            }
        };
        // Each task runs with a child of this worker's token: a task's `request_stop` stops
        // that child only (then the next task gets a fresh one), a shutdown that stops running
        // tasks stops the worker's token, and so the child.
        let worker_token = crate::stop_token();
        let mut task_token = worker_token.child();
        crate::stop::install(task_token.clone());
        counters.running.set_token(task_token.clone());
        let renew = |task_token: &mut StopToken| {
            if task_token.is_stopped() && !worker_token.is_stopped() {
                *task_token = worker_token.child();
                crate::stop::install(task_token.clone());
                counters.running.set_token(task_token.clone());
            }
        };
        let _slot = counters.running.install();
        // Waiting for work is the worker's own business: a stop never cuts it short.
        while let Some(task) = crate::stop::unstoppable(|| self.queue.get()) {
            // Out of the queue: its slot is free for a submitter.
            self.give_back_room();
            counters.busy.store(true, Ordering::Relaxed);
            // The slot names the task's scope (a stop of the scope it named before may have
            // stopped the token meanwhile: see `running`).
            counters
                .running
                .switch_to(task.scope(), || renew(&mut task_token));
            task.run(&free, &task_token);
            renew(&mut task_token);
        }
        crate::stop::unstoppable(|| self.queue.put(None)); // pass the shutdown sentinel on
    }

    /// The scope `scope` stopped: its tasks running on this pool's workers are stopped
    /// through their tokens, as are the tokens of workers idle since one (see `running`). The
    /// tokens are marked under the locks and their stops finished after (they wake threads and
    /// run callbacks, which may call into the pool).
    pub(crate) fn stop_scope_tasks(&self, scope: usize) {
        let marked: Vec<_> = {
            let state = self.state.lock();
            state
                .counters
                .iter()
                .filter_map(|c| c.running.stop_if_named(scope))
                .collect()
        };
        for token in marked {
            token.finish_stop();
        }
    }

    /// Marks the pool broken and fails every queued task with `reason`. Takes the state lock,
    /// and fails the tasks after releasing it, since that runs their callbacks.
    fn break_pool(&self, reason: &str) {
        let reason: Arc<str> = Arc::from(reason);
        let tasks = {
            let mut state = self.state.lock();
            state.broken = true;
            self.take_queued()
        };
        for task in tasks {
            task.abandon(&reason);
        }
    }

    fn stats(&self) -> ExecutorStats {
        let state = self.state.lock();
        let busy = state
            .counters
            .iter()
            .filter(|c| c.busy.load(Ordering::Relaxed))
            .count();
        ExecutorStats {
            max_workers: self.max_workers,
            workers: state.workers.len(),
            idle: state.workers.len() - busy,
            queued: self.queued(state.shutdown),
            completed: state
                .counters
                .iter()
                .map(|c| c.completed.load(Ordering::Relaxed))
                .sum(),
            shutdown: state.shutdown,
            broken: state.broken,
        }
    }

    /// Tasks waiting in the queue; after `shutdown` one item is the sentinel, not a task
    /// (approximate while a worker passes the sentinel on).
    fn queued(&self, shutdown: bool) -> usize {
        self.queue.qsize().saturating_sub(usize::from(shutdown))
    }

    /// Empties the task queue, keeping the shutdown sentinel in it if it was there.
    fn take_queued(&self) -> Vec<Queued> {
        let mut tasks = Vec::new();
        let mut sentinel = false;
        while let Ok(item) = self.queue.get_nowait() {
            match item {
                Some(task) => {
                    self.give_back_room();
                    tasks.push(task);
                }
                None => sentinel = true,
            }
        }
        if sentinel {
            self.queue.put(None);
        }
        tasks
    }

    pub(crate) fn shutdown(&self, wait: bool, cancel_futures: bool, stop_running: bool) {
        let (workers, cancelled) = {
            let mut state = self.state.lock();
            let cancelled = if cancel_futures {
                self.take_queued()
            } else {
                Vec::new()
            };
            if !state.shutdown {
                state.shutdown = true;
                self.queue.put(None);
                // Submitters blocked for room get through, to be refused by the shutdown.
                if let Some((slots, WhenFull::Block)) = &self.bound {
                    let _ = slots.release_n(1 << 30);
                }
            }
            (state.workers.clone(), cancelled)
        };
        // Outside the lock: cancelling runs callbacks, which may call into the pool.
        for task in cancelled {
            task.cancel();
        }
        if stop_running {
            // The workers' tokens: their running tasks' tokens are children of them.
            for worker in &workers {
                worker.request_stop();
            }
        }
        if wait {
            for worker in workers {
                // A worker shutting down its own pool cannot wait for itself.
                let _ = worker.join();
            }
        }
    }
}

/// A pool of worker threads running submitted closures, like Python's
/// `concurrent.futures.ThreadPoolExecutor`.
///
/// Dropping the executor is [`shutdown`](Self::shutdown) (`wait=True, cancel_futures=False`), the end of
/// Python's `with` block; dropped while the thread unwinds (a panic on its way out), it also
/// cancels the tasks not started, so the failure is not held up behind the queue (the trap of
/// cpython#130975). A task that panics does not take its worker down: the panic is
/// delivered by its [`Future`].
///
/// **Deadlock warning** (as in Python's docs): a task that waits for the result of another
/// task of the same pool can wait forever when every worker is busy waiting. Use
/// [`Future::result_timeout`] to turn such a wait into a
/// [`WaitError::Timeout`](crate::WaitError::Timeout).
///
/// # Examples
///
/// ```
/// use threadkit::ThreadPoolExecutor;
///
/// let pool = ThreadPoolExecutor::new(3).unwrap();
/// let squares: Vec<u64> = pool.map(|x: u64| x * x, 0..5).unwrap().map(Result::unwrap).collect();
/// assert_eq!(squares, [0, 1, 4, 9, 16]);
/// ```
pub struct ThreadPoolExecutor {
    pool: Arc<Pool>,
}

// Unwind safety: no poisoning (as in Python and parking_lot); a panic elsewhere cannot leave
// this executor in a state its own methods would misread (issue 10, defect 14).
impl std::panic::UnwindSafe for ThreadPoolExecutor {}
impl std::panic::RefUnwindSafe for ThreadPoolExecutor {}

const_static! {
    static POOLS: AtomicU64 = AtomicU64::new(0);
}

impl ThreadPoolExecutor {
    /// The pool behind this handle.
    pub(crate) fn pool(&self) -> &Arc<Pool> {
        &self.pool
    }

    /// A pool of at most `max_workers` threads (Python: `ThreadPoolExecutor(max_workers)`).
    ///
    /// # Errors
    ///
    /// [`InvalidMaxWorkers`] if `max_workers` is 0.
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(4).unwrap();
    /// assert_eq!(pool.max_workers(), 4);
    /// ```
    pub fn new(max_workers: usize) -> Result<Self, InvalidMaxWorkers> {
        ExecutorBuilder::new().max_workers(max_workers).build()
    }

    /// A builder for `max_workers`, `thread_name_prefix` and `initializer`.
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::builder().thread_name_prefix("io").build().unwrap();
    /// let f = pool.submit(|| threadkit::current_thread().name()).unwrap();
    /// assert_eq!(f.into_result().unwrap(), "io_0");
    /// ```
    #[must_use]
    pub fn builder() -> ExecutorBuilder {
        ExecutorBuilder::new()
    }

    /// Schedules `f` and returns its future (Python: `submit(fn)`).
    ///
    /// # Errors
    ///
    /// [`SubmitError::ShutDown`] after `shutdown`, [`SubmitError::BrokenPool`] if an initializer
    /// failed; the closure comes back inside.
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| 2 + 2).unwrap();
    /// assert_eq!(f.result(), Ok(4));
    /// ```
    pub fn submit<T, F>(&self, f: F) -> Result<Future<T>, SubmitError<F>>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.pool.submit(f)
    }

    /// Applies `f` to every input on the pool; the iterator gives the results in input order,
    /// each as a `Result` (a task's failure surfaces when the iterator reaches it). Every task
    /// is submitted now (Python: `map(fn, iterable)`). See [`map_with`](Self::map_with) for a
    /// timeout and a bounded number of tasks in flight.
    ///
    /// # Errors
    ///
    /// As [`submit`](Self::submit), if the pool is shut down or broken.
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(2).unwrap();
    /// let lengths: Vec<_> = pool.map(|s: &str| s.len(), ["a", "bb"]).unwrap().collect();
    /// assert_eq!(lengths, [Ok(1), Ok(2)]);
    /// ```
    pub fn map<I, T, F>(&self, f: F, inputs: I) -> Result<Map<T>, SubmitError<()>>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        I::IntoIter: Send + 'static,
        T: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
    {
        self.map_with(f, inputs, MapOptions::new())
    }

    /// [`map`](Self::map) with options: a timeout counted from this call, and a `buffersize`
    /// that bounds the tasks in flight so an endless input does not fill memory
    /// (Python 3.14: `map(fn, iterable, timeout=, buffersize=)`).
    ///
    /// # Errors
    ///
    /// As [`submit`](Self::submit).
    ///
    /// ```
    /// use threadkit::MapOptions;
    ///
    /// let pool = threadkit::ThreadPoolExecutor::new(2).unwrap();
    /// let evens = pool
    ///     .map_with(|x: u64| x * 2, 0.., MapOptions::new().buffersize(4.try_into().unwrap())) // endless input
    ///     .unwrap()
    ///     .take(3)
    ///     .map(Result::unwrap)
    ///     .collect::<Vec<_>>();
    /// assert_eq!(evens, [0, 2, 4]);
    /// ```
    pub fn map_with<I, T, F>(
        &self,
        f: F,
        inputs: I,
        options: MapOptions,
    ) -> Result<Map<T>, SubmitError<()>>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        I::IntoIter: Send + 'static,
        T: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
    {
        Map::start(Arc::clone(&self.pool), f, inputs.into_iter(), options)
    }

    /// Stops accepting tasks and blocks until the queued tasks ran and the workers exited
    /// (Python: `shutdown()`, i.e. `wait=True, cancel_futures=False`). Dropping the executor
    /// does the same.
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| 1).unwrap();
    /// pool.shutdown();
    /// assert!(f.done());
    /// assert!(pool.submit(|| 2).is_err());
    /// ```
    pub fn shutdown(&self) {
        self.shutdown_with(ShutdownOptions::new());
    }

    /// Stops accepting tasks, as [`options`](ShutdownOptions) say: whether to wait for the
    /// workers, whether to cancel the tasks that have not started (Python:
    /// `shutdown(wait, *, cancel_futures)`).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use threadkit::{Event, ShutdownOptions, ThreadPoolExecutor};
    ///
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// let gate = Arc::new(Event::new());
    /// let g = Arc::clone(&gate);
    /// let running = pool.submit(move || g.wait()).unwrap();
    /// let queued = pool.submit(|| 1).unwrap();
    /// pool.shutdown_with(ShutdownOptions::new().wait(false).cancel_futures(true));
    /// assert!(queued.cancelled());
    /// gate.set();
    /// assert_eq!(running.into_result(), Ok(true));
    /// ```
    pub fn shutdown_with(&self, options: ShutdownOptions) {
        self.pool
            .shutdown(options.wait, options.cancel_futures, options.stop_running);
    }

    /// The maximum number of worker threads.
    ///
    /// ```
    /// assert!(threadkit::ThreadPoolExecutor::builder().build().unwrap().max_workers() >= 5);
    /// ```
    #[must_use]
    pub fn max_workers(&self) -> usize {
        self.pool.max_workers
    }

    /// A snapshot of the pool for monitoring: workers started, idle and busy, tasks queued
    /// and completed (each count read at a slightly different moment while the pool runs).
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(2).unwrap();
    /// pool.submit(|| ()).unwrap().wait();
    /// let stats = pool.stats();
    /// assert_eq!((stats.workers, stats.completed), (1, 1));
    /// assert_eq!(stats.max_workers, 2);
    /// ```
    #[must_use]
    pub fn stats(&self) -> ExecutorStats {
        self.pool.stats()
    }

    /// Whether the pool is broken: a worker's initializer panicked, so every queued and
    /// later task fails (Python: the `_broken` state behind `BrokenThreadPool`).
    ///
    /// ```
    /// let pool = threadkit::ExecutorBuilder::new()
    ///     .initializer(|| panic!("no database"))
    ///     .build()
    ///     .unwrap();
    /// # threadkit::set_excepthook(|_| {});
    /// let f = pool.submit(|| 1).unwrap();
    /// assert!(f.result().is_err());
    /// assert!(pool.is_broken());
    /// # threadkit::reset_excepthook();
    /// ```
    #[must_use]
    pub fn is_broken(&self) -> bool {
        self.pool.state.lock().broken
    }

    /// Whether [`shutdown`](Self::shutdown) was called.
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// pool.shutdown();
    /// assert!(pool.is_shutdown());
    /// ```
    #[must_use]
    pub fn is_shutdown(&self) -> bool {
        self.pool.state.lock().shutdown
    }

    /// The worker threads started so far (they start lazily).
    ///
    /// ```
    /// let pool = threadkit::ThreadPoolExecutor::new(4).unwrap();
    /// assert!(pool.workers().is_empty());
    /// pool.submit(|| ()).unwrap().wait();
    /// assert_eq!(pool.workers().len(), 1);
    /// ```
    #[must_use]
    pub fn workers(&self) -> Vec<ThreadHandle> {
        self.pool.state.lock().workers.clone()
    }
}

/// A snapshot of a [`ThreadPoolExecutor`], from [`stats`](ThreadPoolExecutor::stats).
///
/// ```
/// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
/// let s = pool.stats();
/// assert_eq!((s.workers, s.idle, s.queued, s.completed), (0, 0, 0, 0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct ExecutorStats {
    /// The most workers the pool starts.
    pub max_workers: usize,
    /// Workers started so far (they start lazily).
    pub workers: usize,
    /// Workers not running a task now.
    pub idle: usize,
    /// Tasks submitted and not started.
    pub queued: usize,
    /// Tasks the workers ran to the end (returned or panicked).
    pub completed: u64,
    /// Whether the pool was shut down.
    pub shutdown: bool,
    /// Whether the pool is broken (see [`is_broken`](ThreadPoolExecutor::is_broken)).
    pub broken: bool,
}

/// How [`ThreadPoolExecutor::shutdown_with`] stops the pool (Python: the `wait` and
/// `cancel_futures` arguments of `shutdown`).
///
/// ```
/// let options = threadkit::ShutdownOptions::new().wait(false).cancel_futures(true);
/// # drop(options);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutdownOptions {
    wait: bool,
    cancel_futures: bool,
    stop_running: bool,
}

impl ShutdownOptions {
    /// Python's defaults: wait, cancel nothing.
    ///
    /// ```
    /// assert_eq!(threadkit::ShutdownOptions::new(), threadkit::ShutdownOptions::default());
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        ShutdownOptions {
            wait: true,
            cancel_futures: false,
            stop_running: false,
        }
    }

    /// Whether `shutdown_with` blocks until the queued tasks ran and the workers exited
    /// (default `true`).
    ///
    /// ```
    /// let _ = threadkit::ShutdownOptions::new().wait(false);
    /// ```
    #[must_use]
    pub const fn wait(mut self, wait: bool) -> Self {
        self.wait = wait;
        self
    }

    /// Whether the tasks that have not started are cancelled (default `false`).
    ///
    /// ```
    /// let _ = threadkit::ShutdownOptions::new().cancel_futures(true);
    /// ```
    #[must_use]
    pub const fn cancel_futures(mut self, cancel: bool) -> Self {
        self.cancel_futures = cancel;
        self
    }

    /// Whether the running tasks are asked to stop too (default `false`; not in Python):
    /// their blocking calls return at once and a task that ends by such a call's unwind has
    /// the outcome [`FutureError::Stopped`](crate::FutureError::Stopped). With
    /// `cancel_futures`, nothing is left to run: the shutdown ends as soon as the running
    /// tasks notice.
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::{FutureError, ShutdownOptions, ThreadPoolExecutor};
    ///
    /// let pool = ThreadPoolExecutor::new(2).unwrap();
    /// let long = pool.submit(|| threadkit::sleep(Duration::from_secs(3600))).unwrap();
    /// let queued: Vec<_> = (0..10).map(|_| pool.submit(|| ()).unwrap()).collect();
    /// pool.shutdown_with(ShutdownOptions::new().cancel_futures(true).stop_running(true));
    /// assert!(matches!(long.result(), Err(FutureError::Stopped | FutureError::Cancelled)));
    /// # drop(queued);
    /// ```
    #[must_use]
    pub const fn stop_running(mut self, stop: bool) -> Self {
        self.stop_running = stop;
        self
    }
}

impl Default for ShutdownOptions {
    fn default() -> Self {
        ShutdownOptions::new()
    }
}

impl Drop for ThreadPoolExecutor {
    fn drop(&mut self) {
        // Dropped by an unwind (an error on its way out of the `with` block, Python's
        // cpython#130975): the tasks not started are cancelled, so the error is not held up
        // behind the whole queue. Running tasks still finish.
        let unwinding = std::thread::panicking();
        self.pool.shutdown(true, unwinding, false);
    }
}

impl fmt::Debug for ThreadPoolExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.pool.state.lock();
        f.debug_struct("ThreadPoolExecutor")
            .field("prefix", &self.pool.prefix)
            .field("max_workers", &self.pool.max_workers)
            .field("workers", &state.workers.len())
            .field("shutdown", &state.shutdown)
            .field("broken", &state.broken)
            .finish()
    }
}

/// Configures a [`ThreadPoolExecutor`].
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
///
/// let started = Arc::new(AtomicUsize::new(0));
/// let s = Arc::clone(&started);
/// let pool = threadkit::ThreadPoolExecutor::builder()
///     .max_workers(2)
///     .thread_name_prefix("worker")
///     .initializer(move || {
///         s.fetch_add(1, Ordering::SeqCst);
///     })
///     .build()
///     .unwrap();
/// pool.submit(|| ()).unwrap().wait();
/// assert_eq!(started.load(Ordering::SeqCst), 1);
/// ```
#[derive(Default)]
pub struct ExecutorBuilder {
    max_workers: Option<usize>,
    prefix: Option<String>,
    stack_size: Option<usize>,
    initializer: Option<Initializer>,
    max_queued: Option<(usize, WhenFull)>,
}

// Unwind safety: no poisoning (as in Python and parking_lot); a panic elsewhere cannot leave
// this builder in a state its own methods would misread (issue 10, defect 14).
impl std::panic::UnwindSafe for ExecutorBuilder {}
impl std::panic::RefUnwindSafe for ExecutorBuilder {}

impl ExecutorBuilder {
    /// Defaults: `min(32, cpus + 4)` workers, prefix `ThreadPoolExecutor-N`, no initializer.
    ///
    /// ```
    /// let pool = threadkit::ExecutorBuilder::new().build().unwrap();
    /// # drop(pool);
    /// ```
    #[must_use]
    pub fn new() -> Self {
        ExecutorBuilder::default()
    }

    /// The maximum number of worker threads (Python: `max_workers`).
    ///
    /// ```
    /// let pool = threadkit::ExecutorBuilder::new().max_workers(1).build().unwrap();
    /// assert_eq!(pool.max_workers(), 1);
    /// ```
    #[must_use]
    pub fn max_workers(mut self, n: usize) -> Self {
        self.max_workers = Some(n);
        self
    }

    /// Workers are named `<prefix>_0`, `<prefix>_1`, ... (Python: `thread_name_prefix`).
    ///
    /// ```
    /// let b = threadkit::ExecutorBuilder::new().thread_name_prefix("db");
    /// # drop(b);
    /// ```
    #[must_use]
    pub fn thread_name_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// The stack size of each worker thread, in bytes (Python: `threading.stack_size(n)`
    /// before creating the pool); the platform's default otherwise.
    ///
    /// ```
    /// let pool = threadkit::ExecutorBuilder::new().stack_size(4 << 20).build().unwrap();
    /// let deep = pool.submit(|| (0..1000u64).sum::<u64>()).unwrap();
    /// assert_eq!(deep.result(), Ok(499_500));
    /// ```
    #[must_use]
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Runs on each worker before its first task; if it panics, the pool is broken: queued
    /// and later submissions fail with a broken-pool error (Python: `initializer`).
    ///
    /// ```
    /// let pool = threadkit::ExecutorBuilder::new().initializer(|| ()).build().unwrap();
    /// # drop(pool);
    /// ```
    #[must_use]
    pub fn initializer(mut self, init: impl Fn() + Send + Sync + 'static) -> Self {
        self.initializer = Some(Arc::new(init));
        self
    }

    /// Bounds the tasks waiting to start at `max` (not in Python, whose queue is unbounded),
    /// and says what `submit` does when the bound is reached ([`WhenFull`]). A bound of 0
    /// means 1.
    ///
    /// ```
    /// use threadkit::{ExecutorBuilder, SubmitError, WhenFull};
    ///
    /// let pool = ExecutorBuilder::new()
    ///     .max_workers(1)
    ///     .max_queued(1, WhenFull::Reject)
    ///     .build()
    ///     .unwrap();
    /// let gate = std::sync::Arc::new(threadkit::Event::new());
    /// let g = std::sync::Arc::clone(&gate);
    /// let running = pool.submit(move || g.wait()).unwrap();
    /// while !running.running() {
    ///     std::thread::yield_now();
    /// }
    /// let queued = pool.submit(|| 1).unwrap();
    /// let refused = pool.submit(|| 2).unwrap_err();
    /// assert!(matches!(refused, SubmitError::Full(_)));
    /// assert_eq!(refused.into_inner()(), 2, "the closure comes back");
    /// gate.set();
    /// assert_eq!(queued.result(), Ok(1));
    /// ```
    #[must_use]
    pub fn max_queued(mut self, max: usize, when_full: WhenFull) -> Self {
        self.max_queued = Some((max.max(1), when_full));
        self
    }

    /// Builds the executor; no thread starts until the first submission.
    ///
    /// # Errors
    ///
    /// [`InvalidMaxWorkers`] if `max_workers` is 0.
    ///
    /// ```
    /// assert!(threadkit::ExecutorBuilder::new().max_workers(0).build().is_err());
    /// ```
    pub fn build(self) -> Result<ThreadPoolExecutor, InvalidMaxWorkers> {
        let max_workers = match self.max_workers {
            Some(0) => return Err(InvalidMaxWorkers),
            Some(n) => n,
            None => {
                let cpus = std::thread::available_parallelism().map_or(1, usize::from);
                (cpus + 4).min(32)
            }
        };
        let prefix = self.prefix.unwrap_or_else(|| {
            let n = crate::check::name_number(crate::check::Named::Pool)
                .map_or_else(|| POOLS.fetch_add(1, Ordering::Relaxed), |n| n as _);
            format!("ThreadPoolExecutor-{n}")
        });
        Ok(ThreadPoolExecutor {
            pool: Arc::new(Pool {
                queue: SimpleQueue::new(),
                bound: self
                    .max_queued
                    .map(|(max, when_full)| (Semaphore::new(max), when_full)),
                idle: Semaphore::new(0),
                full: AtomicBool::new(false),
                state: Mutex::new_internal(State {
                    shutdown: false,
                    broken: false,
                    workers: Vec::new(),
                    counters: Vec::new(),
                }),
                max_workers,
                prefix,
                stack_size: self.stack_size,
                initializer: self.initializer,
            }),
        })
    }
}

impl fmt::Debug for ExecutorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecutorBuilder")
            .field("max_workers", &self.max_workers)
            .field("prefix", &self.prefix)
            .field("stack_size", &self.stack_size)
            .field("initializer", &self.initializer.is_some())
            .field("max_queued", &self.max_queued)
            .finish()
    }
}
