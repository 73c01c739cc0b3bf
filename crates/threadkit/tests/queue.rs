//! `Queue`: FIFO order, bounded (lock-free ring) and unbounded, plus the rules of every
//! Python queue (`common::queue_rules!`).

mod common;
use threadkit::Queue;
queue_rules!(Queue);

#[test]
fn first_in_first_out_bounded_and_unbounded() {
    for maxsize in [0, 3, 1000] {
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
    let shutdown = catch_unwind(AssertUnwindSafe(|| q.shutdown(true)));
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
