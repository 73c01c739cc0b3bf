//! The single door to atomics and the clock.
//!
//! Every primitive reaches atomics and `Instant` through this module, so that a model checker
//! (loom, shuttle) can be swapped in under a `cfg` later without touching the algorithms.
//! Parking goes through [`crate::wait`], which is the one place that talks to the parking lot.

pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
pub(crate) use std::time::{Duration, Instant};
