//! `ThreadPoolExecutor::map`: results in input order, eager or with a bounded buffer.

use super::error::{FutureError, SubmitError};
use super::future::Future;
use super::pool::Pool;
use crate::facade::{Duration, Instant};
use crate::timeout::{TimeoutError, WaitError};
use crate::wait;
use std::collections::VecDeque;
use std::fmt;
use std::num::NonZeroUsize;
use std::sync::Arc;

/// Options of [`ThreadPoolExecutor::map_with`](crate::ThreadPoolExecutor::map_with).
///
/// ```
/// use std::time::Duration;
/// let options = threadkit::MapOptions::new()
///     .timeout(Duration::from_secs(5))
///     .buffersize(8.try_into().unwrap());
/// # drop(options);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct MapOptions {
    timeout: Option<Duration>,
    buffersize: Option<usize>,
}

impl MapOptions {
    /// No timeout; every task submitted at once (Python's defaults).
    ///
    /// ```
    /// let _ = threadkit::MapOptions::new();
    /// ```
    #[must_use]
    pub fn new() -> Self {
        MapOptions::default()
    }

    /// The whole map must finish within `timeout` of the call; a result not ready by then is
    /// [`WaitError::Timeout`], and the remaining tasks are cancelled.
    ///
    /// ```
    /// let _ = threadkit::MapOptions::new().timeout(std::time::Duration::from_secs(1));
    /// ```
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// At most `n` tasks submitted and not yet yielded at any time. A buffer of 0 cannot
    /// be asked for (Python: `ValueError: buffersize must be None or > 0`): `n` is non-zero
    /// by type.
    ///
    /// ```
    /// use std::num::NonZeroUsize;
    /// let _ = threadkit::MapOptions::new().buffersize(NonZeroUsize::new(16).unwrap());
    /// assert!(NonZeroUsize::new(0).is_none()); // Python's buffersize=0 has no equivalent
    /// ```
    #[must_use]
    pub fn buffersize(mut self, n: NonZeroUsize) -> Self {
        self.buffersize = Some(n.get());
        self
    }
}

type Submitter<T> = Box<dyn FnMut() -> Option<Result<Future<T>, SubmitError<()>>> + Send>;

/// The results of a map, in input order (see
/// [`ThreadPoolExecutor::map`](crate::ThreadPoolExecutor::map)).
///
/// As with Python's generator: a map dropped before its first `next` lets every submitted
/// task run (`executor.map(f, items)` as a statement runs them all); once iterated, dropping it
/// cancels the tasks that have not started.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
///
/// let ran = Arc::new(AtomicUsize::new(0));
/// let pool = threadkit::ThreadPoolExecutor::new(2).unwrap();
/// let r = Arc::clone(&ran);
/// drop(pool.map(move |_| r.fetch_add(1, Ordering::SeqCst), 0..9).unwrap());
/// pool.shutdown();
/// assert_eq!(ran.load(Ordering::SeqCst), 9);
/// ```
#[must_use = "iterate the map to get its results; dropping it unread still runs every task"]
pub struct Map<T> {
    in_flight: VecDeque<Future<T>>,
    next_task: Submitter<T>,
    exhausted: bool,
    buffersize: Option<usize>,
    deadline: Option<Instant>,
    stopped: bool,
    /// `next` was called: dropping the map now cancels what has not started.
    started: bool,
}

// Unwind safety: no poisoning (as in Python and parking_lot); a panic elsewhere cannot leave
// this map in a state its own methods would misread (issue 10, defect 14).
impl<T> std::panic::UnwindSafe for Map<T> {}
impl<T> std::panic::RefUnwindSafe for Map<T> {}

impl<T: Send + 'static> Map<T> {
    pub(crate) fn start<I, F>(
        pool: Arc<Pool>,
        f: F,
        mut inputs: I,
        options: MapOptions,
    ) -> Result<Map<T>, SubmitError<()>>
    where
        I: Iterator + Send + 'static,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        let next_task: Submitter<T> = Box::new(move || {
            let input = inputs.next()?;
            let f = Arc::clone(&f);
            Some(pool.submit(move || f(input)).map_err(|e| match e {
                SubmitError::ShutDown(_) => SubmitError::ShutDown(()),
                SubmitError::BrokenPool(_) => SubmitError::BrokenPool(()),
                SubmitError::Full(_) => SubmitError::Full(()),
                SubmitError::Stopped(_) => SubmitError::Stopped(()),
            }))
        });
        let mut map = Map {
            in_flight: VecDeque::new(),
            next_task,
            exhausted: false,
            buffersize: options.buffersize,
            deadline: options.timeout.and_then(wait::deadline_after),
            stopped: false,
            started: false,
        };
        map.fill()?;
        Ok(map)
    }

    /// Submits until the buffer is full or the input ends.
    fn fill(&mut self) -> Result<(), SubmitError<()>> {
        while !self.exhausted && self.buffersize.is_none_or(|n| self.in_flight.len() < n) {
            match (self.next_task)() {
                Some(future) => self.in_flight.push_back(future?),
                None => self.exhausted = true,
            }
        }
        Ok(())
    }

    fn stop(&mut self) {
        self.stopped = true;
        for future in &self.in_flight {
            future.cancel();
        }
    }
}

impl<T: Send + 'static> Iterator for Map<T> {
    type Item = Result<T, WaitError<FutureError>>;

    fn next(&mut self) -> Option<Self::Item> {
        self.started = true;
        if self.stopped {
            return None;
        }
        if let Err(e) = self.fill() {
            self.stop();
            return Some(Err(WaitError::Failed(match e {
                SubmitError::ShutDown(()) => FutureError::ShutDown,
                SubmitError::BrokenPool(()) => FutureError::BrokenPool(e.to_string().into()),
                SubmitError::Full(()) => FutureError::Rejected,
                SubmitError::Stopped(()) => FutureError::Stopped,
            })));
        }
        let future = self.in_flight.pop_front()?;
        let ready = match self.deadline {
            None => true,
            Some(deadline) => {
                future.wait_timeout(deadline.saturating_duration_since(Instant::now()))
            }
        };
        if !ready {
            future.cancel();
            self.stop();
            return Some(Err(WaitError::Timeout(TimeoutError::single())));
        }
        Some(future.into_result().map_err(WaitError::Failed))
    }
}

impl<T> Drop for Map<T> {
    fn drop(&mut self) {
        // A map never iterated is Python's generator never started: closing it runs no
        // `finally`, so the tasks already submitted run to the end.
        if self.started {
            for future in &self.in_flight {
                future.cancel();
            }
        }
    }
}

impl<T> fmt::Debug for Map<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Map")
            .field("in_flight", &self.in_flight.len())
            .field("exhausted", &self.exhausted)
            .finish_non_exhaustive()
    }
}
