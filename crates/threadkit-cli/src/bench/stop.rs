//! How fast a stop request gets a thread out of each kind of blocking call (p50 and p99 of the
//! time from `request_stop` to `join` returning), and `shutdown` with `cancel_futures` and
//! `stop_running` while 10,000 tasks are queued.

use std::sync::Arc;
use std::time::{Duration, Instant};
use threadkit::{
    Barrier, Condition, Event, JoinError, Lock, Queue, Semaphore, ShutdownOptions, Thread,
    ThreadPoolExecutor, ThreadState,
};

/// One blocking kind: what it blocks on, made fresh for each sample.
struct Kind {
    name: &'static str,
    block: fn() -> Box<dyn FnOnce() + Send>,
}

fn kinds() -> Vec<Kind> {
    vec![
        Kind {
            name: "Lock.acquire",
            block: || {
                let lock = Arc::new(Lock::new());
                lock.acquire();
                Box::new(move || lock.acquire())
            },
        },
        Kind {
            name: "Condition.wait",
            block: || {
                let cond = Arc::new(Condition::new());
                Box::new(move || {
                    let _g = cond.guard();
                    let _ = cond.wait();
                })
            },
        },
        Kind {
            name: "Semaphore.acquire",
            block: || {
                let sem = Arc::new(Semaphore::new(0));
                Box::new(move || sem.acquire())
            },
        },
        Kind {
            name: "Event.wait",
            block: || {
                let event = Arc::new(Event::new());
                Box::new(move || {
                    event.wait();
                })
            },
        },
        Kind {
            name: "Barrier.wait",
            block: || {
                let barrier = Arc::new(Barrier::new(2).expect("parties"));
                Box::new(move || {
                    let _ = barrier.wait();
                })
            },
        },
        Kind {
            name: "Queue.get",
            block: || {
                let q: Arc<Queue<u8>> = Arc::new(Queue::new(0));
                Box::new(move || {
                    let _ = q.get();
                    threadkit::sleep(Duration::ZERO); // a stopped get returns: end as the others
                })
            },
        },
        Kind {
            name: "Future.result",
            block: || {
                let gate = Arc::new(Event::new());
                let promise_gate = Arc::clone(&gate);
                let (promise, future) = threadkit::promise::<()>();
                // The promise stays pending until the sample's thread is gone.
                std::thread::spawn(move || {
                    promise_gate.wait();
                    drop(promise);
                });
                Box::new(move || {
                    let _unblock = Unblock(gate);
                    let _ = future.result();
                })
            },
        },
        Kind {
            name: "threadkit::sleep",
            block: || Box::new(|| threadkit::sleep(Duration::from_secs(3600))),
        },
    ]
}

/// Sets its event when dropped (also while unwinding).
struct Unblock(Arc<Event>);

impl Drop for Unblock {
    fn drop(&mut self) {
        self.0.set();
    }
}

/// Waits until the thread is parked in a threadkit wait (diagnostics on).
fn parked(t: &threadkit::ThreadHandle) {
    let ident = t.ident();
    let give_up = Instant::now() + Duration::from_secs(30);
    while !threadkit::dump()
        .threads
        .iter()
        .any(|d| d.ident == ident && matches!(d.state, ThreadState::Waiting { .. }))
    {
        assert!(Instant::now() < give_up, "never parked");
        std::thread::yield_now();
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at]
}

/// (kind, p50, p99) of the time from `request_stop` to `join` returning, `samples` each.
pub(crate) fn latencies(samples: usize) -> Vec<(&'static str, Duration, Duration)> {
    let was = threadkit::diagnostics_enabled();
    threadkit::set_diagnostics(true);
    let out = kinds()
        .into_iter()
        .map(|kind| {
            let mut times: Vec<Duration> = (0..samples)
                .map(|_| {
                    let t = Thread::spawn((kind.block)());
                    parked(&t);
                    let start = Instant::now();
                    t.request_stop();
                    let outcome = t.join();
                    let elapsed = start.elapsed();
                    assert!(
                        matches!(outcome, Err(JoinError::Stopped)),
                        "{}: {outcome:?}",
                        kind.name
                    );
                    elapsed
                })
                .collect();
            times.sort_unstable();
            (kind.name, percentile(&times, 0.5), percentile(&times, 0.99))
        })
        .collect();
    threadkit::set_diagnostics(was);
    out
}

/// The time `shutdown_with(cancel_futures, stop_running)` takes with two running tasks
/// blocked for an hour and `queued` tasks waiting: the best of `rounds`.
pub(crate) fn shutdown(queued: usize, rounds: usize) -> Duration {
    (0..rounds)
        .map(|_| {
            let pool = ThreadPoolExecutor::new(2).expect("workers");
            let running: Vec<_> = (0..2)
                .map(|_| {
                    pool.submit(|| threadkit::sleep(Duration::from_secs(3600)))
                        .expect("submitted")
                })
                .collect();
            while !running.iter().all(threadkit::Future::running) {
                std::thread::yield_now();
            }
            let waiting: Vec<_> = (0..queued)
                .map(|i| pool.submit(move || i).expect("submitted"))
                .collect();
            let start = Instant::now();
            pool.shutdown_with(
                ShutdownOptions::new()
                    .cancel_futures(true)
                    .stop_running(true),
            );
            let elapsed = start.elapsed();
            assert!(waiting.iter().all(threadkit::Future::done));
            elapsed
        })
        .min()
        .unwrap_or_default()
}

/// Each op: a thread that waits on an event is stopped and joined.
fn stopped(ops: u64) -> u64 {
    let mut n = 0;
    for _ in 0..ops {
        let event = Arc::new(Event::new());
        let e = Arc::clone(&event);
        let t = Thread::spawn(move || e.wait());
        t.request_stop();
        n += u64::from(t.join().is_err());
    }
    n
}

/// Each op: the same thread, let go by setting its event instead.
fn set(ops: u64) -> u64 {
    let mut n = 0;
    for _ in 0..ops {
        let event = Arc::new(Event::new());
        let e = Arc::clone(&event);
        let t = Thread::spawn(move || e.wait());
        event.set();
        n += u64::from(t.join().is_ok());
    }
    n
}

pub(crate) fn workloads() -> Vec<super::workload::Workload> {
    vec![super::workload::Workload::new(
        "stop-event-wait",
        "start a thread that waits on an event, stop it, join it (stop latency: below the table)",
        2,
        2_000,
    )
    .case("threadkit, request_stop", stopped)
    .case("threadkit, event set", set)]
}
