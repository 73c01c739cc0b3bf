//! The seeds' GIL lesson: a CPU-bound function run twice in a row, then on two threads at
//! once. CPython's threads take turns holding the GIL, so they gain nothing; threadkit's
//! threads run in parallel. When `python3` is on the PATH, the same is measured with CPython
//! threads beside it.

use super::log::log;
use std::process::Command;
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

/// A CPU-bound function: a xorshift loop (each step depends on the one before).
fn cpu_bound(n: u64) -> u64 {
    let mut x = std::hint::black_box(88_172_645_463_325_252u64);
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

const PYTHON: &str = r#"
import sys, threading, time
M = (1 << 64) - 1
def cpu_bound(n):
    x = 88172645463325252
    for _ in range(n):
        x ^= (x << 13) & M; x ^= x >> 7; x ^= (x << 17) & M
    return x
n = int(sys.argv[1])
t = time.perf_counter(); cpu_bound(n); cpu_bound(n); seq = time.perf_counter() - t
ts = [threading.Thread(target=cpu_bound, args=(n,)) for _ in range(2)]
t = time.perf_counter()
for th in ts: th.start()
for th in ts: th.join()
par = time.perf_counter() - t
print(seq, par)
"#;

pub(crate) fn gil() {
    let n = steps();
    log!("Main    : running a CPU-bound function twice, one after the other");
    let sequential = timed(|| {
        std::hint::black_box(cpu_bound(n));
        std::hint::black_box(cpu_bound(n));
    });
    log!("Main    : sequential: {:.3}s", sequential.as_secs_f64());
    log!("Main    : running it on two threads at once");
    let parallel = timed(|| {
        let a = Thread::spawn(move || cpu_bound(n));
        let b = Thread::spawn(move || cpu_bound(n));
        std::hint::black_box((a.into_output().expect("ran"), b.into_output().expect("ran")));
    });
    log!("Main    : two threads: {:.3}s", parallel.as_secs_f64());
    log!(
        "Main    : threadkit speedup: {:.2}x",
        sequential.as_secs_f64() / parallel.as_secs_f64()
    );

    // CPython does 1/50 of the steps (it is that much slower); the ratio is what matters.
    let py_n = (n / 50).to_string();
    match Command::new("python3").args(["-c", PYTHON, &py_n]).output() {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            let mut it = text
                .split_whitespace()
                .filter_map(|w| w.parse::<f64>().ok());
            if let (Some(seq), Some(par)) = (it.next(), it.next()) {
                log!("CPython : sequential {seq:.3}s, two threads {par:.3}s, speedup {:.2}x (the GIL)", seq / par);
            }
        }
        _ => log!("CPython : python3 not found, skipped"),
    }
}
