//! Executor scopes (issue 15): pool tasks that borrow, all finished when the scope returns,
//! fail-fast stops the siblings (running or not started), every panic returned once and never
//! reported as unretrieved; and scoped threads are threadkit threads.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use threadkit::{
    Event, ExecutorBuilder, FutureError, GetError, Queue, ScopeOptions, ThreadPoolExecutor,
    WhenFull,
};

#[test]
fn tasks_borrow_mutably_and_all_finish_before_the_scope_returns() {
    let pool = ThreadPoolExecutor::new(3).unwrap();
    let mut data: Vec<u64> = (0..1000).collect();
    let total = AtomicUsize::new(0);
    pool.scope(|s| {
        for chunk in data.chunks_mut(10) {
            let total = &total;
            s.submit(move || {
                for x in chunk.iter_mut() {
                    *x *= 2;
                }
                total.fetch_add(chunk.len(), Ordering::SeqCst);
            })
            .unwrap();
        }
    })
    .unwrap();
    assert_eq!(total.load(Ordering::SeqCst), 1000);
    assert!(data.iter().enumerate().all(|(i, x)| *x == 2 * i as u64));
}

/// Tasks submit more tasks through the shared scope; the scope waits for all of them.
#[test]
fn tasks_may_submit_more_tasks() {
    let pool = ThreadPoolExecutor::new(2).unwrap();
    let count = AtomicUsize::new(0);
    pool.scope(|s| {
        for _ in 0..10 {
            s.submit(|| {
                for _ in 0..10 {
                    s.submit(|| count.fetch_add(1, Ordering::SeqCst)).unwrap();
                }
            })
            .unwrap();
        }
    })
    .unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 100);
}

/// Fail-fast: the running sibling's wait returns stopped, the queued ones never run.
#[test]
fn the_first_failure_stops_running_and_queued_siblings() {
    let pool = ThreadPoolExecutor::new(2).unwrap();
    let jobs: Queue<u8> = Queue::new(0);
    let ran = AtomicUsize::new(0);
    let (started, gate) = (Event::new(), Event::new());
    let mut waited = None;
    let mut queued_outcomes = Vec::new();
    let err = pool
        .scope(|s| {
            let waiting = s
                .submit(|| {
                    started.set();
                    jobs.get()
                })
                .unwrap();
            started.wait();
            // The other worker fails; the tasks queued behind it must not run.
            let failing = s
                .submit(|| {
                    gate.wait();
                    panic!("the failure")
                })
                .unwrap();
            let queued: Vec<_> = (0..5)
                .map(|_| s.submit(|| ran.fetch_add(1, Ordering::SeqCst)).unwrap())
                .collect();
            gate.set();
            // Ends only by the stop the failure causes (an unstoppable wait, as `join`).
            waited = Some(waiting.into_result());
            drop(failing);
            for f in queued {
                queued_outcomes.push(f.into_result().map(|_| ()));
            }
        })
        .unwrap_err();
    assert_eq!(err.panics().len(), 1);
    assert_eq!(err.panics()[0].message(), "the failure");
    assert_eq!(
        waited,
        Some(Ok(Err(GetError::Stopped))),
        "the waiting sibling"
    );
    assert_eq!(ran.load(Ordering::SeqCst), 0, "no queued sibling ran");
    assert!(queued_outcomes
        .iter()
        .all(|o| *o == Err(FutureError::Stopped)));
}

/// Back-pressure with `WhenFull::Block` inside a scope: every task runs, none lost.
#[test]
fn a_bounded_pool_blocks_the_scope_and_loses_nothing() {
    let pool = ExecutorBuilder::new()
        .max_workers(2)
        .max_queued(2, WhenFull::Block)
        .build()
        .unwrap();
    let sum = AtomicUsize::new(0);
    pool.scope(|s| {
        for n in 1..=200 {
            let sum = &sum;
            s.submit(move || sum.fetch_add(n, Ordering::SeqCst))
                .unwrap();
        }
    })
    .unwrap();
    assert_eq!(sum.load(Ordering::SeqCst), 20_100);
}

/// A value whose drop counts: a task's closure is dropped whether it ran or not.
struct Mark(Arc<AtomicUsize>);

