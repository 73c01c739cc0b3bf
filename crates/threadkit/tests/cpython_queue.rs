//! CPython's contracts for the `queue` module, ported to threadkit.
//!
//! Source: CPython's `Lib/test/test_queue.py` as found on the main branch in 2025 (the 3.15
//! development line; it holds every 3.13 `shutdown` test and `test_shutdown_pending_get`).
//! This is a port of the behaviour the tests check, not of their text: each Rust test is named
//! after the Python test it ports, inside a module named after the Python class
//! (`queue_test::test_basic` is `QueueTest.test_basic`).
//!
//! Where threadkit deliberately differs, the documented Rust form is asserted and a one-line
//! comment says so: a refused item comes back inside [`PutError`]; `shutdown(immediate)` takes
//! a `bool`; `join` has a `join_timeout` form, used as a hang guard where CPython would hang.
//!
//! CPython sleeps in its trigger threads "to let the blocked call block"; here the checks are
//! correct whatever the timing (a blocked `put` cannot return before the trigger's `get`
//! made room), and timeouts are only hang guards.
//!
//! Not ported, for want of a counterpart:
//! - the `C*` classes (`CQueueTest`, ...) and `CSimpleQueueTest.test_is_default`: they rerun
//!   the same tests against the C `_queue` module; threadkit has one implementation;
//! - `test_negative_timeout_raises_exception` (both mixins): a `Duration` cannot be negative;
//! - the second half of `test_shrinking_queue`: `maxsize` cannot be changed after creation
//!   (the first half is ported);
//! - `CSimpleQueueTest.test_reentrancy`: it relies on a garbage-collector finalizer running
//!   inside `put`; a threadkit `put` runs no user code, so it cannot be re-entered;
//! - in `test_failing_queue`, the failing *blocking* get: CPython makes `_get` fail; in Rust
//!   the only user code a queue runs is a `PriorityQueue` item's `Ord`, and a get that waited
//!   on an empty queue takes a lone item, which a heap pops without comparing. The other
//!   failing puts and gets are ported.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;
use threadkit::{
    Barrier, Event, GetError, LifoQueue, PriorityQueue, PutError, Queue, SimpleQueue,
    TaskDoneError, Thread,
};

const QUEUE_SIZE: usize = 5;
/// Only a hang guard: no test expects to wait this long.
const HANG_GUARD: Duration = Duration::from_secs(60);
/// The short timeouts CPython uses for calls that must time out.
const SHORT: Duration = Duration::from_millis(10);

/// Starts `f` on a daemon thread (a thread left hanging by a failed test cannot keep the test
/// binary from exiting).
fn spawn<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Thread<T> {
    Thread::builder().daemon(true).spawn(f).unwrap()
}

/// Joins `t` and returns its output; fails if it runs past the hang guard or panicked.
fn finish<T: Send + 'static>(t: Thread<T>) -> T {
    match t.join_timeout(HANG_GUARD) {
        Ok(()) => {}
        Err(e) if e.is_timeout() => panic!("thread {} did not finish (hang guard)", t.name()),
        Err(e) => panic!("thread {} failed: {e}", t.name()),
    }
    t.into_output().unwrap_or_else(|e| panic!("{e}"))
}

/// CPython's `do_blocking_test`: runs `block` (which must block until `trigger` ran) while a
/// thread runs `trigger`, and checks that `block` returned only after the trigger started.
fn do_blocking_test<R>(block: impl FnOnce() -> R, trigger: impl FnOnce() + Send + 'static) -> R {
    let started = Arc::new(AtomicBool::new(false));
    let s = Arc::clone(&started);
    let thread = spawn(move || {
        // Not needed for correctness: gives `block` a chance to really block first.
        std::thread::sleep(Duration::from_millis(5));
        s.store(true, SeqCst);
        trigger();
    });
    let result = block();
    assert!(
        started.load(SeqCst),
        "blocking function appeared not to block"
    );
    finish(thread);
    result
}

