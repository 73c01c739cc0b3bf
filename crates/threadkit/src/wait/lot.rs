//! The parking lot of a normal build: `parking_lot_core`'s global table of queues.
//!
//! # Safety of every call
//!
//! Every key passed here is the address of a field owned by the calling primitive (see
//! `key_of`), so no foreign primitive shares the queue. All closures come from this crate:
//! `validate`, `timed_out` and the unpark callbacks only touch atomics and cannot unwind or
//! re-enter the parking lot; `before_sleep` at most releases a lock (unpark calls are allowed
//! there).
//!
//! # The census
//!
//! While the diagnostics record, the lot counts the threads parked in it through this crate,
//! exactly: a thread counts itself in under the queue lock as it is queued, and is counted out
//! under the same lock by whoever takes it out of the queue (its waker, or itself when its
//! deadline passes), before it runs again. Every exit also advances an epoch. So two equal
//! readings of the census prove that nobody left the lot in between, which is what lets the
//! diagnostics say that every thread of the process is asleep (`crate::diag::asleep`) without
//! a false alarm.
//!
//! A parked thread's token is the address of its *anchor*, an atomic on its stack that says
//! whether it is still counted in; a waker that sees a counted thread in its filter counts it
//! out and clears the anchor (the thread is queued, so its stack frame is alive). With the
//! diagnostics off nobody is counted and wakers take `parking_lot_core`'s plain paths: the
//! census costs nothing. A waker that chose the plain path just as counting began leaves the
//! anchor set, and the woken thread counts itself out: the count never drifts.

use super::Wake;
use crate::facade::Instant;
use parking_lot_core::{FilterOp, ParkResult, ParkToken, UnparkToken, DEFAULT_UNPARK_TOKEN};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};

/// Threads counted in the lot (low 32 bits) and the epoch (high 32 bits), which every exit of
/// a counted thread advances.
static CENSUS: AtomicU64 = AtomicU64::new(0);

/// Counting ever began: wakers look at the parked threads' anchors.
static COUNTING: AtomicBool = AtomicBool::new(false);

/// Added once per counted thread leaving the lot: the epoch goes up by one and the count down
/// by one (the count is never below the number leaving, so nothing borrows across the halves).
const LEFT: u64 = (1 << 32) - 1;

/// A parked thread's anchor: whether it is counted in the census.
pub(crate) struct Anchor(AtomicU8);

impl Anchor {
    /// Counted in (`true`) or not.
    #[inline]
    pub(crate) fn new(counted: bool) -> Self {
        let anchor = Anchor(AtomicU8::new(0));
        anchor.count_in(counted);
        anchor
    }

    /// Marks it counted in (or not) again, for another park by the same thread.
    pub(crate) fn count_in(&self, counted: bool) {
        if counted && !COUNTING.load(Ordering::Relaxed) {
            COUNTING.store(true, Ordering::SeqCst);
        }
        self.0.store(u8::from(counted), Ordering::Relaxed);
    }

