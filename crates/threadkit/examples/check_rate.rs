//! How many schedules per second check mode runs on the seeds' FakeDatabase with its Lock
//! (two threads, a lock, a load and a store; every schedule passes), and how soon it finds
//! the unlocked race. Needs the `check` feature:
//!
//! ```text
//! cargo run --release -p threadkit --features check --example check_rate
//! ```
//!
//! `threadkit bench` runs it and prints its lines.

use std::sync::Arc;
use std::time::{Duration, Instant};
use threadkit::atomic::{AtomicU64, Ordering};
use threadkit::{Check, Lock, Scheduler, Thread};

fn fake_database(locked: bool) -> impl Fn() + Send + Sync + 'static {
    move || {
        let value = Arc::new(AtomicU64::new(0));
        let lock = Arc::new(Lock::new());
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (value, lock) = (Arc::clone(&value), Arc::clone(&lock));
                Thread::spawn(move || {
                    let _guard = locked.then(|| lock.guard());
                    let local_copy = value.load(Ordering::SeqCst) + 1;
                    threadkit::sleep(Duration::from_millis(100));
                    value.store(local_copy, Ordering::SeqCst);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(value.load(Ordering::SeqCst), 2, "an update was lost");
    }
}

fn main() {
    // `--schedules N` (10,000 by default): `threadkit bench --quick` runs fewer.
    let mut args = std::env::args().skip_while(|a| a != "--schedules").skip(1);
    let n = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    for scheduler in [Scheduler::Random, Scheduler::Pct { depth: 3 }] {
        let started = Instant::now();
        let summary = Check::new()
            .scheduler(scheduler)
            .schedules(n)
            .run(fake_database(true));
        let took = started.elapsed();
        println!(
            "{scheduler:?}: {} schedules of the locked FakeDatabase in {:.2} s: {:.0} schedules/s ({:.0} steps each)",
            summary.schedules,
            took.as_secs_f64(),
            summary.schedules as f64 / took.as_secs_f64(),
            summary.steps as f64 / summary.schedules as f64
        );
    }
}
