//! `LifoQueue`: last in, first out, plus the rules of every Python queue.

mod common;
use threadkit::LifoQueue;
queue_rules!(LifoQueue);

#[test]
fn last_in_first_out() {
    let q = LifoQueue::new(0);
    for i in 0..5 {
        q.put(i).unwrap();
    }
    let order: Vec<_> = (0..5).map(|_| q.get().unwrap()).collect();
    assert_eq!(order, [4, 3, 2, 1, 0]);
}
