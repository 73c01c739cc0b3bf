//! Stopping work (issue 15): a stop request gets a thread out of every kind of blocking call,
//! with the "stopped" outcome, no lock left held, no item lost, nothing reported as a panic.

mod parked;
use parked::parked;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use threadkit::{
    Event, GetError, JoinError, Lock, Mutex, PutError, Queue, RLock, Semaphore, StopToken, Thread,
    ThreadPoolExecutor,
};

/// Spawns `body`, waits until it parks, stops it, and returns how it ended.
fn stop_while_blocked<T: Send + 'static>(
    body: impl FnOnce() -> T + Send + 'static,
) -> Result<T, JoinError> {
    threadkit::set_diagnostics(true); // before the thread can park: its wait is recorded
    let t = Thread::spawn(body);
    parked(&t);
    assert!(t.request_stop());
    t.into_output()
}

/// Every blocking call that has nothing to return a stop in unwinds: the thread ends
/// "stopped", and whatever it waited for is as it was.
#[test]
fn a_stop_ends_every_blocking_call_without_a_result_and_the_thread_is_stopped() {
    let hooked = Arc::new(AtomicUsize::new(0));
    let h = Arc::clone(&hooked);
    let _ = threadkit::set_excepthook(move |_| {
        h.fetch_add(1, Ordering::SeqCst);
    });

    let lock = Arc::new(Lock::new());
    lock.acquire();
    let l = Arc::clone(&lock);
    assert!(matches!(
        stop_while_blocked(move || l.acquire()),
        Err(JoinError::Stopped)
    ));
    lock.release().unwrap();
    assert!(lock.try_acquire(), "the stopped thread took nothing");
    lock.release().unwrap();

    let rlock = Arc::new(RLock::new());
    let held = rlock.guard();
    let r = Arc::clone(&rlock);
    assert!(matches!(
        stop_while_blocked(move || drop(r.guard())),
        Err(JoinError::Stopped)
    ));
    drop(held);
    assert!(!rlock.locked());

    let mutex = Arc::new(Mutex::new(5));
    let guard = mutex.lock();
    let m = Arc::clone(&mutex);
    assert!(matches!(
        stop_while_blocked(move || *m.lock() += 1),
        Err(JoinError::Stopped)
    ));
    drop(guard);
    assert_eq!(*mutex.lock(), 5);

    let sem = Arc::new(Semaphore::new(0));
    let s = Arc::clone(&sem);
    assert!(matches!(
        stop_while_blocked(move || s.acquire()),
        Err(JoinError::Stopped)
    ));
    sem.release().unwrap();
    assert_eq!(sem.available(), 1, "no permit taken");

    let event = Arc::new(Event::new());
    let e = Arc::clone(&event);
    assert!(matches!(
        stop_while_blocked(move || e.wait()),
        Err(JoinError::Stopped)
    ));

    assert!(matches!(
        stop_while_blocked(|| threadkit::sleep(Duration::from_secs(3600))),
        Err(JoinError::Stopped)
    ));

    let q: Arc<Queue<u8>> = Arc::new(Queue::new(0));
    q.put(1).unwrap();
    let q2 = Arc::clone(&q);
    assert!(matches!(
        stop_while_blocked(move || q2.join()),
        Err(JoinError::Stopped)
    ));

    // Joining a thread that waits forever, and waiting for a future that never finishes.
    let gate = Arc::new(Event::new());
    let g = Arc::clone(&gate);
    let forever = Thread::spawn(move || g.wait());
    let handle = forever.handle();
    assert!(matches!(
        stop_while_blocked(move || handle.join()),
        Err(JoinError::Stopped)
    ));
    let pool = Arc::new(ThreadPoolExecutor::new(1).unwrap());
    let g = Arc::clone(&gate);
    let future = pool.submit(move || g.wait()).unwrap();
    assert!(matches!(
        stop_while_blocked(move || future.result()),
        Err(JoinError::Stopped)
    ));
    gate.set();
    assert!(forever.into_output().unwrap());

    assert_eq!(hooked.load(Ordering::SeqCst), 0, "a stop is not a failure");
    threadkit::reset_excepthook();
}

