//! The public queues: `Queue` (FIFO), `LifoQueue` and `PriorityQueue`, one API generated for
//! the three (as Python's three classes share theirs), over the shared blocking [`Core`].

use super::core::{Core, Patience};
use super::error::{GetError, PutError, TaskDoneError};
use super::fifo::Fifo;
use super::heap::PriorityHeap;
use super::store::{Locked, Store};
use crate::facade::{Duration, Instant};
use crate::wait;
use std::fmt;
use std::sync::Arc;

macro_rules! python_queue {
    (
        $(#[$doc:meta])*
        $name:ident<T $(: $bound:path)?>, store: $store:ty, new: $new:expr, example_item: $ex:literal
    ) => {
        $(#[$doc])*
        pub struct $name<T> {
            core: Arc<Core<T, $store>>,
        }

        // Unwind safety: no poisoning; items only move in and out by value, and a panic in
        // an item's `Ord` leaves the queue as it was (issue 10, defects 5 and 14).
        impl<T> std::panic::UnwindSafe for $name<T> {}
        impl<T> std::panic::RefUnwindSafe for $name<T> {}

        impl<T> $name<T> {
            /// Its identities in the diagnostics.
            pub(crate) fn diag_keys(&self) -> [usize; 3] {
                self.core.diag_keys()
            }
        }

        impl<T: Send $(+ $bound)?> $name<T> {
            #[doc = concat!("A new ", stringify!($name), " holding at most `maxsize` items; 0 means unbounded (Python: `", stringify!($name), "(maxsize)`).")]
            ///
            /// ```
            #[doc = concat!("let q = threadkit::", stringify!($name), "::new(10);")]
            #[doc = concat!("q.put(", $ex, ").unwrap();")]
            /// assert_eq!(q.maxsize(), 10);
            /// ```
            pub fn new(maxsize: usize) -> Self {
                let make: fn(usize) -> $store = $new;
                $name { core: Arc::new(Core::new(make(maxsize))) }
            }

            #[doc = concat!("A new ", stringify!($name), " with no bound: the same as `", stringify!($name), "::new(0)`, said explicitly (crossbeam's `unbounded()`).")]
            ///
            /// ```
            #[doc = concat!("let q = threadkit::", stringify!($name), "::unbounded();")]
            #[doc = concat!("q.put(", $ex, ").unwrap();")]
            /// assert_eq!(q.capacity(), None);
            /// ```
            pub fn unbounded() -> Self {
                Self::new(0)
            }

            /// Puts an item, blocking while the queue is full (Python: `put(item)`).
            ///
            /// # Errors
            ///
            /// [`PutError::ShutDown`] with the item if the queue is or gets shut down.
            ///
            /// ```
            #[doc = concat!("let q = threadkit::", stringify!($name), "::new(0);")]
            #[doc = concat!("q.put(", $ex, ").unwrap();")]
            /// assert_eq!(q.qsize(), 1);
            /// ```
            #[inline]
            pub fn put(&self, item: T) -> Result<(), PutError<T>> {
                self.core.put(item, Patience::Until(None))
            }

            /// Puts an item, waiting at most `timeout` for room (Python: `put(item, timeout=t)`).
            ///
            /// # Errors
            ///
            /// [`PutError::Full`] with the item if there was no room in time;
            /// [`PutError::ShutDown`] with the item if shut down.
            ///
            /// ```
            /// use std::time::Duration;
            #[doc = concat!("let q = threadkit::", stringify!($name), "::new(1);")]
            #[doc = concat!("q.put(", $ex, ").unwrap();")]
            #[doc = concat!("assert!(q.put_timeout(", $ex, ", Duration::from_millis(1)).is_err());")]
            /// ```
            pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutError<T>> {
                self.core.put(item, Patience::Until(wait::deadline_after(timeout)))
            }

            /// Puts an item, waiting until `deadline` at the latest for room.
            ///
            /// # Errors
            ///
            /// As [`put_timeout`](Self::put_timeout).
            ///
            /// ```
            #[doc = concat!("let q = threadkit::", stringify!($name), "::new(1);")]
            #[doc = concat!("assert!(q.put_deadline(", $ex, ", std::time::Instant::now()).is_ok());")]
            /// ```
            pub fn put_deadline(&self, item: T, deadline: Instant) -> Result<(), PutError<T>> {
                self.core.put(item, Patience::Until(Some(deadline)))
            }

            /// Puts an item only if there is room now (Python: `put_nowait(item)`).
            ///
            /// # Errors
            ///
            /// [`PutError::Full`] or [`PutError::ShutDown`], with the item.
            ///
            /// ```
            #[doc = concat!("let q = threadkit::", stringify!($name), "::new(1);")]
            #[doc = concat!("q.put_nowait(", $ex, ").unwrap();")]
            #[doc = concat!("assert!(q.put_nowait(", $ex, ").is_err());")]
            /// ```
            #[inline]
            pub fn put_nowait(&self, item: T) -> Result<(), PutError<T>> {
                self.core.put(item, Patience::Never)
            }

            /// Removes and returns an item, blocking while the queue is empty (Python: `get()`).
            ///
            /// # Errors
            ///
            /// [`GetError::ShutDown`] once the queue is shut down and has nothing left to give.
            ///
            /// ```
            #[doc = concat!("let q = threadkit::", stringify!($name), "::new(0);")]
            #[doc = concat!("q.put(", $ex, ").unwrap();")]
            #[doc = concat!("assert_eq!(q.get(), Ok(", $ex, "));")]
            /// ```
            #[inline]
            pub fn get(&self) -> Result<T, GetError> {
                self.core.get(Patience::Until(None))
            }

            /// Removes an item, waiting at most `timeout` (Python: `get(timeout=t)`).
            ///
            /// # Errors
            ///
            /// [`GetError::Empty`] if nothing came in time; [`GetError::ShutDown`].
            ///
            /// ```
            /// use std::time::Duration;
            #[doc = concat!("let q: threadkit::", stringify!($name), "<_> = threadkit::", stringify!($name), "::new(0);")]
            #[doc = concat!("q.put(", $ex, ").unwrap();")]
            /// assert!(q.get_timeout(Duration::from_millis(1)).is_ok());
            /// assert!(q.get_timeout(Duration::from_millis(1)).is_err());
            /// ```
            pub fn get_timeout(&self, timeout: Duration) -> Result<T, GetError> {
                self.core.get(Patience::Until(wait::deadline_after(timeout)))
            }

            /// Removes an item, waiting until `deadline` at the latest.
            ///
            /// # Errors
            ///
            /// As [`get_timeout`](Self::get_timeout).
            ///
            /// ```
            #[doc = concat!("let q: threadkit::", stringify!($name), "<u8> = threadkit::", stringify!($name), "::new(0);")]
            /// assert!(q.get_deadline(std::time::Instant::now()).is_err());
            /// ```
            pub fn get_deadline(&self, deadline: Instant) -> Result<T, GetError> {
                self.core.get(Patience::Until(Some(deadline)))
            }

            /// Removes an item only if one is there now (Python: `get_nowait()`).
            ///
            /// # Errors
            ///
            /// [`GetError::Empty`] or [`GetError::ShutDown`].
            ///
            /// ```
            #[doc = concat!("let q: threadkit::", stringify!($name), "<u8> = threadkit::", stringify!($name), "::new(0);")]
            /// assert_eq!(q.get_nowait(), Err(threadkit::GetError::Empty));
            /// ```
            #[inline]
            pub fn get_nowait(&self) -> Result<T, GetError> {
                self.core.get(Patience::Never)
            }

            /// The number of items now; approximate, as in Python: by the time the caller looks,
            /// other threads may have changed it (Python: `qsize()`).
            ///
            /// ```
            #[doc = concat!("let q: threadkit::", stringify!($name), "<u8> = threadkit::", stringify!($name), "::new(0);")]
            /// assert_eq!(q.qsize(), 0);
            /// ```
            pub fn qsize(&self) -> usize {
                self.core.store().len()
            }

            /// Whether the queue is empty now; approximate (Python: `empty()`).
            ///
            /// ```
            #[doc = concat!("let q: threadkit::", stringify!($name), "<u8> = threadkit::", stringify!($name), "::new(0);")]
            /// assert!(q.empty());
            /// ```
            pub fn empty(&self) -> bool {
                self.core.store().is_empty()
            }

            /// Whether the queue is full now; approximate; never for unbounded queues
            /// (Python: `full()`).
            ///
            /// ```
            #[doc = concat!("let q = threadkit::", stringify!($name), "::new(1);")]
            #[doc = concat!("q.put(", $ex, ").unwrap();")]
            /// assert!(q.full());
            /// ```
            pub fn full(&self) -> bool {
                self.core.store().is_full()
            }

            /// The `maxsize` given at creation; 0 for unbounded (Python: `maxsize`).
            ///
            /// ```
            #[doc = concat!("let q: threadkit::", stringify!($name), "<u8> = threadkit::", stringify!($name), "::new(0);")]
            /// assert_eq!(q.maxsize(), 0);
            /// ```
            pub fn maxsize(&self) -> usize {
                self.core.store().capacity().unwrap_or(0)
            }

            /// The bound, `None` if unbounded (crossbeam's `capacity()`; Python's `maxsize`
            /// says 0 for that).
            ///
            /// ```
            #[doc = concat!("assert_eq!(threadkit::", stringify!($name), "::<u8>::new(4).capacity(), Some(4));")]
            #[doc = concat!("assert_eq!(threadkit::", stringify!($name), "::<u8>::new(0).capacity(), None);")]
            /// ```
            pub fn capacity(&self) -> Option<usize> {
                self.core.store().capacity()
            }

            /// Marks one item got earlier as processed (Python: `task_done()`).
            ///
            /// # Errors
            ///
            /// [`TaskDoneError`] if called more times than items were put.
            ///
            /// ```
            #[doc = concat!("let q = threadkit::", stringify!($name), "::new(0);")]
            #[doc = concat!("q.put(", $ex, ").unwrap();")]
            /// q.get().unwrap();
            /// q.task_done().unwrap();
            /// assert!(q.task_done().is_err());
            /// ```
            pub fn task_done(&self) -> Result<(), TaskDoneError> {
                self.core.task_done()
            }

            /// Blocks until every item ever put has been marked done (Python: `join()`).
            ///
            /// ```
            #[doc = concat!("let q = threadkit::", stringify!($name), "::new(0);")]
            #[doc = concat!("q.put(", $ex, ").unwrap();")]
            /// let worker = q.clone();
            /// let t = threadkit::Thread::spawn(move || {
            ///     worker.get().unwrap();
            ///     worker.task_done().unwrap();
            /// });
            /// q.join();
            /// # t.join().unwrap();
            /// ```
            pub fn join(&self) {
                self.core.join(None);
            }

            /// Like [`join`](Self::join) for at most `timeout`; `true` if all tasks are done.
            ///
            /// ```
            /// use std::time::Duration;
            #[doc = concat!("let q = threadkit::", stringify!($name), "::new(0);")]
            #[doc = concat!("q.put(", $ex, ").unwrap();")]
            /// assert!(!q.join_timeout(Duration::from_millis(1)));
            /// ```
            pub fn join_timeout(&self, timeout: Duration) -> bool {
                self.core.join(wait::deadline_after(timeout))
            }

            /// Like [`join`](Self::join) until `deadline` at the latest; `true` if all tasks
            /// are done.
            ///
            /// ```
            /// use std::time::{Duration, Instant};
            #[doc = concat!("let q = threadkit::", stringify!($name), "::new(0);")]
            #[doc = concat!("q.put(", $ex, ").unwrap();")]
            /// assert!(!q.join_deadline(Instant::now() + Duration::from_millis(1)));
            /// ```
            pub fn join_deadline(&self, deadline: Instant) -> bool {
                self.core.join(Some(deadline))
            }

            /// Items put and not yet marked done (Python: `unfinished_tasks`).
            ///
            /// ```
            #[doc = concat!("let q = threadkit::", stringify!($name), "::new(0);")]
            #[doc = concat!("q.put(", $ex, ").unwrap();")]
            /// assert_eq!(q.unfinished_tasks(), 1);
            /// ```
            pub fn unfinished_tasks(&self) -> u64 {
                self.core.unfinished()
            }

            /// Shuts the queue down gracefully (Python 3.13: `shutdown()`): every later put
            /// fails and blocked putters wake with [`PutError::ShutDown`]; getters take the
            /// remaining items, then get [`GetError::ShutDown`].
            ///
            /// ```
            #[doc = concat!("let q = threadkit::", stringify!($name), "::new(0);")]
            #[doc = concat!("q.put(", $ex, ").unwrap();")]
            /// q.shutdown();
            /// assert!(q.get().is_ok()); // drained first
            /// assert_eq!(q.get(), Err(threadkit::GetError::ShutDown));
            /// ```
            pub fn shutdown(&self) {
                self.core.shutdown(false);
            }

            /// Shuts the queue down at once (Python 3.13: `shutdown(immediate=True)`): as
            /// [`shutdown`](Self::shutdown), but the remaining items are dropped and counted
            /// as done (so `join` returns), and blocked getters wake with
            /// [`GetError::ShutDown`].
            ///
            /// ```
            #[doc = concat!("let q = threadkit::", stringify!($name), "::new(0);")]
            #[doc = concat!("q.put(", $ex, ").unwrap();")]
            /// q.shutdown_immediate();
            /// assert_eq!(q.get(), Err(threadkit::GetError::ShutDown)); // dropped
            /// q.join(); // and counted as done
            /// ```
            pub fn shutdown_immediate(&self) {
                self.core.shutdown(true);
            }

            /// Whether [`shutdown`](Self::shutdown) was called (Python: `is_shutdown`).
            ///
            /// ```
            #[doc = concat!("let q: threadkit::", stringify!($name), "<u8> = threadkit::", stringify!($name), "::new(0);")]
            /// q.shutdown_immediate();
            /// assert!(q.is_shutdown());
            /// ```
            pub fn is_shutdown(&self) -> bool {
                self.core.store().is_closed()
            }

            /// An iterator of blocking `get`s that ends when the queue is shut down and
            /// drained: a consumer loop with no termination race.
            ///
            /// ```
            #[doc = concat!("let q = threadkit::", stringify!($name), "::new(0);")]
            #[doc = concat!("q.put(", $ex, ").unwrap();")]
            /// q.shutdown();
            /// assert_eq!(q.iter().count(), 1);
            /// ```
            pub fn iter(&self) -> Iter<'_, T> {
                Iter { get: Box::new(move || self.get().ok()) }
            }

            /// An iterator of non-blocking gets: the items there now, ending at the first
            /// empty moment (crossbeam's `try_iter`; a drain).
            ///
            /// ```
            #[doc = concat!("let q = threadkit::", stringify!($name), "::new(0);")]
            #[doc = concat!("q.put(", $ex, ").unwrap();")]
            #[doc = concat!("q.put(", $ex, ").unwrap();")]
            /// assert_eq!(q.try_iter().count(), 2);
            /// assert!(q.empty());
            /// ```
            pub fn try_iter(&self) -> Iter<'_, T> {
                Iter { get: Box::new(move || self.get_nowait().ok()) }
            }
        }

        impl<T> Clone for $name<T> {
            /// Another handle to the same queue.
            fn clone(&self) -> Self {
                $name { core: Arc::clone(&self.core) }
            }
        }

        impl<T> fmt::Debug for $name<T>
        where
            T: Send $(+ $bound)?,
        {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("qsize", &self.qsize())
                    .field("maxsize", &self.maxsize())
                    .field("shutdown", &self.is_shutdown())
                    .finish()
            }
        }

        impl<'a, T: Send $(+ $bound)?> IntoIterator for &'a $name<T> {
            type Item = T;
            type IntoIter = Iter<'a, T>;
            fn into_iter(self) -> Iter<'a, T> {
                self.iter()
            }
        }

        impl<T: Send + 'static $(+ $bound)?> IntoIterator for $name<T> {
            type Item = T;
            type IntoIter = Iter<'static, T>;
            /// Consumes this handle; the iterator keeps the queue alive.
            fn into_iter(self) -> Iter<'static, T> {
                Iter { get: Box::new(move || self.get().ok()) }
            }
        }
    };
}

