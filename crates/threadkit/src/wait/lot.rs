//! The parking lot of a normal build: `parking_lot_core`'s global table of queues.
//!
//! # Safety of every call
//!
//! Every key passed here is the address of a field owned by the calling primitive (see
//! `key_of`), so no foreign primitive shares the queue. All closures come from this crate:
//! `validate`, `timed_out` and the unpark callbacks only touch atomics and cannot unwind or
//! re-enter the parking lot; `before_sleep` at most releases a lock (unpark calls are allowed
//! there).

use super::Wake;
use crate::facade::Instant;
use parking_lot_core::{FilterOp, ParkResult, DEFAULT_PARK_TOKEN, DEFAULT_UNPARK_TOKEN};

#[inline]
pub(super) fn park(
    key: usize,
    validate: impl FnOnce() -> bool,
    before_sleep: impl FnOnce(),
    timed_out: impl FnOnce(bool),
    deadline: Option<Instant>,
) -> Wake {
    // SAFETY: see the module.
    let result = unsafe {
        parking_lot_core::park(
            key,
            validate,
            before_sleep,
            |_, was_last| timed_out(was_last),
            DEFAULT_PARK_TOKEN,
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
            after(r.have_more_threads);
            DEFAULT_UNPARK_TOKEN
        })
    };
    result.unparked_threads > 0
}

#[inline]
pub(super) fn unpark_all(key: usize) -> usize {
    // SAFETY: see the module.
    unsafe { parking_lot_core::unpark_all(key, DEFAULT_UNPARK_TOKEN) }
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
                after(r.unparked_threads);
                DEFAULT_UNPARK_TOKEN
            },
        )
    };
    result.unparked_threads
}