/// Condition variables and barriers: the waiter leaves holding its lock again (its guard
/// releases it as the stack unwinds), a barrier breaks for the other parties, and
/// `as_completed` / `wait` leave their futures unwatched.
#[test]
fn a_stop_ends_condition_barrier_and_futures_waits() {
    let cond = Arc::new(threadkit::Condition::new());
    let c = Arc::clone(&cond);
    let out = stop_while_blocked(move || {
        let _g = c.guard();
        c.wait().unwrap();
    });
    assert!(matches!(out, Err(JoinError::Stopped)));
    assert!(
        cond.try_acquire(),
        "the stopped waiter's guard released the lock"
    );
    cond.release().unwrap();

    let pair = Arc::new((Mutex::new(false), threadkit::Condvar::new()));
    let p = Arc::clone(&pair);
    let out = stop_while_blocked(move || {
        let mut ready = p.0.lock();
        p.1.wait_while(&mut ready, |r| !*r);
    });
    assert!(matches!(out, Err(JoinError::Stopped)));
    assert!(pair.0.try_lock().is_some());

    let barrier = Arc::new(threadkit::Barrier::new(2).unwrap());
    let b = Arc::clone(&barrier);
    assert!(matches!(
        stop_while_blocked(move || b.wait()),
        Err(JoinError::Stopped)
    ));
    assert!(
        barrier.broken(),
        "a stopped party breaks the barrier, as a timeout does"
    );

    let pool = Arc::new(ThreadPoolExecutor::new(1).unwrap());
    let gate = Arc::new(Event::new());
    let g = Arc::clone(&gate);
    let never = Arc::new(pool.submit(move || g.wait()).unwrap());
    let n = Arc::clone(&never);
    assert!(matches!(
        stop_while_blocked(move || threadkit::as_completed([&*n], None).count()),
        Err(JoinError::Stopped)
    ));
    let n = Arc::clone(&never);
    assert!(matches!(
        stop_while_blocked(move || {
            threadkit::wait([&*n], None, threadkit::ReturnWhen::AllCompleted)
                .done
                .len()
        }),
        Err(JoinError::Stopped)
    ));
    gate.set();
    assert_eq!(never.result(), Ok(true));
}

/// A queue's `get` and `put` say it in their `Result`: nothing taken, the item handed back.
#[test]
fn a_stopped_queue_call_returns_stopped_and_loses_nothing() {
    let empty: Arc<Queue<u32>> = Arc::new(Queue::new(1));
    let q = Arc::clone(&empty);
    assert_eq!(
        stop_while_blocked(move || q.get()).unwrap(),
        Err(GetError::Stopped)
    );

    let full: Arc<Queue<u32>> = Arc::new(Queue::new(1));
    full.put(1).unwrap();
    let q = Arc::clone(&full);
    match stop_while_blocked(move || q.put(2)).unwrap() {
        Err(PutError::Stopped(item)) => assert_eq!(item, 2, "the refused item comes back"),
        other => panic!("{other:?}"),
    }
    assert_eq!(full.qsize(), 1);
    assert_eq!(full.get_nowait(), Ok(1));
}

/// A thread that polls `stop_requested` between calls ends normally; calls that need not
/// block still complete after the stop.
#[test]
fn a_stopped_thread_can_finish_its_work_and_non_blocking_calls_still_work() {
    let t = Thread::spawn(|| {
        while !threadkit::stop_requested() {
            std::thread::yield_now();
        }
        let lock = Lock::new();
        lock.acquire(); // free: taken at once, stop or not
        lock.release().unwrap();
        let q = Queue::new(0);
        q.put(7).unwrap();
        q.get()
    });
    t.request_stop();
    assert_eq!(t.into_output().unwrap(), Ok(7));
}

