//! The bounded FIFO ring behind `Queue(maxsize > 0)`.
//!
//! # Design
//!
//! The algorithm of crossbeam-channel's array flavor (after Dmitry Vyukov's bounded MPMC
//! queue): each slot carries a stamp saying whose turn it is; a put claims the tail with one
//! compare-exchange and publishes the value by storing the slot's stamp, a get does the same on
//! the head. `head` and `tail` are `lap | index`, with `lap` counting rounds of the ring.
//!
//! Two additions serve Python's semantics:
//! - a `CLOSED` mark bit in `tail`: `shutdown` sets it with one `fetch_or`, and a put's
//!   compare-exchange fails once it is set, so no put can slip in after a shutdown;
//! - the number of items ever put is `tail`'s position (`laps * cap + index`), so the
//!   unfinished-task count of `task_done`/`join` costs a put nothing.

use super::store::{Refused, Store};
use crate::facade::{fence, AtomicUsize, Backoff, Ordering, SlotCell};
use crossbeam_utils::CachePadded;
use std::mem::MaybeUninit;

struct Slot<T> {
    /// `lap | index` of the put that may write it next, or `+1` once written.
    stamp: AtomicUsize,
    value: SlotCell<MaybeUninit<T>>,
}

pub(crate) struct Ring<T> {
    head: CachePadded<AtomicUsize>,
    tail: CachePadded<AtomicUsize>,
    slots: Box<[Slot<T>]>,
    cap: usize,
    /// The `CLOSED` bit of `tail`; also one more than the largest index.
    mark_bit: usize,
    /// One lap: `mark_bit * 2`, so the lap bits sit above the mark bit.
    one_lap: usize,
}

// SAFETY: values move between threads through the ring (`T: Send`), and each slot is accessed
// by exactly one thread at a time, as arbitrated by its stamp.
unsafe impl<T: Send> Send for Ring<T> {}
// SAFETY: as above: shared access only hands each value to one thread.
unsafe impl<T: Send> Sync for Ring<T> {}

impl<T> Ring<T> {
    pub(crate) fn new(cap: usize) -> Self {
        assert!(cap > 0, "a ring has at least one slot");
        let mark_bit = (cap + 1).next_power_of_two();
        let one_lap = mark_bit * 2;
        let slots = (0..cap)
            .map(|i| Slot {
                stamp: AtomicUsize::new(i),
                value: SlotCell::new(MaybeUninit::uninit()),
            })
            .collect();
        Ring {
            head: CachePadded::new(AtomicUsize::new(0)),
            tail: CachePadded::new(AtomicUsize::new(0)),
            slots,
            cap,
            mark_bit,
            one_lap,
        }
    }

    /// The memory `Ring::new(cap)` allocates for its slots (`None` if it does not fit).
    pub(crate) fn bytes_for(cap: usize) -> Option<usize> {
        cap.checked_mul(std::mem::size_of::<Slot<T>>())
    }

    /// The position after `pos` (next index, or index 0 of the next lap).
    #[inline]
    fn advance(&self, pos: usize) -> usize {
        let index = pos & (self.mark_bit - 1);
        if index + 1 < self.cap {
            pos + 1
        } else {
            (pos & !(self.one_lap - 1)).wrapping_add(self.one_lap)
        }
    }

    fn count_of(&self, pos: usize) -> u64 {
        let laps = (pos & !(self.one_lap - 1)) / self.one_lap;
        (laps as u64) * (self.cap as u64) + (pos & (self.mark_bit - 1)) as u64
    }
}

