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
//! - **Blocking calls** come in four forms with the same names everywhere: `try_*` never
//!   blocks, `*_timeout(Duration)` / `*_deadline(Instant)` wait at most that long and say
//!   whether they succeeded, and the plain form blocks.
//! - **Errors** are typed (`Result`), never a panic, and hand back whatever could not be
//!   consumed (a refused item, a closure, a value). There is no lock poisoning.
//! - **Guards** are Python's `with` blocks: the lock is released when the guard is dropped.
//!
//! ## Blocking forms
//!
//! Every blocking call has its forms under one rule: the plain name blocks, `try_*` never
//! blocks (Python's `*_nowait` names stay where Python has them), `*_timeout(Duration)` waits
//! at most that long, `*_deadline(Instant)` until that instant. A timed form says "timed out"
//! one of two ways:
//!
//! - a form that acquires or waits for a state returns `false` (or `None` where it hands back
//!   a guard, as `std` and parking_lot do);
//! - a form that returns a value or a failure returns a `Result` whose error has a timeout
//!   variant: [`WaitError::Timeout`] around the outcome's own error ([`FutureError`],
//!   [`JoinError`]), [`TimeoutError`] alone where nothing else can fail, and Python's own
//!   names where Python has them: [`GetError::Empty`], [`PutError::Full`], and a barrier's
//!   [`BrokenBarrierError`] (the barrier breaks for everyone) with
//!   [`timed_out`](BrokenBarrierError::timed_out) set for the party that timed out.
//!
//! So an outcome ([`FutureError`], [`JoinError`]) never has a timeout variant, and a blocking
//! form's `match` does not offer one. A Python-form [`Condition`]'s `Err(NotOwnedError)` is
//! only ever misuse (Python's `RuntimeError`), never a timeout.
//!
//! | primitive | blocking | never blocks | at most a `Duration` | until an `Instant` |
//! |---|---|---|---|---|
//! | [`Lock`], [`RLock`] | `acquire`, `guard` | `try_acquire`, `try_guard` | `acquire_timeout`, `guard_timeout` | `acquire_deadline`, `guard_deadline` |
//! | [`Mutex`] | `lock` | `try_lock` | `lock_timeout` | `lock_deadline` |
//! | [`Semaphore`], [`BoundedSemaphore`] | `acquire`, `guard` | `try_acquire`, `try_guard` | `acquire_timeout`, `guard_timeout` | `acquire_deadline`, `guard_deadline` |
//! | [`Condition`] (its lock) | `acquire`, `guard` | `try_acquire`, `try_guard` | `acquire_timeout`, `guard_timeout` | `acquire_deadline`, `guard_deadline` |
//! | [`Condition`] (waiting) | `wait`, `wait_for` | (a wait must wait) | `wait_timeout`, `wait_for_timeout` | `wait_deadline`, `wait_for_deadline` |
//! | [`Condvar`] | `wait`, `wait_while`, `wait_for` | (a wait must wait) | `wait_timeout`, `wait_while_timeout`, `wait_for_timeout` | `wait_deadline`, `wait_while_deadline`, `wait_for_deadline` |
//! | [`Event`] | `wait` | `is_set` | `wait_timeout` | `wait_deadline` |
//! | [`Barrier`] | `wait` | (a barrier must wait) | `wait_timeout` | `wait_deadline` |
//! | [`Queue`], [`LifoQueue`], [`PriorityQueue`] | `put`, `get`, `join` | `put_nowait`, `get_nowait`, `unfinished_tasks() == 0` | `put_timeout`, `get_timeout`, `join_timeout` | `put_deadline`, `get_deadline`, `join_deadline` |
//! | [`SimpleQueue`] | `get` (`put` never blocks) | `put_nowait`, `get_nowait` | `get_timeout` | `get_deadline` |
//! | [`Future`] | `wait`, `result`, `into_result`, `exception` | `done` | `wait_timeout`, `result_timeout`, `into_result_timeout`, `exception_timeout` | `wait_deadline`, `result_deadline`, `exception_deadline` |
//! | [`as_completed`], [`wait()`] | `timeout: None` | `Some(Duration::ZERO)` | `Some(timeout)` | `Some(deadline - now)` |
//! | [`ThreadHandle`] | `join` | `is_alive` | `join_timeout` | `join_deadline` |
//!
//! ### Coming from crossbeam-channel
//!
//! A [`Queue`] is one shared handle for both ends (clone it), not a sender/receiver pair.
//! `Queue::new(0)` is Python's unbounded queue, **not** a rendezvous channel as crossbeam's
//! `bounded(0)` is; [`Queue::unbounded`] says it explicitly and [`Queue::capacity`] gives
//! `None` for it. A queue ends by [`shutdown`](Queue::shutdown) (graceful: consumers drain
//! what is left) or [`shutdown_immediate`](Queue::shutdown_immediate) (what is left is
//! dropped) rather than by dropping every sender, and [`Queue::iter`] ends there as
//! crossbeam's `iter` ends at disconnection; [`Queue::try_iter`] is crossbeam's `try_iter`.
//! `put_nowait`/`get_nowait` are `try_send`/`try_recv`.
//!
//! ## Coming from std, parking_lot, crossbeam, threadpool, rayon
//!
//! | you use | threadkit |
//! |---|---|
//! | `std::thread::spawn`, `Builder` | [`Thread::spawn`], [`Thread::builder`]: named, daemon or not, joinable many times, the output moved out by [`Thread::into_output`], a panic delivered as a [`Panic`] value |
//! | `std::thread::scope` | [`scope`]: borrowing threadkit threads, fail-fast, every panic returned |
//! | `rayon::scope` | [`ThreadPoolExecutor::scope`]: borrowing tasks on a pool, fail-fast, every panic returned |
//! | `std::sync::Mutex<T>` / `parking_lot::Mutex<T>` | [`Mutex<T>`](Mutex) (no poisoning, as parking_lot; `lock_timeout`, `lock_deadline` as parking_lot's `try_lock_for`/`try_lock_until`) |
//! | `std::sync::Condvar` / `parking_lot::Condvar` | [`Condvar`]: `wait(&mut guard)`, `wait_while`, timed forms returning `false` on timeout |
//! | `parking_lot::ReentrantMutex` | [`RLock`] |
//! | `std::sync::Barrier` | [`Barrier`] (plus timeouts, abort, reset, an action) |
//! | a `Mutex<bool>` + `Condvar` flag | [`Event`] |
//! | a counting semaphore (tokio's, or hand-made) | [`Semaphore`], [`BoundedSemaphore`] |
//! | `std::sync::mpsc`, `crossbeam_channel::{bounded, unbounded}`, flume | [`Queue`] (see above), [`SimpleQueue`]; `LifoQueue`, `PriorityQueue` have no peer |
//! | `threadpool::ThreadPool::execute` | [`ThreadPoolExecutor::submit`], whose [`Future`] carries the value or the panic |
//! | `rayon::ThreadPool::spawn` / `install`, `par_iter().map()` | [`ThreadPoolExecutor::submit`], [`ThreadPoolExecutor::map`] (ordered results, lazily bounded with [`MapOptions::buffersize`]) |
//! | a oneshot channel as a promise | [`promise`] → ([`Promise`], [`Future`]) |
//! | `thread_local!` | [`Local`]: a value per thread per `Local` object, not per `static` |
//!
//! ## Python to threadkit
//!
//! | Python | threadkit |
//! |---|---|
//! | **threading** | |
//! | `threading.Thread(target=f)` | [`Thread::new(f)`](Thread::new), [`Thread::builder()`](Thread::builder) |
//! | `Thread(..., name=, daemon=)`, `threading.stack_size(n)` | [`Builder::name`], [`Builder::daemon`], [`Builder::stack_size`] |
//! | `Thread(target=f, args=(1,), kwargs=...)`, overriding `run()` | the closure captures its arguments: `Thread::new(move \|\| f(1))` |
//! | `t.start()` | [`Thread::start`] (or [`Thread::spawn`] to create and start) |
//! | `t.join()`, `t.join(timeout)` then `t.is_alive()` | [`ThreadHandle::join`], [`ThreadHandle::join_timeout`] (`Err(WaitError::Timeout)` if still running) |
//! | the target's return value (lost in Python) | [`Thread::into_output`] |
//! | an exception in the thread | [`JoinError::Panicked`] with a [`Panic`] for every joiner, reported once by the excepthook |
//! | `t.is_alive()`, `t.name`, `t.ident`, `t.native_id`, `t.daemon` | [`ThreadHandle::is_alive`], [`name`](ThreadHandle::name) / [`set_name`](ThreadHandle::set_name), [`ident`](ThreadHandle::ident), [`native_id`](ThreadHandle::native_id), [`is_daemon`](ThreadHandle::is_daemon) / [`Thread::set_daemon`] |
//! | `threading.current_thread()`, `main_thread()` | [`current_thread`], [`main_thread`] |
//! | `threading.enumerate()`, `active_count()` | [`enumerate`], [`active_count`] |
//! | `threading.get_ident()`, `get_native_id()` | [`get_ident`], [`get_native_id`] |
//! | `threading.excepthook = hook`, `old = threading.excepthook`, `threading.__excepthook__`, `ExceptHookArgs` | [`set_excepthook`] (returns the replaced hook), [`excepthook`], [`reset_excepthook`], [`default_excepthook`], [`ExceptHookArgs`] |
//! | `threading.local()`: `local.x = v`, `local.x`, `del local.x` | [`Local::new`]: [`set`](Local::set), [`with`](Local::with) / [`with_mut`](Local::with_mut), [`take`](Local::take) / [`clear`](Local::clear) (a threadkit thread's values are dropped when it ends) |
//! | `RuntimeError` from `start` / `join` | [`StartError`] (converts into `io::Error`) / [`JoinError`] |
//! | `main_thread().join()` from another thread | returns when `main` returns |
//! | `RuntimeError: cannot join a dummy thread` (3.13), `t._is_dummy` | [`JoinError::DummyThread`], [`ThreadHandle::is_dummy`] |
//! | `threading.TIMEOUT_MAX` | any `Duration`; one too large for the clock means "forever" |
//! | `threading.settrace`, `setprofile` | not provided: there is no interpreter to trace |
//! | `threading.Lock()`; `with lock:` | [`Lock::new`]; [`Lock::guard`] → [`LockGuard`] |
//! | `acquire()`, `acquire(False)`, `acquire(timeout=t)`, `release()`, `locked()` | [`Lock::acquire`], [`try_acquire`](Lock::try_acquire), [`acquire_timeout`](Lock::acquire_timeout), [`release`](Lock::release), [`locked`](Lock::locked) |
//! | a lock guarding data (no Python equivalent) | [`Mutex<T>`](Mutex): [`lock`](Mutex::lock), [`try_lock`](Mutex::try_lock), [`lock_timeout`](Mutex::lock_timeout) |
//! | `threading.RLock()` | [`RLock`] (the methods of [`Lock`], plus [`is_owned`](RLock::is_owned), [`recursion_count`](RLock::recursion_count)) |
//! | `threading.Condition(lock=None)`, `with cond:`, `cond.acquire(...)`, `cond._is_owned()` | [`Condition::new`] (over an [`RLock`]), [`Condition::with_lock`], [`Condition::guard`], [`Condition::acquire`] and its forms, [`Condition::is_owned`] |
//! | `cond.wait(timeout)`, `cond.wait_for(pred, timeout)` | [`Condition::wait`] / [`wait_timeout`](Condition::wait_timeout), [`wait_for`](Condition::wait_for) / [`wait_for_timeout`](Condition::wait_for_timeout) |
//! | `cond.notify(n)`, `cond.notify_all()` | [`Condition::notify`], [`notify_n`](Condition::notify_n), [`notify_all`](Condition::notify_all) |
//! | a `Condition` over the data it guards (no Python equivalent) | [`Condvar`] with a [`Mutex<T>`](Mutex): [`wait_while`](Condvar::wait_while), [`wait_for`](Condvar::wait_for) read the data |
//! | `threading.Semaphore(n)`, `BoundedSemaphore(n)`, `release(n)` | [`Semaphore`], [`BoundedSemaphore`]: `acquire*`, `guard*`, [`release`](Semaphore::release), [`release_n`](Semaphore::release_n) |
//! | `threading.Event()`: `set`, `clear`, `is_set`, `wait(timeout)` | [`Event`]: [`set`](Event::set), [`clear`](Event::clear), [`is_set`](Event::is_set), [`wait`](Event::wait) / [`wait_timeout`](Event::wait_timeout) |
//! | `threading.Barrier(parties, action, timeout)` | [`Barrier::new`], [`Barrier::with_action`], [`Barrier::default_timeout`] |
//! | `barrier.wait()`, `reset()`, `abort()`, `parties`, `n_waiting`, `broken` | [`Barrier::wait`], [`reset`](Barrier::reset), [`abort`](Barrier::abort), [`parties`](Barrier::parties), [`n_waiting`](Barrier::n_waiting), [`broken`](Barrier::broken) |
//! | `threading.BrokenBarrierError` | [`BrokenBarrierError`] ([`timed_out`](BrokenBarrierError::timed_out) for the party whose timeout broke it) |
//! | `threading.Timer(interval, f)`, `start()`, `cancel()` | [`Timer::new`], [`Timer::start`], [`Timer::cancel`] (returns whether the function will not run) |
//! | `RuntimeError: release unlocked lock`, `cannot release un-acquired lock` | [`ReleaseError::Unlocked`], [`ReleaseError::NotOwner`] |
//! | `ValueError: Semaphore released too many times`, `n must be one or more` | [`ReleaseError::TooManyReleases`], [`ReleaseError::ZeroPermits`] |
//! | `RuntimeError: cannot wait on un-acquired lock` | [`NotOwnedError`] |
//! | **queue** | |
//! | `queue.Queue(maxsize)`, `LifoQueue`, `PriorityQueue` | [`Queue::new`], [`LifoQueue::new`], [`PriorityQueue::new`] (0 = unbounded, or [`Queue::unbounded`]; clone to share) |
//! | `queue.SimpleQueue()` | [`SimpleQueue::new`] |
//! | `q.put(item)`, `put(item, timeout=t)`, `put_nowait(item)` | [`Queue::put`], [`put_timeout`](Queue::put_timeout), [`put_nowait`](Queue::put_nowait): a refused item comes back in the error |
//! | `q.get()`, `get(timeout=t)`, `get_nowait()` | [`Queue::get`], [`get_timeout`](Queue::get_timeout), [`get_nowait`](Queue::get_nowait) |
//! | `q.qsize()`, `empty()`, `full()`, `maxsize` | [`Queue::qsize`], [`empty`](Queue::empty), [`full`](Queue::full), [`maxsize`](Queue::maxsize) (approximate, as in Python) |
//! | `q.task_done()`, `q.join()`, `unfinished_tasks` | [`Queue::task_done`], [`join`](Queue::join) / [`join_timeout`](Queue::join_timeout), [`unfinished_tasks`](Queue::unfinished_tasks) |
//! | `q.shutdown()`, `q.shutdown(immediate=True)`, `is_shutdown` (3.13) | [`Queue::shutdown`], [`Queue::shutdown_immediate`], [`Queue::is_shutdown`] |
//! | `while True: item = q.get() ...` | `for item in &q` ([`Queue::iter`]): ends at shutdown, no race |
//! | `queue.Full`, `queue.Empty`, `queue.ShutDown` | [`PutError::Full`] (with the item), [`GetError::Empty`], [`PutError::ShutDown`] / [`GetError::ShutDown`] |
//! | `ValueError: task_done() called too many times` | [`TaskDoneError`] |
//! | **concurrent.futures** | |
//! | `ThreadPoolExecutor(max_workers, thread_name_prefix, initializer)` | [`ThreadPoolExecutor::new`], [`ThreadPoolExecutor::builder`] ([`ExecutorBuilder`], also [`stack_size`](ExecutorBuilder::stack_size)) |
//! | `with ThreadPoolExecutor() as ex:` | the executor's `Drop` (= [`shutdown`](ThreadPoolExecutor::shutdown)) |
//! | a pool still alive at exit (3.9+: its tasks finish) | the same: live executors finish their queued and running tasks at exit |
//! | `ex.submit(fn)`, `ex.map(fn, it, timeout=, buffersize=)` | [`ThreadPoolExecutor::submit`], [`map`](ThreadPoolExecutor::map) / [`map_with`](ThreadPoolExecutor::map_with) ([`MapOptions`]) |
//! | `ex.shutdown()`, `shutdown(wait=False, cancel_futures=True)` | [`ThreadPoolExecutor::shutdown`], [`shutdown_with`](ThreadPoolExecutor::shutdown_with) ([`ShutdownOptions`]) |
//! | `ex.map(f, items)` as a statement (every task runs); a half-read `map` dropped | a [`Map`] dropped before its first `next` lets every task run; one dropped after cancels the rest |
//! | `ex._broken`, `len(ex._threads)`, `ex._work_queue.qsize()` | [`ThreadPoolExecutor::is_broken`], [`stats`](ThreadPoolExecutor::stats) ([`ExecutorStats`]) |
//! | `Future.result(timeout)`, `exception(timeout)` | [`Future::result`] / [`result_timeout`](Future::result_timeout) (`T: Clone + Sync`), [`Future::into_result`] / [`into_result_timeout`](Future::into_result_timeout) (any `T`), [`Future::exception`] / [`exception_timeout`](Future::exception_timeout) |
//! | `Future.done()`, `running()`, `cancelled()`, `cancel()`, `add_done_callback(fn)` | [`Future::done`], [`running`](Future::running), [`cancelled`](Future::cancelled), [`cancel`](Future::cancel), [`add_done_callback`](Future::add_done_callback) |
//! | `future_to_url = {ex.submit(...): url}`, `future_to_url[future]` | a [`Future`] is `Eq + Hash` by identity: a `HashMap<Future<T>, _>` key |
//! | `as_completed(fs, timeout)`, `wait(fs, timeout, return_when)` | [`as_completed`], [`wait()`] with [`ReturnWhen`] → [`DoneAndNotDone`] (owned or borrowed futures from any iterable) |
//! | `Future()`, `set_result`, `set_exception`, `set_running_or_notify_cancel`, `InvalidStateError` | [`promise`] → ([`Promise`], [`Future`]): [`set_result`](Promise::set_result), [`set_exception`](Promise::set_exception), [`set_running_or_notify_cancel`](Promise::set_running_or_notify_cancel), [`InvalidStateError`] |
//! | `CancelledError`, `BrokenThreadPool`, a task's exception | [`FutureError::Cancelled`], [`FutureError::BrokenPool`], [`FutureError::Panicked`] |
//! | `TimeoutError` ("2 (of 4) futures unfinished") | [`WaitError::Timeout`], [`TimeoutError`] |
//! | `RuntimeError: cannot schedule new futures after shutdown` | [`SubmitError::ShutDown`] (with the closure); from a lazy map, [`FutureError::ShutDown`] |
//! | asyncio's "exception was never retrieved" | [`set_unretrieved_hook`], [`UnretrievedFailure`] |
//! | **diagnostics** (`faulthandler`, no Python equivalent for deadlocks) | |
//! | `faulthandler.dump_traceback()`, `dump_traceback_later(timeout)` | [`dump()`] ([`Dump`], [`ThreadDump`], [`ThreadState`], [`HeldLock`]), [`dump_after`] ([`DumpWatchdog`]) |
//! | a program that hangs forever on a deadlock | a report when the cycle forms: [`set_diagnostics`], [`set_deadlock_policy`] ([`DeadlockPolicy`]); "all threads are asleep" with the dump |
//! | locks taken in opposite orders (hangs only sometimes) | lock-order checking: [`set_lock_order_checking`], [`lock_order_checking_enabled`] (`THREADKIT_LOCK_ORDER=1`) |
//! | `asyncio.TaskGroup` (for threads: none) | [`scope`], [`scope_with`]: borrowing threads; [`ThreadPoolExecutor::scope`]: borrowing pool tasks; the first failure stops the others, every panic returned |
//! | no way to stop a thread (a flag the thread polls) | [`ThreadHandle::request_stop`], [`StopToken`], [`stop_requested`], [`sleep`] (see "Stopping work") |
//! | `faulthandler.register(signal.SIGQUIT)` | `dump_on_sigquit()` (feature `sigquit`; `THREADKIT_DUMP_ON_SIGQUIT=1`) |
//! | a lock's repr in a traceback | [`name`]`(&lock, "accounts")` ([`Named`]): reports say `Lock "accounts"` |
//! | **testing** (a race that shows up only sometimes, no Python equivalent) | |
//! | run the test many times and hope | `threadkit::check(\|\| ...)`, `Check` (feature `check`): explored schedules, replayable failures (see "Testing concurrent code") |
//! | a check-then-act race on shared state | [`atomic`] (std's atomics; scheduling points in check mode), [`yield_now`] |
//!
//! ## Diagnosing a hung program
//!
//! A Python program that hangs says nothing. threadkit knows what every thread waits on,
//! because every blocking call parks through one door:
//!
//! - [`dump()`] lists every thread threadkit knows (its own, the main thread, foreign threads
//!   that used it) with what each waits on, since when, where it was called, who holds the
//!   lock it wants and where that thread acquired it, the locks each holds, and the live pools;
//!   `Display` prints it like Java's `jstack`. Nothing is stopped.
//! - [`dump_after`] is Python's `faulthandler.dump_traceback_later`: the dump is printed if the
//!   program is still running after the timeout, unless the returned watchdog was dropped.
//! - **Deadlocks are reported when they form**: the thread about to close a cycle of waits
//!   (lock → holder → the lock that holder waits on → …, or joins) sees it and reports it once,
//!   naming every thread, lock and call site; [`set_deadlock_policy`] chooses a report on
//!   stderr (default), a panic in that thread (tests fail instead of hanging), or an abort.
//!   Timed waits and tries are never part of a deadlock. A `Lock` has no owner (any thread may
//!   release it, as pipelines do), so a cycle through a `Lock` is reported once every other
//!   live thread waits to join; cycles through [`RLock`]s, [`Mutex`]es and joins are reported
//!   at once.
//! - **"All threads are asleep"** (Go's check): hangs with no owner to follow (a `Condition`
//!   whose notifier is blocked on a lock the waiter holds, a pool task waiting on a future
//!   queued behind it in a full pool, an `Event` nobody sets) are reported, with the dump, by
//!   the thread that falls asleep last, when every thread of the process (as the operating
//!   system counts them, so a thread threadkit never saw prevents it) is parked in a threadkit
//!   wait without a deadline. Linux only; never a false alarm (see `diag/asleep.rs`).
//! - **Lock-order checking** (Linux's lockdep), opt-in with [`set_lock_order_checking`] or
//!   `THREADKIT_LOCK_ORDER=1`: every blocking acquire made while holding other locks records
//!   the order; the first order that closes a cycle is reported with every order's call sites,
//!   even if the threads never deadlocked (two transfers in opposite account orders, run one
//!   after the other). Tries and timed acquires add no order (they are how code backs off).
//! - [`name`] gives any primitive a name the reports and the dump use (`Lock "accounts"`).
//! - A dump on SIGQUIT, as the JVM does: [`dump_on_sigquit`](https://docs.rs/threadkit/latest/threadkit/fn.dump_on_sigquit.html)
//!   (feature `sigquit`, or `THREADKIT_DUMP_ON_SIGQUIT=1`); the dump as data (feature `serde`).
//!
//! ```
//! use threadkit::{set_deadlock_policy, set_diagnostics, DeadlockPolicy, Lock};
//!
//! set_diagnostics(true);
//! set_deadlock_policy(DeadlockPolicy::Panic);
//! let lock = Lock::new();
//! lock.acquire();
//! let report = std::panic::catch_unwind(|| lock.acquire()).unwrap_err(); // Python hangs here
//! assert!(report.downcast_ref::<String>().unwrap().contains("which it already holds"));
//! # lock.release().unwrap();
//! # set_deadlock_policy(DeadlockPolicy::Report);
//! ```
//!
//! **Cost, and the default.** The records are switched at run time ([`set_diagnostics`], or
//! `THREADKIT_DIAGNOSTICS=1`/`0` read when the first threadkit thread starts). Off, a lock's
//! fast path pays one relaxed load and a park two uncontended atomic additions (the parking
//! lot's census): `threadkit bench` measures no workload slower than before diagnostics
//! existed (within its noise). On, every lock acquisition and release writes the thread's
//! held-lock record: about 2.4x on an uncontended lock (+16 ns), 2.7x on two nested locks and
//! 1.7–2.7x on contended ones (the `diagnostics on` rows of `threadkit bench`); lock-order
//! checking adds about 8% to nested locking (a per-thread cache of known orders). A
//! `dump()` of 1,000 parked threads takes 0.6–0.7 ms, and a deadlock is reported about
//! 40 µs after the cycle forms (`dump-1000-threads`, `deadlock-reported`). Hence the
//! default: **on in debug builds** (tests and development, where a hang costs more than
//! nanoseconds), **off in release builds** (switch it on to chase a hang in production);
//! lock-order checking is off in both (turn it on in tests).
//!
//! ## Stopping work
//!
//! Python cannot stop a thread. In threadkit every thread has a [`StopToken`]:
//! [`ThreadHandle::request_stop`] asks it to stop, and **every threadkit blocking call it is in,
//! or makes afterwards, returns at once** (the door every wait goes through wakes exactly
//! that thread). How the call says so follows its return type, as the timed-out rule does:
//!
//! - a queue's `get` and `put` return [`GetError::Stopped`] / [`PutError::Stopped`] (which
//!   hands the item back): nothing taken, nothing lost;
//! - every other blocking call (`Lock::acquire`, guards, `Condition::wait`, `Semaphore`,
//!   `Event::wait`, `Barrier::wait`, queue `join`, `Future::result`, `as_completed`, `wait`,
//!   thread `join`, [`sleep`]) has nothing to return it in and unwinds with [`Stopped`]; the
//!   thread then ends with [`JoinError::Stopped`], not a failure (no excepthook, nothing
//!   printed). Guards release their locks as the stack unwinds; a condition's wait takes its
//!   lock back first, a barrier breaks for the other parties (as a timeout does). A call that
//!   need not block (a free lock, a `try_*` form) still succeeds, and a thread may poll
//!   [`stop_requested`] to finish its work its own way.
//!
//! A pool task stops the same way ([`Future::request_stop`]: [`FutureError::Stopped`]), and
//! `shutdown_with(ShutdownOptions::new().cancel_futures(true).stop_running(true))` ends a
//! pool without waiting for its long tasks. **Structured scopes** ([`scope`], [`scope_with`])
//! run threads that borrow from the caller's stack, all finished when the scope returns;
//! [`ThreadPoolExecutor::scope`] does the same for pool tasks ([`TaskScope`],
//! [`ScopedFuture`]: a task not started when the scope stops never runs); the first failure
//! stops the others ([`ScopeOptions::fail_fast`], the default, as Trio's
//! nurseries and Python's `TaskGroup`; or [`ScopeOptions::supervise`]), and every panic comes
//! back in one [`ScopeError`], none printed, none lost. A pool can bound its waiting tasks
//! ([`ExecutorBuilder::max_queued`], [`WhenFull`]), and a pool dropped by an unwind cancels
//! what has not started, so an error is not held up behind the queue (cpython#130975).
//!
//! Tokens link ([`StopToken::child`]), time out ([`StopToken::after`]), run callbacks
//! ([`StopToken::on_stop`]), and can be lent to any thread ([`StopToken::run`]). The design
//! note (`src/stop/mod.rs`) weighs the alternatives: stop-aware forms, a "deadline or token"
//! argument, unwinding everywhere.
//!
//! | Python / Java / C++ / .NET | threadkit |
//! |---|---|
//! | a flag `Event` polled by the thread (Python) | [`stop_requested`], or any blocking call returning at once |
//! | `Thread.interrupt()`, `InterruptedException` (Java) | [`ThreadHandle::request_stop`], the [`Stopped`] unwind, [`JoinError::Stopped`] |
//! | `std::jthread::request_stop`, `stop_token`, `stop_callback` (C++20) | [`ThreadHandle::request_stop`], [`StopToken`], [`StopToken::on_stop`] ([`StopCallback`]) |
//! | `CancellationTokenSource`, `CreateLinkedTokenSource`, `CancelAfter` (.NET) | [`StopToken`], [`StopToken::child`], [`StopToken::after`] |
//! | `asyncio.TaskGroup` (Python 3.11), Trio's nursery, `StructuredTaskScope` (Java), `std::thread::scope` | [`scope`], [`scope_with`] ([`Scope`], [`ScopedThread`], [`ScopeOptions`], [`ScopeError`]) |
//! | `TaskGroup` on a thread pool, `rayon::scope`, Java's `StructuredTaskScope` with an executor | [`ThreadPoolExecutor::scope`], [`ThreadPoolExecutor::scope_with`] ([`TaskScope::submit`] and its [`ScopedFuture`]; [`TaskScope::spawn`] with no future, as `rayon::Scope::spawn`) |
//! | Java's bounded `ThreadPoolExecutor` and its `RejectedExecutionHandler` policies | [`ExecutorBuilder::max_queued`] with [`WhenFull`] (block, reject with the closure back, caller runs, discard oldest) |
//! | `Future.cancel()` (a running task: `False`), Java's `cancel(true)` | [`Future::request_stop`], [`FutureError::Stopped`], [`ShutdownOptions::stop_running`] |
//!
//! ```
//! use std::sync::Arc;
//! use threadkit::{JoinError, Queue, Thread};
//!
//! let jobs: Arc<Queue<u32>> = Arc::new(Queue::new(0));
//! let q = Arc::clone(&jobs);
//! let worker = Thread::spawn(move || {
//!     let mut done = 0;
//!     while let Ok(job) = q.get() {
//!         done += job; // Err(GetError::Stopped) ends the loop
//!     }
//!     done
//! });
//! jobs.put(1).unwrap();
//! jobs.put(2).unwrap();
//! while jobs.qsize() > 0 {
//!     std::thread::yield_now();
//! }
//! worker.request_stop(); // it waits on an empty queue: it stops at once
//! assert_eq!(worker.into_output().unwrap(), 3);
//!
//! let sleeper = Thread::spawn(|| threadkit::sleep(std::time::Duration::from_secs(3600)));
//! sleeper.request_stop();
//! assert!(matches!(sleeper.join(), Err(JoinError::Stopped)));
//! ```
//!
//! ## Testing concurrent code
//!
//! The seeds' `FakeDatabase` loses an update only sometimes: whether it does depends on where
//! the operating system switches threads. Check mode (the `check` cargo feature) runs a test
//! body many times, each under a scheduler that decides which threadkit thread runs at every
//! threadkit operation (every lock, queue, event, future and thread operation, every
//! [`atomic`] operation, [`yield_now`], and sleeps on a virtual clock that jumps when every
//! thread waits), and prints a schedule that fails in a form that replays exactly. The code
//! under test is the code you ship: nothing to swap in, nothing to import differently.
//!
//! 1. Turn it on for tests only:
//!
//!    ```text
//!    [dev-dependencies]
//!    threadkit = { version = "0.1", features = ["check"] }
//!    ```
//!
//! 2. Wrap an existing test body in `threadkit::check(|| { ... })` (1,000 schedules), or
//!    configure it: `threadkit::Check::new().schedules(n).seed(s).scheduler(...)` with
//!    `Scheduler::Random`, `Scheduler::Pct { depth }` (the default, depth 3: probabilistic
//!    concurrency testing, which keeps a preempted thread preempted) or
//!    `Scheduler::Exhaustive { preemptions }` (every schedule within the bound, for small
//!    tests; `CheckSummary::exhausted` says it completed).
//!
//! 3. A failing schedule (a panic or failed assertion in any thread, every thread blocked with
//!    no timeout pending, a non-daemon thread left running when the body returns, a livelock)
//!    fails the test with its seed, the last steps (thread, operation, call site, virtual
//!    time), the last steps in the test's own code, and the line that replays it:
//!    `THREADKIT_CHECK_REPLAY=<seed> THREADKIT_CHECK_STEPS=<n> cargo test <name>` or
//!    `Check::new().replay(seed).steps_estimate(n)`:
//!
//!    ```text
//!    threadkit check: schedule 1 failed: thread "MainThread" panicked: an update was lost
//!    seed: 0
//!    the last steps:
//!      ...
//!    the last steps in the test's own code (outside threadkit):
//!      [   0.000 ms] "Thread-1"   load    at tests/bank.rs:24
//!      [   0.000 ms] "Thread-2"   load    at tests/bank.rs:24
//!      [ 100.000 ms] "Thread-1"   store   at tests/bank.rs:26
//!      [ 100.000 ms] "Thread-2"   store   at tests/bank.rs:26
//!    replay it exactly: THREADKIT_CHECK_REPLAY=0 THREADKIT_CHECK_STEPS=100 (or ...)
//!    ```
//!
//!    The body runs as the execution's `MainThread` (not a daemon, so neither are the threads
//!    it starts, unless made so); daemon threads still blocked when it returns are stopped.
//!
//! ```
//! # #[cfg(feature = "check")] {
//! use std::sync::Arc;
//! use std::time::Duration;
//! use threadkit::atomic::{AtomicU64, Ordering};
//! use threadkit::{Check, Lock, Scheduler, Thread};
//!
//! // The seeds' FakeDatabase; `locked` is the fix.
//! fn update_twice(locked: bool) {
//!     let value = Arc::new(AtomicU64::new(0));
//!     let lock = Arc::new(Lock::new());
//!     let threads: Vec<_> = (0..2)
//!         .map(|_| {
//!             let (value, lock) = (Arc::clone(&value), Arc::clone(&lock));
//!             Thread::spawn(move || {
//!                 let _with = locked.then(|| lock.guard());
//!                 let local_copy = value.load(Ordering::SeqCst) + 1;
//!                 threadkit::sleep(Duration::from_millis(100)); // virtual: instant
//!                 value.store(local_copy, Ordering::SeqCst);
//!             })
//!         })
//!         .collect();
//!     for t in threads {
//!         t.join().unwrap();
//!     }
//!     assert_eq!(value.load(Ordering::SeqCst), 2, "an update was lost");
//! }
//!
//! let race = std::panic::catch_unwind(|| Check::new().schedules(100).run(|| update_twice(false)));
//! assert!(race.is_err(), "the lost update is found");
//! let fixed = Check::new()
//!     .scheduler(Scheduler::Exhaustive { preemptions: 2 })
//!     .schedules(1_000_000) // a bound on the search; it ends well before
//!     .run(|| update_twice(true));
//! assert!(fixed.exhausted, "every schedule within the bound passes");
//! # }
//! ```
//!
//! The design note (`src/check/mod.rs`) explains how: real OS threads handing a baton, the
//! doors every primitive already goes through, and the alternatives rejected. One schedule
//! runs at a time in a process, and a failed schedule's threads are left parked: keep checked
//! tests in a test file of their own. Schedules are fast (10,000 to 20,000 a second for the
//! test above on a 2-core VM, `threadkit bench` measures it): OS threads are reused from one
//! schedule's threads to the next, so a `std::thread_local!` of your own keeps its value from
//! one threadkit thread to the next (a [`Local`] does not). `threadkit tour finding-the-race`
//! shows a whole session: the seeds' race found, replayed with its log lines, and fixed.
//! Without the feature none of this is compiled.
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
pub mod atomic;
mod check;
mod diag;
mod executor;
mod hook;
mod panic;
mod queue;
mod scope;
mod stop;
mod sync;
mod thread;
mod timeout;
mod wait;

