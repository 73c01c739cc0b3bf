//! `as_completed` and `wait`: watching many futures at once (Python's module functions).
//!
//! Each call registers one `Watch` with every future; a future that completes pushes its index
//! into the watch and wakes the watcher, so nobody polls.

use super::future::Future;
use crate::diag::Kind;
use crate::facade::{Duration, Instant};
use crate::sync::Monitor;
use crate::timeout::TimeoutError;
use crate::wait::deadline_after;
use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// Indices of the watched futures that completed, in completion order.
pub(crate) struct Watch {
    finished: Monitor<Vec<usize>>,
}

impl Watch {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Watch {
            finished: Monitor::new(Vec::new(), Kind::AsCompleted),
        })
    }

    pub(crate) fn finished(&self, index: usize) {
        self.finished.lock().push(index);
        self.finished.notify_all();
    }
}

/// Registers `watch` with every future; the ones already done are recorded at once.
fn watch_all<T, F: Borrow<Future<T>>>(futures: &[F], watch: &Arc<Watch>) {
    for (index, future) in futures.iter().enumerate() {
        if !future.borrow().state().watch(watch, index) {
            watch.finished(index);
        }
    }
}

fn unwatch_all<'a, T: 'a, F: Borrow<Future<T>> + 'a>(
    futures: impl Iterator<Item = &'a F>,
    watch: &Arc<Watch>,
) {
    for future in futures {
        future.borrow().state().unwatch(watch);
    }
}

/// Yields futures as they complete, those already done first
/// (Python: `concurrent.futures.as_completed(fs, timeout)`).
///
/// `futures` is any iterable of futures, owned or borrowed: `&vec`, a map's `keys()`, or the
/// futures themselves, which then come out owned (to move a non-`Clone` value out with
/// [`into_result`](Future::into_result)). A [`Future`] is `Eq + Hash` by identity, so
/// Python's `future_to_url[future]` ports line for line. The timeout runs from the call; when
/// it passes, the iterator yields one `Err(TimeoutError)` and ends. Duplicates count once, as
/// in Python.
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
/// use threadkit::{as_completed, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new(2).unwrap();
/// let future_to_n: HashMap<_, _> =
///     (1..=3).map(|n| (pool.submit(move || n * n).unwrap(), n)).collect();
/// for future in as_completed(future_to_n.keys(), None) {
///     let future = future.unwrap();
///     let n = future_to_n[future];
///     assert_eq!(future.result(), Ok(n * n));
/// }
///
/// // Owned futures come out owned.
/// let futures: Vec<_> = (0..3).map(|i| pool.submit(move || vec![i]).unwrap()).collect();
/// let mut total = 0;
/// for future in as_completed(futures, None) {
///     total += future.unwrap().into_result().unwrap()[0];
/// }
/// assert_eq!(total, 3);
/// ```
pub fn as_completed<T, F>(
    futures: impl IntoIterator<Item = F>,
    timeout: Option<Duration>,
) -> AsCompleted<T, F>
where
    F: Borrow<Future<T>>,
{
    let deadline = timeout.and_then(deadline_after);
    let futures = distinct(futures);
    let watch = Watch::new();
    watch_all(&futures, &watch);
    AsCompleted {
        futures: futures.into_iter().map(Some).collect(),
        watch,
        deadline,
        yielded: 0,
        timed_out: false,
        _output: PhantomData,
    }
}

/// The futures, each once (Python takes a set).
fn distinct<T, F: Borrow<Future<T>>>(futures: impl IntoIterator<Item = F>) -> Vec<F> {
    let mut seen = HashSet::new();
    futures
        .into_iter()
        .filter(|f| seen.insert(f.borrow().id()))
        .collect()
}

/// The iterator of [`as_completed`]: each future once, as it completes.
///
/// ```
/// let pool = threadkit::ThreadPoolExecutor::new(2).unwrap();
/// let futures: Vec<_> = (0..3).map(|i| pool.submit(move || i * 10).unwrap()).collect();
/// let it: threadkit::AsCompleted<i32, &threadkit::Future<i32>> =
///     threadkit::as_completed(&futures, None);
/// let mut sum = 0;
/// for f in it {
///     sum += f.unwrap().result().unwrap();
/// }
/// assert_eq!(sum, 30);
/// ```
pub struct AsCompleted<T, F: Borrow<Future<T>>> {
    /// The futures not yielded yet, by index.
    futures: Vec<Option<F>>,
    watch: Arc<Watch>,
    deadline: Option<Instant>,
    yielded: usize,
    timed_out: bool,
    _output: PhantomData<fn() -> T>,
}

// Unwind safety: no poisoning (as in Python and parking_lot); a panic elsewhere cannot leave
// this iterator in a state its own methods would misread (issue 10, defect 14).
impl<T, F: Borrow<Future<T>>> std::panic::UnwindSafe for AsCompleted<T, F> {}
impl<T, F: Borrow<Future<T>>> std::panic::RefUnwindSafe for AsCompleted<T, F> {}