impl<T: Send> Store<T> for Ring<T> {
    #[inline]
    fn try_push(&self, value: T) -> Result<(), Refused<T>> {
        let backoff = Backoff::new();
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            if tail & self.mark_bit != 0 {
                return Err(Refused::Closed(value));
            }
            let slot = &self.slots[tail & (self.mark_bit - 1)];
            let stamp = slot.stamp.load(Ordering::Acquire);
            if tail == stamp {
                // The slot is free for this lap: claim it.
                match self.tail.compare_exchange_weak(
                    tail,
                    self.advance(tail),
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: winning the compare-exchange on `tail` at this stamp makes
                        // this thread the only writer of the slot until it publishes the
                        // stamp below; the slot holds no value (its last value was read).
                        slot.value
                            .with_mut(|v| unsafe { v.write(MaybeUninit::new(value)) });
                        slot.stamp.store(tail + 1, Ordering::Release);
                        return Ok(());
                    }
                    Err(now) => {
                        tail = now;
                        backoff.spin();
                    }
                }
            } else if stamp.wrapping_add(self.one_lap) == tail + 1 {
                // The slot still holds last lap's value: full, unless a get is finishing.
                fence(Ordering::SeqCst);
                let head = self.head.load(Ordering::Relaxed);
                if head.wrapping_add(self.one_lap) == tail {
                    return Err(Refused::Full(value));
                }
                backoff.spin();
                tail = self.tail.load(Ordering::Relaxed);
            } else {
                backoff.snooze();
                tail = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    #[inline]
    fn try_pop(&self) -> Option<T> {
        let backoff = Backoff::new();
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            let slot = &self.slots[head & (self.mark_bit - 1)];
            let stamp = slot.stamp.load(Ordering::Acquire);
            if head + 1 == stamp {
                // The slot holds this lap's value: claim it.
                match self.head.compare_exchange_weak(
                    head,
                    self.advance(head),
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: the stamp says the value was written (Acquire pairs with
                        // the writer's Release), and winning the compare-exchange on `head`
                        // makes this thread its only reader.
                        let value = slot.value.with(|v| unsafe { v.read().assume_init() });
                        slot.stamp
                            .store(head.wrapping_add(self.one_lap), Ordering::Release);
                        return Some(value);
                    }
                    Err(now) => {
                        head = now;
                        backoff.spin();
                    }
                }
            } else if stamp == head {
                // Not written yet: empty, unless a put has claimed the slot and is writing.
                fence(Ordering::SeqCst);
                let tail = self.tail.load(Ordering::Relaxed);
                if tail & !self.mark_bit == head {
                    return None;
                }
                backoff.spin();
                head = self.head.load(Ordering::Relaxed);
            } else {
                backoff.snooze();
                head = self.head.load(Ordering::Relaxed);
            }
        }
    }

    fn len(&self) -> usize {
        loop {
            let tail = self.tail.load(Ordering::SeqCst);
            let head = self.head.load(Ordering::SeqCst);
            if self.tail.load(Ordering::SeqCst) == tail {
                let (hix, tix) = (head & (self.mark_bit - 1), tail & (self.mark_bit - 1));
                return if hix < tix {
                    tix - hix
                } else if hix > tix {
                    self.cap - hix + tix
                } else if tail & !self.mark_bit == head {
                    0
                } else {
                    self.cap
                };
            }
        }
    }

    #[inline]
    fn is_empty(&self) -> bool {
        let head = self.head.load(Ordering::SeqCst);
        let tail = self.tail.load(Ordering::SeqCst);
        tail & !self.mark_bit == head
    }

    #[inline]
    fn is_full(&self) -> bool {
        let tail = self.tail.load(Ordering::SeqCst);
        let head = self.head.load(Ordering::SeqCst);
        head.wrapping_add(self.one_lap) == tail & !self.mark_bit
    }

    fn capacity(&self) -> Option<usize> {
        Some(self.cap)
    }

    fn close(&self) -> bool {
        self.tail.fetch_or(self.mark_bit, Ordering::SeqCst) & self.mark_bit == 0
    }

    #[inline]
    fn is_closed(&self) -> bool {
        self.tail.load(Ordering::SeqCst) & self.mark_bit != 0
    }

