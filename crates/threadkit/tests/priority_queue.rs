//! `PriorityQueue`: smallest first, equal priorities in insertion order, plus the rules of
//! every Python queue.

mod common;
use threadkit::PriorityQueue;
queue_rules!(PriorityQueue);

#[test]
fn smallest_first_and_stable_among_equals() {
    let q = PriorityQueue::new(0);
    // Python's idiom: (priority, data) tuples; data here does not decide the order among
    // equal priorities when it is equal too, so tag it with the put order.
    for (n, p) in [3, 1, 2, 1, 3, 1].into_iter().enumerate() {
        q.put((p, n)).unwrap();
    }
    let order: Vec<_> = (0..6).map(|_| q.get().unwrap()).collect();
    assert_eq!(order, [(1, 1), (1, 3), (1, 5), (2, 2), (3, 0), (3, 4)]);
}

#[test]
fn equal_items_keep_insertion_order() {
    #[derive(Debug, PartialEq, Eq)]
    struct Job {
        priority: u8,
        name: &'static str,
    }
    impl PartialOrd for Job {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Job {
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            self.priority.cmp(&other.priority) // names do not take part
        }
    }
    let q = PriorityQueue::new(0);
    for name in ["a", "b", "c"] {
        q.put(Job { priority: 1, name }).unwrap();
    }
    let names: Vec<_> = (0..3).map(|_| q.get().unwrap().name).collect();
    assert_eq!(names, ["a", "b", "c"]);
}

/// Issue 10, defect 5 (CPython `FailingQueueTest`): an item whose `Ord` panics makes that put
/// or get fail, and nothing else: a failed put adds nothing, a failed get takes nothing, the
/// size stays true, and the queue works afterwards; a timed get on the emptied queue returns.
#[test]
fn a_panicking_ord_fails_one_call_and_leaves_the_queue_intact() {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
    use std::time::Duration;

    static FAIL: AtomicBool = AtomicBool::new(false);

    #[derive(Debug, PartialEq, Eq)]
    struct Touchy(u32);
    impl PartialOrd for Touchy {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Touchy {
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            if FAIL.swap(false, AtomicOrdering::SeqCst) {
                panic!("comparison failed on purpose");
            }
            self.0.cmp(&other.0)
        }
    }

    let q = PriorityQueue::new(0);
    for v in [5, 3, 8, 1] {
        q.put(Touchy(v)).unwrap();
    }
    FAIL.store(true, AtomicOrdering::SeqCst);
    assert!(catch_unwind(AssertUnwindSafe(|| q.put(Touchy(0)))).is_err());
    assert_eq!(q.qsize(), 4, "a failed put adds nothing");
    FAIL.store(true, AtomicOrdering::SeqCst);
    assert!(catch_unwind(AssertUnwindSafe(|| q.get())).is_err());
    assert_eq!(q.qsize(), 4, "a failed get takes nothing");
    assert_eq!(q.unfinished_tasks(), 4);
    let got: Vec<u32> = (0..4).map(|_| q.get().unwrap().0).collect();
    assert_eq!(got, [1, 3, 5, 8], "still in priority order, nothing lost");
    assert!(q.empty());
    let q2 = q.clone();
    let timed = threadkit::Thread::spawn(move || q2.get_timeout(Duration::from_millis(20)));
    timed
        .join_timeout(Duration::from_secs(60))
        .expect("a timed get on the emptied queue returns (hang guard)");
    assert_eq!(
        timed.into_output().unwrap().map(|t| t.0),
        Err(threadkit::GetError::Empty)
    );
}
