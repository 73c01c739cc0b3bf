//! `as_completed` and `wait`: watching many futures at once (Python's module functions).
//!
//! Each call registers one `Watch` with every future; a future that completes pushes its index
//! into the watch and wakes the watcher, so nobody polls.

use super::future::Future;
use crate::facade::{Duration, Instant};
use crate::sync::Monitor;
use crate::timeout::TimeoutError;
use crate::wait::deadline_after;
use std::fmt;
use std::sync::Arc;

/// Indices of the watched futures that completed, in completion order.
pub(crate) struct Watch {
    finished: Monitor<Vec<usize>>,
}

impl Watch {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Watch {
            finished: Monitor::new(Vec::new()),
        })
    }

    pub(crate) fn finished(&self, index: usize) {
        self.finished.lock().push(index);
        self.finished.notify_all();
    }
}

/// Registers `watch` with every future; the ones already done are recorded at once.
fn watch_all<T>(futures: &[Future<T>], watch: &Arc<Watch>) {
    for (index, future) in futures.iter().enumerate() {
        if !future.state().watch(watch, index) {
            watch.finished(index);
        }
    }
}

fn unwatch_all<T>(futures: &[Future<T>], watch: &Arc<Watch>) {
    for future in futures {
        future.state().unwatch(watch);
    }
}

/// Yields futures as they complete, those already done first
/// (Python: `concurrent.futures.as_completed(fs, timeout)`).
///
/// The timeout runs from the call; when it passes, the iterator yields one
/// `Err(TimeoutError)` and ends.
///
/// # Examples
///
/// ```
/// use threadkit::{as_completed, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new(2).unwrap();
/// let futures: Vec<_> = (1..=3).map(|i| pool.submit(move || i * i).unwrap()).collect();
/// let mut squares: Vec<i32> =
///     as_completed(&futures, None).map(|f| f.unwrap().result().unwrap()).collect();
/// squares.sort_unstable();
/// assert_eq!(squares, [1, 4, 9]);
/// ```
pub fn as_completed<T>(futures: &[Future<T>], timeout: Option<Duration>) -> AsCompleted<'_, T> {
    let deadline = timeout.and_then(deadline_after);
    let watch = Watch::new();
    watch_all(futures, &watch);
    AsCompleted {
        futures,
        watch,
        deadline,
        yielded: 0,
        timed_out: false,
    }
}

/// The iterator of [`as_completed`]: each future once, as it completes.
///
/// ```
/// let pool = threadkit::ThreadPoolExecutor::new(2).unwrap();
/// let futures: Vec<_> = (0..3).map(|i| pool.submit(move || i * 10).unwrap()).collect();
/// let it: threadkit::AsCompleted<'_, i32> = threadkit::as_completed(&futures, None);
/// let mut sum = 0;
/// for f in it {
///     sum += f.unwrap().result().unwrap();
/// }
/// assert_eq!(sum, 30);
/// ```
pub struct AsCompleted<'a, T> {
    futures: &'a [Future<T>],
    watch: Arc<Watch>,
    deadline: Option<Instant>,
    yielded: usize,
    timed_out: bool,
}

// Unwind safety: no poisoning (as in Python and parking_lot); a panic elsewhere cannot leave
// this iterator in a state its own methods would misread (issue 10, defect 14).
impl<T> std::panic::UnwindSafe for AsCompleted<'_, T> {}
impl<T> std::panic::RefUnwindSafe for AsCompleted<'_, T> {}

impl<'a, T> Iterator for AsCompleted<'a, T> {
    type Item = Result<&'a Future<T>, TimeoutError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.timed_out || self.yielded == self.futures.len() {
            return None;
        }
        let mut finished = self.watch.finished.lock();
        let arrived = self
            .watch
            .finished
            .wait_while(&mut finished, self.deadline, |f| f.len() <= self.yielded);
        if !arrived {
            self.timed_out = true;
            return Some(Err(TimeoutError::futures(
                self.futures.len() - self.yielded,
                self.futures.len(),
            )));
        }
        let index = finished[self.yielded];
        self.yielded += 1;
        Some(Ok(&self.futures[index]))
    }
}

