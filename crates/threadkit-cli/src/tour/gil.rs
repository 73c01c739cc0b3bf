//! The seeds' GIL lesson: a CPU-bound function run twice in a row, then on two threads at
//! once. CPython's threads take turns holding the GIL, so they gain nothing; threadkit's
//! threads run in parallel. When `python3` is on the PATH, the same is measured with CPython
//! threads beside it, with the benchmark harness's own CPython workloads.

use super::log::log;
use crate::bench::python;
use crate::bench::threads::cpu_work;
use std::hint::black_box;
use std::time::{Duration, Instant};
use threadkit::Thread;

/// Steps of the CPU-bound loop (`--fast` runs a tenth of them).
fn steps() -> u64 {
    if super::log::is_fast() {
        20_000_000
    } else {
        200_000_000
    }
}

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

pub(crate) fn gil() {
    let n = steps();
    log!("Main    : running a CPU-bound function twice, one after the other");
    let sequential = timed(|| {
        black_box(cpu_work(n));
        black_box(cpu_work(n));
    });
    log!("Main    : sequential: {:.3}s", sequential.as_secs_f64());
    log!("Main    : running it on two threads at once");
    let parallel = timed(|| {
        let a = Thread::spawn(move || cpu_work(n));
        let b = Thread::spawn(move || cpu_work(n));
        black_box((a.into_output().expect("ran"), b.into_output().expect("ran")));
    });
    log!("Main    : two threads: {:.3}s", parallel.as_secs_f64());
    log!(
        "Main    : threadkit speedup: {:.2}x",
        sequential.as_secs_f64() / parallel.as_secs_f64()
    );

    // CPython does 1/50 of the steps (it is that much slower); the ratio is what matters.
    // Twice the work on one thread, then the same work split over two threads.
    let work = 2 * n / 50;
    let seconds = |workload| {
        python::run(workload, work, 1)
            .ok()
            .map(|(samples, _)| samples[0] * work as f64 / 1e9)
    };
    match (
        python::find(),
        seconds("cpu-1-thread"),
        seconds("cpu-2-threads"),
    ) {
        (Some(_), Some(seq), Some(par)) => log!(
            "CPython : sequential {seq:.3}s, two threads {par:.3}s, speedup {:.2}x (the GIL)",
            seq / par
        ),
        _ => log!("CPython : python3 not found, skipped"),
    }
}
