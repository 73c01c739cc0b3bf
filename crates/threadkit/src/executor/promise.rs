//! Standalone futures: a [`Promise`] and its [`Future`], for results that do not come from a
//! pool task (Python: `Future()` completed by hand with `set_result` / `set_exception`).
//!
//! # Design
//!
//! The pair shares one [`FutureState`], the same one-shot state a pool task uses, so a
//! promised future waits, cancels, calls back and joins `as_completed` / `wait` exactly as a
//! task's does. The promise is the only writer, and Rust's ownership replaces two of Python's
//! `InvalidStateError`s: setting the outcome consumes the promise (it cannot be set twice),
//! and a promise dropped without an outcome fails its future with
//! [`FutureError::Abandoned`] instead of leaving its waiters hanging (C++'s broken promise).
//! What remains is the race with [`Future::cancel`]: the first of a cancel and the promise's
//! claim wins; a value set after a cancel comes back in [`InvalidStateError`].

use super::error::FutureError;
use super::future::Future;
use super::state::FutureState;
use super::task::Slot;
use crate::panic::Panic;
use std::fmt;
use std::sync::Arc;
use thiserror::Error;

struct PromiseCell<T> {
    state: FutureState<T>,
}

impl<T: Send> Slot<T> for PromiseCell<T> {
    fn state(&self) -> &FutureState<T> {
        &self.state
    }
}

/// A new promise and the future it completes (Python: `Future()`, whose owner later calls
/// `set_result` or `set_exception`).
///
/// # Examples
///
/// ```
/// use threadkit::Thread;
///
/// let (promise, future) = threadkit::promise();
/// let producer = Thread::spawn(move || promise.set_result(6 * 7).unwrap());
/// assert_eq!(future.result(), Ok(42));
/// producer.join().unwrap();
/// ```
#[must_use]
pub fn promise<T: Send + 'static>() -> (Promise<T>, Future<T>) {
    let cell = Arc::new(PromiseCell {
        state: FutureState::new(),
    });
    let future = Future::from_slot(Arc::clone(&cell) as Arc<dyn Slot<T>>);
    let promise = Promise {
        cell,
        claimed: false,
    };
    (promise, future)
}

/// The writing end of a standalone [`Future`], made by [`promise`]: sets its outcome once.
///
/// Dropping it without an outcome fails the future with [`FutureError::Abandoned`].
///
/// ```
/// let (promise, future) = threadkit::promise::<u8>();
/// drop(promise);
/// assert_eq!(future.result(), Err(threadkit::FutureError::Abandoned));
/// ```
pub struct Promise<T: Send + 'static> {
    cell: Arc<PromiseCell<T>>,
    /// This promise won the claim: the outcome is its to publish.
    claimed: bool,
}

impl<T: Send + 'static> Promise<T> {
    /// Marks the future running, unless it was cancelled: `false` means it was, and the work
    /// should not start (Python: `set_running_or_notify_cancel()`). Once running, the future
    /// can no longer be cancelled. Calling it again returns `true`.
    ///
    /// ```
    /// let (mut promise, future) = threadkit::promise::<u8>();
    /// assert!(promise.set_running_or_notify_cancel());
    /// assert!(future.running());
    /// assert!(!future.cancel());
    /// # promise.set_result(1).unwrap();
    /// ```
    #[must_use = "false means the future was cancelled and the work should not run"]
    pub fn set_running_or_notify_cancel(&mut self) -> bool {
        if !self.claimed {
            self.claimed = self.cell.state.claim(true);
        }
        self.claimed
    }

    /// Completes the future with `value` (Python: `set_result`).
    ///
    /// # Errors
    ///
    /// [`InvalidStateError`] with the value if the future was cancelled first.
    ///
    /// ```
    /// let (promise, future) = threadkit::promise();
    /// assert!(future.cancel());
    /// assert_eq!(promise.set_result("late").unwrap_err().into_inner(), "late");
    /// ```
    pub fn set_result(self, value: T) -> Result<(), InvalidStateError<T>> {
        self.complete(Ok(value)).map_err(|outcome| match outcome {
            Ok(value) => InvalidStateError(value),
            Err(_) => unreachable!("the outcome handed back is the one given"),
        })
    }

    /// Fails the future with `failure` as the task's panic (Python: `set_exception`).
    ///
    /// # Errors
    ///
    /// [`InvalidStateError`] with the failure if the future was cancelled first.
    ///
    /// ```
    /// use threadkit::{FutureError, Panic};
    /// let (promise, future) = threadkit::promise::<u8>();
    /// promise.set_exception(Panic::new("no route to host")).unwrap();
    /// match future.into_result() {
    ///     Err(FutureError::Panicked(p)) => assert_eq!(p.message(), "no route to host"),
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    pub fn set_exception(self, failure: Panic) -> Result<(), InvalidStateError<Panic>> {
        self.complete(Err(FutureError::Panicked(failure)))
            .map_err(|outcome| match outcome {
                Err(FutureError::Panicked(p)) => InvalidStateError(p),
                _ => unreachable!("the outcome handed back is the one given"),
            })
    }

    /// Whether the future was cancelled (the promise's outcome would be refused).
    ///
    /// ```
    /// let (promise, future) = threadkit::promise::<u8>();
    /// assert!(!promise.is_cancelled());
    /// future.cancel();
    /// assert!(promise.is_cancelled());
    /// ```
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        Future::from_slot(Arc::clone(&self.cell) as Arc<dyn Slot<T>>).cancelled()
    }

    /// Publishes `outcome` unless a cancel came first, which hands it back.
    fn complete(mut self, outcome: Result<T, FutureError>) -> Result<(), Result<T, FutureError>> {
        if !self.set_running_or_notify_cancel() {
            return Err(outcome);
        }
        self.claimed = false; // published below: nothing left for `drop`
        publish(&self.cell, outcome);
        Ok(())
    }
}