    fn pushed_total(&self) -> u64 {
        self.count_of(self.tail.load(Ordering::SeqCst) & !self.mark_bit)
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        // `&mut self`: relaxed loads see every write.
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Relaxed) & !self.mark_bit;
        let mut pos = head;
        while pos != tail {
            let slot = &mut self.slots[pos & (self.mark_bit - 1)];
            // SAFETY: `&mut self` excludes every other access, and the slots from head to
            // tail hold written values that nobody has read.
            slot.value.with_mut(|v| unsafe { (*v).assume_init_drop() });
            pos = self.advance(pos);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn fifo_full_and_empty() {
        let ring = Ring::new(3);
        assert!(ring.is_empty());
        for i in 0..3 {
            assert!(ring.try_push(i).is_ok());
        }
        assert!(ring.is_full());
        assert!(matches!(ring.try_push(9), Err(Refused::Full(9))));
        assert_eq!(ring.len(), 3);
        assert_eq!((ring.try_pop(), ring.try_pop()), (Some(0), Some(1)));
        ring.try_push(3).unwrap();
        assert_eq!(ring.len(), 2);
        assert_eq!(
            (ring.try_pop(), ring.try_pop(), ring.try_pop()),
            (Some(2), Some(3), None)
        );
        assert_eq!(ring.pushed_total(), 4);
    }

    #[test]
    fn close_refuses_puts_and_keeps_items() {
        let ring = Ring::new(2);
        ring.try_push("a").unwrap();
        assert!(ring.close());
        assert!(!ring.close(), "closing twice reports it");
        assert!(matches!(ring.try_push("b"), Err(Refused::Closed("b"))));
        assert_eq!(ring.try_pop(), Some("a"));
        assert_eq!(ring.try_pop(), None);
        assert!(ring.is_closed());
        assert_eq!(ring.pushed_total(), 1);
    }

    #[test]
    fn drop_releases_unread_items() {
        let item = Arc::new(());
        let ring = Ring::new(4);
        for _ in 0..3 {
            ring.try_push(item.clone()).unwrap();
        }
        ring.try_pop();
        drop(ring);
        assert_eq!(Arc::strong_count(&item), 1);
    }

    #[test]
    fn concurrent_transfer_is_exact() {
        let n: u64 = if cfg!(miri) { 200 } else { 20_000 };
        let ring = Arc::new(Ring::new(8));
        let producers: Vec<_> = (0..2)
            .map(|p| {
                let ring = ring.clone();
                std::thread::spawn(move || {
                    for i in 0..n {
                        let mut v = p * n + i;
                        while let Err(Refused::Full(back)) = ring.try_push(v) {
                            v = back;
                            std::thread::yield_now();
                        }
                    }
                })
            })
            .collect();
        let mut sum = 0;
        let mut got = 0;
        while got < 2 * n {
            if let Some(v) = ring.try_pop() {
                sum += v;
                got += 1;
            } else {
                std::thread::yield_now();
            }
        }
        for p in producers {
            p.join().unwrap();
        }
        assert_eq!(sum, (0..2 * n).sum::<u64>());
        assert_eq!(ring.pushed_total(), 2 * n);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;

    /// Two producers and a consumer on a two-slot ring: the consumer takes what it finds
    /// while they push (two tries, no spinning, so loom's search stays finite), then the rest:
    /// each item arrives exactly once, and the value written before the stamp is the value
    /// read after it (loom checks the slot cell's accesses).
    #[test]
    fn loom_ring_delivers_each_item_once() {
        loom::model(|| {
            let ring = Arc::new(Ring::new(2));
            let producers: Vec<_> = [1, 2]
                .into_iter()
                .map(|item| {
                    let ring = ring.clone();
                    loom::thread::spawn(move || assert!(ring.try_push(item).is_ok()))
                })
                .collect();
            let mut got: Vec<u32> = (0..2).filter_map(|_| ring.try_pop()).collect();
            for p in producers {
                p.join().unwrap();
            }
            got.extend(std::iter::from_fn(|| ring.try_pop()));
            got.sort_unstable();
            assert_eq!(got, [1, 2]);
            assert_eq!(ring.pushed_total(), 2);
        });
    }

    /// A close racing a push: the push lands (and is read back, and counted) or is refused
    /// with its item; none lands after the close.
    #[test]
    fn loom_ring_close_racing_a_push() {
        loom::model(|| {
            let ring = Arc::new(Ring::new(2));
            let producer = {
                let ring = ring.clone();
                loom::thread::spawn(move || ring.try_push(7u32).is_ok())
            };
            ring.close();
            let pushed_at_close = ring.pushed_total();
            let landed = producer.join().unwrap();
            assert_eq!(
                ring.pushed_total(),
                pushed_at_close,
                "a push landed after close"
            );
            assert_eq!(ring.try_pop(), landed.then_some(7));
            assert_eq!(u64::from(landed), pushed_at_close);
        });
    }
}
