//! `Future`, `as_completed`, `wait`: Python's `concurrent.futures` rules.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;
use threadkit::{as_completed, wait, Event, FutureError, ReturnWhen, ThreadPoolExecutor};

const HANG_GUARD: Duration = Duration::from_secs(60);

/// A pool whose single worker is held until the returned event is set.
fn blocked_pool() -> (ThreadPoolExecutor, Arc<Event>, threadkit::Future<bool>) {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let gate = Arc::new(Event::new());
    let g = gate.clone();
    let blocker = pool.submit(move || g.wait_timeout(HANG_GUARD)).unwrap();
    while !blocker.running() {
        std::thread::yield_now();
    }
    (pool, gate, blocker)
}

#[test]
fn states_pending_running_done() {
    let (pool, gate, blocker) = blocked_pool();
    let queued = pool.submit(|| 1).unwrap();
    assert!(blocker.running() && !blocker.done());
    assert!(!queued.running() && !queued.done() && !queued.cancelled());
    assert!(queued
        .result_timeout(Duration::from_millis(5))
        .unwrap_err()
        .is_timeout());
    assert!(queued.exception_timeout(Duration::from_millis(1)).is_err());
    gate.set();
    assert_eq!(queued.result_timeout(HANG_GUARD), Ok(1));
    assert!(queued.done() && !queued.running());
}

#[test]
fn cancel_only_while_pending() {
    let (pool, gate, blocker) = blocked_pool();
    let queued = pool.submit(|| 1).unwrap();
    assert!(!blocker.cancel(), "running: cannot cancel");
    assert!(queued.cancel());
    assert!(queued.cancel(), "cancelling twice still reports cancelled");
    assert!(queued.cancelled() && queued.done());
    assert_eq!(queued.result(), Err(FutureError::Cancelled));
    gate.set();
    assert_eq!(blocker.result(), Ok(true));
    assert!(!blocker.cancel(), "finished: cannot cancel");
}

#[test]
fn result_is_repeatable_and_into_result_moves() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let f = pool.submit(|| String::from("v")).unwrap();
    assert_eq!(f.result().unwrap(), "v");
    assert_eq!(f.result().unwrap(), "v");
    assert_eq!(f.exception(), None);
    assert_eq!(f.into_result().unwrap(), "v");
}

#[test]
fn panics_are_delivered_with_message() {
    let _hook = common::hook_guard();
    let reported = Arc::new(StdMutex::new(Vec::new()));
    let r = reported.clone();
    threadkit::set_unretrieved_hook(move |failure| r.lock().unwrap().push(failure.thread.clone()));
    let pool = ThreadPoolExecutor::builder()
        .max_workers(1)
        .thread_name_prefix("delivered")
        .build()
        .unwrap();
    let f = pool.submit(|| -> u8 { panic!("boom {}", 1) }).unwrap();
    let err = f.result().unwrap_err();
    assert!(matches!(&err, FutureError::Panicked(p) if p.message() == "boom 1"));
    assert_eq!(f.exception(), Some(err));
    drop(f);
    drop(pool);
    threadkit::reset_unretrieved_hook();
    let reported = reported.lock().unwrap();
    assert!(
        !reported.iter().any(|t| t == "delivered_0"),
        "a retrieved failure is not reported: {reported:?}"
    );
}

#[test]
fn unretrieved_failure_is_reported_once_with_thread_name() {
    let seen = Arc::new(StdMutex::new(Vec::new()));
    let s = seen.clone();
    let _hook = common::hook_guard();
    threadkit::set_unretrieved_hook(move |failure| {
        s.lock()
            .unwrap()
            .push((failure.thread.clone(), failure.error.to_string()))
    });
    let pool = ThreadPoolExecutor::builder()
        .max_workers(1)
        .thread_name_prefix("lost")
        .build()
        .unwrap();
    drop(pool.submit(|| -> () { panic!("nobody looked") }).unwrap());
    let ok = pool.submit(|| ()).unwrap(); // a success is never reported
    drop(ok);
    pool.shutdown();
    threadkit::reset_unretrieved_hook();
    let seen = seen.lock().unwrap();
    let mine: Vec<_> = seen.iter().filter(|(t, _)| t == "lost_0").collect();
    assert_eq!(mine.len(), 1, "{seen:?}");
    assert!(mine[0].1.contains("nobody looked"));
}

#[test]
fn callbacks_run_in_order_even_when_one_panics() {
    let (pool, gate, _blocker) = blocked_pool();
    let f = pool.submit(|| 3).unwrap();
    let order = Arc::new(StdMutex::new(Vec::new()));
    for i in 0..3 {
        let o = order.clone();
        f.add_done_callback(move |f| {
            o.lock().unwrap().push((i, f.result()));
            if i == 1 {
                panic!("callback 1 fails");
            }
        });
    }
    gate.set();
    f.wait();
    let value = f.result();
    assert_eq!(value, Ok(3));
    drop(f.into_result()); // returns after every callback ran
    assert_eq!(*order.lock().unwrap(), [(0, Ok(3)), (1, Ok(3)), (2, Ok(3))]);
    // The pool is not disturbed.
    assert_eq!(pool.submit(|| 4).unwrap().into_result(), Ok(4));
}

