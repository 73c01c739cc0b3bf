//! Queue workloads: one local trait over a bounded/unbounded channel-like queue, so threadkit
//! and each peer move the same items between the same threads.

use super::workload::Workload;
use std::collections::BinaryHeap;
use std::sync::Arc;

/// The two ends of a queue, cloneable to any number of producers and consumers.
trait Pipe: Clone + Send + 'static {
    fn bounded(cap: usize) -> Self;
    fn put(&self, v: u64);
    fn get(&self) -> u64;
}

/// A threadkit queue as a `Pipe`.
macro_rules! threadkit_pipe {
    ($name:ident, $queue:ident) => {
        #[derive(Clone)]
        struct $name(threadkit::$queue<u64>);
        impl Pipe for $name {
            fn bounded(cap: usize) -> Self {
                $name(threadkit::$queue::new(cap))
            }
            #[inline]
            fn put(&self, v: u64) {
                self.0.put(v).unwrap();
            }
            #[inline]
            fn get(&self) -> u64 {
                self.0.get().unwrap()
            }
        }
    };
}

threadkit_pipe!(TkQueue, Queue);
threadkit_pipe!(TkPriority, PriorityQueue);

#[derive(Clone)]
struct TkSimple(threadkit::SimpleQueue<u64>);
impl Pipe for TkSimple {
    fn bounded(_cap: usize) -> Self {
        TkSimple(threadkit::SimpleQueue::new())
    }
    #[inline]
    fn put(&self, v: u64) {
        self.0.put(v);
    }
    #[inline]
    fn get(&self) -> u64 {
        self.0.get()
    }
}

/// A peer's channel as a `Pipe`: the two ends made by `$make(cap)`.
macro_rules! channel_pipe {
    ($name:ident, $sender:ty, $receiver:ty, $make:expr) => {
        #[derive(Clone)]
        struct $name($sender, $receiver);
        impl Pipe for $name {
            fn bounded(cap: usize) -> Self {
                let make: fn(usize) -> ($sender, $receiver) = $make;
                let (s, r) = make(cap);
                $name(s, r)
            }
            fn put(&self, v: u64) {
                self.0.send(v).unwrap();
            }
            fn get(&self) -> u64 {
                self.1.recv().unwrap()
            }
        }
    };
}

channel_pipe!(
    Crossbeam,
    crossbeam_channel::Sender<u64>,
    crossbeam_channel::Receiver<u64>,
    crossbeam_channel::bounded
);
channel_pipe!(
    CrossbeamUnbounded,
    crossbeam_channel::Sender<u64>,
    crossbeam_channel::Receiver<u64>,
    |_| crossbeam_channel::unbounded()
);
channel_pipe!(
    Flume,
    flume::Sender<u64>,
    flume::Receiver<u64>,
    flume::bounded
);

/// std's `sync_channel` has a single receiver: consumers share it behind a mutex.
#[derive(Clone)]
struct StdSync(
    std::sync::mpsc::SyncSender<u64>,
    Arc<std::sync::Mutex<std::sync::mpsc::Receiver<u64>>>,
);
impl Pipe for StdSync {
    fn bounded(cap: usize) -> Self {
        let (s, r) = std::sync::mpsc::sync_channel(cap);
        StdSync(s, Arc::new(std::sync::Mutex::new(r)))
    }
    fn put(&self, v: u64) {
        self.0.send(v).unwrap();
    }
    fn get(&self) -> u64 {
        self.1.lock().unwrap().recv().unwrap()
    }
}

/// The baseline the issue names: a `Mutex<BinaryHeap>` with two `Condvar`s.
struct HeapCondvarInner {
    heap: std::sync::Mutex<BinaryHeap<std::cmp::Reverse<u64>>>,
    not_empty: std::sync::Condvar,
    not_full: std::sync::Condvar,
    cap: usize,
}