impl Drop for Mark {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Stopping the scope's caller stops the scope's tasks (running or not started), and the scope
/// still returns only after every closure ran or was dropped.
#[test]
fn stopping_the_caller_stops_the_tasks_and_the_scope_still_waits() {
    let pool = Arc::new(ThreadPoolExecutor::new(2).unwrap());
    let p = Arc::clone(&pool);
    let gone = Arc::new(AtomicUsize::new(0));
    let g = Arc::clone(&gone);
    let started = Arc::new(Event::new());
    let st = Arc::clone(&started);
    let t = threadkit::Thread::spawn(move || {
        let q: Queue<u8> = Queue::new(0);
        let outcome = p.scope(|s| {
            for _ in 0..4 {
                let mark = Mark(Arc::clone(&g));
                let (st, q) = (&st, &q);
                s.submit(move || {
                    let _mark = mark;
                    st.set();
                    q.get()
                })
                .unwrap();
            }
        });
        // Every closure is gone by the time the scope returns.
        g.load(Ordering::SeqCst) == 4 && outcome.is_ok()
    });
    started.wait();
    t.request_stop();
    assert_eq!(t.into_output(), Ok(true));
    assert_eq!(gone.load(Ordering::SeqCst), 4);
}

/// 10,000 panics injected at random into scoped tasks (a fixed seed): every one comes back,
/// exactly once; none is reported as unretrieved, none goes to the excepthook.
#[test]
fn ten_thousand_injected_task_panics_are_all_returned_once() {
    let reported = Arc::new(AtomicUsize::new(0));
    let r = Arc::clone(&reported);
    threadkit::set_unretrieved_hook(move |_| {
        r.fetch_add(1, Ordering::SeqCst);
    });
    let hooked = Arc::new(AtomicUsize::new(0));
    let h = Arc::clone(&hooked);
    let _ = threadkit::set_excepthook(move |_| {
        h.fetch_add(1, Ordering::SeqCst);
    });
    let pool = ThreadPoolExecutor::new(4).unwrap();
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut injected, mut returned) = (0usize, 0usize);
    while injected < 10_000 {
        let plan: Vec<bool> = (0..64).map(|_| next() % 3 != 0).collect();
        injected += plan.iter().filter(|p| **p).count();
        let outcome = pool.scope_with(ScopeOptions::supervise(), |s| {
            for (i, fails) in plan.iter().enumerate() {
                s.submit(move || {
                    if *fails {
                        panic!("injected {i}");
                    }
                })
                .unwrap();
            }
        });
        let mut messages: Vec<String> = outcome
            .err()
            .map(|e| e.panics().iter().map(|p| p.message().to_owned()).collect())
            .unwrap_or_default();
        messages.sort();
        let before = messages.len();
        messages.dedup();
        assert_eq!(messages.len(), before, "none twice");
        returned += messages.len();
    }
    pool.shutdown();
    assert_eq!(returned, injected, "none lost");
    assert_eq!(
        reported.load(Ordering::SeqCst),
        0,
        "none reported unretrieved"
    );
    assert_eq!(hooked.load(Ordering::SeqCst), 0, "none printed");
    threadkit::reset_unretrieved_hook();
    threadkit::reset_excepthook();
}

/// A panic in the `Drop` of a closure that never ran (cancelled) is the scope's to return.
#[test]
fn a_panic_in_a_cancelled_closures_drop_is_returned() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("drop of an unrun closure");
        }
    }
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let (started, gate) = (Event::new(), Event::new());
    let err = pool
        .scope(|s| {
            s.submit(|| {
                started.set();
                gate.wait();
            })
            .unwrap();
            started.wait();
            let bomb = Bomb;
            let f = s
                .submit(move || {
                    let _keep = &bomb;
                })
                .unwrap();
            assert!(f.future().cancel());
            gate.set();
        })
        .unwrap_err();
    assert_eq!(err.panics().len(), 1);
    assert_eq!(err.panics()[0].message(), "drop of an unrun closure");
}

/// Scoped threads are threadkit threads: named, enumerated, with their own `Local`s.
#[test]
fn scoped_threads_are_threadkit_threads() {
    let local = threadkit::Local::new(|| 0u8);
    local.set(1);
    let names = threadkit::scope(|s| {
        let named = s.spawn_named("reader", || {
            assert!(!local.is_set(), "a fresh thread's own value");
            local.set(2);
            let me = threadkit::current_thread();
            assert!(!me.is_daemon());
            assert!(threadkit::enumerate().contains(&me));
            me.name()
        });
        let unnamed = s.spawn(|| threadkit::current_thread().name());
        (named.join().unwrap(), unnamed.join().unwrap())
    })
    .unwrap();
    assert_eq!(names.0, "reader");
    assert!(names.1.starts_with("Thread-"), "{}", names.1);
    assert_eq!(local.with(|v| *v), 1);
}

/// `spawn`: no future; the tasks borrow, all finish, a panic is the scope's (and, fail-fast,
/// stops a running sibling blocked in a queue's `get`).
#[test]
fn spawned_tasks_borrow_finish_and_return_their_panics() {
    let pool = ThreadPoolExecutor::new(2).unwrap();
    let mut data: Vec<u64> = (0..100).collect();
    pool.scope(|s| {
        for x in &mut data {
            s.spawn(move || *x += 1).unwrap();
        }
    })
    .unwrap();
    assert!(data.iter().enumerate().all(|(i, x)| *x == i as u64 + 1));

    let jobs: Queue<u8> = Queue::new(0);
    let started = Event::new();
    let outcome = std::sync::Mutex::new(None);
    let err = pool
        .scope(|s| {
            s.spawn(|| {
                started.set();
                *outcome.lock().unwrap() = Some(jobs.get());
            })
            .unwrap();
            started.wait();
            s.spawn(|| panic!("spawned boom")).unwrap();
        })
        .unwrap_err();
    assert_eq!(err.panics().len(), 1);
    assert_eq!(err.panics()[0].message(), "spawned boom");
    assert_eq!(*outcome.lock().unwrap(), Some(Err(GetError::Stopped)));
}

