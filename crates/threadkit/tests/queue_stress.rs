//! Multi-producer / multi-consumer stress: every item put is got exactly once (checked by id),
//! under shutdown in both modes, with blocked putters and getters woken.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use threadkit::{GetError, PutError, Queue, Thread};

const HANG_GUARD: Duration = Duration::from_secs(120);

/// 3 producers and 3 consumers on a small queue, shut down after the producers are done:
/// nothing lost, nothing duplicated.
#[test]
fn graceful_shutdown_loses_nothing() {
    for maxsize in [1, 8, 0] {
        let q = Queue::new(maxsize);
        let per = 5_000u64;
        let producers: Vec<_> = (0..3)
            .map(|p| {
                let q = q.clone();
                Thread::spawn(move || (0..per).for_each(|i| q.put(p * per + i).unwrap()))
            })
            .collect();
        let consumers: Vec<_> = (0..3)
            .map(|_| {
                let q = q.clone();
                Thread::spawn(move || q.iter().collect::<Vec<_>>())
            })
            .collect();
        for p in producers {
            p.join_timeout(HANG_GUARD).unwrap();
        }
        q.shutdown();
        let mut seen = HashSet::new();
        for c in consumers {
            for id in c.into_output().unwrap() {
                assert!(seen.insert(id), "item {id} got twice");
            }
        }
        assert_eq!(
            seen.len() as u64,
            3 * per,
            "maxsize {maxsize}: every item got"
        );
    }
}

/// Shutdown while producers are still putting (and blocked on a full queue): every put that
/// succeeded is got exactly once (graceful), or got or dropped (immediate); every refused put
/// handed its item back; everybody wakes.
#[test]
fn shutdown_racing_producers_accounts_for_every_item() {
    for immediate in [false, true] {
        let q = Queue::new(4);
        let accepted = Arc::new(AtomicU64::new(0));
        let refused = Arc::new(AtomicU64::new(0));
        let producers: Vec<_> = (0..3u64)
            .map(|p| {
                let (q, accepted, refused) = (q.clone(), accepted.clone(), refused.clone());
                Thread::spawn(move || {
                    let mut mine = Vec::new();
                    for i in 0..100_000u64 {
                        match q.put(p * 1_000_000 + i) {
                            Ok(()) => {
                                accepted.fetch_add(1, Ordering::SeqCst);
                                mine.push(p * 1_000_000 + i);
                            }
                            Err(PutError::ShutDown(item)) => {
                                assert_eq!(item, p * 1_000_000 + i, "the refused item comes back");
                                refused.fetch_add(1, Ordering::SeqCst);
                                break;
                            }
                            Err(_) => unreachable!("blocking put"),
                        }
                    }
                    mine
                })
            })
            .collect();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let q = q.clone();
                Thread::spawn(move || {
                    let mut got = Vec::new();
                    loop {
                        match q.get() {
                            Ok(id) => {
                                got.push(id);
                                q.task_done().unwrap();
                            }
                            Err(GetError::ShutDown) => return got,
                            Err(_) => unreachable!("blocking get"),
                        }
                        if got.len() % 64 == 0 {
                            std::thread::yield_now();
                        }
                    }
                })
            })
            .collect();
        while accepted.load(Ordering::SeqCst) < 2_000 {
            std::thread::yield_now();
        }
        if immediate {
            q.shutdown_immediate()
        } else {
            q.shutdown()
        };
        let mut put_ids = HashSet::new();
        for p in producers {
            for id in p.into_output().unwrap() {
                put_ids.insert(id);
            }
        }
        let mut got_ids = HashSet::new();
        for c in consumers {
            for id in c.into_output().unwrap() {
                assert!(got_ids.insert(id), "item {id} got twice");
            }
        }
        assert!(
            got_ids.is_subset(&put_ids),
            "only items that were put are got"
        );
        if !immediate {
            assert_eq!(
                got_ids, put_ids,
                "graceful shutdown: every accepted item is got"
            );
        }
        // After shutdown the queue is empty and refuses everything.
        assert_eq!(q.get_nowait(), Err(GetError::ShutDown));
        assert!(matches!(q.put_nowait(0), Err(PutError::ShutDown(0))));
        // Every got item was marked done, and immediate shutdown counted the dropped ones.
        assert!(
            q.join_timeout(HANG_GUARD),
            "join returns after shutdown({immediate})"
        );
        assert_eq!(q.unfinished_tasks(), 0);
    }
}

/// Issue 10, defect 1: with several producers and consumers, every `get` followed by one
/// `task_done` must succeed, and `join` must then return. `task_done` once compared a stale
/// count of items put with a fresh count of calls, and refused calls it owed.
#[test]
fn task_done_after_every_get_never_fails_under_contention() {
    fn run<Q: Clone + Send + 'static>(
        q: Q,
        put: fn(&Q, u64),
        get: fn(&Q) -> u64,
        task_done: fn(&Q) -> Result<(), threadkit::TaskDoneError>,
        join: fn(&Q, Duration) -> bool,
    ) {
        const PER_PRODUCER: u64 = 500_000;
        let producers: Vec<_> = (0..4u64)
            .map(|p| {
                let q = q.clone();
                Thread::spawn(move || (0..PER_PRODUCER).for_each(|i| put(&q, p * PER_PRODUCER + i)))
            })
            .collect();
        let consumers: Vec<_> = (0..4)
            .map(|_| {
                let q = q.clone();
                Thread::spawn(move || {
                    let mut refused = 0u64;
                    for _ in 0..PER_PRODUCER {
                        get(&q);
                        if task_done(&q).is_err() {
                            refused += 1;
                        }
                    }
                    refused
                })
            })
            .collect();
        for p in producers {
            p.join_timeout(HANG_GUARD).unwrap();
        }
        let refused: u64 = consumers
            .into_iter()
            .map(|c| c.into_output().unwrap())
            .sum();
        assert_eq!(refused, 0, "task_done refused calls it owed");
        assert!(join(&q, HANG_GUARD), "join returns once every task is done");
    }
    // Every store of `Queue`: the ring, the segmented queue unbounded and under a large bound.
    for maxsize in [64, 0, 100_000] {
        run(
            Queue::new(maxsize),
            |q, i| q.put(i).unwrap(),
            |q| q.get().unwrap(),
            Queue::task_done,
            Queue::join_timeout,
        );
    }
    run(
        threadkit::LifoQueue::new(64),
        |q, i| q.put(i).unwrap(),
        |q| q.get().unwrap(),
        threadkit::LifoQueue::task_done,
        threadkit::LifoQueue::join_timeout,
    );
    run(
        threadkit::PriorityQueue::new(64),
        |q, i| q.put(i).unwrap(),
        |q| q.get().unwrap(),
        threadkit::PriorityQueue::task_done,
        threadkit::PriorityQueue::join_timeout,
    );
}
