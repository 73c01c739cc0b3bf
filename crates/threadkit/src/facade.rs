//! The single door to atomics, memory cells, spinning and the clock.
//!
//! Every primitive reaches atomics, the cells of its lock-free slots, its spin loops and
//! `Instant` through this module, so that a model checker can be swapped in under a `cfg`
//! without touching the algorithms. Parking goes through [`crate::wait`], which is the one
//! place that talks to the parking lot.
//!
//! # Verification: loom
//!
//! Under `--cfg loom` this module hands out [loom](https://docs.rs/loom)'s atomics, fences and
//! cells, spin loops yield to loom's scheduler, and `wait` parks through a loom-modelled
//! parking lot, so loom explores every interleaving (and every weak-memory outcome it models)
//! of the lock-free protocols. The models are the `loom_*` unit tests beside each protocol
//! (the bounded ring, the block queue, the future's state word, task accounting, `Lock`,
//! `Event`, `WaitQueue`, `WaitList`, the executor's worker slots, an executor scope's count of
//! live closures); `.ci/loom` runs them:
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p threadkit --lib --release loom_
//! ```
//!
//! Loom's atomics cannot be built in a `const fn`, and the crate's primitives can (a `Lock`
//! may be a `static`): [`const_fn`] and [`const_static`] drop the `const` under loom only. A
//! normal build has none of this: the names below are std's and crossbeam's own types.

/// A `const fn` in a normal build; a plain `fn` under loom, whose atomics cannot be built in
/// a constant.
macro_rules! const_fn {
    ($(#[$attr:meta])* $vis:vis const fn $($rest:tt)*) => {
        #[cfg(not(loom))]
        $(#[$attr])* $vis const fn $($rest)*
        #[cfg(loom)]
        $(#[$attr])* $vis fn $($rest)*
    };
}

/// A `static` with a constant initializer in a normal build; under loom, initialized on first
/// use (see [`const_fn`]).
macro_rules! const_static {
    ($(#[$attr:meta])* $vis:vis static $name:ident: $ty:ty = $init:expr;) => {
        #[cfg(not(loom))]
        $(#[$attr])* $vis static $name: $ty = $init;
        #[cfg(loom)]
        $(#[$attr])* $vis static $name: std::sync::LazyLock<$ty> = std::sync::LazyLock::new(|| $init);
    };
}

#[cfg(all(not(loom), not(feature = "check")))]
pub(crate) use std::sync::atomic::{
    fence, AtomicBool, AtomicPtr, AtomicU64, AtomicU8, AtomicUsize, Ordering,
};
// Check mode: every atomic operation of the crate is a scheduling point (`crate::check`).
#[cfg(all(not(loom), feature = "check"))]
pub(crate) use crate::atomic::{
    fence, AtomicBool, AtomicPtr, AtomicU64, AtomicU8, AtomicUsize, Ordering,
};
pub(crate) use std::time::{Duration, Instant};

#[cfg(loom)]
pub(crate) use loom_shims::{fence, AtomicBool, AtomicPtr, AtomicU64, AtomicU8, AtomicUsize};
#[cfg(loom)]
pub(crate) use std::sync::atomic::Ordering;

/// Where a waiter's "I wait" mark and a waker's state change meet (the two sides of a
/// Dekker-style handshake, each a sequentially consistent access): nothing in a normal build,
/// where the accesses' single total order already guarantees that one side sees the other.
/// Loom does not model that order for accesses (tokio-rs/loom#180), only for fences, so under
/// loom this is a `SeqCst` fence standing in for it.
#[inline(always)]
pub(crate) fn seq_cst_point() {
    #[cfg(loom)]
    fence(Ordering::SeqCst);
}

#[cfg(all(not(loom), feature = "check"))]
pub(crate) use check_shims::Backoff;
/// Exponential backoff for lock-free retry loops (crossbeam's).
#[cfg(all(not(loom), not(feature = "check")))]
pub(crate) use crossbeam_utils::Backoff;

/// Check mode's spin loops: each spin is a scheduling point (a spinning thread must let the
/// thread it waits for run); outside an execution, crossbeam's backoff.
#[cfg(all(not(loom), feature = "check"))]
mod check_shims {
    pub(crate) struct Backoff(crossbeam_utils::Backoff);

    impl Backoff {
        pub(crate) fn new() -> Self {
            Backoff(crossbeam_utils::Backoff::new())
        }

        #[track_caller]
        pub(crate) fn spin(&self) {
            if crate::check::active() {
                crate::check::yield_point();
            } else {
                self.0.spin();
            }
        }

        #[track_caller]
        pub(crate) fn snooze(&self) {
            if crate::check::active() {
                crate::check::yield_point();
            } else {
                self.0.snooze();
            }
        }
    }
}
#[cfg(loom)]
pub(crate) use loom_shims::Backoff;

/// A cell whose contents are handed between threads by an atomic protocol. Accessed through
/// `with` (shared) and `with_mut` (exclusive) so that loom can check every access.
#[cfg(not(loom))]
pub(crate) struct SlotCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> SlotCell<T> {
    #[inline]
    pub(crate) const fn new(value: T) -> Self {
        SlotCell(std::cell::UnsafeCell::new(value))
    }

    /// Runs `f` with a pointer for reading the contents.
    #[inline]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Runs `f` with a pointer for writing the contents.
    #[inline]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

// The loom cell has the normal build's `SlotCell` API under the same name.
#[cfg(loom)]
#[allow(clippy::unsafe_removed_from_name)]
pub(crate) use loom::cell::UnsafeCell as SlotCell;

#[cfg(loom)]
mod loom_shims {
    pub(crate) use loom::sync::atomic::{
        fence, AtomicBool, AtomicPtr, AtomicU64, AtomicU8, AtomicUsize,
    };

    /// Under loom, every backoff step lets another model thread run.
    pub(crate) struct Backoff;

    impl Backoff {
        pub(crate) fn new() -> Self {
            Backoff
        }
        pub(crate) fn spin(&self) {
            loom::thread::yield_now();
        }
        pub(crate) fn snooze(&self) {
            loom::thread::yield_now();
        }
    }
}
