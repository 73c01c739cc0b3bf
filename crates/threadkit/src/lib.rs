//! # threadkit
//!
//! Python's threading system (`threading`, `queue`, and the thread pool of
//! `concurrent.futures`) rebuilt in Rust: the same names and semantics, expressed the Rust way.
//!
//! ## The model
//!
//! - **Threads** are real OS threads running in parallel (there is no GIL). A [`Thread`] is
//!   created, started once, and joined any number of times; its closure's return value is
//!   delivered to its owner, and a panic is delivered to every joiner as a [`Panic`] value and
//!   reported once by the [excepthook](set_excepthook).
//! - **Exit** works like Python: when `main` returns, the process waits for live non-daemon
//!   threadkit threads and abandons daemon threads, without half-written output lines.
//! - **Blocking calls** come in three forms with the same names everywhere: `try_*` never
//!   blocks, `*_timeout(Duration)` / `*_deadline(Instant)` wait at most that long and say
//!   whether they succeeded, and the plain form blocks.
//! - **Errors** are typed (`Result`), never a panic or a bare `bool`, and hand back whatever
//!   could not be consumed. There is no lock poisoning.
//! - **Guards** are Python's `with` blocks: the lock is released when the guard is dropped.
//!
//! ## Blocking forms
//!
//! Every blocking call has its forms under one rule: the plain name blocks, `try_*` never
//! blocks (Python's `*_nowait` names stay where Python has them), `*_timeout(Duration)` waits
//! at most that long, `*_deadline(Instant)` until that instant. A form that acquires says
//! whether it did with a `bool` (or an `Option` of the guard); a form that returns a value
//! says "timed out" in its `Result`.
//!
//! | primitive | blocking | never blocks | at most a `Duration` | until an `Instant` |
//! |---|---|---|---|---|
//! | [`Lock`], [`RLock`] | `acquire`, `guard` | `try_acquire`, `try_guard` | `acquire_timeout`, `guard_timeout` | `acquire_deadline`, `guard_deadline` |
//! | [`Mutex`] | `lock` | `try_lock` | `lock_timeout` | `lock_deadline` |
//! | [`Semaphore`], [`BoundedSemaphore`] | `acquire`, `guard` | `try_acquire`, `try_guard` | `acquire_timeout`, `guard_timeout` | `acquire_deadline`, `guard_deadline` |
//! | [`Condition`] | `wait`, `wait_for` | (a wait must wait) | `wait_timeout`, `wait_for_timeout` | `wait_deadline`, `wait_for_deadline` |
//! | [`Event`] | `wait` | `is_set` | `wait_timeout` | `wait_deadline` |
//! | [`Barrier`] | `wait` | (a barrier must wait) | `wait_timeout` | `wait_deadline` |
//! | [`Queue`], [`LifoQueue`], [`PriorityQueue`] | `put`, `get`, `join` | `put_nowait`, `get_nowait`, `unfinished_tasks() == 0` | `put_timeout`, `get_timeout`, `join_timeout` | `put_deadline`, `get_deadline`, `join_deadline` |
//! | [`SimpleQueue`] | `get` (`put` never blocks) | `put_nowait`, `get_nowait` | `get_timeout` | `get_deadline` |
//! | [`Future`] | `wait`, `result`, `into_result`, `exception` | `done` | `wait_timeout`, `result_timeout`, `exception_timeout` | `wait_deadline`, `result_deadline` |
//! | [`ThreadHandle`] | `join` | `is_alive` | `join_timeout` | `join_deadline` |
//!
//! ### Coming from crossbeam-channel
//!
//! A [`Queue`] is one shared handle for both ends (clone it), not a sender/receiver pair.
//! `Queue::new(0)` is Python's unbounded queue, **not** a rendezvous channel as crossbeam's
//! `bounded(0)` is; [`Queue::unbounded`] says it explicitly and [`Queue::capacity`] gives
//! `None` for it. A queue ends by [`shutdown`](Queue::shutdown) (graceful: consumers drain
//! what is left; immediate: it is dropped) rather than by dropping every sender, and
//! [`Queue::iter`] ends there as crossbeam's `iter` ends at disconnection; [`Queue::try_iter`]
//! is crossbeam's `try_iter`. `put_nowait`/`get_nowait` are `try_send`/`try_recv`.
//!
//! ## Python to threadkit
//!
//! | Python | threadkit |
//! |---|---|
//! | **threads** (`threading`) | |
//! | `threading.Thread(target=f)` | [`Thread::new(f)`](Thread::new), [`Thread::builder()`](Thread::builder) |
//! | `Thread(..., name=, daemon=)` | [`Builder::name`], [`Builder::daemon`], [`Builder::stack_size`] |
//! | `t.start()` | [`Thread::start`] (or [`Thread::spawn`] to create and start) |
//! | `t.join()` / `t.join(timeout)` | [`ThreadHandle::join`] / [`ThreadHandle::join_timeout`] |
//! | the target's return value | [`Thread::into_output`] |
//! | `t.is_alive()`, `t.name`, `t.ident`, `t.native_id`, `t.daemon` | [`ThreadHandle::is_alive`], [`name`](ThreadHandle::name) / [`set_name`](ThreadHandle::set_name), [`ident`](ThreadHandle::ident), [`native_id`](ThreadHandle::native_id), [`is_daemon`](ThreadHandle::is_daemon) / [`Thread::set_daemon`] |
//! | `threading.current_thread()` | [`current_thread`] |
//! | `threading.main_thread()` | [`main_thread`] |
//! | `threading.enumerate()` | [`enumerate`] |
//! | `threading.active_count()` | [`active_count`] |
//! | `threading.get_ident()` / `get_native_id()` | [`get_ident`] / [`get_native_id`] |
//! | `threading.excepthook = hook`, `old = threading.excepthook` | [`set_excepthook`] (returns the replaced hook), [`excepthook`], [`reset_excepthook`] |
//! | `threading.__excepthook__`, `ExceptHookArgs` | [`default_excepthook`], [`ExceptHookArgs`] |
//! | `threading.local()` | [`Local`] (a threadkit thread's values are dropped when it ends) |
//! | the exception of a thread | [`Panic`], inside [`JoinError::Panicked`] |
//! | `RuntimeError` from `start` / `join` | [`StartError`] / [`JoinError`] |
//! | `main_thread().join()` from another thread | returns when `main` returns |
//! | `RuntimeError: cannot join a dummy thread` (3.13) | [`JoinError::DummyThread`] |
//! | `Thread(target=f, args=(1,), kwargs=...)`, overriding `run()` | the closure captures its arguments: `Thread::new(move \|\| f(1))` |
//! | `threading.stack_size(n)` | per thread: [`Builder::stack_size`] |
//! | `threading.TIMEOUT_MAX` | any [`Duration`](std::time::Duration); one too large for the clock means "forever" |
//! | `threading.settrace`, `setprofile` | not provided: there is no interpreter to trace |
//! | **synchronization** (`threading`) | |
//! | `threading.Lock()` | [`Lock`] |
//! | `with lock:` | [`Lock::guard`] → [`LockGuard`] |
//! | `lock.acquire()`, `acquire(False)`, `acquire(timeout=t)` | [`Lock::acquire`], [`Lock::try_acquire`], [`Lock::acquire_timeout`] |
//! | `lock.release()`, `lock.locked()` | [`Lock::release`], [`Lock::locked`] |
//! | a lock guarding data (no Python equivalent) | [`Mutex<T>`](Mutex) |
//! | `threading.Event()`: `set`, `clear`, `is_set`, `wait` | [`Event`]: [`set`](Event::set), [`clear`](Event::clear), [`is_set`](Event::is_set), [`wait`](Event::wait) / [`wait_timeout`](Event::wait_timeout) |
//! | `threading.RLock()` | [`RLock`] (same methods as [`Lock`], plus [`is_owned`](RLock::is_owned), [`recursion_count`](RLock::recursion_count)) |
//! | `threading.Condition(lock=None)` | [`Condition::new`] (over an [`RLock`]), [`Condition::with_lock`] |
//! | `cond.wait(timeout)`, `cond.wait_for(pred, timeout)` | [`Condition::wait`] / [`wait_timeout`](Condition::wait_timeout), [`wait_for`](Condition::wait_for) / [`wait_for_timeout`](Condition::wait_for_timeout) |
//! | `cond.notify(n)`, `cond.notify_all()` | [`Condition::notify`], [`notify_n`](Condition::notify_n), [`notify_all`](Condition::notify_all) |
//! | `threading.Semaphore(n)`, `BoundedSemaphore(n)` | [`Semaphore`], [`BoundedSemaphore`] (`acquire*`, `release`, `release_n`, `guard`) |
//! | `threading.Barrier(parties, action, timeout)` | [`Barrier::new`], [`Barrier::with_action`], [`Barrier::default_timeout`] |
//! | `barrier.wait()`, `reset()`, `abort()`, `parties`, `n_waiting`, `broken` | [`Barrier::wait`], [`reset`](Barrier::reset), [`abort`](Barrier::abort), [`parties`](Barrier::parties), [`n_waiting`](Barrier::n_waiting), [`broken`](Barrier::broken) |
//! | `threading.BrokenBarrierError` | [`BrokenBarrierError`] |
//! | `threading.Timer(interval, f)`, `start()`, `cancel()` | [`Timer::new`], [`Timer::start`], [`Timer::cancel`] |
//! | `RuntimeError: release unlocked lock` | [`ReleaseError::Unlocked`] |
//! | `RuntimeError: cannot release un-acquired lock` | [`ReleaseError::NotOwner`] |
//! | `ValueError: Semaphore released too many times` | [`ReleaseError::TooManyReleases`] |
//! | `RuntimeError: cannot wait on un-acquired lock` | [`NotOwnedError`] |
//! | **queues** (`queue`) | |
//! | `queue.Queue(maxsize)`, `LifoQueue`, `PriorityQueue` | [`Queue::new`], [`LifoQueue::new`], [`PriorityQueue::new`] (0 = unbounded; clone to share) |
//! | `queue.SimpleQueue()` | [`SimpleQueue::new`] |
//! | `q.put(item)`, `put(item, timeout=t)`, `put_nowait(item)` | [`Queue::put`], [`Queue::put_timeout`], [`Queue::put_nowait`] |
//! | `q.get()`, `get(timeout=t)`, `get_nowait()` | [`Queue::get`], [`Queue::get_timeout`], [`Queue::get_nowait`] |
//! | `q.qsize()`, `empty()`, `full()`, `maxsize` | [`Queue::qsize`], [`Queue::empty`], [`Queue::full`], [`Queue::maxsize`] |
//! | `q.task_done()`, `q.join()`, `unfinished_tasks` | [`Queue::task_done`], [`Queue::join`] / [`Queue::join_timeout`], [`Queue::unfinished_tasks`] |
//! | `if immediate { q.shutdown_immediate() } else { q.shutdown() }`, `is_shutdown` (3.13) | [`Queue::shutdown`], [`Queue::is_shutdown`] |
//! | `while True: item = q.get() ...` | `for item in &q` ([`Queue::iter`]): ends at shutdown, no race |
//! | `queue.Full`, `queue.Empty`, `queue.ShutDown` | [`PutError::Full`] (with the item), [`GetError::Empty`], [`PutError::ShutDown`] / [`GetError::ShutDown`] |
//! | `ValueError: task_done() called too many times` | [`TaskDoneError`] |
//! | **thread pool** (`concurrent.futures`) | |
//! | `concurrent.futures.ThreadPoolExecutor(max_workers, thread_name_prefix, initializer)` | [`ThreadPoolExecutor::new`], [`ThreadPoolExecutor::builder`] ([`ExecutorBuilder`]) |
//! | `with ThreadPoolExecutor() as ex:` | the executor's `Drop` (= `shutdown(wait=True)`) |
//! | a pool still alive at exit (3.9+: its tasks finish) | the same: live executors finish their queued and running tasks at exit |
//! | `ex.map(f, items)` as a statement (every task runs) | a [`Map`] dropped before its first `next` lets every task run; one dropped after cancels the rest |
//! | `ex.submit(fn)`, `ex.map(fn, it, timeout, buffersize)`, `ex.shutdown(wait, cancel_futures)` | [`ThreadPoolExecutor::submit`], [`map`](ThreadPoolExecutor::map) / [`map_with`](ThreadPoolExecutor::map_with) ([`MapOptions`]), [`shutdown`](ThreadPoolExecutor::shutdown) |
//! | `Future.result(timeout)`, `exception(timeout)` | [`Future::result`] / [`result_timeout`](Future::result_timeout) (`T: Clone + Sync`), [`Future::into_result`], [`Future::exception`] |
//! | `Future.done()`, `running()`, `cancelled()`, `cancel()`, `add_done_callback(fn)` | [`Future::done`], [`running`](Future::running), [`cancelled`](Future::cancelled), [`cancel`](Future::cancel), [`add_done_callback`](Future::add_done_callback) |
//! | `as_completed(fs, timeout)`, `wait(fs, timeout, return_when)` | [`as_completed`], [`wait`] with [`ReturnWhen`] → [`DoneAndNotDone`] |
//! | `CancelledError`, `TimeoutError`, `BrokenThreadPool`, a task's exception | [`FutureError`], [`TimeoutError`] |
//! | `RuntimeError: cannot schedule new futures after shutdown` | [`SubmitError::ShutDown`] (with the closure); from a lazy map, [`FutureError::ShutDown`] |
//! | asyncio's "exception was never retrieved" | [`set_unretrieved_hook`], [`UnretrievedFailure`] |
//!
//! ## Example
//!
//! ```
//! use std::sync::Arc;
//! use threadkit::{Lock, Thread};
//!
//! let lock = Arc::new(Lock::new());
//! let threads: Vec<_> = (0..3)
//!     .map(|i| {
//!         let lock = Arc::clone(&lock);
//!         Thread::spawn(move || {
//!             let _with = lock.guard();
//!             i * 10
//!         })
//!     })
//!     .collect();
//! let results: Vec<i32> = threads.into_iter().map(|t| t.into_output().unwrap()).collect();
//! assert_eq!(results, [0, 10, 20]);
//! ```

