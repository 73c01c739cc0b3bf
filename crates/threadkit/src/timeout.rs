//! How a timed wait says "timed out": one rule for every blocking form.
//!
//! # Design
//!
//! Every blocking call comes in up to four forms: try (never blocks), `*_timeout(Duration)`,
//! `*_deadline(Instant)` and blocking. A timed form says it timed out in one of two ways:
//!
//! - an acquire-like call (a lock, a semaphore, an event, a condition, a future's `wait`, a
//!   queue's `join`) returns `false`, or `None` where the acquire hands back a guard, as
//!   `std` and `parking_lot` do;
//! - a call that returns a value or a failure (a future's `result`, `exception`, a thread's
//!   `join`, `as_completed`, `map`) returns a `Result` whose error has a timeout variant:
//!   [`WaitError::Timeout`] around the task's own error, or [`TimeoutError`] alone where
//!   there is no other failure. The queues keep Python's names for their timeouts
//!   ([`GetError::Empty`](crate::GetError::Empty), [`PutError::Full`](crate::PutError::Full)),
//!   and a barrier's timeout is Python's [`BrokenBarrierError`](crate::BrokenBarrierError)
//!   (the barrier breaks for every party) with
//!   [`timed_out`](crate::BrokenBarrierError::timed_out) set for the party that timed out.
//!
//! So the task's outcome ([`FutureError`](crate::FutureError), [`JoinError`](crate::JoinError))
//! never has a timeout variant: the blocking forms cannot time out, and their matches do not
//! offer it.

use std::fmt;
use thiserror::Error;

/// A timed wait ended before what it waited for (Python: `TimeoutError`).
///
/// From [`as_completed`](crate::as_completed) and a timed [`map`](crate::ThreadPoolExecutor::map_with)
/// it counts the futures not finished, with Python's message; from a single timed wait it
/// says "timed out".
///
/// ```
/// use std::time::Duration;
/// use threadkit::{Event, ThreadPoolExecutor, WaitError};
///
/// let pool = ThreadPoolExecutor::new(1).unwrap();
/// let gate = std::sync::Arc::new(Event::new());
/// let g = gate.clone();
/// let f = pool.submit(move || g.wait()).unwrap();
/// match f.result_timeout(Duration::from_millis(1)) {
///     Err(WaitError::Timeout(t)) => assert_eq!(t.unfinished(), 1),
///     other => panic!("{other:?}"),
/// }
/// gate.set();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub struct TimeoutError {
    unfinished: usize,
    /// `None` for a single wait.
    total: Option<usize>,
}

impl TimeoutError {
    /// A single wait that timed out.
    pub(crate) fn single() -> Self {
        TimeoutError {
            unfinished: 1,
            total: None,
        }
    }

    /// A wait for `total` futures, `unfinished` of them not finished in time.
    pub(crate) fn futures(unfinished: usize, total: usize) -> Self {
        TimeoutError {
            unfinished,
            total: Some(total),
        }
    }

    /// How many of the awaited things had not finished (1 for a single wait).
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let gate = std::sync::Arc::new(threadkit::Event::new());
    /// let g = gate.clone();
    /// let futures = vec![pool.submit(move || g.wait()).unwrap(), pool.submit(|| true).unwrap()];
    /// let first = threadkit::as_completed(&futures, Some(Duration::from_millis(1))).last();
    /// let timeout = first.unwrap().unwrap_err();
    /// assert_eq!((timeout.unfinished(), timeout.total()), (2, 2));
    /// assert_eq!(timeout.to_string(), "2 (of 2) futures unfinished");
    /// gate.set();
    /// ```
    #[must_use]
    pub fn unfinished(&self) -> usize {
        self.unfinished
    }

    /// How many things the wait was for (1 for a single wait).
    ///
    /// ```
    /// use std::time::Duration;
    /// let t = threadkit::Thread::spawn(|| std::thread::sleep(Duration::from_millis(50)));
    /// if let Err(threadkit::WaitError::Timeout(e)) = t.join_timeout(Duration::ZERO) {
    ///     assert_eq!((e.unfinished(), e.total()), (1, 1));
    ///     assert_eq!(e.to_string(), "timed out");
    /// }
    /// t.join().unwrap();
    /// ```
    #[must_use]
    pub fn total(&self) -> usize {
        self.total.unwrap_or(1)
    }
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.total {
            None => f.write_str("timed out"),
            Some(total) => write!(f, "{} (of {total}) futures unfinished", self.unfinished),
        }
    }
}

/// A timed wait for an outcome that can itself be a failure: it timed out, or what it waited
/// for failed with `E` (like `std`'s `RecvTimeoutError`, one variant per way to end).
///
/// ```
/// use std::time::Duration;
/// use threadkit::{FutureError, ThreadPoolExecutor, WaitError};
///
/// let pool = ThreadPoolExecutor::new(1).unwrap();
/// let f = pool.submit(|| -> u8 { panic!("no") }).unwrap();
/// match f.result_timeout(Duration::from_secs(60)) {
///     Ok(v) => println!("{v}"),
///     Err(WaitError::Timeout(_)) => println!("still running"),
///     Err(WaitError::Failed(FutureError::Panicked(p))) => assert_eq!(p.message(), "no"),
///     Err(other) => panic!("{other}"),
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WaitError<E> {
    /// The wait ended before the outcome arrived; the work goes on.
    #[error(transparent)]
    Timeout(TimeoutError),
    /// The outcome arrived and is a failure.
    #[error(transparent)]
    Failed(E),
}

impl<E> WaitError<E> {
    /// Whether the wait timed out.
    ///
    /// ```
    /// let e: threadkit::WaitError<()> = threadkit::WaitError::Failed(());
    /// assert!(!e.is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, WaitError::Timeout(_))
    }

    /// The failure, if the outcome arrived and is one.
    ///
    /// ```
    /// let e: threadkit::WaitError<u8> = threadkit::WaitError::Failed(7);
    /// assert_eq!(e.failure(), Some(&7));
    /// ```
    pub fn failure(&self) -> Option<&E> {
        match self {
            WaitError::Failed(e) => Some(e),
            WaitError::Timeout(_) => None,
        }
    }

    /// The failure by value, if the outcome arrived and is one.
    ///
    /// ```
    /// let e: threadkit::WaitError<u8> = threadkit::WaitError::Failed(7);
    /// assert_eq!(e.into_failure(), Some(7));
    /// ```
    pub fn into_failure(self) -> Option<E> {
        match self {
            WaitError::Failed(e) => Some(e),
            WaitError::Timeout(_) => None,
        }
    }
}

impl<E> WaitError<E> {
    /// The failure of a wait that had no deadline, so could not time out.
    pub(crate) fn untimed(self) -> E {
        self.into_failure()
            .expect("a wait without deadline cannot time out")
    }
}

impl<E> From<TimeoutError> for WaitError<E> {
    fn from(timeout: TimeoutError) -> Self {
        WaitError::Timeout(timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_timed_out() {
        assert_eq!(TimeoutError::single().to_string(), "timed out");
        assert_eq!(
            TimeoutError::futures(2, 4).to_string(),
            "2 (of 4) futures unfinished"
        );
        let e: WaitError<crate::FutureError> = TimeoutError::single().into();
        assert!(e.is_timeout());
        assert_eq!(e.to_string(), "timed out");
    }
}