/// Publishes the outcome (the caller holds the claim) and settles callbacks and watchers.
fn publish<T: Send + 'static>(cell: &Arc<PromiseCell<T>>, outcome: Result<T, FutureError>) {
    if cell.state.publish(outcome) {
        let handle = Future::from_slot(Arc::clone(cell) as Arc<dyn Slot<T>>);
        cell.state.settle(&handle);
    }
}

impl<T: Send + 'static> Drop for Promise<T> {
    fn drop(&mut self) {
        if self.set_running_or_notify_cancel() {
            publish(&self.cell, Err(FutureError::Abandoned));
        }
    }
}

impl<T: Send + 'static> fmt::Debug for Promise<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Promise")
            .field("running", &self.claimed)
            .finish_non_exhaustive()
    }
}

/// An outcome refused because the future was cancelled first; the value comes back
/// (Python: `InvalidStateError`).
///
/// ```
/// let (promise, future) = threadkit::promise();
/// future.cancel();
/// let err = promise.set_result(5).unwrap_err();
/// assert_eq!(err.to_string(), "the future was cancelled: its outcome cannot be set");
/// assert_eq!(err.into_inner(), 5);
/// ```
#[derive(Clone, PartialEq, Eq, Error)]
#[error("the future was cancelled: its outcome cannot be set")]
pub struct InvalidStateError<T>(T);

impl<T> InvalidStateError<T> {
    /// The value or failure that was not set.
    ///
    /// ```
    /// let (promise, future) = threadkit::promise();
    /// future.cancel();
    /// assert_eq!(promise.set_result('x').unwrap_err().into_inner(), 'x');
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for InvalidStateError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InvalidStateError(..)")
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::executor::{as_completed, ReturnWhen};
    use std::time::Duration;

    #[test]
    fn a_promised_future_joins_as_completed_with_pool_futures() {
        let pool = crate::ThreadPoolExecutor::new(1).unwrap();
        let (promise, promised) = promise();
        let futures = vec![pool.submit(|| 1).unwrap(), promised];
        let setter = std::thread::spawn(move || promise.set_result(2).unwrap());
        let mut values: Vec<i32> = as_completed(&futures, None)
            .map(|f| f.unwrap().result().unwrap())
            .collect();
        values.sort_unstable();
        assert_eq!(values, [1, 2]);
        setter.join().unwrap();
    }

    #[test]
    fn an_abandoned_promise_is_a_failure_for_first_exception() {
        let (promise, future) = promise::<u8>();
        let (_keep, pending) = super::promise::<u8>();
        drop(promise);
        let split = crate::executor::wait(
            [&future, &pending],
            Some(Duration::from_secs(60)),
            ReturnWhen::FirstException,
        );
        assert_eq!(split.done, [&future]);
        assert_eq!(future.exception(), Some(FutureError::Abandoned));
    }

    #[test]
    fn a_cancel_racing_the_promise_has_one_winner() {
        for _ in 0..200 {
            let (promise, future) = promise::<u32>();
            let canceller = std::thread::spawn(move || (future.cancel(), future));
            let set = promise.set_result(7).is_ok();
            let (cancelled, future) = canceller.join().unwrap();
            assert_ne!(set, cancelled, "exactly one of the set and the cancel wins");
            assert_eq!(future.result().is_ok(), set);
        }
    }
}