/// The rules every queue class shares (CPython's `BaseQueueTestMixin`), generated for the
/// queue type `$Q`; `$order` is the order in which 111, 333, 222 come back.
macro_rules! base_queue_tests {
    ($Q:ident, $order:expr) => {
        use super::*;

        fn qfull(q: &$Q<i32>) -> bool {
            q.maxsize() > 0 && q.qsize() == q.maxsize()
        }

        fn basic_queue_test(q: &$Q<i32>) {
            assert_eq!(q.qsize(), 0, "call this function with an empty queue");
            assert!(q.empty());
            assert!(!q.full());
            q.put(111).unwrap();
            q.put(333).unwrap();
            q.put(222).unwrap();
            let actual = [q.get().unwrap(), q.get().unwrap(), q.get().unwrap()];
            assert_eq!(actual, $order, "didn't seem to queue the correct data");
            for i in 0..QUEUE_SIZE - 1 {
                q.put(i as i32).unwrap();
                assert!(q.qsize() > 0, "queue should not be empty");
            }
            assert!(!qfull(q), "queue should not be full");
            let last = 2 * QUEUE_SIZE as i32;
            let full = 3 * 2 * QUEUE_SIZE as i32;
            q.put(last).unwrap();
            assert!(qfull(q), "queue should be full");
            assert!(!q.empty());
            assert!(q.full());
            // Rust form: the refused item comes back inside `PutError::Full`.
            assert_eq!(q.put_nowait(full), Err(PutError::Full(full)));
            assert_eq!(q.put_timeout(full, SHORT), Err(PutError::Full(full)));
            // Blocking puts, released by a get.
            let q2 = q.clone();
            do_blocking_test(
                || q.put(full),
                move || {
                    q2.get().unwrap();
                },
            )
            .unwrap();
            let q2 = q.clone();
            do_blocking_test(
                || q.put_timeout(full, HANG_GUARD),
                move || {
                    q2.get().unwrap();
                },
            )
            .unwrap();
            // Empty it.
            for _ in 0..QUEUE_SIZE {
                q.get().unwrap();
            }
            assert_eq!(q.qsize(), 0, "queue should be empty");
            assert_eq!(q.get_nowait(), Err(GetError::Empty));
            assert_eq!(q.get_timeout(SHORT), Err(GetError::Empty));
            // Blocking gets, released by a put.
            let q2 = q.clone();
            let got = do_blocking_test(|| q.get(), move || q2.put(404).unwrap());
            assert_eq!(got, Ok(404));
            let q2 = q.clone();
            let got = do_blocking_test(|| q.get_timeout(HANG_GUARD), move || q2.put(405).unwrap());
            assert_eq!(got, Ok(405));
        }

        fn worker(q: $Q<i64>, cum: Arc<AtomicI64>) {
            loop {
                let x = q.get().unwrap();
                if x < 0 {
                    q.task_done().unwrap();
                    return;
                }
                cum.fetch_add(x, SeqCst);
                q.task_done().unwrap();
            }
        }

        fn queue_join_test(q: &$Q<i64>) {
            let cum = Arc::new(AtomicI64::new(0));
            let threads: Vec<_> = (0..2)
                .map(|_| {
                    let (q, cum) = (q.clone(), Arc::clone(&cum));
                    spawn(move || worker(q, cum))
                })
                .collect();
            for i in 0..100 {
                q.put(i).unwrap();
            }
            let q2 = q.clone();
            finish(spawn(move || q2.join()));
            assert_eq!(
                cum.load(SeqCst),
                (0..100).sum::<i64>(),
                "q.join() did not block until all tasks were done"
            );
            for _ in 0..2 {
                q.put(-1).unwrap(); // instruct the threads to close
            }
            let q2 = q.clone();
            finish(spawn(move || q2.join())); // join works twice
            for t in threads {
                finish(t);
            }
        }

        #[test]
        fn test_queue_task_done() {
            let q = $Q::<i32>::new(0);
            assert_eq!(q.task_done(), Err(TaskDoneError));
        }

        #[test]
        fn test_queue_join() {
            let q = $Q::new(0);
            queue_join_test(&q);
            queue_join_test(&q);
            assert_eq!(q.task_done(), Err(TaskDoneError));
        }

        #[test]
        fn test_basic() {
            // Twice, to check that the same instance can be reused.
            let q = $Q::new(QUEUE_SIZE);
            basic_queue_test(&q);
            basic_queue_test(&q);
        }

        #[test]
        fn test_nowait() {
            let q = $Q::new(QUEUE_SIZE);
            for _ in 0..QUEUE_SIZE {
                q.put_nowait(1).unwrap();
            }
            assert_eq!(q.put_nowait(1), Err(PutError::Full(1)));
            for _ in 0..QUEUE_SIZE {
                q.get_nowait().unwrap();
            }
            assert_eq!(q.get_nowait(), Err(GetError::Empty));
        }

        #[test]
        fn test_shrinking_queue() {
            // issue 10110; the shrinking half has no counterpart (`maxsize` is fixed).
            let q = $Q::new(3);
            q.put(1).unwrap();
            q.put(2).unwrap();
            q.put(3).unwrap();
            assert_eq!(q.put_nowait(4), Err(PutError::Full(4)));
            assert_eq!(q.qsize(), 3);
        }

        #[test]
        fn test_shutdown_empty() {
            let q = $Q::new(0);
            q.shutdown();
            assert_eq!(q.put("data"), Err(PutError::ShutDown("data")));
            assert_eq!(q.get(), Err(GetError::ShutDown));
        }

        #[test]
        fn test_shutdown_nonempty() {
            let q = $Q::new(0);
            q.put("data").unwrap();
            q.shutdown();
            assert_eq!(q.get(), Ok("data"));
            assert_eq!(q.get(), Err(GetError::ShutDown));
        }

        #[test]
        fn test_shutdown_immediate() {
            let q = $Q::new(0);
            q.put("data").unwrap();
            q.shutdown_immediate();
            assert_eq!(q.get(), Err(GetError::ShutDown));
        }

        #[test]
        fn test_shutdown_allowed_transitions() {
            // From alive, via shutdown, to immediate; shutting down again is allowed.
            let q = $Q::<i32>::new(0);
            assert!(!q.is_shutdown());
            q.shutdown();
            assert!(q.is_shutdown());
            q.shutdown_immediate();
            assert!(q.is_shutdown());
            q.shutdown();
            assert!(q.is_shutdown());
        }

        fn shutdown_all_methods_in_one_thread(immediate: bool) {
            let q = $Q::new(2);
            q.put("L").unwrap();
            q.put_nowait("O").unwrap();
            if immediate {
                q.shutdown_immediate()
            } else {
                q.shutdown()
            };
            assert_eq!(q.put("E"), Err(PutError::ShutDown("E")));
            assert_eq!(q.put_nowait("W"), Err(PutError::ShutDown("W")));
            if immediate {
                assert_eq!(q.get(), Err(GetError::ShutDown));
                assert_eq!(q.get_nowait(), Err(GetError::ShutDown));
                assert_eq!(q.task_done(), Err(TaskDoneError));
                let q2 = q.clone();
                finish(spawn(move || q2.join()));
            } else {
                let mut got = vec![q.get().unwrap()];
                q.task_done().unwrap();
                got.push(q.get().unwrap());
                q.task_done().unwrap();
                got.sort_unstable();
                assert_eq!(got, ["L", "O"]);
                let q2 = q.clone();
                finish(spawn(move || q2.join()));
                // Empty after a graceful shutdown: every get form reports the shutdown.
                assert_eq!(q.get(), Err(GetError::ShutDown));
                assert_eq!(q.get_nowait(), Err(GetError::ShutDown));
                assert_eq!(
                    q.get_timeout(Duration::from_secs(1)),
                    Err(GetError::ShutDown)
                );
            }
        }

        #[test]
        fn test_shutdown_all_methods_in_one_thread() {
            shutdown_all_methods_in_one_thread(false);
        }

        #[test]
        fn test_shutdown_immediate_all_methods_in_one_thread() {
            shutdown_all_methods_in_one_thread(true);
        }

        /// Puts until the queue shuts down; the writer reaching `when` first triggers the
        /// shutdown. Records `true` for triggering, `false` for meeting the shutdown.
        fn write_msg_thread(
            q: $Q<(usize, &'static str)>,
            n: usize,
            when: usize,
            shutdown_event: Arc<Event>,
            barrier: Arc<Barrier>,
            results: Arc<StdMutex<Vec<bool>>>,
        ) {
            for i in 0..when / 2 {
                q.put((i, "LOYD")).unwrap();
            }
            barrier.wait().unwrap();
            for i in when / 2..n {
                if q.put((i, "YDLO")).is_err() {
                    results.lock().unwrap().push(false);
                    break;
                }
                if i == when && !shutdown_event.is_set() {
                    shutdown_event.set();
                    results.lock().unwrap().push(true);
                }
            }
        }

        /// Gets at least one item, then gets without blocking until the shutdown.
        fn read_msg_thread(
            q: $Q<(usize, &'static str)>,
            barrier: Arc<Barrier>,
            results: Arc<StdMutex<Vec<bool>>>,
        ) {
            q.get().unwrap();
            q.task_done().unwrap();
            barrier.wait().unwrap();
            loop {
                match q.get_nowait() {
                    Ok(_) => q.task_done().unwrap(),
                    Err(GetError::ShutDown) => {
                        results.lock().unwrap().push(true);
                        break;
                    }
                    Err(GetError::Empty) => std::thread::yield_now(),
                    Err(e) => panic!("get_nowait: {e}"),
                }
            }
        }

        fn shutdown_all_methods_in_many_threads(immediate: bool) {
            // CPython's sizes, but 8192 messages instead of 65536 to stay fast.
            let q = $Q::new(0);
            let (write_threads, read_threads, join_threads) = (4, 6, 2);
            let nb_msgs = 1024 * 8;
            let nb_msgs_w = nb_msgs / write_threads;
            let when_exec_shutdown = nb_msgs_w / 2;
            // The barrier ensures every writer put its first items and every reader got one.
            // Join threads take part only when the shutdown is immediate.
            let parties = write_threads + read_threads + if immediate { join_threads } else { 0 };
            let barrier = Arc::new(Barrier::new(parties).unwrap());
            let ev_exec_shutdown = Arc::new(Event::new());
            let res_puts = Arc::new(StdMutex::new(Vec::new()));
            let res_gets = Arc::new(StdMutex::new(Vec::new()));
            let mut threads = Vec::new();
            for _ in 0..write_threads {
                let (q, ev, b, r) = (
                    q.clone(),
                    Arc::clone(&ev_exec_shutdown),
                    Arc::clone(&barrier),
                    Arc::clone(&res_puts),
                );
                threads.push(spawn(move || {
                    write_msg_thread(q, nb_msgs_w, when_exec_shutdown, ev, b, r)
                }));
            }
            for _ in 0..read_threads {
                let (q, b, r) = (q.clone(), Arc::clone(&barrier), Arc::clone(&res_gets));
                threads.push(spawn(move || read_msg_thread(q, b, r)));
            }
            let shutdown_thread = {
                let (q, ev) = (q.clone(), Arc::clone(&ev_exec_shutdown));
                spawn(move || {
                    ev.wait();
                    if immediate {
                        q.shutdown_immediate()
                    } else {
                        q.shutdown()
                    };
                    q.qsize() == 0
                })
            };
            if immediate {
                for _ in 0..join_threads {
                    let (q, b) = (q.clone(), Arc::clone(&barrier));
                    threads.push(spawn(move || {
                        b.wait().unwrap();
                        q.join();
                    }));
                }
            }
            for t in threads {
                finish(t);
            }
            let res_shutdown = finish(shutdown_thread);
            assert!(res_puts.lock().unwrap().contains(&true));
            let gets = res_gets.lock().unwrap();
            assert_eq!(gets.iter().filter(|&&r| r).count(), read_threads);
            if immediate {
                assert!(res_shutdown, "an immediate shutdown leaves the queue empty");
                assert!(q.empty());
            }
        }

        #[test]
        fn test_shutdown_all_methods_in_many_threads() {
            shutdown_all_methods_in_many_threads(false);
        }

        #[test]
        fn test_shutdown_immediate_all_methods_in_many_threads() {
            shutdown_all_methods_in_many_threads(true);
        }

        /// CPython's `_get`: waits for `go`, then gets; `true` if the outcome (an item, or
        /// the shutdown when `shutdown` is set) is the expected one.
        fn get_thread(q: &$Q<&'static str>, go: &Arc<Event>, shutdown: bool) -> Thread<bool> {
            let (q, go) = (q.clone(), Arc::clone(go));
            spawn(move || {
                go.wait();
                match q.get() {
                    Ok(_) => !shutdown,
                    Err(GetError::ShutDown) => shutdown,
                    Err(e) => {
                        unreachable!("a blocking get ends only by an item or a shutdown: {e}")
                    }
                }
            })
        }

        /// CPython's `_get_task_done`: waits for `go`, gets and marks the task done.
        fn get_task_done_thread(q: &$Q<&'static str>, go: &Arc<Event>) -> Thread<bool> {
            let (q, go) = (q.clone(), Arc::clone(go));
            spawn(move || {
                go.wait();
                match q.get() {
                    Ok(_) => {
                        q.task_done().unwrap();
                        true
                    }
                    Err(_) => false,
                }
            })
        }

        /// CPython's `_put_shutdown`: waits for `go`, puts, expects the shutdown.
        fn put_shutdown_thread(
            q: &$Q<&'static str>,
            msg: &'static str,
            go: &Arc<Event>,
        ) -> Thread<bool> {
            let (q, go) = (q.clone(), Arc::clone(go));
            spawn(move || {
                go.wait();
                q.put(msg) == Err(PutError::ShutDown(msg))
            })
        }

        /// CPython's `_join`: `join` returns.
        fn join_thread(q: &$Q<&'static str>) -> Thread<bool> {
            let q = q.clone();
            spawn(move || {
                q.join();
                true
            })
        }

        fn shutdown_get(immediate: bool) {
            let q = $Q::new(2);
            let go = Arc::new(Event::new());
            q.put("Y").unwrap();
            q.put("D").unwrap();
            // The queue is full.
            let threads: Vec<_> = if immediate {
                (0..2).map(|_| get_thread(&q, &go, true)).collect()
            } else {
                // After a graceful shutdown, two getters take the items and one meets the
                // shutdown.
                (0..3).map(|_| get_thread(&q, &go, false)).collect()
            };
            if immediate {
                q.shutdown_immediate()
            } else {
                q.shutdown()
            };
            go.set();
            let mut results: Vec<bool> = threads.into_iter().map(finish).collect();
            results.sort_unstable();
            if immediate {
                assert_eq!(results, [true, true]);
            } else {
                assert_eq!(results, [false, true, true]);
            }
        }

        #[test]
        fn test_shutdown_get() {
            shutdown_get(false);
        }

        #[test]
        fn test_shutdown_immediate_get() {
            shutdown_get(true);
        }

        fn shutdown_put(immediate: bool) {
            let q = $Q::new(2);
            let go = Arc::new(Event::new());
            q.put("Y").unwrap();
            q.put("D").unwrap();
            // The queue is full.
            let threads = [
                put_shutdown_thread(&q, "E", &go),
                put_shutdown_thread(&q, "W", &go),
            ];
            // CPython's helper calls `shutdown()` whatever `immediate` is; its evident intent
            // is used here (the contract for puts is the same).
            if immediate {
                q.shutdown_immediate()
            } else {
                q.shutdown()
            };
            go.set();
            let results: Vec<bool> = threads.into_iter().map(finish).collect();
            assert_eq!(results, [true, true]);
        }

        #[test]
        fn test_shutdown_put() {
            shutdown_put(false);
        }

        #[test]
        fn test_shutdown_immediate_put() {
            shutdown_put(true);
        }

        fn shutdown_join(immediate: bool) {
            let q = $Q::new(0);
            q.put("Y").unwrap();
            let go = Arc::new(Event::new());
            let nb = q.qsize();
            let joins = [join_thread(&q), join_thread(&q)];
            let getters: Vec<_> = if immediate {
                Vec::new()
            } else {
                (0..nb).map(|_| get_task_done_thread(&q, &go)).collect()
            };
            if immediate {
                q.shutdown_immediate()
            } else {
                q.shutdown()
            };
            go.set();
            for g in getters {
                finish(g);
            }
            let results: Vec<bool> = joins.into_iter().map(finish).collect();
            assert_eq!(results, [true, true]);
        }

        #[test]
        fn test_shutdown_immediate_join() {
            shutdown_join(true);
        }

        #[test]
        fn test_shutdown_join() {
            shutdown_join(false);
        }

        fn shutdown_put_join(immediate: bool) {
            let q = $Q::new(2);
            let go = Arc::new(Event::new());
            q.put("Y").unwrap();
            // The queue is not full.
            let threads = [put_shutdown_thread(&q, "E", &go), join_thread(&q)];
            assert_eq!(q.unfinished_tasks(), 1);
            if immediate {
                q.shutdown_immediate()
            } else {
                q.shutdown()
            };
            go.set();
            if immediate {
                assert_eq!(q.get_nowait(), Err(GetError::ShutDown));
            } else {
                assert_eq!(q.get(), Ok("Y"));
                q.task_done().unwrap();
            }
            let results: Vec<bool> = threads.into_iter().map(finish).collect();
            assert_eq!(results, [true, true]);
        }

        #[test]
        fn test_shutdown_immediate_put_join() {
            shutdown_put_join(true);
        }

        #[test]
        fn test_shutdown_put_join() {
            shutdown_put_join(false);
        }

        #[test]
        fn test_shutdown_get_task_done_join() {
            let q = $Q::new(2);
            let go = Arc::new(Event::new());
            q.put("Y").unwrap();
            q.put("D").unwrap();
            assert_eq!(q.unfinished_tasks(), q.qsize() as u64);
            let threads = [
                get_task_done_thread(&q, &go),
                get_task_done_thread(&q, &go),
                join_thread(&q),
                join_thread(&q),
            ];
            go.set();
            q.shutdown();
            let results: Vec<bool> = threads.into_iter().map(finish).collect();
            assert_eq!(results, [true, true, true, true]);
        }

        #[test]
        fn test_shutdown_pending_get() {
            let q = $Q::<i32>::new(0);
            let q2 = q.clone();
            let get_thread = spawn(move || q2.get());
            q.shutdown();
            assert_eq!(finish(get_thread), Err(GetError::ShutDown));
        }
    };
}

/// `QueueTest`: FIFO.
mod queue_test {
    base_queue_tests!(Queue, [111, 333, 222]);
}

/// `LifoQueueTest`: LIFO.
mod lifo_queue_test {
    base_queue_tests!(LifoQueue, [222, 333, 111]);
}

/// `PriorityQueueTest`: smallest first.
mod priority_queue_test {
    base_queue_tests!(PriorityQueue, [111, 222, 333]);
}

/// `FailingQueueTest`, on the one queue that runs user code in `put` and `get`: a
/// `PriorityQueue` compares items with their `Ord`. CPython makes `_put` / `_get` raise; here
/// an item's comparison panics on demand. The contract is CPython's: a failed put adds
/// nothing, a failed get takes nothing, and the queue stays usable. A model of the keys the
/// queue must hold checks every get (the smallest key must come out).
mod failing_queue_test {
    use super::*;
    use std::cmp::Ordering;

    /// An item whose next comparison panics once its fuse is lit (one shot).
    #[derive(Debug)]
    struct Touchy {
        key: i64,
        fuse: Arc<AtomicBool>,
    }

    impl Ord for Touchy {
        fn cmp(&self, other: &Self) -> Ordering {
            if self.fuse.swap(false, SeqCst) || other.fuse.swap(false, SeqCst) {
                panic!("You Lose");
            }
            self.key.cmp(&other.key)
        }
    }
    impl PartialOrd for Touchy {
        fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
            Some(self.cmp(other))
        }
    }
    impl PartialEq for Touchy {
        fn eq(&self, other: &Self) -> bool {
            self.key == other.key
        }
    }
    impl Eq for Touchy {}

    /// An item whose put fails: it panics at its first comparison. Its key is smaller than
    /// any other, so if a failed put left it in the queue, the next get would return it.
    fn bomb() -> Touchy {
        Touchy {
            key: -1,
            fuse: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Gets an item and checks it against the model: it must be the smallest key held.
    /// (A timed get: a corrupted queue could otherwise block forever.)
    fn take(q: &PriorityQueue<Touchy>, model: &StdMutex<Vec<i64>>) -> i64 {
        let key = q.get_timeout(HANG_GUARD).unwrap().key;
        let mut model = model.lock().unwrap();
        let smallest = model.iter().copied().min();
        assert_eq!(Some(key), smallest, "got an item the queue should not hold");
        let at = model.iter().position(|&k| k == key).unwrap();
        model.swap_remove(at);
        key
    }

    fn expect_failure<R: std::fmt::Debug>(f: impl FnOnce() -> R) {
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(r) => panic!("the queue didn't fail when it should have: {r:?}"),
            Err(payload) => assert_eq!(payload.downcast_ref::<&str>(), Some(&"You Lose")),
        }
    }

    struct FailingQueue {
        q: PriorityQueue<Touchy>,
        /// Shared by every item `put_ok` puts: lit, the next comparison between two of them
        /// panics, which fails a get (CPython: `fail_next_get`).
        fail_next_get: Arc<AtomicBool>,
        /// The keys the queue must hold.
        model: Arc<StdMutex<Vec<i64>>>,
        /// Keys only grow, so the item a blocked put brings is never the smallest.
        next_key: AtomicI64,
        /// Successful puts (no `task_done` is ever called).
        puts: AtomicUsize,
    }

    impl FailingQueue {
        fn new(maxsize: usize) -> Self {
            FailingQueue {
                q: PriorityQueue::new(maxsize),
                fail_next_get: Arc::new(AtomicBool::new(false)),
                model: Arc::new(StdMutex::new(Vec::new())),
                next_key: AtomicI64::new(0),
                puts: AtomicUsize::new(0),
            }
        }

        fn put_ok(&self) {
            let key = self.next_key.fetch_add(1, SeqCst);
            let item = Touchy {
                key,
                fuse: Arc::clone(&self.fail_next_get),
            };
            self.q.put(item).unwrap();
            self.model.lock().unwrap().push(key);
            self.puts.fetch_add(1, SeqCst);
        }

        fn get_ok(&self) {
            take(&self.q, &self.model);
        }

        /// A trigger for `do_blocking_test`: one get, checked against the model.
        fn trigger_get(&self) -> impl FnOnce() + Send + 'static {
            let (q, model) = (self.q.clone(), Arc::clone(&self.model));
            move || {
                take(&q, &model);
            }
        }

        fn qfull(&self) -> bool {
            self.q.maxsize() > 0 && self.q.qsize() == self.q.maxsize()
        }

        /// After a failure: nothing was added or taken, and the task count did not move.
        fn check(&self) {
            assert_eq!(self.q.qsize(), self.model.lock().unwrap().len());
            assert_eq!(self.q.unfinished_tasks(), self.puts.load(SeqCst) as u64);
        }
    }

    fn failing_queue_test(fq: &FailingQueue) {
        assert_eq!(fq.q.qsize(), 0, "call this function with an empty queue");
        for _ in 0..QUEUE_SIZE - 1 {
            fq.put_ok();
        }
        // A failing non-blocking put, and a failing put with a timeout.
        expect_failure(|| fq.q.put_nowait(bomb()));
        fq.check();
        expect_failure(|| fq.q.put_timeout(bomb(), Duration::from_millis(100)));
        fq.check();
        fq.put_ok();
        assert!(fq.qfull(), "queue should be full");
        // A failing blocking put, released by a get that succeeds.
        let outcome = do_blocking_test(
            || catch_unwind(AssertUnwindSafe(|| fq.q.put(bomb()))),
            fq.trigger_get(),
        );
        assert!(
            outcome.is_err(),
            "the queue didn't fail when it should have"
        );
        fq.check();
        fq.put_ok(); // the put failed but the get succeeded: re-add
                     // A failing blocking put with a timeout.
        let outcome = do_blocking_test(
            || catch_unwind(AssertUnwindSafe(|| fq.q.put_timeout(bomb(), HANG_GUARD))),
            fq.trigger_get(),
        );
        assert!(
            outcome.is_err(),
            "the queue didn't fail when it should have"
        );
        fq.check();
        fq.put_ok();
        assert!(fq.qfull(), "queue should be full");
        fq.get_ok();
        assert!(!fq.qfull(), "queue should not be full");
        fq.put_ok();
        assert!(fq.qfull(), "queue should be full");
        // A blocking put that succeeds.
        do_blocking_test(|| fq.put_ok(), fq.trigger_get());
        // Empty it.
        for _ in 0..QUEUE_SIZE {
            fq.get_ok();
        }
        assert_eq!(fq.q.qsize(), 0, "queue should be empty");
        // Failing gets. Three items, where CPython puts one: a heap pops one or two items
        // without comparing them.
        for _ in 0..3 {
            fq.put_ok();
        }
        fq.fail_next_get.store(true, SeqCst);
        expect_failure(|| fq.q.get());
        fq.check();
        fq.fail_next_get.store(true, SeqCst);
        expect_failure(|| fq.q.get_timeout(Duration::from_millis(100)));
        fq.check();
        for _ in 0..3 {
            fq.get_ok();
        }
        assert_eq!(fq.q.qsize(), 0, "queue should be empty");
        assert_eq!(fq.q.get_nowait().map(|t| t.key), Err(GetError::Empty));
    }

    #[test]
    fn test_failing_queue() {
        // Twice on the same instance.
        let fq = FailingQueue::new(QUEUE_SIZE);
        failing_queue_test(&fq);
        failing_queue_test(&fq);
    }
}

/// `BaseSimpleQueueTest` (run by CPython as `PySimpleQueueTest` and `CSimpleQueueTest`).
mod simple_queue_test {
    use super::*;

    /// A small deterministic generator, standing in for CPython's `random.Random(42)`.
    struct Rng(u64);

    impl Rng {
        fn random(&mut self) -> f64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    type Item = Option<u32>; // `None` is the sentinel
    type Results = Arc<StdMutex<Vec<u32>>>;

    fn feed(q: SimpleQueue<Item>, seq: Arc<StdMutex<Vec<u32>>>, mut rnd: Rng) {
        loop {
            let val = seq.lock().unwrap().pop();
            q.put(val);
            if val.is_none() {
                return;
            }
            if rnd.random() > 0.5 {
                std::thread::sleep(Duration::from_secs_f64(rnd.random() * 1e-3));
            }
        }
    }

    fn consume(q: SimpleQueue<Item>, results: Results) {
        while let Some(val) = q.get() {
            results.lock().unwrap().push(val);
        }
    }

    fn consume_nonblock(q: SimpleQueue<Item>, results: Results) {
        loop {
            let val = loop {
                match q.get_nowait() {
                    Ok(val) => break val,
                    Err(_) => std::thread::sleep(Duration::from_micros(10)),
                }
            };
            match val {
                Some(val) => results.lock().unwrap().push(val),
                None => return,
            }
        }
    }

    fn consume_timeout(q: SimpleQueue<Item>, results: Results) {
        loop {
            let val = loop {
                if let Ok(val) = q.get_timeout(Duration::from_micros(10)) {
                    break val;
                }
            };
            match val {
                Some(val) => results.lock().unwrap().push(val),
                None => return,
            }
        }
    }

    type Consume = fn(SimpleQueue<Item>, Results);

    fn run_threads(
        n_threads: u64,
        q: &SimpleQueue<Item>,
        inputs: &[u32],
        consume: Consume,
    ) -> Vec<u32> {
        let results: Results = Arc::default();
        let seq: Vec<u32> = inputs.iter().rev().copied().collect();
        let seq = Arc::new(StdMutex::new(seq));
        let mut threads = Vec::new();
        for i in 0..n_threads {
            let (q, seq) = (q.clone(), Arc::clone(&seq));
            threads.push(spawn(move || feed(q, seq, Rng(42 + i))));
        }
        for _ in 0..n_threads {
            let (q, results) = (q.clone(), Arc::clone(&results));
            threads.push(spawn(move || consume(q, results)));
        }
        for t in threads {
            finish(t); // no thread failed
        }
        assert!(q.empty());
        assert_eq!(q.qsize(), 0);
        let results = results.lock().unwrap().clone();
        results
    }

    #[test]
    fn test_basic() {
        let q = SimpleQueue::new();
        assert!(q.empty());
        assert_eq!(q.qsize(), 0);
        q.put(1);
        assert!(!q.empty());
        assert_eq!(q.qsize(), 1);
        q.put(2);
        q.put(3); // Rust form: `put` never blocks, so there is no separate `put_nowait`
        q.put(4);
        assert!(!q.empty());
        assert_eq!(q.qsize(), 4);
        assert_eq!(q.get(), 1);
        assert_eq!(q.qsize(), 3);
        assert_eq!(q.get_nowait(), Ok(2));
        assert_eq!(q.qsize(), 2);
        assert_eq!(q.get_nowait(), Ok(3)); // CPython: get(block=False)
        assert!(!q.empty());
        assert_eq!(q.qsize(), 1);
        assert_eq!(q.get_timeout(Duration::from_millis(100)), Ok(4));
        assert!(q.empty());
        assert_eq!(q.qsize(), 0);
        assert_eq!(q.get_nowait(), Err(GetError::Empty));
        assert_eq!(
            q.get_timeout(Duration::from_millis(1)),
            Err(GetError::Empty)
        );
        assert_eq!(q.get_nowait(), Err(GetError::Empty));
        assert!(q.empty());
        assert_eq!(q.qsize(), 0);
    }

    #[test]
    fn test_order() {
        // One producer, one consumer: results in a well-defined order.
        let inputs: Vec<u32> = (0..100).collect();
        let results = run_threads(1, &SimpleQueue::new(), &inputs, consume);
        assert_eq!(results, inputs);
    }

    #[test]
    fn test_many_threads() {
        let inputs: Vec<u32> = (0..10_000).collect();
        let mut results = run_threads(50, &SimpleQueue::new(), &inputs, consume);
        results.sort_unstable();
        assert_eq!(results, inputs);
    }

    #[test]
    fn test_many_threads_nonblock() {
        let inputs: Vec<u32> = (0..10_000).collect();
        let mut results = run_threads(50, &SimpleQueue::new(), &inputs, consume_nonblock);
        results.sort_unstable();
        assert_eq!(results, inputs);
    }

    #[test]
    fn test_many_threads_timeout() {
        let inputs: Vec<u32> = (0..1000).collect();
        let mut results = run_threads(50, &SimpleQueue::new(), &inputs, consume_timeout);
        results.sort_unstable();
        assert_eq!(results, inputs);
    }

    #[test]
    fn test_references() {
        // The queue lets go of each item as soon as it leaves the queue.
        let q = SimpleQueue::new();
        for _ in 0..20 {
            q.put(Arc::new(()));
        }
        for _ in 0..20 {
            let wr = Arc::downgrade(&q.get());
            assert!(wr.upgrade().is_none());
        }
    }
}
