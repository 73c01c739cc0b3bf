//! The store of `Queue`: the lock-free ring when bounded by a small `maxsize`, the lock-free
//! segmented queue otherwise.
//!
//! # Design
//!
//! The ring allocates every slot up front, so it is chosen only when that costs at most
//! [`RING_BYTES`]. `Queue(0)`, Python's default and the queue most programs use, gets the
//! segmented queue of `SimpleQueue` (blocks of 31 items, allocated and recycled as the contents
//! grow and shrink). A bound too large for a ring (Python allocates nothing for one, and
//! `Queue(10**8)` is legal) gets the segmented queue too, with the bound kept by a count of
//! places taken: a put reserves its place with a compare-exchange that refuses at the bound,
//! and a get gives it back after taking its item, so the queue never holds more than `maxsize`.

use super::blocks::BlockQueue;
use super::ring::Ring;
use super::store::{Refused, Segmented, Store};
use crate::facade::{AtomicUsize, Ordering};
use crossbeam_utils::CachePadded;

/// The most memory a bounded queue reserves up front for its ring (64 KiB: 4,096 slots of a
/// `u64`).
pub(crate) const RING_BYTES: usize = 64 * 1024;

// One per queue, inside its `Arc`: the size does not matter, and boxing the ring would add an
// indirection to every put and get.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Fifo<T> {
    Ring(Ring<T>),
    Unbounded(Segmented<T>),
    Capped(Capped<T>),
}

impl<T> Fifo<T> {
    pub(crate) fn new(maxsize: usize) -> Self {
        match maxsize {
            0 => Fifo::Unbounded(Segmented::new()),
            n if Ring::<T>::bytes_for(n).is_some_and(|bytes| bytes <= RING_BYTES) => {
                Fifo::Ring(Ring::new(n))
            }
            n => Fifo::Capped(Capped::new(n)),
        }
    }
}

/// The segmented queue under a bound.
pub(crate) struct Capped<T> {
    items: BlockQueue<T>,
    /// Places taken: items in the queue, plus puts about to push, plus gets about to give
    /// their place back. Never above `cap`.
    taken: CachePadded<AtomicUsize>,
    cap: usize,
}

impl<T> Capped<T> {
    fn new(cap: usize) -> Self {
        Capped {
            items: BlockQueue::new(),
            taken: CachePadded::new(AtomicUsize::new(0)),
            cap,
        }
    }
}

impl<T: Send> Store<T> for Capped<T> {
    fn try_push(&self, item: T) -> Result<(), Refused<T>> {
        if self.items.is_closed() {
            return Err(Refused::Closed(item));
        }
        let reserved = self
            .taken
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < self.cap).then_some(n + 1)
            });
        if reserved.is_err() {
            return Err(Refused::Full(item));
        }
        self.items.push(item).map_err(|item| {
            // Closed meanwhile: the place goes back (a putter woken by the close finds it
            // closed, so nobody needs a wake-up for the place itself).
            self.taken.fetch_sub(1, Ordering::SeqCst);
            Refused::Closed(item)
        })
    }
    fn try_pop(&self) -> Option<T> {
        let item = self.items.pop()?;
        self.taken.fetch_sub(1, Ordering::SeqCst);
        Some(item)
    }
    fn len(&self) -> usize {
        self.taken.load(Ordering::SeqCst).min(self.cap)
    }
    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    fn is_full(&self) -> bool {
        self.taken.load(Ordering::SeqCst) >= self.cap
    }
    fn capacity(&self) -> Option<usize> {
        Some(self.cap)
    }
    fn close(&self) -> bool {
        self.items.close()
    }
    fn is_closed(&self) -> bool {
        self.items.is_closed()
    }
    fn pushed_total(&self) -> u64 {
        self.items.pushed_total()
    }
}

macro_rules! dispatch {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            Fifo::Ring($store) => $call,
            Fifo::Unbounded($store) => $call,
            Fifo::Capped($store) => $call,
        }
    };
}

impl<T: Send> Store<T> for Fifo<T> {
    #[inline]
    fn try_push(&self, item: T) -> Result<(), Refused<T>> {
        dispatch!(self, s => s.try_push(item))
    }
    #[inline]
    fn try_pop(&self) -> Option<T> {
        dispatch!(self, s => s.try_pop())
    }
    fn len(&self) -> usize {
        dispatch!(self, s => s.len())
    }
    fn is_empty(&self) -> bool {
        dispatch!(self, s => s.is_empty())
    }
    fn is_full(&self) -> bool {
        dispatch!(self, s => s.is_full())
    }
    fn capacity(&self) -> Option<usize> {
        dispatch!(self, s => s.capacity())
    }
    fn close(&self) -> bool {
        dispatch!(self, s => s.close())
    }
    fn is_closed(&self) -> bool {
        dispatch!(self, s => s.is_closed())
    }
    fn pushed_total(&self) -> u64 {
        dispatch!(self, s => s.pushed_total())
    }
}
