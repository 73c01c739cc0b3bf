//! The store of `Queue`: the lock-free ring when bounded, a locked deque when unbounded.

use super::ring::Ring;
use super::store::{Locked, Refused, Store};
use std::collections::VecDeque;

// One per queue, inside its `Arc`: the size does not matter, and boxing the ring would add an
// indirection to every put and get.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Fifo<T> {
    Bounded(Ring<T>),
    Unbounded(Locked<VecDeque<T>>),
}

impl<T> Fifo<T> {
    pub(crate) fn new(maxsize: usize) -> Self {
        if maxsize == 0 {
            Fifo::Unbounded(Locked::new(VecDeque::new(), None))
        } else {
            Fifo::Bounded(Ring::new(maxsize))
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
