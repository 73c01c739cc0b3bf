//! `Barrier`: Python's `threading.Barrier` rules, including every way it breaks.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use threadkit::{Barrier, Thread, ZeroPartiesError};

const HANG_GUARD: Duration = Duration::from_secs(60);

fn spawn_waiters(
    b: &Arc<Barrier>,
    n: usize,
) -> Vec<Thread<Result<usize, threadkit::BrokenBarrierError>>> {
    (0..n)
        .map(|_| {
            let b = b.clone();
            Thread::spawn(move || b.wait_timeout(HANG_GUARD))
        })
        .collect()
}

fn wait_until_waiting(b: &Barrier, n: usize) {
    while b.n_waiting() < n {
        std::thread::yield_now();
    }
}

#[test]
fn zero_parties_is_an_error() {
    assert_eq!(Barrier::new(0).unwrap_err(), ZeroPartiesError);
    assert!(Barrier::with_action(0, || ()).is_err());
}

#[test]
fn indexes_are_distinct_and_action_runs_once_per_cycle() {
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let b = Arc::new(
        Barrier::with_action(4, move || {
            r.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap(),
    );
    for cycle in 1..=3 {
        let mut idx: Vec<usize> = spawn_waiters(&b, 4)
            .into_iter()
            .map(|t| t.into_output().unwrap().unwrap())
            .collect();
        idx.sort_unstable();
        assert_eq!(idx, [0, 1, 2, 3]);
        assert_eq!(runs.load(Ordering::SeqCst), cycle);
    }
    assert_eq!(b.parties(), 4);
    assert_eq!(b.n_waiting(), 0);
}

#[test]
fn timeout_breaks_it_for_everyone() {
    let b = Arc::new(Barrier::new(3).unwrap());
    let other = spawn_waiters(&b, 1);
    wait_until_waiting(&b, 1);
    assert!(b.wait_timeout(Duration::from_millis(5)).is_err());
    assert!(b.broken());
    for t in other {
        assert!(t.into_output().unwrap().is_err());
    }
    assert!(b.wait().is_err(), "stays broken");
}

#[test]
fn default_timeout_applies() {
    let b = Barrier::new(2)
        .unwrap()
        .default_timeout(Duration::from_millis(5));
    assert!(b.wait().is_err());
    assert!(b.broken());
}

#[test]
fn abort_breaks_waiters() {
    let b = Arc::new(Barrier::new(3).unwrap());
    let waiters = spawn_waiters(&b, 2);
    wait_until_waiting(&b, 2);
    b.abort();
    for t in waiters {
        assert!(t.into_output().unwrap().is_err());
    }
    assert!(b.broken());
    b.reset();
    assert!(!b.broken());
    let mut idx: Vec<usize> = spawn_waiters(&b, 3)
        .into_iter()
        .map(|t| t.into_output().unwrap().unwrap())
        .collect();
    idx.sort_unstable();
    assert_eq!(idx, [0, 1, 2], "usable again after reset");
}

#[test]
fn reset_breaks_current_waiters_then_works() {
    let b = Arc::new(Barrier::new(3).unwrap());
    let waiters = spawn_waiters(&b, 2);
    wait_until_waiting(&b, 2);
    b.reset();
    for t in waiters {
        assert!(t.into_output().unwrap().is_err());
    }
    assert!(!b.broken());
    let idx: Vec<_> = spawn_waiters(&b, 3)
        .into_iter()
        .map(|t| t.into_output().unwrap())
        .collect();
    assert!(idx.iter().all(Result::is_ok));
}

#[test]
fn panicking_action_breaks_it_and_is_delivered() {
    let b = Arc::new(Barrier::with_action(3, || panic!("action failed")).unwrap());
    let results: Vec<_> = spawn_waiters(&b, 3)
        .into_iter()
        .map(|t| t.into_output().unwrap())
        .collect();
    assert!(results.iter().all(Result::is_err));
    let panics: Vec<_> = results
        .iter()
        .filter_map(|r| r.as_ref().unwrap_err().action_panic())
        .collect();
    assert_eq!(
        panics.len(),
        1,
        "exactly the thread that ran the action gets its panic"
    );
    assert_eq!(panics[0].message(), "action failed");
    assert!(b.broken());
}

#[test]
fn stress_many_cycles() {
    let b = Arc::new(Barrier::new(4).unwrap());
    let counter = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (b, counter) = (b.clone(), counter.clone());
            Thread::spawn(move || {
                for round in 0..300 {
                    counter.fetch_add(1, Ordering::SeqCst);
                    b.wait_timeout(HANG_GUARD).unwrap();
                    // Everyone has incremented for this round before anyone passes.
                    assert!(counter.load(Ordering::SeqCst) >= 4 * (round + 1));
                    b.wait_timeout(HANG_GUARD).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(counter.load(Ordering::SeqCst), 1200);
}

/// More threads than parties, and resets meanwhile: a party that passes may arrive in the
/// next cycle before the slower parties of the last one have read how it ended, and a reset
/// may end that next cycle. Every cycle that passes still has exactly `parties` members with
/// distinct indexes, each told it passed, and its action runs once; every member of a reset
/// cycle is told it broke.
#[test]
fn more_threads_than_parties_never_mix_cycles() {
    const PARTIES: usize = 3;
    const THREADS: usize = 7;
    const CYCLES: usize = 3_000;
    let actions = Arc::new(AtomicUsize::new(0));
    let b = Arc::new({
        let actions = actions.clone();
        Barrier::with_action(PARTIES, move || {
            actions.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap()
    });
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Each thread waits until told to stop (a fixed number of waits per thread could leave the
    // last ones without enough distinct partners).
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (b, stop) = (b.clone(), stop.clone());
            Thread::spawn(move || {
                let mut seen = [0usize; PARTIES];
                loop {
                    match b.wait_timeout(HANG_GUARD) {
                        Ok(index) => seen[index] += 1,
                        Err(_) if stop.load(Ordering::SeqCst) => return seen,
                        Err(_) => {}
                    }
                }
            })
        })
        .collect();
    let resetter = {
        let (b, stop) = (b.clone(), stop.clone());
        Thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                b.reset();
                std::thread::sleep(Duration::from_micros(100));
            }
        })
    };
    let started = std::time::Instant::now();
    while actions.load(Ordering::SeqCst) < CYCLES {
        assert!(
            started.elapsed() < HANG_GUARD,
            "the barrier stopped cycling after {} cycles: {b:?}",
            actions.load(Ordering::SeqCst)
        );
        std::thread::yield_now();
    }
    stop.store(true, Ordering::SeqCst);
    resetter.join().unwrap();
    b.abort();
    let mut per_index = [0usize; PARTIES];
    for t in threads {
        for (total, n) in per_index.iter_mut().zip(t.into_output().unwrap()) {
            *total += n;
        }
    }
    let passed = per_index[0];
    assert_eq!(
        per_index, [passed; PARTIES],
        "each cycle hands out every index once"
    );
    // The abort may land while an action runs: that cycle is broken, its action ran.
    let actions = actions.load(Ordering::SeqCst);
    assert!(
        actions == passed || actions == passed + 1,
        "{actions} actions, {passed} cycles"
    );
    assert!(passed + 1 >= CYCLES);
    assert!(b.broken());
    assert_eq!(b.n_waiting(), 0);
}

/// Issue 10, defect 4: an action that reads its own barrier (`n_waiting`, `broken`, `{:?}`)
/// runs (Python allows it); an action that aborts its barrier breaks the cycle for everyone.
#[test]
fn an_action_may_use_its_own_barrier() {
    use std::sync::OnceLock;
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let cell: Arc<OnceLock<Arc<Barrier>>> = Arc::new(OnceLock::new());
    let barrier = {
        let (seen, cell) = (Arc::clone(&seen), Arc::clone(&cell));
        Arc::new(
            Barrier::with_action(3, move || {
                let b = cell.get().unwrap();
                seen.lock()
                    .unwrap()
                    .push(format!("{} {} {b:?}", b.n_waiting(), b.broken()));
            })
            .unwrap(),
        )
    };
    cell.set(Arc::clone(&barrier)).unwrap();
    for _round in 0..3 {
        let parties: Vec<_> = (0..3)
            .map(|_| {
                let b = Arc::clone(&barrier);
                Thread::spawn(move || b.wait_timeout(Duration::from_secs(60)))
            })
            .collect();
        let mut indexes: Vec<usize> = parties
            .into_iter()
            .map(|t| t.into_output().unwrap().unwrap())
            .collect();
        indexes.sort_unstable();
        assert_eq!(indexes, [0, 1, 2]);
    }
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    assert!(
        seen[0].starts_with("3 false Barrier"),
        "all three parties wait while the action runs: {}",
        seen[0]
    );

    let aborting = Arc::new(OnceLock::<Arc<Barrier>>::new());
    let barrier = {
        let cell = Arc::clone(&aborting);
        Arc::new(Barrier::with_action(2, move || cell.get().unwrap().abort()).unwrap())
    };
    aborting.set(Arc::clone(&barrier)).unwrap();
    let other = {
        let b = Arc::clone(&barrier);
        Thread::spawn(move || b.wait_timeout(Duration::from_secs(60)))
    };
    assert!(barrier.wait_timeout(Duration::from_secs(60)).is_err());
    assert!(other.into_output().unwrap().is_err());
    assert!(barrier.broken());
    barrier.reset();
    assert!(!barrier.broken());
}