#[test]
fn tokens_link_time_out_and_call_back() {
    let parent = StopToken::new();
    let child = parent.child();
    let grandchild = child.child();
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let o = Arc::clone(&order);
    parent
        .on_stop(move || o.lock().unwrap().push("first"))
        .forget();
    let o = Arc::clone(&order);
    let removed = parent.on_stop(move || o.lock().unwrap().push("removed"));
    let o = Arc::clone(&order);
    parent
        .on_stop(move || o.lock().unwrap().push("second"))
        .forget();
    drop(removed);
    assert!(parent.stop());
    assert!(child.is_stopped() && grandchild.is_stopped());
    assert_eq!(*order.lock().unwrap(), ["first", "second"]);
    // Registered after the stop: runs at once.
    let o = Arc::clone(&order);
    parent
        .on_stop(move || o.lock().unwrap().push("late"))
        .forget();
    assert_eq!(order.lock().unwrap().len(), 3);

    let timed = StopToken::new().after(Duration::from_millis(5));
    let t = Thread::spawn(move || timed.run(|| threadkit::sleep(Duration::from_secs(3600))));
    assert!(matches!(t.join(), Err(JoinError::Stopped)));
}

/// A lent token: `run` makes it the thread's own for the closure, on any thread.
#[test]
fn a_token_lent_to_a_foreign_thread_stops_its_blocking_calls() {
    let token = StopToken::new();
    let t = token.clone();
    let q: Arc<Queue<u8>> = Arc::new(Queue::new(0));
    let q2 = Arc::clone(&q);
    let (tx, rx) = std::sync::mpsc::channel();
    let foreign = std::thread::spawn(move || {
        tx.send(()).unwrap();
        t.run(|| q2.get())
    });
    rx.recv().unwrap();
    token.stop();
    assert_eq!(foreign.join().unwrap(), Err(GetError::Stopped));
}

/// Stops racing puts and gets on a small queue: every item is got, left in the queue, or
/// handed back to its producer: exactly, none lost, none twice.
#[test]
fn stops_racing_puts_and_gets_lose_no_item() {
    for round in 0..20u64 {
        let q: Arc<Queue<u64>> = Arc::new(Queue::new(2));
        let producers: Vec<_> = (0..3u64)
            .map(|p| {
                let q = Arc::clone(&q);
                Thread::spawn(move || {
                    let mut refused = Vec::new();
                    for i in 0..200 {
                        if let Err(e) = q.put(p * 1000 + i) {
                            refused.push(e.into_inner());
                            break;
                        }
                    }
                    refused
                })
            })
            .collect();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let q = Arc::clone(&q);
                Thread::spawn(move || {
                    let mut got = Vec::new();
                    while let Ok(item) = q.get() {
                        got.push(item);
                    }
                    got
                })
            })
            .collect();
        std::thread::sleep(Duration::from_micros(200 * (round % 5)));
        for t in producers.iter().chain(&consumers) {
            t.request_stop();
        }
        let mut seen: Vec<u64> = Vec::new();
        for t in producers {
            seen.extend(t.into_output().unwrap());
        }
        for t in consumers {
            seen.extend(t.into_output().unwrap());
        }
        while let Ok(item) = q.get_nowait() {
            seen.push(item);
        }
        seen.sort_unstable();
        let before = seen.len();
        seen.dedup();
        assert_eq!(seen.len(), before, "no item twice");
        // Each producer put a prefix of its items, then maybe one refused: all of it is here.
        for p in 0..3u64 {
            let mine: Vec<u64> = seen.iter().copied().filter(|x| x / 1000 == p).collect();
            let expected: Vec<u64> = (0..mine.len() as u64).map(|i| p * 1000 + i).collect();
            assert_eq!(mine, expected, "producer {p}'s items, in full");
        }
    }
}

