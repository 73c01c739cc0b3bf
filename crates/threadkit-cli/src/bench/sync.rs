//! Workloads of the synchronization primitives: one local trait per kind of primitive, so
//! threadkit and each peer run literally the same loop.

use super::workload::Workload;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
        threadkit::Semaphore::release(self).unwrap();
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

/// A reentrant lock taken twice (nested) around an increment.
trait Nested: Send + Sync + 'static {
    fn new() -> Self;
    fn add_one_nested(&self);
    fn get(&self) -> u64;
}

struct TkRLockNested(threadkit::RLock, AtomicU64);
impl Nested for TkRLockNested {
    fn new() -> Self {
        TkRLockNested(threadkit::RLock::new(), AtomicU64::new(0))
    }
    #[inline]
    fn add_one_nested(&self) {
        let _outer = self.0.guard();
        let _inner = self.0.guard();
        self.1
            .store(self.1.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    }
    fn get(&self) -> u64 {
        self.1.load(Ordering::Relaxed)
    }
}

impl Nested for PlReentrant {
    fn new() -> Self {
        <PlReentrant as CounterLock>::new()
    }
    #[inline]
    fn add_one_nested(&self) {
        let _outer = self.0.lock();
        let inner = self.0.lock();
        inner.set(inner.get() + 1);
    }
    fn get(&self) -> u64 {
        self.0.lock().get()
    }
}

fn nested<L: Nested>(ops: u64) -> u64 {
    let lock = L::new();
    for _ in 0..ops {
        lock.add_one_nested();
    }
    lock.get()
}

/// Python's `Condition` over a `Lock`, guarding a flag.
struct TkCondition(threadkit::Condition<threadkit::Lock>, AtomicBool);
impl Signal for TkCondition {
    fn new() -> Self {
        TkCondition(
            threadkit::Condition::with_lock(threadkit::Lock::new()),
            AtomicBool::new(false),
        )
    }
    fn signal(&self) {
        let _held = self.0.guard();
        self.1.store(true, Ordering::Relaxed);
        self.0.notify().expect("held");
    }
    fn take(&self) {
        let _held = self.0.guard();
        self.0
            .wait_for(|| self.1.load(Ordering::Relaxed))
            .expect("held");
        self.1.store(false, Ordering::Relaxed);
    }
}

/// A cyclic barrier every thread passes `ops` times.
trait CyclicBarrier: Send + Sync + 'static {
    fn new(parties: usize) -> Self;
    /// Waits for the others; `true` in exactly one thread per cycle.
    fn pass(&self) -> bool;
}

impl CyclicBarrier for threadkit::Barrier {
    fn new(parties: usize) -> Self {
        threadkit::Barrier::new(parties).expect("parties > 0")
    }
    fn pass(&self) -> bool {
        self.wait().expect("never broken") == 0
    }
}

impl CyclicBarrier for std::sync::Barrier {
    fn new(parties: usize) -> Self {
        std::sync::Barrier::new(parties)
    }
    fn pass(&self) -> bool {
        self.wait().is_leader()
    }
}

/// `ops` cycles of `parties` threads; returns the cycles counted by one thread each.
fn barrier_cycles<B: CyclicBarrier>(ops: u64, parties: usize) -> u64 {
    let barrier = B::new(parties);
    std::thread::scope(|s| {
        let threads: Vec<_> = (0..parties)
            .map(|_| s.spawn(|| (0..ops).filter(|_| barrier.pass()).count() as u64))
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).sum()
    })
}

/// Runs `f` with threadkit's diagnostics recording (wait records, held locks, deadlock
/// detection), to measure what they cost beside the same work with them off.
fn diagnosed(f: impl Fn(u64) -> u64 + 'static) -> impl Fn(u64) -> u64 + 'static {
    move |ops| {
        threadkit::set_diagnostics(true);
        let sum = f(ops);
        threadkit::set_diagnostics(false);
        sum
    }
}

/// The name of the diagnostics-on case of threadkit's Lock.
const LOCK_DIAGNOSED: &str = "threadkit Lock, diagnostics on";

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
        .case(
            LOCK_DIAGNOSED,
            diagnosed(uncontended::<Beside<threadkit::Lock>>),
        )
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
        .case(
            LOCK_DIAGNOSED,
            diagnosed(|n| contended::<Beside<threadkit::Lock>>(n, 2)),
        )
        .python("lock-counter-2t"),
        Workload::new(
            "rlock",
            "reentrant acquire + increment + release on one thread",
            1,
            2_000_000,
        )
        .case("threadkit RLock", uncontended::<Beside<threadkit::RLock>>)
        .case("parking_lot ReentrantMutex", uncontended::<PlReentrant>)
        .case(
            "threadkit RLock, diagnostics on",
            diagnosed(uncontended::<Beside<threadkit::RLock>>),
        )
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
        .case("parking_lot Mutex", uncontended::<PlMutex>)
        .python("semaphore"),
        Workload::new(
            "lock-counter-4t",
            "a counter incremented under the lock by 4 threads (2 cores)",
            4,
            2_000_000,
        )
        .case("threadkit Lock", |n| {
            contended::<Beside<threadkit::Lock>>(n, 4)
        })
        .case("threadkit Mutex", |n| contended::<TkMutex>(n, 4))
        .case("parking_lot Mutex", |n| contended::<PlMutex>(n, 4))
        .case("std Mutex", |n| contended::<StdMutex>(n, 4))
        .case(
            LOCK_DIAGNOSED,
            diagnosed(|n| contended::<Beside<threadkit::Lock>>(n, 4)),
        ),
        Workload::new(
            "lock-counter-8t",
            "a counter incremented under the lock by 8 threads (2 cores)",
            8,
            2_000_000,
        )
        .case("threadkit Lock", |n| {
            contended::<Beside<threadkit::Lock>>(n, 8)
        })
        .case("threadkit Mutex", |n| contended::<TkMutex>(n, 8))
        .case("parking_lot Mutex", |n| contended::<PlMutex>(n, 8))
        .case("std Mutex", |n| contended::<StdMutex>(n, 8)),
        Workload::new(
            "rlock-nested",
            "two nested reentrant acquires + increment + releases, one thread",
            1,
            2_000_000,
        )
        .case("threadkit RLock", nested::<TkRLockNested>)
        .case("parking_lot ReentrantMutex", nested::<PlReentrant>),
        Workload::new(
            "condition-ping-pong",
            "round trip: set a flag under a condition, notify, wait for the reply",
            2,
            50_000,
        )
        .case("threadkit Condition", ping_pong::<TkCondition>)
        .case("parking_lot Mutex+Condvar", ping_pong::<PlCondvar>)
        .case("std Mutex+Condvar", ping_pong::<StdCondvar>),
        Workload::new(
            "barrier-2t",
            "one cycle of a barrier of 2 threads",
            2,
            100_000,
        )
        .case("threadkit Barrier", |n| {
            barrier_cycles::<threadkit::Barrier>(n, 2)
        })
        .case("std Barrier", |n| {
            barrier_cycles::<std::sync::Barrier>(n, 2)
        }),
        Workload::new(
            "barrier-4t",
            "one cycle of a barrier of 4 threads (2 cores)",
            4,
            50_000,
        )
        .case("threadkit Barrier", |n| {
            barrier_cycles::<threadkit::Barrier>(n, 4)
        })
        .case("std Barrier", |n| {
            barrier_cycles::<std::sync::Barrier>(n, 4)
        }),
    ]
}
