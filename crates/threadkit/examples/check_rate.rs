//! How many schedules per second check mode runs on the seeds' FakeDatabase with its Lock
//! (two threads, a lock, a load and a store; every schedule passes), and how soon it finds
//! the unlocked race. Needs the `check` feature:
//!
//! ```text
//! cargo run --release -p threadkit --features check --example check_rate
//! ```
//!
//! `threadkit bench` runs it and prints its lines.

use std::time::Instant;
use threadkit::{Check, Scheduler};

#[path = "common/fake_database.rs"]
mod common;

fn main() {
    // `--schedules N` (10,000 by default): `threadkit bench --quick` runs fewer.
    let mut args = std::env::args().skip_while(|a| a != "--schedules").skip(1);
    let n = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    for scheduler in [Scheduler::Random, Scheduler::Pct { depth: 3 }] {
        let started = Instant::now();
        let summary = Check::new()
            .scheduler(scheduler)
            .schedules(n)
            .run(common::fake_database(true, true));
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