/// A pool task's stop request: a running task stops (its outcome says so), a queued one is
/// cancelled, a finished one is left alone, and the worker goes on with a fresh token.
#[test]
fn a_running_pool_task_stops_and_the_next_task_runs_unstopped() {
    use threadkit::FutureError;
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let gate = Arc::new(Event::new());
    let g = Arc::clone(&gate);
    let running = pool.submit(move || g.wait()).unwrap();
    let queued = pool.submit(|| 1).unwrap();
    while !running.running() {
        std::thread::yield_now();
    }
    assert!(
        !running.cancel(),
        "Python's cancel cannot stop a running task"
    );
    assert!(queued.request_stop(), "a queued task is cancelled");
    assert!(queued.cancelled());
    assert!(running.request_stop());
    assert_eq!(running.result(), Err(FutureError::Stopped));
    assert!(!running.request_stop(), "finished");
    // The same worker, a fresh token: this wait is not cut short.
    let g = Arc::clone(&gate);
    let next = pool
        .submit(move || g.wait_timeout(Duration::from_millis(20)))
        .unwrap();
    assert_eq!(next.result(), Ok(false), "timed out, not stopped");
    gate.set();
    let after = pool.submit(|| 2).unwrap();
    assert_eq!(after.result(), Ok(2));
}

/// `shutdown(cancel_futures, stop_running)`: 10,000 queued tasks cancelled, the running ones
/// stopped, the shutdown returns; every future says which.
#[test]
fn a_shutdown_that_stops_running_tasks_leaves_nothing_behind() {
    use threadkit::{FutureError, ShutdownOptions};
    let pool = ThreadPoolExecutor::new(2).unwrap();
    let long: Vec<_> = (0..2)
        .map(|_| {
            pool.submit(|| threadkit::sleep(Duration::from_secs(3600)))
                .unwrap()
        })
        .collect();
    let queued: Vec<_> = (0..10_000u32)
        .map(|i| pool.submit(move || i).unwrap())
        .collect();
    pool.shutdown_with(
        ShutdownOptions::new()
            .cancel_futures(true)
            .stop_running(true),
    );
    for f in &long {
        assert!(matches!(
            f.result(),
            Err(FutureError::Stopped | FutureError::Cancelled)
        ));
    }
    let (mut ran, mut cancelled) = (0, 0);
    for (i, f) in queued.iter().enumerate() {
        match f.result() {
            Ok(v) => {
                assert_eq!(v as usize, i);
                ran += 1;
            }
            Err(FutureError::Cancelled) => cancelled += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(ran + cancelled, 10_000);
}

/// cpython#130975: an error leaving the pool's block does not wait for the whole queue: the
/// pool dropped by the unwind cancels what has not started (here, all of it: the one worker
/// is held by the first task until the last queued one shows cancelled).
#[test]
fn a_pool_dropped_by_an_unwind_cancels_its_queued_tasks() {
    let mut futures = Vec::new();
    let gate = Arc::new(Event::new());
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let pool = ThreadPoolExecutor::new(1).unwrap();
        let g = Arc::clone(&gate);
        futures.push(Arc::new(pool.submit(move || g.wait()).unwrap()));
        while !futures[0].running() {
            std::thread::yield_now();
        }
        for _ in 0..100 {
            futures.push(Arc::new(pool.submit(|| true).unwrap()));
        }
        let (last, g) = (Arc::clone(&futures[100]), Arc::clone(&gate));
        std::thread::spawn(move || {
            while !last.cancelled() {
                std::thread::yield_now();
            }
            g.set(); // lets the running task, and so the drop, finish
        });
        panic!("an error in the block");
    }));
    assert!(unwound.is_err());
    assert_eq!(futures[0].result(), Ok(true));
    assert!(futures[1..].iter().all(|f| f.cancelled()));
}

/// One critical section: acquire, run the count it is given, release.
type Section = Box<dyn Fn(&dyn Fn()) + Send + Sync>;

/// One kind of lock raced by stops: `section` runs one critical section, `free` says whether
/// the lock is free afterwards.
struct Raced {
    name: &'static str,
    section: Section,
    free: Box<dyn Fn() -> bool>,
}

