//! Stress under oversubscription: 16 threads per primitive on however few cores the machine
//! has (CI: 2), so threads are preempted inside every protocol window. Each test checks what
//! must hold whatever the schedule: every item got exactly once (by id), every task marked done
//! and `join` returning, mutual exclusion never broken, a semaphore's bound never exceeded,
//! barrier cycles never mixed, every future accounted for.
//!
//! `THREADKIT_STRESS_ITEMS` sets the work per test (default 200 000 items, which runs in
//! about a second in release; the 10^7 takes under half a minute per test).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use threadkit::{
    Barrier, BoundedSemaphore, Event, FutureError, GetError, LifoQueue, Mutex, PriorityQueue,
    PutError, Queue, RLock, SimpleQueue, Thread, ThreadPoolExecutor,
};

/// Only a guard against a hang, never a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(600);
const THREADS: u64 = 16;

fn items() -> u64 {
    std::env::var("THREADKIT_STRESS_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000)
}

fn join_all<T: Send + 'static>(threads: Vec<Thread<T>>) -> Vec<T> {
    threads
        .into_iter()
        .map(|t| {
            t.join_timeout(HANG_GUARD).expect("a thread hung");
            t.into_output().unwrap()
        })
        .collect()
}

/// Checks that the ids `0..total`, spread over the consumers' lists, each came exactly once.
fn assert_each_once(total: u64, got: Vec<Vec<u64>>) {
    let mut seen = vec![false; total as usize];
    for id in got.into_iter().flatten() {
        assert!(
            !std::mem::replace(&mut seen[id as usize], true),
            "item {id} got twice"
        );
    }
    let missing = seen.iter().filter(|s| !**s).count();
    assert_eq!(missing, 0, "{missing} items lost");
}

/// The three queue kinds behind one face for the 8-producer / 8-consumer test.
trait StressQueue: Clone + Send + 'static {
    fn put(&self, id: u64);
    fn get(&self) -> u64;
    fn task_done(&self);
    fn join(&self) -> bool;
    /// `false` if refused because the queue is shut down.
    fn put_unless_shut_down(&self, id: u64) -> bool;
    /// `None` once the queue is shut down and empty.
    fn get_unless_shut_down(&self) -> Option<u64>;
    /// `None` if empty now.
    fn get_nowait(&self) -> Option<u64>;
    fn shutdown(&self);
}

macro_rules! stress_queue {
    ($kind:ident) => {
        impl StressQueue for $kind<u64> {
            fn put(&self, id: u64) {
                $kind::put(self, id).unwrap()
            }
            fn get(&self) -> u64 {
                $kind::get(self).unwrap()
            }
            fn task_done(&self) {
                $kind::task_done(self).expect("a task_done owed was refused")
            }
            fn join(&self) -> bool {
                $kind::join_timeout(self, HANG_GUARD)
            }
            fn put_unless_shut_down(&self, id: u64) -> bool {
                match $kind::put(self, id) {
                    Ok(()) => true,
                    Err(PutError::ShutDown(back)) => {
                        assert_eq!(back, id, "a refused put hands its own item back");
                        false
                    }
                    Err(e) => panic!("put: {e}"),
                }
            }
            fn get_unless_shut_down(&self) -> Option<u64> {
                match $kind::get(self) {
                    Ok(id) => Some(id),
                    Err(GetError::ShutDown) => None,
                    Err(e) => panic!("get: {e}"),
                }
            }
            fn get_nowait(&self) -> Option<u64> {
                $kind::get_nowait(self).ok()
            }
            fn shutdown(&self) {
                $kind::shutdown(self)
            }
        }
    };
}
stress_queue!(Queue);
stress_queue!(LifoQueue);
stress_queue!(PriorityQueue);

/// 8 producers put distinct ids while 8 consumers `take` them; `after_puts` runs once the
/// producers are done, before the consumers are joined. Every id is taken exactly once.
fn transfer_8p8c<Q: Clone + Send + 'static>(
    q: &Q,
    put: fn(&Q, u64),
    take: fn(&Q) -> u64,
    after_puts: impl FnOnce(),
) {
    let per = items() / (THREADS / 2);
    let producers: Vec<_> = (0..THREADS / 2)
        .map(|p| {
            let q = q.clone();
            Thread::spawn(move || (p * per..(p + 1) * per).for_each(|id| put(&q, id)))
        })
        .collect();
    let consumers: Vec<_> = (0..THREADS / 2)
        .map(|_| {
            let q = q.clone();
            Thread::spawn(move || (0..per).map(|_| take(&q)).collect::<Vec<_>>())
        })
        .collect();
    join_all(producers);
    after_puts();
    assert_each_once(per * (THREADS / 2), join_all(consumers));
}

/// 8 producers and 8 consumers; every get is followed by one `task_done`; `join` returns once
/// the last is marked (defect 1 of issue 10 refused some and hung `join`).
fn eight_by_eight<Q: StressQueue>(q: Q) {
    let take = |q: &Q| {
        let id = q.get();
        q.task_done();
        id
    };
    transfer_8p8c(&q, Q::put, take, || assert!(q.join(), "join hung"));
}

