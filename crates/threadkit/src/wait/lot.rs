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
//! The lot counts the threads parked in it through this crate, exactly: a thread counts
//! itself in under the queue lock as it is queued, and is counted out under the same lock by
//! whoever takes it out of the queue (its waker, or itself when its deadline passes), before
//! it runs again. Every exit also advances an epoch. So two equal readings of the census
//! prove that nobody left the lot in between, which is what lets the diagnostics say that
//! every thread of the process is asleep (`crate::diag::asleep`) without a false alarm.

use super::Wake;
use crate::facade::Instant;
use parking_lot_core::{FilterOp, ParkResult, ParkToken, UnparkResult, DEFAULT_UNPARK_TOKEN};
use std::sync::atomic::{AtomicU64, Ordering};

/// Threads parked through this crate (low 32 bits) and the epoch (high 32 bits), which every
/// exit from the lot advances.
static CENSUS: AtomicU64 = AtomicU64::new(0);

/// Added once per thread leaving the lot: the epoch goes up by one and the count down by one
/// (the count is never below the number leaving, so nothing borrows across the halves).
const LEFT: u64 = (1 << 32) - 1;

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

/// Counts out the threads an unpark took from the queue (under its lock).
#[inline]
fn count_out(result: UnparkResult) {
    if result.unparked_threads > 0 {
        CENSUS.fetch_add(
            LEFT.wrapping_mul(result.unparked_threads as u64),
            Ordering::SeqCst,
        );
    }
}

/// `token` tells this parked thread apart from the others on `key` (see [`unpark_token`]).
#[inline]
pub(super) fn park(
    key: usize,
    token: usize,
    validate: impl FnOnce() -> bool,
    before_sleep: impl FnOnce(),
    timed_out: impl FnOnce(bool),
    deadline: Option<Instant>,
) -> Wake {
    let validate = || {
        let parks = validate();
        if parks {
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
                CENSUS.fetch_add(LEFT, Ordering::SeqCst);
                timed_out(was_last);
            },
            ParkToken(token),
            deadline,
        )
    };
    match result {
        ParkResult::Unparked(_) => Wake::Unparked,
        ParkResult::Invalid => Wake::Invalid,
        ParkResult::TimedOut => Wake::TimedOut,
    }
}

#[inline]
pub(super) fn unpark_one(key: usize, after: impl FnOnce(bool)) -> bool {
    // SAFETY: see the module.
    let result = unsafe {
        parking_lot_core::unpark_one(key, |r| {
            count_out(r);
            after(r.have_more_threads);
            DEFAULT_UNPARK_TOKEN
        })
    };
    result.unparked_threads > 0
}

#[inline]
pub(super) fn unpark_all(key: usize) -> usize {
    unpark_n(key, usize::MAX, |_| {})
}

/// Wakes the one thread parked on `key` with `token`, if it is there.
pub(super) fn unpark_token(key: usize, token: usize) -> bool {
    // SAFETY: see the module; the filter only compares.
    let result = unsafe {
        parking_lot_core::unpark_filter(
            key,
            |parked| {
                if parked.0 == token {
                    FilterOp::Unpark
                } else {
                    FilterOp::Skip
                }
            },
            |r| {
                count_out(r);
                DEFAULT_UNPARK_TOKEN
            },
        )
    };
    result.unparked_threads > 0
}

/// Wakes up to `n` threads, oldest first; `after` is told how many, under the queue lock.
pub(super) fn unpark_n(key: usize, n: usize, after: impl FnOnce(usize)) -> usize {
    let mut left = n;
    // SAFETY: see the module; the filter only counts.
    let result = unsafe {
        parking_lot_core::unpark_filter(
            key,
            |_| {
                if left == 0 {
                    FilterOp::Stop
                } else {
                    left -= 1;
                    FilterOp::Unpark
                }
            },
            |r| {
                count_out(r);
                after(r.unparked_threads);
                DEFAULT_UNPARK_TOKEN
            },
        )
    };
    result.unparked_threads
}
