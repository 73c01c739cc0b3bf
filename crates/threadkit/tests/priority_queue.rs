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