/// 8 producers put until refused while 8 consumers get and mark done, and a graceful shutdown
/// lands in the middle: every accepted item is got exactly once, every refused one came back,
/// and `join` returns once the consumers drained the queue.
fn shutdown_in_the_middle<Q: StressQueue>(q: Q) {
    let per = items() / (THREADS / 2);
    let producers: Vec<_> = (0..THREADS / 2)
        .map(|p| {
            let q = q.clone();
            Thread::spawn(move || {
                (p * per..(p + 1) * per)
                    .take_while(|&id| q.put_unless_shut_down(id))
                    .count() as u64
            })
        })
        .collect();
    let consumers: Vec<_> = (0..THREADS / 2)
        .map(|_| {
            let q = q.clone();
            Thread::spawn(move || {
                let mut got = Vec::new();
                while let Some(id) = q.get_unless_shut_down() {
                    q.task_done();
                    got.push(id);
                }
                got
            })
        })
        .collect();
    // Shut down once some items went through: take a few and put them back (unless the
    // queue is found empty: the producers may be done already, and that case counts too).
    let probe = q.clone();
    for _ in 0..64 {
        let Some(id) = probe.get_nowait() else { break };
        probe.task_done();
        assert!(probe.put_unless_shut_down(id));
    }
    q.shutdown();
    let accepted: u64 = join_all(producers).into_iter().sum();
    assert!(q.join(), "join hung after a graceful shutdown");
    let got: Vec<Vec<u64>> = join_all(consumers);
    let mut seen = std::collections::HashSet::new();
    for id in got.into_iter().flatten() {
        assert!(seen.insert(id), "item {id} got twice");
    }
    assert_eq!(seen.len() as u64, accepted, "accepted items lost");
}

#[test]
fn shutdown_in_the_middle_on_every_kind() {
    shutdown_in_the_middle(Queue::new(16));
    shutdown_in_the_middle(Queue::new(0));
    shutdown_in_the_middle(LifoQueue::new(16));
    shutdown_in_the_middle(PriorityQueue::new(0));
}

#[test]
fn queue_bounded_small() {
    eight_by_eight(Queue::new(1));
    eight_by_eight(Queue::new(64));
}

#[test]
fn queue_unbounded_and_large_bound() {
    eight_by_eight(Queue::new(0));
    eight_by_eight(Queue::new(100_000));
}

#[test]
fn lifo_queue() {
    eight_by_eight(LifoQueue::new(64));
    eight_by_eight(LifoQueue::new(0));
}

#[test]
fn priority_queue() {
    eight_by_eight(PriorityQueue::new(64));
    eight_by_eight(PriorityQueue::new(0));
}

#[test]
fn simple_queue() {
    transfer_8p8c(
        &SimpleQueue::new(),
        SimpleQueue::put,
        SimpleQueue::get,
        || (),
    );
}

/// A plain read-modify-write of a counter (not an atomic add) under the lock, by 16 threads:
/// every increment survives only if the lock excludes.
#[test]
fn mutex_excludes() {
    let per = items() / THREADS;
    let counter = Arc::new(Mutex::new(0u64));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let counter = counter.clone();
            Thread::spawn(move || {
                for _ in 0..per {
                    let mut c = counter.lock();
                    let v = *c;
                    std::hint::black_box(&v);
                    *c = v + 1;
                }
            })
        })
        .collect();
    join_all(threads);
    assert_eq!(*counter.lock(), per * THREADS);
}

/// Nested RLock acquisitions by 16 threads: inside, nobody else is in (checked with a flag).
#[test]
fn rlock_excludes_at_every_level() {
    let per = items() / THREADS / 4;
    let lock = Arc::new(RLock::new());
    let inside = Arc::new(AtomicBool::new(false));
    let entries = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (lock, inside, entries) = (lock.clone(), inside.clone(), entries.clone());
            Thread::spawn(move || {
                for _ in 0..per {
                    let _outer = lock.guard();
                    assert!(!inside.swap(true, Ordering::Relaxed), "two owners");
                    {
                        let _inner = lock.guard();
                        assert_eq!(lock.recursion_count(), 2);
                        entries.fetch_add(1, Ordering::Relaxed);
                    }
                    inside.store(false, Ordering::Relaxed);
                }
            })
        })
        .collect();
    join_all(threads);
    assert_eq!(entries.load(Ordering::Relaxed), per * THREADS);
    assert!(!lock.locked());
}

