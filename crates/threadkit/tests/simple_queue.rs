//! `SimpleQueue`: unbounded FIFO, put never blocks.

use std::time::Duration;
use threadkit::{GetError, SimpleQueue, Thread};

/// Joins the producers, then gathers what every consumer got.
fn join_all(producers: Vec<Thread<()>>, consumers: Vec<Thread<Vec<u64>>>) -> Vec<u64> {
    for p in producers {
        p.join().unwrap();
    }
    consumers
        .into_iter()
        .flat_map(|c| c.into_output().unwrap())
        .collect()
}

#[test]
fn fifo_and_sizes() {
    let q = SimpleQueue::new();
    assert!(q.empty());
    for i in 0..100 {
        q.put(i);
    }
    assert_eq!(q.qsize(), 100);
    for i in 0..100 {
        assert_eq!(q.get(), i);
    }
    assert!(q.empty());
}

#[test]
fn get_forms_on_empty() {
    let q: SimpleQueue<u8> = SimpleQueue::new();
    assert_eq!(q.get_nowait(), Err(GetError::Empty));
    assert_eq!(
        q.get_timeout(Duration::from_millis(2)),
        Err(GetError::Empty)
    );
}

#[test]
fn blocked_get_wakes_on_put() {
    let q = SimpleQueue::new();
    let q2 = q.clone();
    let t = Thread::spawn(move || q2.get());
    q.put("hello");
    assert_eq!(t.into_output().unwrap(), "hello");
}

#[test]
fn many_producers_many_consumers_exactly_once() {
    let q = SimpleQueue::new();
    let per = 20_000u64;
    let producers: Vec<_> = (0..2)
        .map(|p| {
            let q = q.clone();
            Thread::spawn(move || (0..per).for_each(|i| q.put(p * per + i)))
        })
        .collect();
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let q = q.clone();
            Thread::spawn(move || (0..per).map(|_| q.get()).collect::<Vec<_>>())
        })
        .collect();
    let mut all = join_all(producers, consumers);
    all.sort_unstable();
    assert_eq!(all, (0..2 * per).collect::<Vec<_>>());
}

/// Heap items through many blocks (each recycled many times): every item arrives once, each
/// producer's items in order, and the items left behind are dropped with the queue.
#[test]
fn heap_items_through_recycled_blocks_arrive_once_in_producer_order() {
    let q = SimpleQueue::new();
    let token = std::sync::Arc::new(());
    let (producers_n, per) = (3u64, 30_000u64);
    let producers: Vec<_> = (0..producers_n)
        .map(|p| {
            let (q, token) = (q.clone(), token.clone());
            Thread::spawn(move || {
                (0..per).for_each(|i| q.put((Box::new(p * per + i), token.clone())));
            })
        })
        .collect();
    let consumers: Vec<_> = (0..3)
        .map(|_| {
            let q = q.clone();
            Thread::spawn(move || {
                let mut last = vec![None::<u64>; producers_n as usize];
                let mut got = Vec::new();
                for _ in 0..(producers_n * per - 100) / 3 {
                    let (value, _token) = q.get();
                    let p = (*value / per) as usize;
                    assert!(last[p].is_none_or(|l| l < *value), "producer order kept");
                    last[p] = Some(*value);
                    got.push(*value);
                }
                got
            })
        })
        .collect();
    let mut all = join_all(producers, consumers);
    let left = q.qsize();
    all.extend(std::iter::from_fn(|| q.get_nowait().ok()).map(|(v, _)| *v));
    assert_eq!(
        left as u64,
        producers_n * per - (producers_n * per - 100) / 3 * 3
    );
    all.sort_unstable();
    assert_eq!(all, (0..producers_n * per).collect::<Vec<_>>());
    for i in 0..10 {
        q.put((Box::new(i), token.clone()));
    }
    drop(q);
    assert_eq!(std::sync::Arc::strong_count(&token), 1, "nothing leaked");
}
