//! Memory per pending task: bytes the submitting thread allocates for each task queued behind
//! a busy worker, beyond the closure itself (measured with the counting allocator).

use super::alloc::allocated;
use std::sync::mpsc;

const TASKS: usize = 10_000;

/// Bytes per task allocated by `submit_all`, which queues `TASKS` tasks of `closure_size`.
fn per_task(closure_size: usize, submit_all: impl FnOnce()) -> f64 {
    let before = allocated();
    submit_all();
    (allocated() - before) as f64 / TASKS as f64 - closure_size as f64
}

/// Bytes per task queued by `submit(i)` behind a worker that `block` keeps busy.
fn behind_a_busy_worker(
    closure_size: usize,
    block: impl FnOnce(Box<dyn FnOnce() + Send>),
    submit: impl Fn(u64),
) -> f64 {
    let (release, gate) = mpsc::channel::<()>();
    block(Box::new(move || {
        let _ = gate.recv();
    }));
    let bytes = per_task(closure_size, || (0..TASKS as u64).for_each(&submit));
    release.send(()).unwrap();
    bytes
}

pub(crate) struct Report {
    pub(crate) implementation: &'static str,
    pub(crate) bytes_per_task: f64,
}

pub(crate) fn measure() -> Vec<Report> {
    let closure_size = std::mem::size_of::<u64>(); // each closure captures one u64
    let mut out = Vec::new();

    let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    let (release, gate) = mpsc::channel::<()>();
    let blocker = pool.submit(move || gate.recv().ok()).unwrap();
    let mut futures = Vec::with_capacity(TASKS);
    let bytes = per_task(closure_size, || {
        for i in 0..TASKS as u64 {
            futures.push(pool.submit(move || i).unwrap());
        }
    });
    out.push(Report {
        implementation: "threadkit ThreadPoolExecutor (with a Future)",
        bytes_per_task: bytes,
    });
    release.send(()).unwrap();
    drop(blocker);
    drop(futures);
    drop(pool);

    let pool = threadpool::ThreadPool::new(1);
    let bytes = behind_a_busy_worker(
        closure_size,
        |f| pool.execute(f),
        |i| {
            pool.execute(move || {
                std::hint::black_box(i);
            })
        },
    );
    out.push(Report {
        implementation: "threadpool execute (no result)",
        bytes_per_task: bytes,
    });
    pool.join();

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let bytes = behind_a_busy_worker(
        closure_size,
        |f| pool.spawn(f),
        |i| {
            pool.spawn(move || {
                std::hint::black_box(i);
            })
        },
    );
    out.push(Report {
        implementation: "rayon spawn (no result)",
        bytes_per_task: bytes,
    });
    out
}
