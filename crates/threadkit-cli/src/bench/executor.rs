//! Executor workloads: trivial tasks through threadkit's pool (submit + result, a future per
//! task) and through `threadpool` and `rayon` (execute/spawn + a channel for the result,
//! since they have no per-task future). Two workers everywhere.

use super::workload::Workload;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

const WORKERS: usize = 2;

/// Submits `ops` tasks, then collects every result.
fn batch_threadkit(ops: u64) -> u64 {
    let pool = threadkit::ThreadPoolExecutor::new(WORKERS).unwrap();
    let futures: Vec<_> = (0..ops)
        .map(|i| pool.submit(move || i & 1).unwrap())
        .collect();
    futures.into_iter().map(|f| f.into_result().unwrap()).sum()
}

fn batch_threadpool(ops: u64) -> u64 {
    let pool = threadpool::ThreadPool::new(WORKERS);
    let (tx, rx) = std::sync::mpsc::channel();
    for i in 0..ops {
        let tx = tx.clone();
        pool.execute(move || tx.send(i & 1).unwrap());
    }
    rx.iter().take(ops as usize).sum()
}

fn batch_rayon(ops: u64) -> u64 {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(WORKERS)
        .build()
        .unwrap();
    let (tx, rx) = crossbeam_channel::unbounded();
    for i in 0..ops {
        let tx = tx.clone();
        pool.spawn(move || tx.send(i & 1).unwrap());
    }
    rx.iter().take(ops as usize).sum()
}

/// Submits one task and waits for its result before the next.
fn one_threadkit(ops: u64) -> u64 {
    let pool = threadkit::ThreadPoolExecutor::new(WORKERS).unwrap();
    (0..ops)
        .map(|i| pool.submit(move || i & 1).unwrap().into_result().unwrap())
        .sum()
}

fn one_threadpool(ops: u64) -> u64 {
    let pool = threadpool::ThreadPool::new(WORKERS);
    let (tx, rx) = std::sync::mpsc::channel();
    (0..ops)
        .map(|i| {
            let tx = tx.clone();
            pool.execute(move || tx.send(i & 1).unwrap());
            rx.recv().unwrap()
        })
        .sum()
}

fn one_rayon(ops: u64) -> u64 {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(WORKERS)
        .build()
        .unwrap();
    let (tx, rx) = crossbeam_channel::bounded(1);
    (0..ops)
        .map(|i| {
            let tx = tx.clone();
            pool.spawn(move || tx.send(i & 1).unwrap());
            rx.recv().unwrap()
        })
        .sum()
}

/// Pools kept between rounds for the warm one-at-a-time workload (built by its untimed warm-up
/// run, dropped by its teardown).
struct WarmPools {
    threadkit: threadkit::ThreadPoolExecutor,
    threadpool: threadpool::ThreadPool,
    rayon: rayon::ThreadPool,
}

static WARM: Mutex<Option<WarmPools>> = Mutex::new(None);

/// Runs `f` with the warm pools, building them (and starting every worker) the first time.
fn with_warm<R>(f: impl FnOnce(&WarmPools) -> R) -> R {
    let mut warm = WARM
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let pools = warm.get_or_insert_with(|| {
        let pools = WarmPools {
            threadkit: threadkit::ThreadPoolExecutor::new(WORKERS).unwrap(),
            threadpool: threadpool::ThreadPool::new(WORKERS),
            rayon: rayon::ThreadPoolBuilder::new()
                .num_threads(WORKERS)
                .build()
                .unwrap(),
        };
        // Every threadkit worker started (they start lazily, one per submission while none
        // is idle).
        let started: Vec<_> = (0..WORKERS)
            .map(|_| {
                pools
                    .threadkit
                    .submit(|| std::thread::sleep(std::time::Duration::from_millis(5)))
                    .unwrap()
            })
            .collect();
        for f in started {
            f.into_result().unwrap();
        }
        pools
    });
    f(pools)
}

fn drop_warm() {
    let pools = WARM
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    drop(pools);
}

/// One at a time on pools whose workers are already running.
fn one_warm_threadkit(ops: u64) -> u64 {
    with_warm(|p| {
        (0..ops)
            .map(|i| {
                p.threadkit
                    .submit(move || i & 1)
                    .unwrap()
                    .into_result()
                    .unwrap()
            })
            .sum()
    })
}