python_queue! {
    /// A first-in, first-out queue, like Python's `queue.Queue`.
    ///
    /// Lock-free: a ring for a small `maxsize`, a segmented queue that grows and shrinks with
    /// its contents for `maxsize = 0` (unbounded) or a large one. The queue is a handle: clone it to share it between threads (no `Arc` needed).
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Queue, Thread};
    ///
    /// let q = Queue::new(10);
    /// let consumer = {
    ///     let q = q.clone();
    ///     Thread::spawn(move || q.iter().sum::<u32>()) // ends at shutdown
    /// };
    /// for i in 1..=4 {
    ///     q.put(i).unwrap();
    /// }
    /// q.shutdown();
    /// assert_eq!(consumer.into_output().unwrap(), 10);
    /// ```
    Queue<T>, store: Fifo<T>, new: Fifo::new, example_item: "1"
}

python_queue! {
    /// A last-in, first-out queue (a stack), like Python's `queue.LifoQueue`.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = threadkit::LifoQueue::new(0);
    /// q.put(1).unwrap();
    /// q.put(2).unwrap();
    /// assert_eq!(q.get(), Ok(2));
    /// ```
    LifoQueue<T>, store: Locked<Vec<T>>, new: |maxsize| Locked::new(Vec::new(), (maxsize > 0).then_some(maxsize)), example_item: "1"
}

