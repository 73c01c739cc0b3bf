//! What the diagnostics cost and how fast they answer: lock-order checking on nested locks
//! (beside the same loop with diagnostics off and on, and parking_lot), a `dump()` of 1,000
//! parked threads, and the time from a deadlock's forming to its report.

use super::workload::Workload;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use threadkit::{DeadlockPolicy, Event, Thread};

/// Two nested locks: acquire the outer, the inner, increment, release both; returns the count.
fn nested_tk(ops: u64) -> u64 {
    let (outer, inner) = (threadkit::Lock::new(), threadkit::Lock::new());
    let count = AtomicU64::new(0);
    for _ in 0..ops {
        outer.acquire();
        inner.acquire();
        count.store(count.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        let _ = inner.release();
        let _ = outer.release();
    }
    count.load(Ordering::Relaxed)
}

fn nested_pl(ops: u64) -> u64 {
    let (outer, inner) = (parking_lot::Mutex::new(()), parking_lot::Mutex::new(0u64));
    for _ in 0..ops {
        let _o = outer.lock();
        *inner.lock() += 1;
    }
    let n = *inner.lock();
    n
}

/// Runs `f` with diagnostics on (and lock-order checking, if `order`).
fn with_diagnostics(order: bool, f: fn(u64) -> u64) -> impl Fn(u64) -> u64 {
    move |ops| {
        threadkit::set_diagnostics(true);
        threadkit::set_lock_order_checking(order);
        let n = f(ops);
        threadkit::set_lock_order_checking(false);
        threadkit::set_diagnostics(false);
        n
    }
}

/// 1,000 threads parked on an event, made by the untimed warm-up run and let go after the
/// workload (its teardown).
static CROWD: StdMutex<Option<(Arc<Event>, Vec<threadkit::ThreadHandle>)>> = StdMutex::new(None);
const CROWD_SIZE: usize = 1000;

/// `ops` dumps of the crowd; with diagnostics off, the same listing without wait details
/// (the registry's part of the cost).
fn dumps(ops: u64, recording: bool) -> u64 {
    threadkit::set_diagnostics(true);
    {
        let mut crowd = CROWD.lock().unwrap();
        if crowd.is_none() {
            let gate = Arc::new(Event::new());
            let threads = (0..CROWD_SIZE)
                .map(|_| {
                    let g = Arc::clone(&gate);
                    Thread::builder()
                        .stack_size(64 * 1024)
                        .spawn(move || g.wait())
                        .expect("thread started")
                        .handle()
                })
                .collect();
            *crowd = Some((gate, threads));
            // Every one parked before the first dump is timed.
            while threadkit::dump()
                .threads
                .iter()
                .filter(|t| matches!(t.state, threadkit::ThreadState::Waiting { .. }))
                .count()
                < CROWD_SIZE
            {
                std::thread::yield_now();
            }
        }
    }
    threadkit::set_diagnostics(recording);
    let mut seen = 0;
    for _ in 0..ops {
        let dump = threadkit::dump();
        seen += u64::from(dump.threads.len() > CROWD_SIZE);
    }
    threadkit::set_diagnostics(false);
    seen
}

fn release_crowd() {
    if let Some((gate, threads)) = CROWD.lock().unwrap().take() {
        gate.set();
        for t in threads {
            let _ = t.join();
        }
    }
}

/// Each op: two threads take two `RLock`s in opposite orders and the one closing the cycle
/// gets the report (the `Panic` policy); the time includes starting and joining both.
fn deadlocks(ops: u64) -> u64 {
    threadkit::set_diagnostics(true);
    let previous = threadkit::set_deadlock_policy(DeadlockPolicy::Panic);
    let _ = threadkit::set_excepthook(|_| {});
    let mut reported = 0;
    for _ in 0..ops {
        let (a, b) = (
            Arc::new(threadkit::RLock::new()),
            Arc::new(threadkit::RLock::new()),
        );
        let both = Arc::new(std::sync::Barrier::new(2));
        let spawn = |first: Arc<threadkit::RLock>, second: Arc<threadkit::RLock>| {
            let both = Arc::clone(&both);
            Thread::spawn(move || {
                let _one = first.guard();
                both.wait();
                let _two = second.guard();
            })
        };
        let t1 = spawn(Arc::clone(&a), Arc::clone(&b));
        let t2 = spawn(b, a);
        reported += u64::from(t1.join().is_err()) + u64::from(t2.join().is_err());
    }
    threadkit::reset_excepthook();
    threadkit::set_deadlock_policy(previous);
    threadkit::set_diagnostics(false);
    reported
}

/// Each op: the same two threads without the deadlock (each takes its own lock), the cost of
/// the threads alone beside [`deadlocks`].
fn no_deadlocks(ops: u64) -> u64 {
    let mut finished = 0;
    for _ in 0..ops {
        let (a, b) = (
            Arc::new(threadkit::RLock::new()),
            Arc::new(threadkit::RLock::new()),
        );
        let both = Arc::new(std::sync::Barrier::new(2));
        let spawn = |first: Arc<threadkit::RLock>| {
            let both = Arc::clone(&both);
            Thread::spawn(move || {
                let _one = first.guard();
                both.wait();
            })
        };
        let t1 = spawn(a);
        let t2 = spawn(b);
        finished += u64::from(t1.join().is_ok()) + u64::from(t2.join().is_ok());
    }
    // The deadlock case counts one report per op; here, one op per two finished threads.
    finished / 2
}

pub(crate) fn workloads() -> Vec<Workload> {
    vec![
        Workload::new(
            "lock-nested",
            "two nested locks: acquire both, increment, release both; one thread",
            1,
            2_000_000,
        )
        .case("threadkit Lock", nested_tk)
        .case("parking_lot Mutex", nested_pl)
        .case(
            "threadkit Lock, diagnostics on",
            with_diagnostics(false, nested_tk),
        )
        .case(
            "threadkit Lock, lock order on",
            with_diagnostics(true, nested_tk),
        ),
        Workload::new(
            "dump-1000-threads",
            "threadkit::dump() while 1,000 threads wait on events (diagnostics on)",
            CROWD_SIZE,
            200,
        )
        .case("threadkit dump()", |n| dumps(n, true))
        .case("dump(), diagnostics off", |n| dumps(n, false))
        .teardown(release_crowd),
        Workload::new(
            "deadlock-reported",
            "two threads take two RLocks in opposite orders; the report ends the cycle",
            2,
            2_000,
        )
        .case("threadkit, deadlock reported", deadlocks)
        .case("same threads, no deadlock", no_deadlocks),
    ]
}
