//! The parking lot under loom: one loom mutex over a list of parked threads, with the
//! protocol of `parking_lot_core` (validate under the lock, `before_sleep` once queued,
//! `timed_out` under the lock with "was last", unpark callbacks under the lock).
//!
//! Loom has no clock. A park with a deadline is modelled as a deadline that passes at once:
//! the thread is queued, runs `before_sleep`, and then times out unless a waker took it from
//! the queue in between (loom explores that window). A park without a deadline sleeps until
//! woken. Spinning is an optimisation, so `SpinWait` never spins under loom: a thread goes
//! straight to the parking lot, which is the path that can lose a wake-up.

use super::Wake;
use crate::facade::Instant;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::{Arc, Mutex};

struct Parked {
    key: usize,
    token: usize,
    thread: loom::thread::Thread,
    woken: Arc<AtomicBool>,
}

loom::lazy_static! {
    static ref LOT: Mutex<Vec<Parked>> = Mutex::new(Vec::new());
}

fn lot() -> loom::sync::MutexGuard<'static, Vec<Parked>> {
    LOT.lock()
        .expect("the model's parking lot is never poisoned")
}

/// A parked thread's identity among those on its key (the census is not modelled).
pub(crate) struct Anchor {
    /// Gives the anchor a size, so each has its own address.
    _place: u8,
}

impl Anchor {
    pub(crate) fn new(_counted: bool) -> Self {
        Anchor { _place: 0 }
    }

    /// The census is not modelled.
    pub(crate) fn count_in(&self, _counted: bool) {}

    pub(crate) fn token(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }
}

pub(super) fn park(
    key: usize,
    anchor: &Anchor,
    validate: impl FnOnce() -> bool,
    before_sleep: impl FnOnce(),
    timed_out: impl FnOnce(bool),
    deadline: Option<Instant>,
) -> Wake {
    let woken = Arc::new(AtomicBool::new(false));
    {
        let mut parked = lot();
        if !validate() {
            return Wake::Invalid;
        }
        parked.push(Parked {
            key,
            token: anchor.token(),
            thread: loom::thread::current(),
            woken: woken.clone(),
        });
    }
    before_sleep();
    if deadline.is_some() {
        let mut parked = lot();
        if let Some(at) = parked.iter().position(|p| Arc::ptr_eq(&p.woken, &woken)) {
            parked.remove(at);
            timed_out(!parked.iter().any(|p| p.key == key));
            return Wake::TimedOut;
        }
    }
    while !woken.load(Ordering::Acquire) {
        loom::thread::park();
    }
    Wake::Unparked
}

/// Takes up to `n` threads parked on `key` out of the queue (oldest first), runs `after` with
/// their count and whether others remain, then wakes them.
fn unpark_up_to(key: usize, n: usize, after: impl FnOnce(usize, bool)) -> usize {
    let mut taken = Vec::new();
    {
        let mut parked = lot();
        while taken.len() < n {
            match parked.iter().position(|p| p.key == key) {
                Some(at) => taken.push(parked.remove(at)),
                None => break,
            }
        }
        after(taken.len(), parked.iter().any(|p| p.key == key));
    }
    for p in &taken {
        p.woken.store(true, Ordering::Release);
        p.thread.unpark();
    }
    taken.len()
}

pub(super) fn unpark_one(key: usize, after: impl FnOnce(bool)) -> bool {
    unpark_up_to(key, 1, |_, have_more| after(have_more)) > 0
}

pub(super) fn unpark_all(key: usize) -> usize {
    unpark_up_to(key, usize::MAX, |_, _| {})
}

pub(super) fn unpark_n(key: usize, n: usize, after: impl FnOnce(usize)) -> usize {
    unpark_up_to(key, n, |woken, _| after(woken))
}

/// Wakes the thread parked on `key` with `token`, if it is there.
pub(super) fn unpark_anchor(key: usize, anchor: &Anchor) -> bool {
    unpark_stopped(key, anchor.token())
}

/// Stops are not modelled (no thread has a token under loom): as `unpark_anchor`.
pub(super) fn unpark_stopped(key: usize, token: usize) -> bool {
    let taken = {
        let mut parked = lot();
        parked
            .iter()
            .position(|p| p.key == key && p.token == token)
            .map(|at| parked.remove(at))
    };
    taken.is_some_and(|p| {
        p.woken.store(true, Ordering::Release);
        p.thread.unpark();
        true
    })
}

/// The model keeps no census (the diagnostics that read it are off under loom).
pub(crate) fn census() -> u64 {
    0
}

/// How many threads a census says are parked.
pub(crate) fn parked_in(census: u64) -> usize {
    (census & 0xffff_ffff) as usize
}

/// Never spins under loom (see the module).
pub(crate) struct SpinWait;

impl SpinWait {
    pub(crate) fn new() -> Self {
        SpinWait
    }

    pub(crate) fn hand_off() -> Self {
        SpinWait
    }

    pub(crate) const fn for_work() -> Self {
        SpinWait
    }

    pub(crate) fn lock() -> Self {
        SpinWait
    }

    /// `false`: park now.
    pub(crate) fn spin(&mut self) -> bool {
        false
    }

    pub(crate) fn reset(&mut self) {}
}