pub use check::yield_now;
#[cfg(all(feature = "check", not(loom)))]
pub use check::{check, Check, CheckSummary, Scheduler};
#[cfg(all(unix, feature = "sigquit"))]
pub use diag::dump_on_sigquit;
pub use diag::{
    diagnostics_enabled, dump, dump_after, lock_order_checking_enabled, name, set_deadlock_policy,
    set_diagnostics, set_lock_order_checking, DeadlockPolicy, Dump, DumpWatchdog, HeldLock, Named,
    ThreadDump, ThreadState,
};
pub use executor::{
    as_completed, promise, reset_unretrieved_hook, set_unretrieved_hook, wait, AsCompleted,
    DoneAndNotDone, ExecutorBuilder, ExecutorStats, Future, FutureError, InvalidMaxWorkers,
    InvalidStateError, Map, MapOptions, Promise, ReturnWhen, ScopedFuture, ShutdownOptions,
    SubmitError, TaskScope, ThreadPoolExecutor, UnretrievedFailure, WhenFull,
};
pub use panic::Panic;
pub use queue::{
    GetError, Iter, LifoQueue, PriorityQueue, PutError, Queue, SimpleQueue, TaskDoneError,
};
pub use scope::{scope, scope_with, Scope, ScopeError, ScopeOptions, ScopedThread};
pub use stop::{sleep, stop_requested, stop_token, StopCallback, StopToken, Stopped};
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
