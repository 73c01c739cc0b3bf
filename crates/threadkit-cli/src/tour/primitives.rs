//! The notes' other objects: a `Timer` that fires and one cancelled in time, a `Semaphore`
//! letting two workers in at a time, and a `Barrier` that releases three threads together.

use super::log::{log, nap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use threadkit::{Barrier, Semaphore, Thread, Timer};

pub(crate) fn timer() {
    let fires = Timer::new(Duration::from_millis(100), || log!("Timer 1: fired"));
    let cancelled = Timer::new(Duration::from_secs(3600), || log!("Timer 2: fired (never)"));
    log!("Main    : starting two timers");
    fires.start().expect("start");
    cancelled.start().expect("start");
    log!(
        "Main    : cancelling timer 2: cancelled = {}",
        cancelled.cancel()
    );
    fires.join().expect("join");
    cancelled.join().expect("join");
    log!(
        "Main    : timer 1 fired = {}, timer 2 fired = {}",
        fires.has_fired(),
        cancelled.has_fired()
    );
}

pub(crate) fn semaphore() {
    let sem = Arc::new(Semaphore::new(2));
    let inside = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..5)
        .map(|i| {
            let (sem, inside, most) = (Arc::clone(&sem), Arc::clone(&inside), Arc::clone(&most));
            Thread::spawn(move || {
                let _permit = sem.guard(); // `with sem:`
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                log!("Worker {i}: working");
                nap(0.2);
                inside.fetch_sub(1, Ordering::SeqCst);
                log!("Worker {i}: done");
            })
        })
        .collect();
    for w in &workers {
        w.join().expect("join");
    }
    log!(
        "Main    : at most {} workers were inside at once",
        most.load(Ordering::SeqCst)
    );
}

pub(crate) fn barrier() {
    let barrier = Arc::new(
        Barrier::with_action(3, || log!("Barrier : all 3 arrived, releasing")).expect("3"),
    );
    let threads: Vec<_> = (0..3u32)
        .map(|i| {
            let b = Arc::clone(&barrier);
            Thread::spawn(move || {
                nap(0.1 * f64::from(i));
                log!("Thread {i}: waiting at the barrier");
                let index = b.wait().expect("not broken");
                log!("Thread {i}: passed (arrival index {index})");
            })
        })
        .collect();
    for t in &threads {
        t.join().expect("join");
    }
}
