//! Finding the race: the seeds' FakeDatabase, whose two updates sometimes lose one, run as a
//! test under check mode: the race is found, replayed exactly (printing the seed's log lines
//! of the failing interleaving), found again with no sleep between the read and the write, and
//! the seed's fix (a `Lock`) passes every schedule of an exhaustive search. `threadkit tour`
//! runs it as its "finding-the-race" program. Needs the `check` feature:
//!
//! ```text
//! cargo run --release -p threadkit --features check --example finding_the_race
//! ```
//!
//! The seed (Python), with the assertion a test adds:
//!
//! ```python
//! def update(self, name):
//!     logging.info("Thread %s: starting update", name)
//!     local_copy = self.value
//!     local_copy += 1
//!     time.sleep(0.1)
//!     self.value = local_copy
//!     logging.info("Thread %s: finishing update", name)
//!
//! database = FakeDatabase()
//! logging.info("Testing update. Starting value is %d.", database.value)
//! with concurrent.futures.ThreadPoolExecutor(max_workers=2) as executor:
//!     for index in range(2):
//!         executor.submit(database.update, index)
//! logging.info("Testing update. Ending value is %d.", database.value)
//! assert database.value == 2
//! ```

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;
use threadkit::atomic::{AtomicU32, Ordering};
use threadkit::{Check, Lock, Scheduler, ThreadPoolExecutor};

/// Whether the body prints the seed's log lines (only when a failure is replayed: a search
/// runs it thousands of times).
static LOUD: AtomicBool = AtomicBool::new(false);

macro_rules! log {
    ($($arg:tt)*) => {
        if LOUD.load(std::sync::atomic::Ordering::Relaxed) {
            println!($($arg)*);
        }
    };
}

/// The seeds' `FakeDatabase`: `value` is a `threadkit::atomic` (std's atomic in a normal
/// build; under check mode each load and store is a point where another thread may run).
struct FakeDatabase {
    value: AtomicU32,
    lock: Lock,
    /// The seed's `time.sleep(0.1)` between the read and the write; without it, the race is
    /// the bare load-then-store.
    sleep: bool,
}

impl FakeDatabase {
    fn update(&self, name: u32, locked: bool) {
        log!("Thread {name}: starting update");
        let _with = locked.then(|| self.lock.guard()); // `with self._lock:`
        let mut local_copy = self.value.load(Ordering::SeqCst);
        local_copy += 1;
        if self.sleep {
            threadkit::sleep(Duration::from_millis(100));
        }
        self.value.store(local_copy, Ordering::SeqCst);
        drop(_with);
        log!("Thread {name}: finishing update");
    }
}

/// The seed's program as a test body: two updates on a `ThreadPoolExecutor(max_workers=2)`,
/// then the assertion.
fn two_updates(locked: bool, sleep: bool) -> impl Fn() + Send + Sync + 'static {
    move || {
        let database = Arc::new(FakeDatabase {
            value: AtomicU32::new(0),
            lock: Lock::new(),
            sleep,
        });
        // Read whether or not it is printed: a load is a step, and a replay takes the same ones.
        let start = database.value.load(Ordering::SeqCst);
        log!("Testing update. Starting value is {start}.");
        {
            let executor = ThreadPoolExecutor::new(2).expect("2 workers");
            for index in 0..2 {
                let db = Arc::clone(&database);
                executor
                    .submit(move || db.update(index, locked))
                    .expect("the pool runs");
            }
        } // `with ... as executor:` ends: shutdown(wait=True)
        let value = database.value.load(Ordering::SeqCst);
        log!("Testing update. Ending value is {value}.");
        assert_eq!(value, 2, "an update was lost");
    }
}

/// Runs `check` on `body`: the failure report, or `None` if every schedule passed.
fn failure(check: Check, body: impl Fn() + Send + Sync + 'static) -> Option<String> {
    let outcome = catch_unwind(AssertUnwindSafe(|| check.run(body)));
    outcome.err().map(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .unwrap_or_else(|| "a failure without a report".to_owned())
    })
}

/// The number after `key` in a report.
fn number_after(report: &str, key: &str) -> u64 {
    report
        .split(key)
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the report has {key:?}: {report}"))
}

/// Searches with `check`, prints the report, replays the failure with the log lines, then
/// replays it 100 times more and compares.
fn find_and_replay(check: Check, locked: bool, sleep: bool) {
    let report = failure(check, two_updates(locked, sleep)).expect("the race is found");
    println!("[check] {}", report.lines().next().unwrap_or_default());
    for line in report.lines().skip(1) {
        println!("[check] {line}");
    }
    let seed = number_after(&report, "seed: ");
    let steps = number_after(&report, "THREADKIT_CHECK_STEPS=");
    let replay = || Check::new().replay(seed).steps_estimate(steps);
    println!("[check] the replay, with the seed's log lines:");
    LOUD.store(true, std::sync::atomic::Ordering::Relaxed);
    let again = failure(replay(), two_updates(locked, sleep)).expect("the replay fails");
    LOUD.store(false, std::sync::atomic::Ordering::Relaxed);
    let same = (0..100)
        .filter(|_| failure(replay(), two_updates(locked, sleep)).as_ref() == Some(&again))
        .count();
    let same_as_found = again.lines().skip(1).eq(report.lines().skip(1));
    println!(
        "[check] the replay is the failing schedule: {}; 100 more replays, identical: {same} of 100",
        if same_as_found { "the same steps" } else { "DIFFERENT steps" }
    );
}

fn main() {
    // The search's failures are caught and printed here, not by the panic hook.
    std::panic::set_hook(Box::new(|_| {}));

    println!("[check] 1. The seeds' race: read, sleep(0.1), write. Check::new() runs the test under PCT schedules (the default), the clock virtual:");
    find_and_replay(Check::new().schedules(1000), false, true);

    println!();
    println!("[check] 2. No sleep: the bare load then store on a threadkit::atomic::AtomicU32:");
    find_and_replay(Check::new().schedules(10_000), false, false);

    println!();
    println!("[check] 3. The seed's fix, `with self._lock:`, under an exhaustive search (every schedule with at most 2 preemptions) and 10,000 random schedules:");
    let summary = Check::new()
        .scheduler(Scheduler::Exhaustive { preemptions: 2 })
        .schedules(1_000_000)
        .run(two_updates(true, false));
    println!(
        "[check] exhaustive: {} schedules, every one passed; the space was exhausted: {}",
        summary.schedules, summary.exhausted
    );
    let summary = Check::new()
        .scheduler(Scheduler::Random)
        .schedules(10_000)
        .run(two_updates(true, true));
    println!(
        "[check] random: {} schedules, every one passed",
        summary.schedules
    );
}
