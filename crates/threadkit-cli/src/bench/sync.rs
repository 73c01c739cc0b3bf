//! Workloads of the synchronization primitives: one local trait per kind of primitive, so
//! threadkit and each peer run literally the same loop.

use super::workload::Workload;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A lock protecting a counter.
trait CounterLock: Send + Sync + 'static {
    fn new() -> Self;
    fn add_one(&self);
    fn get(&self) -> u64;
}

/// A lock acquired and released by hand, with no data of its own (Python's style).
trait ByHand: Send + Sync + 'static {
    fn make() -> Self;
    fn acquire(&self);
    fn release(&self);
}

impl ByHand for threadkit::Lock {
    fn make() -> Self {
        threadkit::Lock::new()
    }
    #[inline]
    fn acquire(&self) {
        threadkit::Lock::acquire(self);
    }
    #[inline]
    fn release(&self) {
        let _ = threadkit::Lock::release(self);
    }
}

impl ByHand for threadkit::RLock {
    fn make() -> Self {
        threadkit::RLock::new()
    }
    #[inline]
    fn acquire(&self) {
        threadkit::RLock::acquire(self);
    }
    #[inline]
    fn release(&self) {
        let _ = threadkit::RLock::release(self);
    }
}

impl ByHand for threadkit::Semaphore {
    fn make() -> Self {
        threadkit::Semaphore::new(1)
    }
    #[inline]
    fn acquire(&self) {
        threadkit::Semaphore::acquire(self);
    }
    #[inline]
    fn release(&self) {
        threadkit::Semaphore::release(self);
    }
}

/// The counter sits beside a by-hand lock.
struct Beside<L>(L, AtomicU64);
impl<L: ByHand> CounterLock for Beside<L> {
    fn new() -> Self {
        Beside(L::make(), AtomicU64::new(0))
    }
    #[inline]
    fn add_one(&self) {
        self.0.acquire();
        // Plain load + store under the lock (relaxed atomics compile to plain moves).
        self.1
            .store(self.1.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        self.0.release();
    }
    fn get(&self) -> u64 {
        self.1.load(Ordering::Relaxed)
    }
}

struct TkMutex(threadkit::Mutex<u64>);
impl CounterLock for TkMutex {
    fn new() -> Self {
        TkMutex(threadkit::Mutex::new(0))
    }
    #[inline]
    fn add_one(&self) {
        *self.0.lock() += 1;
    }
    fn get(&self) -> u64 {
        *self.0.lock()
    }
}

struct PlMutex(parking_lot::Mutex<u64>);
impl CounterLock for PlMutex {
    fn new() -> Self {
        PlMutex(parking_lot::Mutex::new(0))
    }
    #[inline]
    fn add_one(&self) {
        *self.0.lock() += 1;
    }
    fn get(&self) -> u64 {
        *self.0.lock()
    }
}

struct StdMutex(std::sync::Mutex<u64>);
impl CounterLock for StdMutex {
    fn new() -> Self {
        StdMutex(std::sync::Mutex::new(0))
    }
    #[inline]
    fn add_one(&self) {
        *self.0.lock().unwrap() += 1;
    }
    fn get(&self) -> u64 {
        *self.0.lock().unwrap()
    }
}

struct PlReentrant(parking_lot::ReentrantMutex<std::cell::Cell<u64>>);
impl CounterLock for PlReentrant {
    fn new() -> Self {
        PlReentrant(parking_lot::ReentrantMutex::new(std::cell::Cell::new(0)))
    }
    #[inline]
    fn add_one(&self) {
        let g = self.0.lock();
        g.set(g.get() + 1);
    }
    fn get(&self) -> u64 {
        self.0.lock().get()
    }
}

/// `ops` increments on one thread; returns the counter.
fn uncontended<L: CounterLock>(ops: u64) -> u64 {
    let lock = L::new();
    for _ in 0..ops {
        lock.add_one();
    }
    lock.get()
}

/// `ops` increments split over `threads` threads; returns the counter.
fn contended<L: CounterLock>(ops: u64, threads: u64) -> u64 {
    let lock = Arc::new(L::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            let lock = &lock;
            s.spawn(move || {
                for _ in 0..ops / threads {
                    lock.add_one();
                }
            });
        }
    });
    lock.get()
}