#[derive(Clone)]
struct HeapCondvar(Arc<HeapCondvarInner>);
impl Pipe for HeapCondvar {
    fn bounded(cap: usize) -> Self {
        HeapCondvar(Arc::new(HeapCondvarInner {
            heap: std::sync::Mutex::new(BinaryHeap::new()),
            not_empty: std::sync::Condvar::new(),
            not_full: std::sync::Condvar::new(),
            cap,
        }))
    }
    fn put(&self, v: u64) {
        let q = &*self.0;
        let mut h = q
            .not_full
            .wait_while(q.heap.lock().unwrap(), |h| h.len() >= q.cap)
            .unwrap();
        h.push(std::cmp::Reverse(v));
        q.not_empty.notify_one();
    }
    fn get(&self) -> u64 {
        let q = &*self.0;
        let mut h = q
            .not_empty
            .wait_while(q.heap.lock().unwrap(), |h| h.is_empty())
            .unwrap();
        let v = h.pop().unwrap().0;
        q.not_full.notify_one();
        v
    }
}

/// `ops` items from `producers` to `consumers` through a queue of `cap`; returns the sum of
/// the items got (the same for every implementation).
fn transfer<P: Pipe>(ops: u64, producers: u64, consumers: u64, cap: usize) -> u64 {
    let pipe = P::bounded(cap);
    let per_producer = ops / producers;
    let total = per_producer * producers;
    std::thread::scope(|s| {
        for p in 0..producers {
            let pipe = pipe.clone();
            s.spawn(move || (0..per_producer).for_each(|i| pipe.put(p * per_producer + i)));
        }
        let handles: Vec<_> = (0..consumers)
            .map(|k| {
                let pipe = pipe.clone();
                let share = total / consumers + u64::from(k < total % consumers);
                s.spawn(move || (0..share).map(|_| pipe.get()).sum::<u64>())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

/// put + task_done + join: one worker marks every item done, the producer joins.
fn task_done_join_threadkit(ops: u64, maxsize: usize) -> u64 {
    let q = threadkit::Queue::new(maxsize);
    let worker = {
        let q = q.clone();
        std::thread::spawn(move || {
            for _ in 0..ops {
                q.get().unwrap();
                q.task_done().unwrap();
            }
        })
    };
    for i in 0..ops {
        q.put(i).unwrap();
    }
    q.join();
    worker.join().unwrap();
    ops
}

/// The same protocol on crossbeam: a channel (unbounded for `maxsize` 0, as `Queue(0)`) and
/// a done signal after the last item.
fn task_done_join_crossbeam(ops: u64, maxsize: usize) -> u64 {
    let (s, r) = if maxsize == 0 {
        crossbeam_channel::unbounded::<u64>()
    } else {
        crossbeam_channel::bounded::<u64>(maxsize)
    };
    let (done_s, done_r) = crossbeam_channel::bounded::<()>(1);
    let worker = std::thread::spawn(move || {
        for n in 1..=ops {
            r.recv().unwrap();
            if n == ops {
                done_s.send(()).unwrap();
            }
        }
    });
    for i in 0..ops {
        s.send(i).unwrap();
    }
    done_r.recv().unwrap();
    worker.join().unwrap();
    ops
}

pub(crate) fn workloads() -> Vec<Workload> {
    const CAP: usize = 1024;
    vec![
        Workload::new(
            "queue-spsc",
            "bounded(1024), 1 producer + 1 consumer, per item",
            2,
            2_000_000,
        )
        .case("threadkit Queue", |n| transfer::<TkQueue>(n, 1, 1, CAP))
        .case("crossbeam bounded", |n| transfer::<Crossbeam>(n, 1, 1, CAP))
        .case("flume bounded", |n| transfer::<Flume>(n, 1, 1, CAP))
        .case("std sync_channel", |n| transfer::<StdSync>(n, 1, 1, CAP))
        .python("queue-spsc"),
        Workload::new(
            "queue-2p2c",
            "bounded(1024), 2 producers + 2 consumers, per item",
            4,
            2_000_000,
        )
        .case("threadkit Queue", |n| transfer::<TkQueue>(n, 2, 2, CAP))
        .case("crossbeam bounded", |n| transfer::<Crossbeam>(n, 2, 2, CAP))
        .case("flume bounded", |n| transfer::<Flume>(n, 2, 2, CAP))
        .case("std sync_channel", |n| transfer::<StdSync>(n, 2, 2, CAP))
        .python("queue-2p2c"),
        Workload::new(
            "simple-queue-spsc",
            "unbounded, 1 producer + 1 consumer, per item",
            2,
            2_000_000,
        )
        .case("threadkit SimpleQueue", |n| {
            transfer::<TkSimple>(n, 1, 1, 0)
        })
        .case("crossbeam unbounded", |n| {
            transfer::<CrossbeamUnbounded>(n, 1, 1, 0)
        })
        .python("simple-queue-spsc"),
        Workload::new(
            "priority-queue",
            "bounded(1024) priority queue, 1 producer + 1 consumer",
            2,
            1_000_000,
        )
        .case("threadkit PriorityQueue", |n| {
            transfer::<TkPriority>(n, 1, 1, CAP)
        })
        .case("Mutex<BinaryHeap>+Condvar", |n| {
            transfer::<HeapCondvar>(n, 1, 1, CAP)
        })
        .python("priority-queue"),
        Workload::new(
            "queue-task-done-join",
            "put + get + task_done per item, then join",
            2,
            1_000_000,
        )
        .case("threadkit Queue", |n| task_done_join_threadkit(n, 0))
        .case("crossbeam + done signal", |n| {
            task_done_join_crossbeam(n, 0)
        })
        .python("queue-task-done-join"),
        Workload::new(
            "queue-task-done-1024",
            "the same on bounded(1024)",
            2,
            1_000_000,
        )
        .case("threadkit Queue", |n| task_done_join_threadkit(n, CAP))
        .case("crossbeam bounded + done signal", |n| {
            task_done_join_crossbeam(n, CAP)
        })
        .case("crossbeam unbounded + done signal", |n| {
            task_done_join_crossbeam(n, 0)
        }),
        Workload::new(
            "queue0-spsc",
            "Queue(0), Python's default: 1 producer + 1 consumer, per item",
            2,
            2_000_000,
        )
        .case("threadkit Queue(0)", |n| transfer::<TkQueue>(n, 1, 1, 0))
        .case("threadkit SimpleQueue", |n| {
            transfer::<TkSimple>(n, 1, 1, 0)
        })
        .case("crossbeam unbounded", |n| {
            transfer::<CrossbeamUnbounded>(n, 1, 1, 0)
        }),
        Workload::new(
            "queue0-4p4c",
            "Queue(0): 4 producers + 4 consumers (2 cores), per item",
            8,
            2_000_000,
        )
        .case("threadkit Queue(0)", |n| transfer::<TkQueue>(n, 4, 4, 0))
        .case("crossbeam unbounded", |n| {
            transfer::<CrossbeamUnbounded>(n, 4, 4, 0)
        }),
        Workload::new(
            "queue-8p8c",
            "bounded(1024), 8 producers + 8 consumers (2 cores), per item",
            16,
            2_000_000,
        )
        .case("threadkit Queue", |n| transfer::<TkQueue>(n, 8, 8, CAP))
        .case("crossbeam bounded", |n| transfer::<Crossbeam>(n, 8, 8, CAP)),
        Workload::new(
            "queue-handoff",
            "bounded(1): every item handed from 1 producer to 1 consumer",
            2,
            200_000,
        )
        .case("threadkit Queue", |n| transfer::<TkQueue>(n, 1, 1, 1))
        .case("crossbeam bounded", |n| transfer::<Crossbeam>(n, 1, 1, 1)),
    ]
}