#[macro_use]
mod facade;
mod executor;
mod hook;
mod panic;
mod queue;
mod sync;
mod thread;
mod timeout;
mod wait;

pub use executor::{
    as_completed, promise, reset_unretrieved_hook, set_unretrieved_hook, wait, AsCompleted,
    DoneAndNotDone, ExecutorBuilder, ExecutorStats, Future, FutureError, InvalidMaxWorkers,
    InvalidStateError, Map, MapOptions, Promise, ReturnWhen, ShutdownOptions, SubmitError,
    ThreadPoolExecutor, UnretrievedFailure,
};
pub use panic::Panic;
pub use queue::{
    GetError, Iter, LifoQueue, PriorityQueue, PutError, Queue, SimpleQueue, TaskDoneError,
};
pub use sync::{
    Barrier, BoundedSemaphore, BrokenBarrierError, Condition, ConditionGuard, ConditionLock,
    Condvar, Event, Lock, LockGuard, Mutex, MutexGuard, NotOwnedError, RLock, RLockGuard,
    ReleaseError, Semaphore, SemaphoreGuard, Timer, ZeroPartiesError,
};
pub use thread::{
    active_count, current_thread, default_excepthook, enumerate, excepthook, get_ident,
    get_native_id, main_thread, reset_excepthook, set_excepthook, Builder, ExceptHook,
    ExceptHookArgs, JoinError, Local, StartError, Thread, ThreadHandle,
};
pub use timeout::{TimeoutError, WaitError};
