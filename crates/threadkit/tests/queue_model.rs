//! Property test: random sequences of operations from one thread, checked against a simple
//! sequential model of each queue kind.

use proptest::prelude::*;
use std::collections::VecDeque;
use threadkit::{GetError, LifoQueue, PriorityQueue, PutError, Queue, TaskDoneError};

#[derive(Debug, Clone)]
enum Op {
    Put(u8),
    Get,
    TaskDone,
    Shutdown(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => any::<u8>().prop_map(Op::Put),
        5 => Just(Op::Get),
        2 => Just(Op::TaskDone),
        1 => any::<bool>().prop_map(Op::Shutdown),
    ]
}

#[derive(Clone, Copy)]
enum Order {
    Fifo,
    Lifo,
    Priority,
}

/// The model: a list, a bound, counters, a shutdown flag.
struct Model {
    items: VecDeque<(u8, u64)>,
    maxsize: usize,
    order: Order,
    put: u64,
    done: u64,
    shut: bool,
}

impl Model {
    fn put(&mut self, v: u8) -> Result<(), PutError<u8>> {
        if self.shut {
            return Err(PutError::ShutDown(v));
        }
        if self.maxsize > 0 && self.items.len() >= self.maxsize {
            return Err(PutError::Full(v));
        }
        self.items.push_back((v, self.put));
        self.put += 1;
        Ok(())
    }
    fn get(&mut self) -> Result<u8, GetError> {
        let taken = match self.order {
            Order::Fifo => self.items.pop_front(),
            Order::Lifo => self.items.pop_back(),
            Order::Priority => {
                let best = self
                    .items
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, it)| **it)
                    .map(|(i, _)| i);
                best.and_then(|i| self.items.remove(i))
            }
        };
        match taken {
            Some((v, _)) => Ok(v),
            None if self.shut => Err(GetError::ShutDown),
            None => Err(GetError::Empty),
        }
    }
    fn task_done(&mut self) -> Result<(), TaskDoneError> {
        if self.done >= self.put {
            return Err(TaskDoneError);
        }
        self.done += 1;
        Ok(())
    }
    fn shutdown(&mut self, immediate: bool) {
        self.shut = true;
        if immediate {
            let dropped = self.items.len() as u64;
            self.items.clear();
            self.done = (self.done + dropped).min(self.put);
        }
    }
}

macro_rules! check_against_model {
    ($q:expr, $order:expr, $maxsize:expr, $ops:expr) => {{
        let q = $q;
        let mut m = Model {
            items: VecDeque::new(),
            maxsize: $maxsize,
            order: $order,
            put: 0,
            done: 0,
            shut: false,
        };
        for op in $ops {
            match op {
                Op::Put(v) => prop_assert_eq!(q.put_nowait(v), m.put(v)),
                Op::Get => prop_assert_eq!(q.get_nowait(), m.get()),
                Op::TaskDone => prop_assert_eq!(q.task_done(), m.task_done()),
                Op::Shutdown(immediate) => {
                    if immediate {
                        q.shutdown_immediate()
                    } else {
                        q.shutdown()
                    };
                    m.shutdown(immediate);
                }
            }
            prop_assert_eq!(q.qsize(), m.items.len());
            prop_assert_eq!(q.empty(), m.items.is_empty());
            prop_assert_eq!(q.unfinished_tasks(), m.put - m.done);
            prop_assert_eq!(q.is_shutdown(), m.shut);
        }
    }};
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn queue_matches_model(maxsize in 0usize..5, ops in proptest::collection::vec(op(), 0..60)) {
        check_against_model!(Queue::new(maxsize), Order::Fifo, maxsize, ops);
    }

    #[test]
    fn lifo_queue_matches_model(maxsize in 0usize..5, ops in proptest::collection::vec(op(), 0..60)) {
        check_against_model!(LifoQueue::new(maxsize), Order::Lifo, maxsize, ops);
    }

    #[test]
    fn priority_queue_matches_model(maxsize in 0usize..5, ops in proptest::collection::vec(op(), 0..60)) {
        check_against_model!(PriorityQueue::new(maxsize), Order::Priority, maxsize, ops);
    }
}