/// A refused closure comes back from `spawn` as from `submit`.
#[test]
fn a_refused_spawn_gives_the_closure_back() {
    let pool = ExecutorBuilder::new()
        .max_workers(1)
        .max_queued(1, WhenFull::Reject)
        .build()
        .unwrap();
    let (started, gate) = (Event::new(), Event::new());
    pool.scope(|s| {
        s.spawn(|| {
            started.set();
            gate.wait();
        })
        .unwrap();
        started.wait(); // the worker is busy and the queue empty
        s.spawn(|| ()).unwrap();
        let Err(threadkit::SubmitError::Full(refused)) = s.spawn(|| ()) else {
            panic!("the bound of one queued task refuses a second")
        };
        gate.set();
        refused();
    })
    .unwrap();
}

/// A task that runs on a thread that is no worker of its scope's pool (here: inline, by the
/// caller-runs policy, inside a task of another pool, whose worker's token is that task's) has
/// no worker slot for its scope: the scope's stop still reaches it, by the general link.
#[test]
fn a_stop_reaches_a_task_run_outside_its_pools_workers() {
    let outer = ThreadPoolExecutor::new(1).unwrap();
    let inner_pool = ExecutorBuilder::new()
        .max_workers(1)
        .max_queued(1, WhenFull::CallerRuns)
        .build()
        .unwrap();
    let jobs: Queue<u8> = Queue::new(0);
    let (blocker_started, gate, inline_started) = (Event::new(), Event::new(), Event::new());
    let inline = std::sync::Mutex::new(None);
    inner_pool
        .scope(|s| {
            s.spawn(|| {
                blocker_started.set();
                gate.wait();
            })
            .unwrap();
            blocker_started.wait(); // the inner pool's worker is busy
                                    // And its queue full: the next runs where it is submitted.
            s.spawn(|| ()).unwrap();
            // Opened on a plain thread, whose token is not the inner scope's: the outer
            // scope's token is no child of it, so only the inner scope's own link can stop
            // the task.
            std::thread::scope(|t| {
                t.spawn(|| {
                    outer
                        .scope(|o| {
                            o.spawn(|| {
                                s.spawn(|| {
                                    inline_started.set();
                                    *inline.lock().unwrap() = Some(jobs.get());
                                })
                                .unwrap();
                            })
                            .unwrap();
                            inline_started.wait();
                            s.stop();
                        })
                        .unwrap();
                });
            });
            gate.set();
        })
        .unwrap();
    assert_eq!(*inline.lock().unwrap(), Some(Err(GetError::Stopped)));
}

/// A scope's token stopped after the scope ended reaches nothing: a later scope's task on the
/// same worker runs on (scopes are told apart by a number never reused).
#[test]
fn a_late_stop_of_an_ended_scope_stops_no_later_task() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let old = pool.scope(|s| s.stop_token()).unwrap();
    let (started, stopped) = (Event::new(), Event::new());
    let seen = pool
        .scope(|s| {
            let f = s
                .submit(|| {
                    started.set();
                    stopped.wait();
                    threadkit::stop_requested()
                })
                .unwrap();
            started.wait();
            old.stop();
            stopped.set();
            f.into_result().unwrap()
        })
        .unwrap();
    assert!(!seen, "the later scope's task was stopped");
}

/// A worker's slot keeps naming a scope between the scope's tasks (see the executor's
/// `running`): a stop of that scope while the worker idles must not land on its next task,
/// of no scope or of another one. (A stop that lands before the worker's check after the
/// task is caught there instead: repeated, so the idle case comes up.)
#[test]
fn a_stop_while_the_worker_idles_stops_no_later_task() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    for next_in_a_scope in [false, true, false, true, false, true, false, true] {
        let _ = pool.scope(|s| {
            // Run to its end: the worker idles, its slot naming this scope.
            s.submit(|| ()).unwrap().into_result().unwrap();
            s.stop();
        });
        let seen = if next_in_a_scope {
            pool.scope(|s| s.submit(threadkit::stop_requested).unwrap().into_result())
                .unwrap()
        } else {
            pool.submit(threadkit::stop_requested)
                .unwrap()
                .into_result()
        };
        assert!(
            !seen.unwrap(),
            "a later task was stopped (next in a scope: {next_in_a_scope})"
        );
    }
}