#[test]
fn callback_added_after_done_runs_at_once() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let f = pool.submit(|| 1).unwrap();
    f.wait();
    let _ = f.result();
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    f.add_done_callback(move |_| {
        r.fetch_add(1, Ordering::SeqCst);
    });
    assert_eq!(ran.load(Ordering::SeqCst), 1);
}

#[test]
fn as_completed_yields_done_first_then_in_completion_order() {
    let pool = ThreadPoolExecutor::new(2).unwrap();
    let done_first = pool.submit(|| 0u32).unwrap();
    done_first.wait();
    let gates: Vec<_> = (0..2).map(|_| Arc::new(Event::new())).collect();
    let mut futures = vec![];
    for (i, gate) in gates.iter().enumerate() {
        let g = gate.clone();
        futures.push(
            pool.submit(move || {
                g.wait_timeout(HANG_GUARD);
                i as u32 + 1
            })
            .unwrap(),
        );
    }
    futures.insert(0, done_first);
    let mut it = as_completed(&futures, Some(HANG_GUARD));
    assert_eq!(
        it.next().unwrap().unwrap().result(),
        Ok(0),
        "already done comes first"
    );
    gates[1].set();
    assert_eq!(it.next().unwrap().unwrap().result(), Ok(2));
    gates[0].set();
    assert_eq!(it.next().unwrap().unwrap().result(), Ok(1));
    assert!(it.next().is_none());
}

#[test]
fn as_completed_times_out() {
    let (pool, gate, _blocker) = blocked_pool();
    let futures = vec![pool.submit(|| 1).unwrap()];
    let items: Vec<_> = as_completed(&futures, Some(Duration::from_millis(5))).collect();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].as_ref().unwrap_err().unfinished(), 1);
    gate.set();
}

#[test]
fn wait_return_when_modes() {
    let _hook = common::hook_guard();
    threadkit::set_unretrieved_hook(|_| {});
    let pool = ThreadPoolExecutor::new(3).unwrap();
    let gate = Arc::new(Event::new());
    let slow = |g: Arc<Event>| {
        move || -> u8 {
            g.wait_timeout(HANG_GUARD);
            1
        }
    };
    let futures = vec![
        pool.submit(slow(gate.clone())).unwrap(),
        pool.submit(|| -> u8 { panic!("fails fast") }).unwrap(),
        pool.submit(slow(gate.clone())).unwrap(),
    ];
    let first = wait(&futures, Some(HANG_GUARD), ReturnWhen::FirstCompleted);
    assert!(!first.done.is_empty());
    let exc = wait(&futures, Some(HANG_GUARD), ReturnWhen::FirstException);
    assert_eq!(
        exc.done.len(),
        1,
        "returned at the failure, others still running"
    );
    assert_eq!(exc.not_done.len(), 2);
    let timed = wait(
        &futures,
        Some(Duration::from_millis(5)),
        ReturnWhen::AllCompleted,
    );
    assert_eq!(
        timed.not_done.len(),
        2,
        "timeout returns what is done so far"
    );
    gate.set();
    let all = wait(&futures, Some(HANG_GUARD), ReturnWhen::AllCompleted);
    assert_eq!((all.done.len(), all.not_done.len()), (3, 0));
    drop(futures);
    threadkit::reset_unretrieved_hook();
}

#[test]
fn a_successful_cancel_means_the_task_never_runs() {
    // cancel() racing the worker's start: whenever cancel reports success, the closure must
    // not have run, and a task that ran must keep its value.
    let pool = ThreadPoolExecutor::new(1).unwrap();
    for _ in 0..2_000 {
        let ran = Arc::new(AtomicUsize::new(0));
        let r = ran.clone();
        let f = pool
            .submit(move || {
                r.fetch_add(1, Ordering::SeqCst);
                7
            })
            .unwrap();
        let cancelled = f.cancel();
        f.wait();
        if cancelled {
            assert_eq!(ran.load(Ordering::SeqCst), 0, "cancelled, yet it ran");
            assert_eq!(f.result(), Err(FutureError::Cancelled));
        } else {
            assert_eq!(f.result(), Ok(7));
            assert_eq!(ran.load(Ordering::SeqCst), 1);
        }
    }
}

/// Registration racing completion: callbacks added while tasks finish on two workers each run
/// exactly once and in the order added, `as_completed` sees every future once, and
/// `into_result` returns only after every callback ran.
#[test]
fn callbacks_and_watchers_racing_completion_run_exactly_once() {
    let pool = ThreadPoolExecutor::new(2).unwrap();
    for _ in 0..20 {
        let futures: Vec<_> = (0..50u32)
            .map(|i| pool.submit(move || i).unwrap())
            .collect();
        let calls: Vec<_> = (0..futures.len())
            .map(|_| Arc::new(StdMutex::new(Vec::new())))
            .collect();
        for (future, calls) in futures.iter().zip(&calls) {
            for order in 0..3 {
                let calls = calls.clone();
                future.add_done_callback(move |f| {
                    assert!(f.done());
                    calls.lock().unwrap().push(order);
                });
            }
        }
        let mut seen: Vec<u32> = as_completed(&futures, Some(HANG_GUARD))
            .map(|f| f.unwrap().result().unwrap())
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..50).collect::<Vec<_>>());
        for (i, (future, calls)) in futures.into_iter().zip(&calls).enumerate() {
            assert_eq!(future.into_result(), Ok(i as u32));
            assert_eq!(*calls.lock().unwrap(), [0, 1, 2], "future {i}");
        }
    }
}
