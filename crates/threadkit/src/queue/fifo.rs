//! The store of `Queue`: the lock-free ring when bounded by a small `maxsize`, a locked deque
//! otherwise.
//!
//! The ring allocates every slot up front, so it is chosen only when that costs at most
//! [`RING_BYTES`]; a larger bound (Python allocates nothing for one, and `Queue(10**8)` is
//! legal) gets the deque, whose memory follows its contents, with the bound checked on put.

use super::ring::Ring;
use super::store::{Locked, Refused, Store};
use std::collections::VecDeque;

/// The most memory a bounded queue reserves up front for its ring (64 KiB: 4,096 slots of a
/// `u64`).
pub(crate) const RING_BYTES: usize = 64 * 1024;

// One per queue, inside its `Arc`: the size does not matter, and boxing the ring would add an
// indirection to every put and get.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Fifo<T> {
    Bounded(Ring<T>),
    Unbounded(Locked<VecDeque<T>>),
}

impl<T> Fifo<T> {
    pub(crate) fn new(maxsize: usize) -> Self {
        match maxsize {
            0 => Fifo::Unbounded(Locked::new(VecDeque::new(), None)),
            n if Ring::<T>::bytes_for(n).is_some_and(|bytes| bytes <= RING_BYTES) => {
                Fifo::Bounded(Ring::new(n))
            }
            n => Fifo::Unbounded(Locked::new(VecDeque::new(), Some(n))),
        }
    }
}

macro_rules! dispatch {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            Fifo::Bounded($store) => $call,
            Fifo::Unbounded($store) => $call,
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
