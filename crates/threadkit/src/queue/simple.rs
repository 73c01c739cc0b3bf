//! `SimpleQueue`: Python's unbounded FIFO without task tracking, the fastest queue.

use super::core::{Core, Patience};
use super::error::GetError;
use super::store::{Segmented, Store};
use crate::facade::{Duration, Instant};
use crate::wait;
use std::fmt;
use std::sync::Arc;

/// An unbounded first-in, first-out queue without task tracking or shutdown, like Python's
/// `queue.SimpleQueue`. A `put` never blocks and never fails. Clone it to share it.
///
/// For a pipeline that must end cleanly, use [`Queue`](crate::Queue) and its `shutdown`.
///
/// # Examples
///
/// ```
/// use threadkit::{SimpleQueue, Thread};
///
/// let q = SimpleQueue::new();
/// let producer = {
///     let q = q.clone();
///     Thread::spawn(move || (0..100).for_each(|i| q.put(i)))
/// };
/// let total: u32 = (0..100).map(|_| q.get()).sum();
/// producer.join().unwrap();
/// assert_eq!(total, 4950);
/// ```
pub struct SimpleQueue<T> {
    core: Arc<Core<T, Segmented<T>>>,
}

// Unwind safety: no poisoning (as in Python and parking_lot); a panic elsewhere cannot leave
// this queue (items only move in and out by value) in a state its own methods would misread (issue 10, defect 14).
impl<T> std::panic::UnwindSafe for SimpleQueue<T> {}
impl<T> std::panic::RefUnwindSafe for SimpleQueue<T> {}

impl<T> SimpleQueue<T> {
    /// Its identities in the diagnostics.
    pub(crate) fn diag_keys(&self) -> [usize; 3] {
        self.core.diag_keys()
    }
}

impl<T: Send> SimpleQueue<T> {
    /// A new empty queue (Python: `SimpleQueue()`).
    ///
    /// ```
    /// let q: threadkit::SimpleQueue<u8> = threadkit::SimpleQueue::new();
    /// assert!(q.empty());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        SimpleQueue {
            core: Arc::new(Core::new(Segmented::new())),
        }
    }

    /// Adds an item; never blocks (Python: `put(item)`; see also
    /// [`put_nowait`](Self::put_nowait)).
    ///
    /// ```
    /// let q = threadkit::SimpleQueue::new();
    /// q.put(1);
    /// assert_eq!(q.qsize(), 1);
    /// ```
    #[inline]
    pub fn put(&self, item: T) {
        if self.core.put(item, Patience::Never).is_err() {
            unreachable!("a segmented store is never full nor closed");
        }
    }

    /// Python's `put_nowait(item)`: the same as [`put`](Self::put), which never blocks.
    ///
    /// ```
    /// let q = threadkit::SimpleQueue::new();
    /// q.put_nowait(1);
    /// assert_eq!(q.get_nowait(), Ok(1));
    /// ```
    #[inline]
    pub fn put_nowait(&self, item: T) {
        self.put(item);
    }

    /// Removes an item, blocking while empty (Python: `get()`).
    ///
    /// ```
    /// let q = threadkit::SimpleQueue::new();
    /// q.put("x");
    /// assert_eq!(q.get(), "x");
    /// ```
    #[inline]
    #[must_use]
    #[track_caller]
    pub fn get(&self) -> T {
        match self.core.get(Patience::Until(None)) {
            Ok(item) => item,
            Err(_) => unreachable!("a blocking get on a store that never closes returns an item"),
        }
    }

    /// Removes an item, waiting at most `timeout` (Python: `get(timeout=t)`).
    ///
    /// # Errors
    ///
    /// [`GetError::Empty`] if nothing came in time.
    ///
    /// ```
    /// use std::time::Duration;
    /// let q: threadkit::SimpleQueue<u8> = threadkit::SimpleQueue::new();
    /// assert!(q.get_timeout(Duration::from_millis(1)).is_err());
    /// ```
    #[track_caller]
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, GetError> {
        self.core
            .get(Patience::Until(wait::deadline_after(timeout)))
    }

    /// Removes an item, waiting until `deadline` at the latest.
    ///
    /// # Errors
    ///
    /// [`GetError::Empty`] if nothing came in time.
    ///
    /// ```
    /// let q: threadkit::SimpleQueue<u8> = threadkit::SimpleQueue::new();
    /// assert!(q.get_deadline(std::time::Instant::now()).is_err());
    /// ```
    #[track_caller]
    pub fn get_deadline(&self, deadline: Instant) -> Result<T, GetError> {
        self.core.get(Patience::Until(Some(deadline)))
    }

    /// Removes an item only if one is there now (Python: `get_nowait()`).
    ///
    /// # Errors
    ///
    /// [`GetError::Empty`].
    ///
    /// ```
    /// let q: threadkit::SimpleQueue<u8> = threadkit::SimpleQueue::new();
    /// assert_eq!(q.get_nowait(), Err(threadkit::GetError::Empty));
    /// ```
    #[inline]
    pub fn get_nowait(&self) -> Result<T, GetError> {
        self.core.get(Patience::Never)
    }

    /// Items now; approximate (Python: `qsize()`).
    ///
    /// ```
    /// assert_eq!(threadkit::SimpleQueue::<u8>::new().qsize(), 0);
    /// ```
    #[must_use]
    pub fn qsize(&self) -> usize {
        self.core.store().len()
    }

    /// Whether empty now; approximate (Python: `empty()`).
    ///
    /// ```
    /// assert!(threadkit::SimpleQueue::<u8>::new().empty());
    /// ```
    #[must_use]
    pub fn empty(&self) -> bool {
        self.core.store().is_empty()
    }
}

impl<T: Send> Default for SimpleQueue<T> {
    fn default() -> Self {
        SimpleQueue::new()
    }
}

impl<T> Clone for SimpleQueue<T> {
    fn clone(&self) -> Self {
        SimpleQueue {
            core: Arc::clone(&self.core),
        }
    }
}

impl<T: Send> fmt::Debug for SimpleQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimpleQueue")
            .field("qsize", &self.qsize())
            .finish()
    }
}