/// A one-shot signal two threads bounce back and forth.
trait Signal: Send + Sync + 'static {
    fn new() -> Self;
    fn signal(&self);
    /// Waits for the signal and resets it.
    fn take(&self);
}

struct TkEvent(threadkit::Event);
impl Signal for TkEvent {
    fn new() -> Self {
        TkEvent(threadkit::Event::new())
    }
    fn signal(&self) {
        self.0.set();
    }
    fn take(&self) {
        self.0.wait();
        self.0.clear();
    }
}

struct StdCondvar(std::sync::Mutex<bool>, std::sync::Condvar);
impl Signal for StdCondvar {
    fn new() -> Self {
        StdCondvar(std::sync::Mutex::new(false), std::sync::Condvar::new())
    }
    fn signal(&self) {
        *self.0.lock().unwrap() = true;
        self.1.notify_one();
    }
    fn take(&self) {
        let mut flag = self.1.wait_while(self.0.lock().unwrap(), |f| !*f).unwrap();
        *flag = false;
    }
}

struct PlCondvar(parking_lot::Mutex<bool>, parking_lot::Condvar);
impl Signal for PlCondvar {
    fn new() -> Self {
        PlCondvar(parking_lot::Mutex::new(false), parking_lot::Condvar::new())
    }
    fn signal(&self) {
        *self.0.lock() = true;
        self.1.notify_one();
    }
    fn take(&self) {
        let mut flag = self.0.lock();
        self.1.wait_while(&mut flag, |f| !*f);
        *flag = false;
    }
}

/// `ops` round trips between two threads; returns the number of round trips.
fn ping_pong<S: Signal>(ops: u64) -> u64 {
    let (ping, pong) = (Arc::new(S::new()), Arc::new(S::new()));
    let (pi, po) = (ping.clone(), pong.clone());
    let echo = std::thread::spawn(move || {
        for _ in 0..ops {
            pi.take();
            po.signal();
        }
    });
    let mut trips = 0;
    for _ in 0..ops {
        ping.signal();
        pong.take();
        trips += 1;
    }
    echo.join().unwrap();
    trips
}

pub(crate) fn workloads() -> Vec<Workload> {
    vec![
        Workload::new(
            "lock-uncontended",
            "acquire + increment + release on one thread",
            1,
            2_000_000,
        )
        .case("threadkit Lock", uncontended::<Beside<threadkit::Lock>>)
        .case("threadkit Mutex", uncontended::<TkMutex>)
        .case("parking_lot Mutex", uncontended::<PlMutex>)
        .case("std Mutex", uncontended::<StdMutex>)
        .python("lock-uncontended"),
        Workload::new(
            "lock-counter-2t",
            "a counter incremented under the lock by 2 threads",
            2,
            2_000_000,
        )
        .case("threadkit Lock", |n| {
            contended::<Beside<threadkit::Lock>>(n, 2)
        })
        .case("threadkit Mutex", |n| contended::<TkMutex>(n, 2))
        .case("parking_lot Mutex", |n| contended::<PlMutex>(n, 2))
        .case("std Mutex", |n| contended::<StdMutex>(n, 2))
        .python("lock-counter-2t"),
        Workload::new(
            "rlock",
            "reentrant acquire + increment + release on one thread",
            1,
            2_000_000,
        )
        .case("threadkit RLock", uncontended::<Beside<threadkit::RLock>>)
        .case("parking_lot ReentrantMutex", uncontended::<PlReentrant>)
        .python("rlock"),
        Workload::new(
            "event-ping-pong",
            "round trip: set an event, wait for the reply",
            2,
            50_000,
        )
        .case("threadkit Event", ping_pong::<TkEvent>)
        .case("std Mutex+Condvar", ping_pong::<StdCondvar>)
        .case("parking_lot Mutex+Condvar", ping_pong::<PlCondvar>)
        .python("event-ping-pong"),
        Workload::new(
            "semaphore",
            "acquire + increment + release, one thread",
            1,
            2_000_000,
        )
        .case(
            "threadkit Semaphore",
            uncontended::<Beside<threadkit::Semaphore>>,
        )
        .case("threadkit Lock", uncontended::<Beside<threadkit::Lock>>)
        .python("semaphore"),
    ]
}
