//! `Store`: where a queue keeps its items; the locked store for LIFO and priority order, and
//! the segmented one for unbounded FIFO order.
//!
//! Every store answers "empty?", "full?" and "closed?" from atomics without locking, because
//! the blocking layer asks while a thread is being queued for parking (no lock may be taken
//! there).

use super::blocks::BlockQueue;
use super::heap::PriorityHeap;
use crate::facade::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use crate::sync::Mutex;

/// Why a store did not take an item; the item comes back.
#[derive(Debug)]
pub(crate) enum Refused<T> {
    Full(T),
    Closed(T),
}

pub(crate) trait Store<T>: Send + Sync {
    /// Adds `item` unless full or closed.
    fn try_push(&self, item: T) -> Result<(), Refused<T>>;
    /// Takes the next item, if any (a closed store still gives its remaining items).
    fn try_pop(&self) -> Option<T>;
    /// Items now (a snapshot).
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool;
    fn is_full(&self) -> bool;
    /// `None` for unbounded.
    fn capacity(&self) -> Option<usize>;
    /// Refuses every later push; `false` if it was closed already.
    fn close(&self) -> bool;
    fn is_closed(&self) -> bool;
    /// How many items were ever pushed (for `task_done` / `join`).
    fn pushed_total(&self) -> u64;
}

/// An ordering discipline kept under a lock.
pub(crate) trait Container<T>: Send {
    fn push(&mut self, item: T, seq: u64);
    fn pop(&mut self) -> Option<T>;
}

impl<T: Send> Container<T> for Vec<T> {
    fn push(&mut self, item: T, _seq: u64) {
        Vec::push(self, item);
    }
    fn pop(&mut self) -> Option<T> {
        Vec::pop(self)
    }
}

impl<T: Ord + Send> Container<T> for PriorityHeap<T> {
    fn push(&mut self, item: T, seq: u64) {
        PriorityHeap::push(self, item, seq);
    }
    fn pop(&mut self) -> Option<T> {
        PriorityHeap::pop(self)
    }
}

struct Inner<C> {
    items: C,
}

/// A container under a [`Mutex`], with its length and closed flag mirrored in atomics.
pub(crate) struct Locked<C> {
    inner: Mutex<Inner<C>>,
    len: AtomicUsize,
    /// Items ever pushed; written under the lock, read without it.
    pushed: AtomicU64,
    closed: AtomicBool,
    cap: Option<usize>,
}

impl<C> Locked<C> {
    pub(crate) fn new(items: C, cap: Option<usize>) -> Self {
        Locked {
            inner: Mutex::new_internal(Inner { items }),
            len: AtomicUsize::new(0),
            pushed: AtomicU64::new(0),
            closed: AtomicBool::new(false),
            cap,
        }
    }
}

impl<T: Send, C: Container<T>> Store<T> for Locked<C> {
    fn try_push(&self, item: T) -> Result<(), Refused<T>> {
        let mut inner = self.inner.lock();
        // Read under the lock: `close` sets it under the lock too.
        if self.closed.load(Ordering::Relaxed) {
            return Err(Refused::Closed(item));
        }
        let len = self.len.load(Ordering::Relaxed);
        if self.cap.is_some_and(|cap| len >= cap) {
            return Err(Refused::Full(item));
        }
        let seq = self.pushed.load(Ordering::Relaxed);
        inner.items.push(item, seq);
        self.pushed.store(seq + 1, Ordering::SeqCst);
        self.len.store(len + 1, Ordering::SeqCst);
        Ok(())
    }

    fn try_pop(&self) -> Option<T> {
        if self.len.load(Ordering::SeqCst) == 0 {
            return None;
        }
        let mut inner = self.inner.lock();
        let item = inner.items.pop()?;
        self.len.fetch_sub(1, Ordering::SeqCst);
        Some(item)
    }

    fn len(&self) -> usize {
        self.len.load(Ordering::SeqCst)
    }
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn is_full(&self) -> bool {
        self.cap.is_some_and(|cap| self.len() >= cap)
    }
    fn capacity(&self) -> Option<usize> {
        self.cap
    }
    fn close(&self) -> bool {
        let _inner = self.inner.lock();
        !self.closed.swap(true, Ordering::SeqCst)
    }
    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }
    fn pushed_total(&self) -> u64 {
        self.pushed.load(Ordering::SeqCst)
    }
}

/// The unbounded lock-free store of `SimpleQueue` and of `Queue(0)`: a segmented queue that
/// recycles its blocks (see `blocks`). Closing and the count of items ever pushed live in its
/// tail index, so neither costs a push anything.
pub(crate) struct Segmented<T>(BlockQueue<T>);

impl<T> Segmented<T> {
    pub(crate) fn new() -> Self {
        Segmented(BlockQueue::new())
    }
}

impl<T: Send> Store<T> for Segmented<T> {
    #[inline]
    fn try_push(&self, item: T) -> Result<(), Refused<T>> {
        self.0.push(item).map_err(Refused::Closed)
    }
    #[inline]
    fn try_pop(&self) -> Option<T> {
        self.0.pop()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    #[inline]
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    fn is_full(&self) -> bool {
        false
    }
    fn capacity(&self) -> Option<usize> {
        None
    }
    fn close(&self) -> bool {
        self.0.close()
    }
    fn is_closed(&self) -> bool {
        self.0.is_closed()
    }
    fn pushed_total(&self) -> u64 {
        self.0.pushed_total()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_is_smallest_first_then_insertion_order() {
        let store: Locked<PriorityHeap<(u8, char)>> = Locked::new(PriorityHeap::new(), None);
        for item in [(2, 'a'), (1, 'b'), (2, 'c'), (1, 'd')] {
            assert!(store.try_push(item).is_ok());
        }
        let order: Vec<_> = std::iter::from_fn(|| store.try_pop()).collect();
        assert_eq!(order, [(1, 'b'), (1, 'd'), (2, 'a'), (2, 'c')]);
    }

    #[test]
    fn lifo_and_bounds() {
        let store: Locked<Vec<i32>> = Locked::new(Vec::new(), Some(2));
        assert!(store.try_push(1).is_ok());
        assert!(store.try_push(2).is_ok());
        assert!(matches!(store.try_push(3), Err(Refused::Full(3))));
        assert_eq!(store.try_pop(), Some(2));
        assert!(store.close());
        assert!(matches!(store.try_push(4), Err(Refused::Closed(4))));
        assert_eq!(store.try_pop(), Some(1));
        assert_eq!(store.pushed_total(), 2);
    }
}
