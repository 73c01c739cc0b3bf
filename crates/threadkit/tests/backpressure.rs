//! Back-pressure for `submit` (issue 15): a bound on the tasks waiting to start, and Java's
//! policies when it is reached: block, reject (the closure comes back), run on the caller,
//! discard the oldest.

mod parked;
use parked::parked;
use std::sync::Arc;
use threadkit::{
    Event, ExecutorBuilder, FutureError, SubmitError, Thread, ThreadPoolExecutor, WhenFull,
};

/// A pool of one worker, held by a task until `gate` is set.
fn held_pool(max_queued: usize, when_full: WhenFull) -> (Arc<ThreadPoolExecutor>, Arc<Event>) {
    let pool = Arc::new(
        ExecutorBuilder::new()
            .max_workers(1)
            .max_queued(max_queued, when_full)
            .build()
            .unwrap(),
    );
    let gate = Arc::new(Event::new());
    let g = Arc::clone(&gate);
    let running = pool.submit(move || g.wait()).unwrap();
    while !running.running() {
        std::thread::yield_now();
    }
    (pool, gate)
}

#[test]
fn block_waits_for_room_and_a_stop_or_a_shutdown_hands_the_closure_back() {
    threadkit::set_diagnostics(true);
    let (pool, gate) = held_pool(2, WhenFull::Block);
    let queued: Vec<_> = (0..2).map(|i| pool.submit(move || i).unwrap()).collect();
    let p = Arc::clone(&pool);
    let blocked = Thread::spawn(move || p.submit(|| 9).map(|f| f.result()));
    parked(&blocked);
    gate.set(); // room again: the blocked submission goes in
    assert_eq!(blocked.into_output().unwrap().unwrap(), Ok(9));
    for (i, f) in queued.iter().enumerate() {
        assert_eq!(f.result(), Ok(i));
    }

    let (pool, gate) = held_pool(1, WhenFull::Block);
    let _queued = pool.submit(|| 0).unwrap();
    let p = Arc::clone(&pool);
    let stopped = Thread::spawn(move || p.submit(|| 7).map(|_| ()).unwrap_err());
    parked(&stopped);
    stopped.request_stop();
    match stopped.into_output().unwrap() {
        SubmitError::Stopped(f) => assert_eq!(f(), 7),
        other => panic!("{other:?}"),
    }
    let p = Arc::clone(&pool);
    let shut = Thread::spawn(move || p.submit(|| 8).map(|_| ()).unwrap_err());
    parked(&shut);
    pool.shutdown_with(threadkit::ShutdownOptions::new().wait(false));
    assert!(matches!(
        shut.into_output().unwrap(),
        SubmitError::ShutDown(_)
    ));
    gate.set();
}

#[test]
fn caller_runs_runs_the_task_on_the_submitting_thread() {
    let (pool, gate) = held_pool(1, WhenFull::CallerRuns);
    let queued = pool.submit(threadkit::get_ident).unwrap();
    let here = pool.submit(threadkit::get_ident).unwrap();
    assert!(here.done(), "run before submit returned");
    assert_eq!(here.result(), Ok(threadkit::get_ident()));
    let panicked = pool.submit(|| -> () { panic!("delivered") }).unwrap();
    assert!(matches!(panicked.result(), Err(FutureError::Panicked(_))));
    gate.set();
    assert_ne!(queued.result(), Ok(threadkit::get_ident()));
}

#[test]
fn discard_oldest_cancels_the_oldest_waiting_task() {
    let (pool, gate) = held_pool(2, WhenFull::DiscardOldest);
    let first = pool.submit(|| 1).unwrap();
    let second = pool.submit(|| 2).unwrap();
    let third = pool.submit(|| 3).unwrap();
    assert!(first.cancelled());
    gate.set();
    assert_eq!(second.result(), Ok(2));
    assert_eq!(third.result(), Ok(3));
}

#[test]
fn reject_hands_the_closure_back_and_room_comes_back_as_tasks_start() {
    let (pool, gate) = held_pool(1, WhenFull::Reject);
    let queued = pool.submit(|| 1).unwrap();
    let refused = pool.submit(|| 2).unwrap_err();
    assert!(matches!(refused, SubmitError::Full(_)));
    assert_eq!(refused.into_inner()(), 2);
    gate.set();
    assert_eq!(queued.result(), Ok(1));
    // Both ran: the queue is empty again, room for one.
    let again = pool.submit(|| 3).unwrap();
    assert_eq!(again.result(), Ok(3));
}