impl<T> Drop for AsCompleted<'_, T> {
    fn drop(&mut self) {
        unwatch_all(self.futures, &self.watch);
    }
}

impl<T> fmt::Debug for AsCompleted<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("futures", &self.futures.len())
            .field("yielded", &self.yielded)
            .finish()
    }
}

/// When [`wait`] returns (Python: `FIRST_COMPLETED`, `FIRST_EXCEPTION`, `ALL_COMPLETED`).
///
/// ```
/// assert_ne!(threadkit::ReturnWhen::FirstCompleted, threadkit::ReturnWhen::AllCompleted);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnWhen {
    /// As soon as any future is done.
    FirstCompleted,
    /// As soon as any future fails (panics, or its pool broke), or when all are done.
    FirstException,
    /// When every future is done.
    AllCompleted,
}

/// What [`wait`] found: the futures done and those not done (Python: `DoneAndNotDoneFutures`).
///
/// ```
/// use threadkit::ReturnWhen;
/// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
/// let futures = vec![pool.submit(|| 1).unwrap()];
/// let found: threadkit::DoneAndNotDone<'_, i32> =
///     threadkit::wait(&futures, None, ReturnWhen::AllCompleted);
/// assert_eq!((found.done.len(), found.not_done.len()), (1, 0));
/// ```
pub struct DoneAndNotDone<'a, T> {
    /// Futures done (finished, failed or cancelled), in the order given.
    pub done: Vec<&'a Future<T>>,
    /// The others, in the order given.
    pub not_done: Vec<&'a Future<T>>,
}

// Unwind safety: no poisoning (as in Python and parking_lot); a panic elsewhere cannot leave
// this result in a state its own methods would misread (issue 10, defect 14).
impl<T> std::panic::UnwindSafe for DoneAndNotDone<'_, T> {}
impl<T> std::panic::RefUnwindSafe for DoneAndNotDone<'_, T> {}

impl<T> fmt::Debug for DoneAndNotDone<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DoneAndNotDone")
            .field("done", &self.done.len())
            .field("not_done", &self.not_done.len())
            .finish()
    }
}

/// Waits until `return_when` holds or `timeout` passes, and splits the futures into done and
/// not done (Python: `concurrent.futures.wait(fs, timeout, return_when)`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use threadkit::{wait, ReturnWhen, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new(2).unwrap();
/// let futures: Vec<_> = (0..4).map(|i| pool.submit(move || i).unwrap()).collect();
/// let split = wait(&futures, Some(Duration::from_secs(60)), ReturnWhen::AllCompleted);
/// assert_eq!(split.done.len(), 4);
/// assert!(split.not_done.is_empty());
/// ```
pub fn wait<T>(
    futures: &[Future<T>],
    timeout: Option<Duration>,
    return_when: ReturnWhen,
) -> DoneAndNotDone<'_, T> {
    let deadline = timeout.and_then(deadline_after);
    let watch = Watch::new();
    watch_all(futures, &watch);
    {
        let mut finished = watch.finished.lock();
        watch
            .finished
            .wait_while(&mut finished, deadline, |finished| {
                let satisfied = match return_when {
                    ReturnWhen::FirstCompleted => !finished.is_empty(),
                    ReturnWhen::AllCompleted => finished.len() == futures.len(),
                    ReturnWhen::FirstException => {
                        finished.len() == futures.len()
                            || finished.iter().any(|&i| futures[i].failed())
                    }
                };
                !satisfied
            });
    }
    unwatch_all(futures, &watch);
    let (done, not_done) = futures.iter().partition(|f| f.done());
    DoneAndNotDone { done, not_done }
}
