//! Errors of the synchronization primitives: Python's `RuntimeError` and `ValueError` cases,
//! as named variants.

use thiserror::Error;

/// Why a `release` was refused. Nothing changed when it is returned.
///
/// # Examples
///
/// ```
/// use threadkit::{Lock, ReleaseError};
///
/// let lock = Lock::new();
/// assert_eq!(lock.release(), Err(ReleaseError::Unlocked));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ReleaseError {
    /// The lock was not held (Python: `RuntimeError: release unlocked lock`).
    #[error("release unlocked lock")]
    Unlocked,
    /// The calling thread does not own the reentrant lock
    /// (Python: `RuntimeError: cannot release un-acquired lock`).
    #[error("cannot release un-acquired lock")]
    NotOwner,
    /// A bounded semaphore would go above its initial value
    /// (Python: `ValueError: Semaphore released too many times`).
    #[error("semaphore released too many times")]
    TooManyReleases,
    /// `release_n(0)` on a semaphore (Python: `ValueError: n must be one or more`).
    #[error("n must be one or more")]
    ZeroPermits,
}

/// Waiting on or notifying a [`Condition`](crate::Condition) without holding its lock
/// (Python: `RuntimeError: cannot wait on un-acquired lock`).
///
/// # Examples
///
/// ```
/// use threadkit::{Condition, NotOwnedError};
///
/// let cond = Condition::new();
/// assert_eq!(cond.notify_all(), Err(NotOwnedError));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("cannot wait on or notify an un-acquired lock")]
pub struct NotOwnedError;
