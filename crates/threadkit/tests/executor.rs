//! `ThreadPoolExecutor`: Python's `concurrent.futures.ThreadPoolExecutor` rules (cases follow
//! CPython's `Lib/test/test_concurrent_futures/` where they apply).

mod common;

use std::collections::HashSet;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;
use threadkit::{
    current_thread, Event, FutureError, InvalidMaxWorkers, MapOptions, SubmitError,
    ThreadPoolExecutor, WaitError,
};

const HANG_GUARD: Duration = Duration::from_secs(60);

#[test]
fn zero_workers_is_an_error_and_default_follows_python() {
    assert_eq!(ThreadPoolExecutor::new(0).unwrap_err(), InvalidMaxWorkers);
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    assert_eq!(
        ThreadPoolExecutor::builder().build().unwrap().max_workers(),
        (cpus + 4).min(32)
    );
}

#[test]
fn workers_are_named_prefix_n_and_start_lazily() {
    let pool = ThreadPoolExecutor::builder()
        .max_workers(3)
        .thread_name_prefix("pfx")
        .build()
        .unwrap();
    assert!(
        pool.workers().is_empty(),
        "no thread before the first submission"
    );
    let gate = Arc::new(Event::new());
    let futures: Vec<_> = (0..3)
        .map(|_| {
            let g = gate.clone();
            pool.submit(move || {
                g.wait();
                current_thread().name()
            })
            .unwrap()
        })
        .collect();
    gate.set();
    let mut names: Vec<String> = futures
        .into_iter()
        .map(|f| f.into_result().unwrap())
        .collect();
    names.sort();
    names.dedup();
    assert!(
        names
            .iter()
            .all(|n| ["pfx_0", "pfx_1", "pfx_2"].contains(&n.as_str())),
        "{names:?}"
    );
    assert_eq!(pool.workers().len(), 3);
}

#[test]
fn idle_workers_are_reused() {
    let pool = ThreadPoolExecutor::new(4).unwrap();
    for i in 0..20 {
        assert_eq!(pool.submit(move || i).unwrap().into_result(), Ok(i));
    }
    assert_eq!(
        pool.workers().len(),
        1,
        "one task at a time needs one worker"
    );
}

#[test]
fn submit_after_shutdown_hands_the_closure_back() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    pool.shutdown();
    match pool.submit(|| 41) {
        Err(SubmitError::ShutDown(f)) => assert_eq!(f(), 41),
        other => panic!("{other:?}"),
    }
}

#[test]
fn shutdown_wait_runs_queued_tasks() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let futures: Vec<_> = (0..10)
        .map(|_| {
            let r = ran.clone();
            pool.submit(move || {
                r.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap()
        })
        .collect();
    pool.shutdown();
    assert_eq!(ran.load(Ordering::SeqCst), 10);
    assert!(futures.iter().all(|f| f.done() && !f.cancelled()));
    assert!(
        pool.workers().iter().all(|w| !w.is_alive()),
        "workers exited"
    );
}

#[test]
fn shutdown_cancel_futures_cancels_the_backlog() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let gate = Arc::new(Event::new());
    let g = gate.clone();
    let running = pool.submit(move || g.wait_timeout(HANG_GUARD)).unwrap();
    while !running.running() {
        std::thread::yield_now();
    }
    let backlog: Vec<_> = (0..100).map(|i| pool.submit(move || i).unwrap()).collect();
    pool.shutdown_with(
        threadkit::ShutdownOptions::new()
            .wait(false)
            .cancel_futures(true),
    ); // cancel the backlog while the worker is busy
    gate.set();
    pool.shutdown(); // then wait for the running task
    assert_eq!(running.into_result(), Ok(true), "the running task finished");
    assert!(backlog.iter().all(|f| f.done()));
    let cancelled = backlog.iter().filter(|f| f.cancelled()).count();
    assert_eq!(cancelled, 100, "the whole backlog was cancelled");
    for f in &backlog {
        if f.cancelled() {
            assert_eq!(f.exception(), Some(FutureError::Cancelled));
        }
    }
}