python_queue! {
    /// A priority queue that gives the smallest item first, like Python's
    /// `queue.PriorityQueue`; items that compare equal come out in the order they were put
    /// (which Python does not promise). Put `(priority, data)` tuples for Python's idiom.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = threadkit::PriorityQueue::new(0);
    /// q.put((2, "later")).unwrap();
    /// q.put((1, "first")).unwrap();
    /// assert_eq!(q.get(), Ok((1, "first")));
    /// ```
    PriorityQueue<T: Ord>, store: Locked<PriorityHeap<T>>, new: |maxsize| Locked::new(PriorityHeap::new(), (maxsize > 0).then_some(maxsize)), example_item: "1"
}

/// The items of a queue: by blocking `get`s until it is shut down and drained
/// ([`Queue::iter`]), or by non-blocking ones until it is empty ([`Queue::try_iter`]).
///
/// ```
/// let q = threadkit::Queue::new(0);
/// q.put('a').unwrap();
/// q.shutdown();
/// let all: Vec<char> = q.iter().collect();
/// assert_eq!(all, ['a']);
/// ```
pub struct Iter<'a, T> {
    get: Box<dyn FnMut() -> Option<T> + 'a>,
}

// Unwind safety: no poisoning (as in Python and parking_lot); a panic elsewhere cannot leave
// this iterator in a state its own methods would misread (issue 10, defect 14).
impl<T> std::panic::UnwindSafe for Iter<'_, T> {}
impl<T> std::panic::RefUnwindSafe for Iter<'_, T> {}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        (self.get)()
    }
}

impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}
