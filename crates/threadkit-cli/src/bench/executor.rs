//! Executor workloads: trivial tasks through threadkit's pool (submit + result, a future per
//! task) and through `threadpool` and `rayon` (execute/spawn + a channel for the result,
//! since they have no per-task future). Two workers everywhere.

use super::workload::Workload;
use std::sync::atomic::{AtomicU64, Ordering};

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

/// A scope whose tasks borrow the caller's data: one task per element, all joined at the end.
fn scope_threadkit(ops: u64) -> u64 {
    let pool = threadkit::ThreadPoolExecutor::new(WORKERS).unwrap();
    let data: Vec<u64> = (0..ops).collect();
    let sum = AtomicU64::new(0);
    pool.scope(|s| {
        for x in &data {
            let sum = &sum;
            s.submit(move || sum.fetch_add(x & 1, Ordering::Relaxed))
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
            "submit one trivial task, wait for its result",
            3,
            100_000,
        )
        .case("threadkit ThreadPoolExecutor", one_threadkit)
        .case("threadpool + channel", one_threadpool)
        .case("rayon spawn + channel", one_rayon)
        .python("executor-one-at-a-time"),
        Workload::new(
            "executor-scope",
            "a scope of tasks borrowing the caller's data, one per element, all joined",
            3,
            200_000,
        )
        .case("threadkit ThreadPoolExecutor::scope", scope_threadkit)
        .case("rayon scope", scope_rayon),
    ]
}