#[test]
fn dropping_the_executor_waits_like_a_with_block() {
    let ran = Arc::new(AtomicUsize::new(0));
    {
        let pool = ThreadPoolExecutor::new(2).unwrap();
        for _ in 0..8 {
            let r = ran.clone();
            pool.submit(move || {
                std::thread::sleep(Duration::from_millis(1));
                r.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        }
    }
    assert_eq!(ran.load(Ordering::SeqCst), 8);
}

#[test]
fn a_panicking_task_does_not_kill_its_worker() {
    let _hook = common::hook_guard();
    threadkit::set_unretrieved_hook(|_| {});
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let bad = pool.submit(|| -> u8 { panic!("task boom") }).unwrap();
    let good = pool.submit(|| 7u8).unwrap();
    assert_eq!(good.into_result(), Ok(7));
    match bad.into_result() {
        Err(FutureError::Panicked(p)) => assert_eq!(p.message(), "task boom"),
        other => panic!("{other:?}"),
    }
    assert_eq!(pool.workers().len(), 1, "the same worker went on");
    threadkit::reset_unretrieved_hook();
}

#[test]
fn a_panicking_initializer_breaks_the_pool() {
    threadkit::set_excepthook(|_| {});
    let pool = ThreadPoolExecutor::builder()
        .max_workers(1)
        .initializer(|| panic!("init failed"))
        .build()
        .unwrap();
    let first = pool.submit(|| 1).unwrap();
    assert!(matches!(
        first.into_result(),
        Err(FutureError::BrokenPool(_))
    ));
    let later = pool.submit(|| 2);
    threadkit::reset_excepthook();
    match later {
        Err(SubmitError::BrokenPool(f)) => assert_eq!(f(), 2),
        other => panic!("{other:?}"),
    }
}

#[test]
fn map_keeps_input_order_and_surfaces_failures_in_place() {
    let _hook = common::hook_guard();
    threadkit::set_unretrieved_hook(|_| {});
    let pool = ThreadPoolExecutor::new(3).unwrap();
    let results: Vec<_> = pool
        .map(
            |x: u32| {
                std::thread::sleep(Duration::from_millis(u64::from(5 - x)));
                if x == 2 {
                    panic!("two")
                }
                x * 10
            },
            0..5,
        )
        .unwrap()
        .collect();
    threadkit::reset_unretrieved_hook();
    assert_eq!(results[0], Ok(0));
    assert_eq!(results[1], Ok(10));
    assert!(matches!(
        &results[2],
        Err(WaitError::Failed(FutureError::Panicked(p))) if p.message() == "two"
    ));
    assert_eq!(results[3], Ok(30));
    assert_eq!(results[4], Ok(40));
}

#[test]
fn map_timeout_runs_from_the_call() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let gate = Arc::new(Event::new());
    let g = gate.clone();
    let mut results = pool
        .map_with(
            move |x: u32| {
                if x == 1 {
                    g.wait_timeout(HANG_GUARD);
                }
                x
            },
            0..3,
            MapOptions::new().timeout(Duration::from_millis(20)),
        )
        .unwrap();
    assert_eq!(results.next(), Some(Ok(0)));
    assert!(results.next().unwrap().unwrap_err().is_timeout());
    assert_eq!(results.next(), None, "the map stops after a timeout");
    gate.set();
}

#[test]
fn map_buffersize_bounds_tasks_in_flight() {
    let pool = ThreadPoolExecutor::new(2).unwrap();
    let started = Arc::new(AtomicUsize::new(0));
    let s = started.clone();
    let mut results = pool
        .map_with(
            move |x: u64| {
                s.fetch_add(1, Ordering::SeqCst);
                x
            },
            0.., // endless
            MapOptions::new().buffersize(NonZeroUsize::new(3).unwrap()),
        )
        .unwrap();
    for expected in 0..50 {
        assert_eq!(results.next(), Some(Ok(expected)));
        assert!(started.load(Ordering::SeqCst) <= expected as usize + 1 + 3);
    }
}

#[test]
fn waiting_on_the_same_full_pool_is_an_error_not_a_hang() {
    // Python's documented deadlock: the only worker waits for a task queued behind itself.
    let pool = Arc::new(ThreadPoolExecutor::new(1).unwrap());
    let p = pool.clone();
    let outer = pool
        .submit(move || {
            let inner = p.submit(|| 5).unwrap();
            inner.result_timeout(Duration::from_millis(50))
        })
        .unwrap();
    assert!(outer.into_result().unwrap().unwrap_err().is_timeout());
}

#[test]
fn stress_many_submitters_racing_shutdown() {
    for _ in 0..5 {
        let pool = Arc::new(ThreadPoolExecutor::new(3).unwrap());
        let accepted = Arc::new(StdMutex::new(Vec::new()));
        let submitters: Vec<_> = (0..4)
            .map(|s| {
                let (pool, accepted) = (pool.clone(), accepted.clone());
                threadkit::Thread::spawn(move || {
                    for i in 0..2_000u32 {
                        match pool.submit(move || s * 10_000 + i) {
                            Ok(f) => accepted.lock().unwrap().push(f),
                            Err(SubmitError::ShutDown(_)) => return,
                            Err(e) => panic!("{e:?}"),
                        }
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(2));
        pool.shutdown_with(threadkit::ShutdownOptions::new().cancel_futures(true));
        for s in submitters {
            s.join().unwrap();
        }
        let futures = std::mem::take(&mut *accepted.lock().unwrap());
        let mut values = HashSet::new();
        for f in futures {
            assert!(f.wait_timeout(HANG_GUARD), "every future ends");
            match f.into_result() {
                Ok(v) => assert!(values.insert(v), "each task ran once"),
                Err(FutureError::Cancelled) => {}
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
        assert!(
            pool.workers().iter().all(|w| !w.is_alive()),
            "no worker lost or left"
        );
    }
}

#[test]
fn callbacks_of_cancelled_futures_may_use_the_pool() {
    // Cancelling at shutdown runs the futures' callbacks; one that calls back into the pool
    // must get an error, not deadlock.
    let pool = Arc::new(ThreadPoolExecutor::new(1).unwrap());
    let gate = Arc::new(Event::new());
    let g = gate.clone();
    let running = pool.submit(move || g.wait_timeout(HANG_GUARD)).unwrap();
    while !running.running() {
        std::thread::yield_now();
    }
    let queued = pool.submit(|| 1).unwrap();
    let refused = Arc::new(AtomicUsize::new(0));
    let (p, r) = (pool.clone(), refused.clone());
    queued.add_done_callback(move |_| {
        if matches!(p.submit(|| 2), Err(SubmitError::ShutDown(_))) {
            r.fetch_add(1, Ordering::SeqCst);
        }
    });
    let p = pool.clone();
    let shutter = threadkit::Thread::spawn(move || {
        p.shutdown_with(
            threadkit::ShutdownOptions::new()
                .wait(false)
                .cancel_futures(true),
        )
    });
    shutter.join_timeout(HANG_GUARD).expect("shutdown returned");
    assert!(queued.cancelled());
    assert_eq!(refused.load(Ordering::SeqCst), 1);
    gate.set();
}

/// A value or closure whose `Drop` panics (user code the pool runs besides the task itself).
struct PanicsOnDrop(&'static str);

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("{}", self.0);
    }
}

/// Counts the excepthook reports whose message contains `needle` (others go to the default).
fn count_reports(needle: &'static str) -> Arc<AtomicUsize> {
    let seen = Arc::new(AtomicUsize::new(0));
    let s = Arc::clone(&seen);
    threadkit::set_excepthook(move |args| {
        if args.panic.message().contains(needle) {
            s.fetch_add(1, Ordering::SeqCst);
        } else {
            threadkit::default_excepthook(args);
        }
    });
    seen
}

/// Issue 10, defect 6: a panic in user `Drop` code on a worker (a value nobody will read, a
/// cancelled task's closure) is reported through the excepthook and kills no worker; a
/// shutdown that cancels many such tasks cancels every one of them.
#[test]
fn panicking_drops_neither_kill_workers_nor_stop_a_shutdown() {
    let _hook = common::hook_guard();
    let reports = count_reports("drop on purpose");
    let pool = ThreadPoolExecutor::new(1).unwrap();

    // A value whose future was dropped before it was ready: dropped on the worker.
    let gate = Arc::new(Event::new());
    let g = Arc::clone(&gate);
    let unread = pool
        .submit(move || {
            g.wait();
            PanicsOnDrop("value drop on purpose")
        })
        .unwrap();
    drop(unread);
    gate.set();
    // A future cancelled before its worker took it: the worker drops the closure.
    let gate = Arc::new(Event::new());
    let g = Arc::clone(&gate);
    let blocker = pool.submit(move || g.wait()).unwrap();
    let doomed = PanicsOnDrop("closure drop on purpose");
    let cancelled = pool
        .submit(move || {
            let _keep = &doomed;
        })
        .unwrap();
    assert!(cancelled.cancel());
    gate.set();
    assert_eq!(blocker.result_timeout(HANG_GUARD), Ok(true));
    assert_eq!(
        pool.submit(|| 7).unwrap().result_timeout(HANG_GUARD),
        Ok(7),
        "the worker survived"
    );

    // shutdown(cancel_futures) over several closures that panic when dropped.
    let (gate, running) = (Arc::new(Event::new()), Arc::new(Event::new()));
    let (g, r) = (Arc::clone(&gate), Arc::clone(&running));
    let blocker = pool
        .submit(move || {
            r.set();
            g.wait()
        })
        .unwrap();
    assert!(running.wait_timeout(HANG_GUARD));
    let backlog: Vec<_> = (0..3)
        .map(|_| {
            let doomed = PanicsOnDrop("backlog drop on purpose");
            pool.submit(move || {
                let _keep = &doomed;
            })
            .unwrap()
        })
        .collect();
    pool.shutdown_with(
        threadkit::ShutdownOptions::new()
            .wait(false)
            .cancel_futures(true),
    );
    for f in &backlog {
        assert_eq!(
            f.exception_timeout(HANG_GUARD),
            Ok(Some(FutureError::Cancelled))
        );
    }
    gate.set();
    assert_eq!(blocker.result_timeout(HANG_GUARD), Ok(true));
    pool.shutdown();
    assert_eq!(
        reports.load(Ordering::SeqCst),
        5,
        "every panicking drop reported once"
    );
    threadkit::reset_excepthook();
}

/// Issue 10, defect 8: `executor.map(f, items)` whose result is dropped unread still runs
/// every task (Python's generator never started); a partly consumed map that is dropped
/// cancels the rest.
#[test]
fn map_dropped_unread_runs_every_task_and_a_started_map_cancels_the_rest() {
    let ran = Arc::new(AtomicUsize::new(0));
    let pool = ThreadPoolExecutor::new(3).unwrap();
    let r = Arc::clone(&ran);
    drop(
        pool.map(move |_| r.fetch_add(1, Ordering::SeqCst), 0..9)
            .unwrap(),
    );
    pool.shutdown();
    assert_eq!(ran.load(Ordering::SeqCst), 9);

    let pool = ThreadPoolExecutor::new(1).unwrap();
    let gate = Arc::new(Event::new());
    let (g, started) = (Arc::clone(&gate), Arc::new(AtomicUsize::new(0)));
    let s = Arc::clone(&started);
    let mut map = pool
        .map(
            move |i: usize| {
                s.fetch_add(1, Ordering::SeqCst);
                if i == 1 {
                    g.wait();
                }
                i
            },
            0..6,
        )
        .unwrap();
    assert_eq!(map.next(), Some(Ok(0)));
    while started.load(Ordering::SeqCst) < 2 {
        std::thread::yield_now();
    }
    // Task 1 runs (blocked on the gate); 2..6 wait in the queue, behind it.
    drop(map);
    gate.set();
    pool.shutdown();
    assert_eq!(
        started.load(Ordering::SeqCst),
        2,
        "tasks 2..6 were cancelled"
    );
}

/// Issue 10, defect 13: a lazy map whose executor is shut down meanwhile says "shut down".
#[test]
fn lazy_map_after_shutdown_reports_shutdown_not_a_broken_pool() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let mut map = pool
        .map_with(
            |x: u32| x,
            0..10,
            MapOptions::new().buffersize(NonZeroUsize::MIN),
        )
        .unwrap();
    pool.shutdown();
    assert_eq!(map.next(), Some(Ok(0)), "submitted before the shutdown");
    assert_eq!(
        map.next(),
        Some(Err(WaitError::Failed(FutureError::ShutDown)))
    );
    assert_eq!(map.next(), None);
}

#[test]
fn stats_count_workers_idle_queued_and_completed() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let gate = Arc::new(Event::new());
    let g = gate.clone();
    let running = pool.submit(move || g.wait()).unwrap();
    let queued: Vec<_> = (0..3).map(|i| pool.submit(move || i).unwrap()).collect();
    // The worker takes the first task (it is busy now) and the rest wait behind it.
    let give_up = std::time::Instant::now() + HANG_GUARD;
    let stats = loop {
        let stats = pool.stats();
        if stats.idle == 0 {
            break stats;
        }
        assert!(
            std::time::Instant::now() < give_up,
            "the worker never looked busy"
        );
        std::thread::yield_now();
    };
    assert_eq!((stats.workers, stats.idle, stats.queued), (1, 0, 3));
    assert_eq!(stats.completed, 0);
    gate.set();
    for f in &queued {
        f.wait();
    }
    running.wait();
    pool.shutdown();
    let stats = pool.stats();
    assert_eq!((stats.completed, stats.queued, stats.idle), (4, 0, 1));
    assert!(stats.shutdown && !stats.broken && pool.is_shutdown() && !pool.is_broken());
}