impl<T, F: Borrow<Future<T>>> AsCompleted<T, F> {
    /// The futures not yielded yet (after a timeout: the unfinished ones), in the order given.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
    /// let gate = std::sync::Arc::new(threadkit::Event::new());
    /// let g = gate.clone();
    /// let futures = vec![pool.submit(move || g.wait()).unwrap()];
    /// let mut it = threadkit::as_completed(futures, Some(Duration::from_millis(1)));
    /// assert!(it.next().unwrap().is_err()); // timed out
    /// let pending = it.into_remaining();
    /// gate.set();
    /// assert_eq!(pending.into_iter().next().unwrap().into_result(), Ok(true));
    /// ```
    #[must_use]
    pub fn into_remaining(mut self) -> Vec<F> {
        unwatch_all(self.futures.iter().flatten(), &self.watch);
        std::mem::take(&mut self.futures)
            .into_iter()
            .flatten()
            .collect()
    }
}

impl<T, F: Borrow<Future<T>>> Iterator for AsCompleted<T, F> {
    type Item = Result<F, TimeoutError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.timed_out || self.yielded == self.futures.len() {
            return None;
        }
        let mut finished = self.watch.finished.lock();
        let waited = self
            .watch
            .finished
            .wait_while_stoppable(&mut finished, self.deadline, |f| f.len() <= self.yielded);
        let Ok(arrived) = waited else {
            // The caller's stop: nothing to return it in (`crate::stop`); dropping the
            // iterator unwatches the futures.
            drop(finished);
            crate::stop::unwind();
        };
        if !arrived {
            self.timed_out = true;
            return Some(Err(TimeoutError::futures(
                self.futures.len() - self.yielded,
                self.futures.len(),
            )));
        }
        let index = finished[self.yielded];
        drop(finished);
        self.yielded += 1;
        let future = self.futures[index]
            .take()
            .expect("a watch records each future once");
        Some(Ok(future))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.futures.len() - self.yielded + 1))
    }
}

impl<T, F: Borrow<Future<T>>> Drop for AsCompleted<T, F> {
    fn drop(&mut self) {
        unwatch_all(self.futures.iter().flatten(), &self.watch);
    }
}

impl<T, F: Borrow<Future<T>>> fmt::Debug for AsCompleted<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("futures", &self.futures.len())
            .field("yielded", &self.yielded)
            .finish_non_exhaustive()
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

/// What [`wait`] found: the futures done and those not done, owned or borrowed as they were
/// given (Python: `DoneAndNotDoneFutures`).
///
/// ```
/// use threadkit::ReturnWhen;
/// let pool = threadkit::ThreadPoolExecutor::new(1).unwrap();
/// let futures = vec![pool.submit(|| 1).unwrap()];
/// let found: threadkit::DoneAndNotDone<&threadkit::Future<i32>> =
///     threadkit::wait(&futures, None, ReturnWhen::AllCompleted);
/// assert_eq!((found.done.len(), found.not_done.len()), (1, 0));
/// ```
pub struct DoneAndNotDone<F> {
    /// Futures done (finished, failed or cancelled), in the order given.
    pub done: Vec<F>,
    /// The others, in the order given.
    pub not_done: Vec<F>,
}

impl<F> fmt::Debug for DoneAndNotDone<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DoneAndNotDone")
            .field("done", &self.done.len())
            .field("not_done", &self.not_done.len())
            .finish()
    }
}

/// Waits until `return_when` holds or `timeout` passes, and splits the futures into done and
/// not done (Python: `concurrent.futures.wait(fs, timeout, return_when)`). Like
/// [`as_completed`], it takes owned or borrowed futures from any iterable and gives them
/// back the same way, each once.
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
pub fn wait<T, F>(
    futures: impl IntoIterator<Item = F>,
    timeout: Option<Duration>,
    return_when: ReturnWhen,
) -> DoneAndNotDone<F>
where
    F: Borrow<Future<T>>,
{
    let deadline = timeout.and_then(deadline_after);
    let futures = distinct(futures);
    let watch = Watch::new();
    watch_all(&futures, &watch);
    let waited = {
        let mut finished = watch.finished.lock();
        watch
            .finished
            .wait_while_stoppable(&mut finished, deadline, |finished| {
                let satisfied = match return_when {
                    ReturnWhen::FirstCompleted => !finished.is_empty(),
                    ReturnWhen::AllCompleted => finished.len() == futures.len(),
                    ReturnWhen::FirstException => {
                        finished.len() == futures.len()
                            || finished.iter().any(|&i| futures[i].borrow().failed())
                    }
                };
                !satisfied
            })
    };
    unwatch_all(futures.iter(), &watch);
    if waited.is_err() {
        // The caller's stop: `wait` has nothing to return it in (`crate::stop`).
        crate::stop::unwind();
    }
    let (done, not_done) = futures.into_iter().partition(|f| f.borrow().done());
    DoneAndNotDone { done, not_done }
}