/// Stops racing every kind of lock acquire: four threads run critical sections that count
/// (a load and a store inside the section, so a broken exclusion loses counts), main stops them
/// at a varying moment. Every count is exact (the sum of each thread's own), and the lock is
/// left free, whether a thread ended by the stop unwinding its acquire or by seeing the stop.
#[test]
fn stops_racing_every_lock_kind_keep_exact_counts_and_leave_it_free() {
    use std::sync::atomic::AtomicU64;
    let kinds = || -> Vec<Raced> {
        let lock = Arc::new(Lock::new());
        let rlock = Arc::new(RLock::new());
        let mutex = Arc::new(Mutex::new(()));
        let sem = Arc::new(Semaphore::new(1));
        let (l, r, m, s) = (lock.clone(), rlock.clone(), mutex.clone(), sem.clone());
        vec![
            Raced {
                name: "Lock",
                section: Box::new(move |count| {
                    let _g = l.guard();
                    count();
                }),
                free: Box::new(move || lock.try_acquire() && lock.release().is_ok()),
            },
            Raced {
                name: "RLock (nested)",
                section: Box::new(move |count| {
                    let _outer = r.guard();
                    let _inner = r.guard();
                    count();
                }),
                free: Box::new(move || !rlock.locked()),
            },
            Raced {
                name: "Mutex",
                section: Box::new(move |count| {
                    let _g = m.lock();
                    count();
                }),
                free: Box::new(move || mutex.try_lock().is_some()),
            },
            Raced {
                name: "Semaphore(1)",
                section: Box::new(move |count| {
                    let _g = s.guard();
                    count();
                }),
                free: Box::new(move || sem.try_acquire() && sem.release().is_ok()),
            },
        ]
    };
    for round in 0..10u64 {
        for kind in kinds() {
            let section = Arc::new(kind.section);
            let total = Arc::new(AtomicU64::new(0));
            let threads: Vec<_> = (0..4)
                .map(|_| {
                    let (section, total) = (Arc::clone(&section), Arc::clone(&total));
                    let mine = Arc::new(AtomicU64::new(0));
                    let m = Arc::clone(&mine);
                    let t = Thread::spawn(move || {
                        while !threadkit::stop_requested() {
                            section(&|| {
                                // Not an increment: a load and a store, exact only if the
                                // section excludes the others.
                                total.store(total.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
                                m.store(m.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
                            });
                        }
                    });
                    (t, mine)
                })
                .collect();
            std::thread::sleep(Duration::from_micros(100 * (round % 4)));
            for (t, _) in &threads {
                t.request_stop();
            }
            let mut sum = 0;
            for (t, mine) in threads {
                match t.join() {
                    Ok(()) | Err(JoinError::Stopped) => {}
                    Err(e) => panic!("{}: {e:?}", kind.name),
                }
                sum += mine.load(Ordering::SeqCst);
            }
            assert_eq!(total.load(Ordering::SeqCst), sum, "{}: exact", kind.name);
            assert!((kind.free)(), "{}: left free", kind.name);
        }
    }
}

/// Stops racing condition waits: four threads take turns under one `Condition` (wait for my
/// turn, count, pass the turn on); stopped at a varying moment, every turn taken is counted
/// once, and the condition's lock is left free (a stopped wait takes it back before it unwinds,
/// and the guard releases it).
#[test]
fn stops_racing_condition_waits_keep_exact_turns() {
    use std::sync::atomic::AtomicU64;
    for round in 0..20u64 {
        let cond = Arc::new(threadkit::Condition::new());
        let turn = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (0..4u64)
            .map(|me| {
                let (cond, turn) = (Arc::clone(&cond), Arc::clone(&turn));
                let mine = Arc::new(AtomicU64::new(0));
                let m = Arc::clone(&mine);
                let t = Thread::spawn(move || loop {
                    let _g = cond.guard();
                    cond.wait_for(|| turn.load(Ordering::Relaxed) % 4 == me)
                        .unwrap();
                    turn.store(turn.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
                    m.store(m.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
                    cond.notify_all().unwrap();
                });
                (t, mine)
            })
            .collect();
        std::thread::sleep(Duration::from_micros(100 * (round % 4)));
        for (t, _) in &threads {
            t.request_stop();
        }
        let mut sum = 0;
        for (t, mine) in threads {
            assert!(matches!(t.join(), Err(JoinError::Stopped)));
            sum += mine.load(Ordering::SeqCst);
        }
        assert_eq!(turn.load(Ordering::SeqCst), sum, "every turn counted once");
        assert!(cond.try_acquire(), "the condition's lock is free");
        cond.release().unwrap();
    }
}