    /// Its token: its address, unique among the threads parked now.
    pub(crate) fn token(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    /// Counts this thread out if it still is counted in (by itself or by a waker, under the
    /// queue lock, or by itself after waking); `true` if it was.
    #[inline]
    fn count_out(&self) -> bool {
        self.0.load(Ordering::Relaxed) == 1 && self.0.swap(0, Ordering::Relaxed) == 1
    }
}

/// The census now: `(parked, epoch)` packed as one word, read as one.
#[inline]
pub(crate) fn census() -> u64 {
    CENSUS.load(Ordering::SeqCst)
}

/// How many threads a census says are parked.
#[inline]
pub(crate) fn parked_in(census: u64) -> usize {
    (census & 0xffff_ffff) as usize
}

fn left(n: usize) {
    if n > 0 {
        CENSUS.fetch_add(LEFT.wrapping_mul(n as u64), Ordering::SeqCst);
    }
}

/// The unpark token of a wake-up by a stop request (`crate::stop`): the woken thread returns
/// [`Wake::Stopped`], never mistaking it for a real wake-up.
const STOPPED: UnparkToken = UnparkToken(1);

/// Counts out the parked thread whose token a waker's filter sees (under the queue lock).
///
/// # Safety
///
/// `token` is a parked thread's token: the address of its [`Anchor`], alive while it is queued.
unsafe fn counted_out(token: ParkToken) -> usize {
    // SAFETY: see the function: the thread is still in the queue, under its lock.
    usize::from(unsafe { &*(token.0 as *const Anchor) }.count_out())
}

/// Parks on `key`; `anchor` (on the caller's stack) is its token and its census mark.
#[inline]
#[cfg_attr(feature = "check", track_caller)]
pub(super) fn park(
    key: usize,
    anchor: &Anchor,
    validate: impl FnOnce() -> bool,
    before_sleep: impl FnOnce(),
    timed_out: impl FnOnce(bool),
    deadline: Option<Instant>,
) -> Wake {
    #[cfg(feature = "check")]
    if crate::check::active() {
        return checked::park(key, anchor, validate, before_sleep, timed_out, deadline);
    }
    let counted = anchor.0.load(Ordering::Relaxed) == 1;
    let validate = || {
        let parks = validate();
        if parks && counted {
            CENSUS.fetch_add(1, Ordering::SeqCst);
        }
        parks
    };
    // SAFETY: see the module.
    let result = unsafe {
        parking_lot_core::park(
            key,
            validate,
            before_sleep,
            |_, was_last| {
                if anchor.count_out() {
                    left(1);
                }
                timed_out(was_last);
            },
            ParkToken(anchor.token()),
            deadline,
        )
    };
    match result {
        ParkResult::Unparked(token) => {
            // Woken by a waker that did not look at the anchors (counting had just begun).
            if anchor.count_out() {
                left(1);
            }
            if token == STOPPED {
                Wake::Stopped
            } else {
                Wake::Unparked
            }
        }
        ParkResult::Invalid => Wake::Invalid,
        ParkResult::TimedOut => Wake::TimedOut,
    }
}

#[inline]
pub(super) fn unpark_one(key: usize, after: impl FnOnce(bool)) -> bool {
    #[cfg(feature = "check")]
    if let Some((_, more)) = checked::unpark(key, 1) {
        crate::check::quiet(|| after(more));
        return true;
    }
    if COUNTING.load(Ordering::Relaxed) {
        let mut woken = false;
        let first = |token| {
            if woken {
                return FilterOp::Stop;
            }
            woken = true;
            // SAFETY: the filter sees parked threads' tokens.
            left(unsafe { counted_out(token) });
            FilterOp::Unpark
        };
        // SAFETY: see the module; the filter takes the first thread and counts it out.
        let result = unsafe {
            parking_lot_core::unpark_filter(key, first, |r| {
                after(r.have_more_threads);
                DEFAULT_UNPARK_TOKEN
            })
        };
        return result.unparked_threads > 0;
    }
    // SAFETY: see the module.
    let result = unsafe {
        parking_lot_core::unpark_one(key, |r| {
            after(r.have_more_threads);
            DEFAULT_UNPARK_TOKEN
        })
    };
    result.unparked_threads > 0
}

#[inline]
pub(super) fn unpark_all(key: usize) -> usize {
    #[cfg(feature = "check")]
    if let Some((woken, _)) = checked::unpark(key, usize::MAX) {
        return woken;
    }
    if COUNTING.load(Ordering::Relaxed) {
        return unpark_n(key, usize::MAX, |_| {});
    }
    // SAFETY: see the module.
    unsafe { parking_lot_core::unpark_all(key, DEFAULT_UNPARK_TOKEN) }
}

/// Wakes the one thread parked on `key` with `anchor`, if it is there.
pub(super) fn unpark_anchor(key: usize, anchor: &Anchor) -> bool {
    unpark_token(key, anchor.token(), DEFAULT_UNPARK_TOKEN)
}

/// Wakes the thread parked on `key` with the anchor token `anchor` because its stop was
/// requested, if it is there.
pub(super) fn unpark_stopped(key: usize, anchor: usize) -> bool {
    unpark_token(key, anchor, STOPPED)
}

fn unpark_token(key: usize, token: usize, unpark: UnparkToken) -> bool {
    #[cfg(feature = "check")]
    {
        let how = if unpark == STOPPED {
            crate::check::Released::Stopped
        } else {
            crate::check::Released::Unparked
        };
        if let Some((1.., _)) = crate::check::unpark(key, |t| t == token, how) {
            return true;
        }
    }
    let this_one = |parked: ParkToken| {
        if parked.0 == token {
            // SAFETY: the filter sees parked threads' tokens.
            left(unsafe { counted_out(parked) });
            FilterOp::Unpark
        } else {
            FilterOp::Skip
        }
    };
    // SAFETY: see the module; the filter only compares, and counts out the one it takes.
    let result = unsafe { parking_lot_core::unpark_filter(key, this_one, |_| unpark) };
    result.unparked_threads > 0
}

/// Wakes up to `n` threads, oldest first; `after` is told how many, under the queue lock.
pub(super) fn unpark_n(key: usize, n: usize, after: impl FnOnce(usize)) -> usize {
    #[cfg(feature = "check")]
    if let Some((woken, _)) = checked::unpark(key, n) {
        crate::check::quiet(|| after(woken));
        return woken;
    }
    let mut left_to_wake = n;
    let counting = COUNTING.load(Ordering::Relaxed);
    let counted = std::cell::Cell::new(0);
    let up_to_n = |token| {
        if left_to_wake == 0 {
            FilterOp::Stop
        } else {
            left_to_wake -= 1;
            if counting {
                // SAFETY: the filter sees parked threads' tokens.
                counted.set(counted.get() + unsafe { counted_out(token) });
            }
            FilterOp::Unpark
        }
    };
    // SAFETY: see the module; the filter only counts.
    let result = unsafe {
        parking_lot_core::unpark_filter(key, up_to_n, |r| {
            left(counted.get());
            after(r.unparked_threads);
            DEFAULT_UNPARK_TOKEN
        })
    };
    result.unparked_threads
}

/// The parking lot of check mode's executions (`crate::check`): the same calls, answered by
/// the execution's scheduler instead of the OS. No census: check mode has its own deadlock
/// rule (every thread blocked, no deadline pending). A wake that finds no thread of its
/// execution falls through to the real parking lot.
#[cfg(feature = "check")]
mod checked {
    use super::{Anchor, Wake};
    use crate::check::{self, Released};
    use crate::facade::Instant;

