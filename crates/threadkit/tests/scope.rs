//! Structured scopes (issue 15): borrowing threads, all finished at the end, fail-fast stops
//! the siblings, every panic returned once and printed never.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use threadkit::{GetError, JoinError, Queue, ScopeOptions, Thread};

#[test]
fn scoped_threads_borrow_and_all_finish_before_the_scope_returns() {
    let mut counts = vec![0u32; 8];
    let finished = AtomicUsize::new(0);
    threadkit::scope(|s| {
        for (i, c) in counts.iter_mut().enumerate() {
            let finished = &finished;
            s.spawn(move || {
                *c = i as u32 * 10;
                finished.fetch_add(1, Ordering::SeqCst);
            });
        }
    })
    .unwrap();
    assert_eq!(finished.load(Ordering::SeqCst), 8);
    assert_eq!(counts, [0, 10, 20, 30, 40, 50, 60, 70]);
}

#[test]
fn the_first_failure_stops_the_siblings_and_comes_back() {
    let hooked = Arc::new(AtomicUsize::new(0));
    let h = Arc::clone(&hooked);
    let _ = threadkit::set_excepthook(move |_| {
        h.fetch_add(1, Ordering::SeqCst);
    });
    let jobs: Queue<u8> = Queue::new(0);
    let mut sibling = None;
    let err = threadkit::scope(|s| {
        let waiting = s.spawn(|| jobs.get()); // would wait forever
        s.spawn(|| panic!("the failure"));
        sibling = Some(waiting.join());
    })
    .unwrap_err();
    assert_eq!(err.panics().len(), 1);
    assert_eq!(err.panics()[0].message(), "the failure");
    assert_eq!(sibling.unwrap().unwrap(), Err(GetError::Stopped));
    assert_eq!(hooked.load(Ordering::SeqCst), 0, "returned, not printed");
    threadkit::reset_excepthook();
}

#[test]
fn a_supervised_scope_lets_the_others_finish() {
    let mut done = false;
    let err = threadkit::scope_with(ScopeOptions::supervise(), |s| {
        s.spawn(|| panic!("one"));
        s.spawn(|| {
            threadkit::sleep(std::time::Duration::from_millis(2));
            done = true;
        });
    })
    .unwrap_err();
    assert_eq!(err.panics().len(), 1);
    assert!(done);
}

#[test]
fn the_scope_closures_own_panic_comes_first_and_stops_the_threads() {
    let jobs: Queue<u8> = Queue::new(0);
    let err = threadkit::scope(|s| {
        s.spawn(|| jobs.get());
        panic!("the closure");
    })
    .unwrap_err();
    assert_eq!(err.panics()[0].message(), "the closure");
    assert_eq!(err.panics().len(), 1, "the stopped thread is not a failure");
}

/// A joined panic is the joiner's: it is not returned again.
#[test]
fn a_joined_panic_is_not_returned_twice() {
    let r = threadkit::scope_with(ScopeOptions::supervise(), |s| {
        s.spawn(|| -> () { panic!("mine") }).join()
    })
    .unwrap();
    match r {
        Err(JoinError::Panicked(p)) => assert_eq!(p.message(), "mine"),
        other => panic!("{other:?}"),
    }
}

/// Stopping the thread that runs a scope stops the scope's threads, and the stop goes on.
#[test]
fn stopping_the_caller_stops_its_scope() {
    let t = Thread::spawn(|| {
        let q: Queue<u8> = Queue::new(0);
        threadkit::scope(|s| {
            s.spawn(|| q.get());
            q.join(); // nothing put: returns at once
            let never = threadkit::Event::new();
            never.wait(); // the caller's stop ends this
        })
    });
    while !t.is_alive() {
        std::thread::yield_now();
    }
    t.request_stop();
    assert!(matches!(t.join(), Err(JoinError::Stopped)));
}

/// 10,000 panics injected at random into scoped threads (a fixed seed): every one comes back,
/// exactly once, and none goes to the excepthook.
#[test]
fn ten_thousand_injected_panics_are_all_returned_once() {
    let hooked = Arc::new(AtomicUsize::new(0));
    let h = Arc::clone(&hooked);
    let _ = threadkit::set_excepthook(move |_| {
        h.fetch_add(1, Ordering::SeqCst);
    });
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
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
        let outcome = threadkit::scope_with(ScopeOptions::supervise(), |s| {
            for (i, fails) in plan.iter().enumerate() {
                let fails = *fails;
                s.spawn(move || {
                    if fails {
                        panic!("injected {i}");
                    }
                });
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
    assert_eq!(returned, injected, "none lost");
    assert_eq!(hooked.load(Ordering::SeqCst), 0, "none printed");
    threadkit::reset_excepthook();
}
