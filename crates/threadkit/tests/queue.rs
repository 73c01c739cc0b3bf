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
