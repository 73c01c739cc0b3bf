//! `Queue`: FIFO order on each of its stores (a ring for a small bound, a segmented queue
//! unbounded or under a large bound), plus the rules of every Python queue
//! (`common::queue_rules!`).

mod common;
use threadkit::Queue;
queue_rules!(Queue);

#[test]
fn first_in_first_out_bounded_and_unbounded() {
    for maxsize in [0, 3, 1000, LARGE] {
        let q = Queue::new(maxsize);
        for round in 0..5 {
            for i in 0..3 {
                q.put(round * 10 + i).unwrap();
            }
            for i in 0..3 {
                assert_eq!(q.get(), Ok(round * 10 + i));
            }
        }
    }
}

/// A bound whose ring would take more than 64 KiB: the segmented queue keeps it.
const LARGE: usize = 100_000;

#[test]
fn a_large_bound_is_exact_under_racing_puts_and_gets() {
    // Four threads race to fill the queue with `put_nowait`: exactly `LARGE` are taken, the
    // rest come back as `Full`. Then four threads race to drain it: every item once.
    let q = Queue::new(LARGE);
    let fillers: Vec<_> = (0..4u64)
        .map(|t| {
            let q = q.clone();
            Thread::spawn(move || {
                let mut refused = 0;
                for i in 0..LARGE as u64 / 2 {
                    if let Err(PutError::Full(item)) = q.put_nowait(t << 32 | i) {
                        assert_eq!(item, t << 32 | i, "a refused item comes back");
                        refused += 1;
                    }
                }
                refused
            })
        })
        .collect();
    let refused: usize = fillers.into_iter().map(|t| t.into_output().unwrap()).sum();
    assert_eq!(refused, 2 * LARGE - LARGE);
    assert!(q.full());
    assert_eq!(q.qsize(), LARGE);
    let drainers: Vec<_> = (0..4)
        .map(|_| {
            let q = q.clone();
            Thread::spawn(move || std::iter::from_fn(|| q.get_nowait().ok()).collect::<Vec<u64>>())
        })
        .collect();
    let mut all: Vec<u64> = drainers
        .into_iter()
        .flat_map(|t| t.into_output().unwrap())
        .collect();
    assert_eq!(all.len(), LARGE);
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), LARGE, "an item came out twice");
    assert!(q.empty());
}

#[test]
fn a_large_bound_blocks_putters_until_gets_make_room() {
    // Producers outrun the consumer by far more than the bound: blocked puts wake as gets
    // give their places back, and everything arrives in each producer's order.
    let bound = 70_000; // just above the ring's limit for `u64` items
    let per = 100_000u64;
    let q = Queue::new(bound);
    let producers: Vec<_> = (0..2u64)
        .map(|p| {
            let q = q.clone();
            Thread::spawn(move || (0..per).for_each(|i| q.put(p << 32 | i).unwrap()))
        })
        .collect();
    let mut next = [0u64; 2];
    for _ in 0..2 * per {
        assert!(q.qsize() <= bound);
        let item = q.get().unwrap();
        let p = (item >> 32) as usize;
        assert_eq!(
            item & 0xffff_ffff,
            next[p],
            "producer {p}'s items out of order"
        );
        next[p] += 1;
    }
    producers.into_iter().for_each(|t| t.join().unwrap());
    assert!(q.empty());
}

#[test]
fn maxsize_one_alternates() {
    let q = Queue::new(1);
    let q2 = q.clone();
    let producer = Thread::spawn(move || {
        for i in 0..10_000 {
            q2.put(i).unwrap();
        }
    });
    for i in 0..10_000 {
        assert_eq!(q.get(), Ok(i));
    }
    producer.join().unwrap();
}

/// `shutdown(immediate=true)` drops the queued items, which runs user code: an item whose
/// `Drop` panics does not stop the drain, blocked putters are still woken with their item, and
/// the panic reaches the caller of `shutdown` (never swallowed).
#[test]
fn immediate_shutdown_survives_a_panicking_drop() {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;
    use threadkit::{PutError, Thread};

    struct Item {
        explode: bool,
        drops: Arc<AtomicUsize>,
    }
    impl Drop for Item {
        fn drop(&mut self) {
            self.drops.fetch_add(1, Ordering::SeqCst);
            if self.explode {
                panic!("item drop failed on purpose");
            }
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let item = |explode| Item {
        explode,
        drops: Arc::clone(&drops),
    };
    let q = Queue::new(2);
    q.put(item(true)).unwrap();
    q.put(item(false)).unwrap();
    let putter = {
        let q = q.clone();
        let late = item(false);
        Thread::spawn(move || match q.put_timeout(late, Duration::from_secs(60)) {
            Err(PutError::ShutDown(back)) => {
                drop(back);
                true
            }
            _ => false,
        })
    };
    // Most runs shut down with the putter blocked; every assertion holds either way.
    common::wait_until_blocked(putter.native_id().unwrap());
    let shutdown = catch_unwind(AssertUnwindSafe(|| q.shutdown_immediate()));
    assert!(shutdown.is_err(), "the drop's panic reaches the caller");
    assert!(
        drops.load(Ordering::SeqCst) >= 2,
        "both queued items dropped by the shutdown"
    );
    assert!(
        putter.into_output().unwrap(),
        "the putter got its item back"
    );
    assert_eq!(drops.load(Ordering::SeqCst), 3);
    assert!(q.join_timeout(Duration::from_secs(60)));
}