    #[track_caller]
    pub(super) fn park(
        key: usize,
        anchor: &Anchor,
        validate: impl FnOnce() -> bool,
        before_sleep: impl FnOnce(),
        timed_out: impl FnOnce(bool),
        deadline: Option<Instant>,
    ) -> Wake {
        match check::park(
            key,
            anchor.token(),
            validate,
            before_sleep,
            timed_out,
            deadline,
        ) {
            Some(Released::Invalid) | None => Wake::Invalid,
            Some(Released::Unparked | Released::Abandoned) => Wake::Unparked,
            Some(Released::Stopped) => Wake::Stopped,
            Some(Released::TimedOut { .. }) => Wake::TimedOut,
        }
    }

    /// Lets go up to `n` threads of the calling thread's execution parked on `key`: how many,
    /// and whether others remain; `None` if it let none go (the caller then wakes the real
    /// parking lot's threads: a thread outside the execution may wait on the same object, a
    /// threadkit-internal lock shared by every thread of the process).
    #[track_caller]
    pub(super) fn unpark(key: usize, n: usize) -> Option<(usize, bool)> {
        let mut left = n;
        let up_to_n = |_| {
            let take = left > 0;
            left = left.saturating_sub(1);
            take
        };
        check::unpark(key, up_to_n, Released::Unparked).filter(|(woken, _)| *woken > 0)
    }
}