/// 16 threads through a `BoundedSemaphore(3)`: never more than 3 inside, every release
/// accepted, all 3 places back at the end.
#[test]
fn semaphore_bound_holds() {
    let per = items() / THREADS;
    let sem = Arc::new(BoundedSemaphore::new(3));
    let inside = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..THREADS)
        .map(|i| {
            let (sem, inside) = (sem.clone(), inside.clone());
            Thread::spawn(move || {
                for n in 0..per {
                    // Mix the forms: blocking, timed, and try with a blocking fallback.
                    match (i + n) % 3 {
                        0 => sem.acquire(),
                        1 => assert!(sem.acquire_timeout(HANG_GUARD)),
                        _ => {
                            if !sem.try_acquire() {
                                sem.acquire()
                            }
                        }
                    }
                    let now = inside.fetch_add(1, Ordering::Relaxed) + 1;
                    assert!(now <= 3, "{now} threads inside a semaphore of 3");
                    inside.fetch_sub(1, Ordering::Relaxed);
                    sem.release().unwrap();
                }
            })
        })
        .collect();
    join_all(threads);
    assert_eq!(sem.available(), 3);
}

/// Every cycle of a 16-party barrier: the parties' indexes are a permutation of 0..16 and
/// nobody starts cycle n+1 before all of cycle n arrived.
#[test]
fn barrier_cycles_never_mix() {
    let cycles = (items() / 1_000).max(20);
    let barrier = Arc::new(Barrier::new(THREADS as usize).unwrap());
    let arrived = Arc::new(AtomicU64::new(0));
    let indexes = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (barrier, arrived, indexes) = (barrier.clone(), arrived.clone(), indexes.clone());
            Thread::spawn(move || {
                for cycle in 0..cycles {
                    arrived.fetch_add(1, Ordering::Relaxed);
                    let index = barrier.wait().unwrap();
                    indexes.fetch_or(1 << index, Ordering::Relaxed);
                    let seen = arrived.load(Ordering::Relaxed);
                    assert!(
                        seen >= (cycle + 1) * THREADS,
                        "cycle {cycle} passed with {seen} arrivals"
                    );
                }
            })
        })
        .collect();
    join_all(threads);
    assert_eq!(arrived.load(Ordering::Relaxed), cycles * THREADS);
    assert_eq!(indexes.load(Ordering::Relaxed), (1 << THREADS) - 1);
}

/// 15 threads wait on an `Event` that is only ever pulsed (set, then cleared at once), round
/// after round: every pulse releases the threads already waiting (defect 2 of issue 10); a
/// thread that arrives after a pulse is released by a later one, so the pulser pulses until
/// the whole round is out. A lost wake-up hangs here.
#[test]
fn event_pulses_release_every_round() {
    let rounds = (items() / 2_000).max(20);
    let event = Arc::new(Event::new());
    let released = Arc::new(AtomicU64::new(0));
    let ready = Arc::new(Barrier::new(THREADS as usize).unwrap());
    let waiters: Vec<_> = (1..THREADS)
        .map(|_| {
            let (event, ready, released) = (event.clone(), ready.clone(), released.clone());
            Thread::spawn(move || {
                for _ in 0..rounds {
                    ready.wait().unwrap();
                    assert!(
                        event.wait_timeout(HANG_GUARD),
                        "no pulse released this wait"
                    );
                    released.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for round in 1..=rounds {
        ready.wait().unwrap();
        while released.load(Ordering::Relaxed) < round * (THREADS - 1) {
            event.set();
            event.clear();
            std::thread::yield_now();
        }
    }
    join_all(waiters);
    assert!(!event.is_set());
}

/// 16 submitters racing `shutdown(cancel_futures)`: every submit either is refused (and hands
/// the closure back) or yields a future that ends ran or cancelled, nothing in between, and
/// every task that ran is counted once.
#[test]
fn executor_shutdown_races_submitters() {
    let per = items() / THREADS;
    let pool = Arc::new(ThreadPoolExecutor::new(4).unwrap());
    let ran = Arc::new(AtomicU64::new(0));
    let submitters: Vec<_> = (0..THREADS)
        .map(|_| {
            let (pool, ran) = (pool.clone(), ran.clone());
            Thread::spawn(move || {
                let (mut futures, mut refused) = (Vec::new(), 0u64);
                for i in 0..per {
                    let ran = ran.clone();
                    match pool.submit(move || {
                        ran.fetch_add(1, Ordering::Relaxed);
                        i
                    }) {
                        Ok(f) => futures.push((i, f)),
                        Err(_) => refused += 1,
                    }
                }
                let (mut done, mut cancelled) = (0u64, 0u64);
                for (i, f) in futures {
                    match f.into_result() {
                        Ok(v) => {
                            assert_eq!(v, i);
                            done += 1
                        }
                        Err(FutureError::Cancelled) => cancelled += 1,
                        Err(e) => panic!("task {i}: {e}"),
                    }
                }
                (done, cancelled, refused)
            })
        })
        .collect();
    // Let some work through, then shut down under the submitters' feet.
    while ran.load(Ordering::Relaxed) < per {
        std::thread::yield_now();
    }
    pool.shutdown_with(threadkit::ShutdownOptions::new().cancel_futures(true));
    let (mut done, mut cancelled, mut refused) = (0, 0, 0);
    for (d, c, r) in join_all(submitters) {
        done += d;
        cancelled += c;
        refused += r;
    }
    assert_eq!(done + cancelled + refused, per * THREADS);
    assert_eq!(
        ran.load(Ordering::Relaxed),
        done,
        "a task ran but its future says otherwise"
    );
}
