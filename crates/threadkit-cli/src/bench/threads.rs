//! Thread workloads: spawn + join, and the seeds' GIL lesson (a CPU-bound job on 1 and 2
//! threads).

use super::workload::Workload;
use std::hint::black_box;

/// A CPU-bound loop the optimizer cannot shorten: `n` steps of a xorshift generator, each
/// depending on the one before.
pub(crate) fn cpu_work(n: u64) -> u64 {
    let mut x = black_box(88_172_645_463_325_252u64);
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}

fn spawn_join_threadkit(ops: u64) -> u64 {
    (0..ops)
        .map(|i| {
            threadkit::Thread::spawn(move || i & 1)
                .into_output()
                .unwrap()
        })
        .sum()
}

fn spawn_join_std(ops: u64) -> u64 {
    (0..ops)
        .map(|i| std::thread::spawn(move || i & 1).join().unwrap())
        .sum()
}

/// `ops` xorshift steps split in `parts` threadkit threads.
fn cpu_threadkit(ops: u64, parts: u64) -> u64 {
    let threads: Vec<_> = (0..parts)
        .map(|_| threadkit::Thread::spawn(move || cpu_work(ops / parts)))
        .collect();
    threads
        .into_iter()
        .map(|t| t.into_output().unwrap())
        .sum::<u64>()
        + parts
}

fn cpu_std(ops: u64, parts: u64) -> u64 {
    let threads: Vec<_> = (0..parts)
        .map(|_| std::thread::spawn(move || cpu_work(ops / parts)))
        .collect();
    threads
        .into_iter()
        .map(|t| t.join().unwrap())
        .fold(parts, u64::wrapping_add)
}

pub(crate) fn workloads() -> Vec<Workload> {
    vec![
        Workload::new(
            "thread-spawn-join",
            "start a thread returning a value, join it",
            2,
            2_000,
        )
        .case("threadkit Thread", spawn_join_threadkit)
        .case("std::thread", spawn_join_std)
        .python("thread-spawn-join"),
        Workload::new(
            "cpu-1-thread",
            "a CPU-bound loop on 1 thread (the GIL lesson)",
            1,
            200_000_000,
        )
        .case("threadkit Thread", |n| cpu_threadkit(n, 1))
        .case("std::thread", |n| cpu_std(n, 1))
        .python("cpu-1-thread"),
        Workload::new(
            "cpu-2-threads",
            "the same loop split over 2 threads",
            2,
            200_000_000,
        )
        .case("threadkit Thread", |n| cpu_threadkit(n, 2))
        .case("std::thread", |n| cpu_std(n, 2))
        .python("cpu-2-threads"),
    ]
}