fn one_warm_threadpool(ops: u64) -> u64 {
    with_warm(|p| {
        let (tx, rx) = std::sync::mpsc::channel();
        (0..ops)
            .map(|i| {
                let tx = tx.clone();
                p.threadpool.execute(move || tx.send(i & 1).unwrap());
                rx.recv().unwrap()
            })
            .sum()
    })
}

fn one_warm_rayon(ops: u64) -> u64 {
    with_warm(|p| {
        let (tx, rx) = crossbeam_channel::bounded(1);
        (0..ops)
            .map(|i| {
                let tx = tx.clone();
                p.rayon.spawn(move || tx.send(i & 1).unwrap());
                rx.recv().unwrap()
            })
            .sum()
    })
}

/// A scope whose tasks borrow the caller's data: one task per element, no result handle (what
/// `rayon::Scope::spawn` offers), all joined at the end.
fn scope_threadkit(ops: u64) -> u64 {
    let pool = threadkit::ThreadPoolExecutor::new(WORKERS).unwrap();
    let data: Vec<u64> = (0..ops).collect();
    let sum = AtomicU64::new(0);
    pool.scope(|s| {
        for x in &data {
            let sum = &sum;
            s.spawn(move || {
                sum.fetch_add(x & 1, Ordering::Relaxed);
            })
            .unwrap();
        }
    })
    .unwrap();
    sum.into_inner()
}

fn scope_rayon(ops: u64) -> u64 {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(WORKERS)
        .build()
        .unwrap();
    let data: Vec<u64> = (0..ops).collect();
    let sum = AtomicU64::new(0);
    pool.scope(|s| {
        for x in &data {
            let sum = &sum;
            s.spawn(move |_| {
                sum.fetch_add(x & 1, Ordering::Relaxed);
            });
        }
    });
    sum.into_inner()
}

/// The same scope, each task's result collected: through its future (threadkit's `submit`),
/// through a channel (rayon, which has no per-task handle).
fn scope_results_threadkit(ops: u64) -> u64 {
    let pool = threadkit::ThreadPoolExecutor::new(WORKERS).unwrap();
    let data: Vec<u64> = (0..ops).collect();
    pool.scope(|s| {
        let futures: Vec<_> = data
            .iter()
            .map(|x| s.submit(move || x & 1).unwrap())
            .collect();
        futures.into_iter().map(|f| f.into_result().unwrap()).sum()
    })
    .unwrap()
}

fn scope_results_rayon(ops: u64) -> u64 {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(WORKERS)
        .build()
        .unwrap();
    let data: Vec<u64> = (0..ops).collect();
    let (tx, rx) = crossbeam_channel::unbounded();
    pool.scope(|s| {
        for x in &data {
            let tx = tx.clone();
            s.spawn(move |_| tx.send(x & 1).unwrap());
        }
    });
    drop(tx);
    rx.iter().sum()
}

pub(crate) fn workloads() -> Vec<Workload> {
    vec![
        Workload::new(
            "executor-batch",
            "submit a trivial task, many in flight, then every result",
            3,
            500_000,
        )
        .case("threadkit ThreadPoolExecutor", batch_threadkit)
        .case("threadpool + channel", batch_threadpool)
        .case("rayon spawn + channel", batch_rayon)
        .python("executor-batch"),
        Workload::new(
            "executor-one-at-a-time",
            "submit one trivial task, wait for its result (a new pool each round: cold workers)",
            3,
            100_000,
        )
        .case("threadkit ThreadPoolExecutor", one_threadkit)
        .case("threadpool + channel", one_threadpool)
        .case("rayon spawn + channel", one_rayon)
        .python("executor-one-at-a-time"),
        Workload::new(
            "executor-one-at-a-time-warm",
            "the same on pools whose workers run already (kept between rounds)",
            3,
            100_000,
        )
        .case("threadkit ThreadPoolExecutor", one_warm_threadkit)
        .case("threadpool + channel", one_warm_threadpool)
        .case("rayon spawn + channel", one_warm_rayon)
        .teardown(drop_warm),
        Workload::new(
            "executor-scope",
            "a scope of tasks borrowing the caller's data, one per element, all joined",
            3,
            200_000,
        )
        .case("threadkit TaskScope::spawn", scope_threadkit)
        .case("rayon scope spawn", scope_rayon),
        Workload::new(
            "executor-scope-results",
            "the same scope, every task's result collected (a future each, or a channel)",
            3,
            200_000,
        )
        .case(
            "threadkit TaskScope::submit + futures",
            scope_results_threadkit,
        )
        .case("rayon scope spawn + channel", scope_results_rayon),
    ]
}
