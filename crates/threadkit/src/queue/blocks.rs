//! The unbounded lock-free FIFO behind `SimpleQueue` and the executor's task queue.
//!
//! # Design
//!
//! The algorithm of crossbeam's `SegQueue`: a linked list of blocks of `BLOCK_CAP` slots;
//! `head` and `tail` are `(index, block)` pairs, a put claims a slot with one compare-exchange
//! on the tail index, writes the value and sets the slot's `WRITE` bit; a get claims with one
//! compare-exchange on the head index, waits for `WRITE`, reads, and sets `READ`. The reader of
//! a block's last slot starts retiring the block; a reader that is still busy on an earlier
//! slot finds `DESTROY` set and finishes the job, so a block is retired only when nobody reads
//! it any more.
//!
//! One change: a retired block is **recycled**, not freed. It is reset and parked in one of a
//! few spare slots, from which the next put that needs a block takes it. In a
//! producer/consumer pipeline the consumers otherwise free every block the producer allocated,
//! and with the system allocator a free on another thread than the allocation's goes through
//! the allocating thread's arena lock: consumers freeing blocks and a producer allocating its
//! items fought over that lock (measured: most futex calls of `executor-batch`). Reusing memory
//! is safe here for the same reason freeing it is: no thread holds a pointer to a retired
//! block, and indices never repeat (they count every put), so a stale compare-exchange fails.

use crate::facade::{fence, AtomicPtr, AtomicUsize, Backoff, Ordering, SlotCell};
use crossbeam_utils::CachePadded;
use std::mem::MaybeUninit;
use std::ptr;

/// Slot states.
const WRITE: usize = 1;
const READ: usize = 2;
const DESTROY: usize = 4;

/// Indices advance by `1 << SHIFT`; bit 0 of the head index says "the head block has a next",
/// bit 0 of the tail index says "closed".
const SHIFT: usize = 1;
const HAS_NEXT: usize = 1;
const CLOSED: usize = 1;
/// Each block holds `LAP - 1` items; offset `BLOCK_CAP` means "the next block is being
/// installed". Loom's models use blocks of 3 items, so they cross a block in a few steps.
const LAP: usize = if cfg!(loom) { 4 } else { 32 };
const BLOCK_CAP: usize = LAP - 1;
/// Retired blocks kept for reuse.
const SPARES: usize = 4;

struct Slot<T> {
    value: SlotCell<MaybeUninit<T>>,
    state: AtomicUsize,
}

impl<T> Slot<T> {
    fn wait_write(&self) {
        let backoff = Backoff::new();
        while self.state.load(Ordering::Acquire) & WRITE == 0 {
            backoff.snooze();
        }
    }
}

struct Block<T> {
    next: AtomicPtr<Block<T>>,
    slots: [Slot<T>; BLOCK_CAP],
}

impl<T> Block<T> {
    #[allow(clippy::unnecessary_box_returns)] // a block is large: it lives on the heap, behind a pointer
    fn new() -> Box<Self> {
        Box::new(Block {
            next: AtomicPtr::new(ptr::null_mut()),
            slots: std::array::from_fn(|_| Slot {
                value: SlotCell::new(MaybeUninit::uninit()),
                state: AtomicUsize::new(0),
            }),
        })
    }

    fn wait_next(&self) -> *mut Block<T> {
        let backoff = Backoff::new();
        loop {
            let next = self.next.load(Ordering::Acquire);
            if !next.is_null() {
                return next;
            }
            backoff.snooze();
        }
    }
}

struct Position<T> {
    index: AtomicUsize,
    block: AtomicPtr<Block<T>>,
}

pub(crate) struct BlockQueue<T> {
    head: CachePadded<Position<T>>,
    tail: CachePadded<Position<T>>,
    spares: [AtomicPtr<Block<T>>; SPARES],
}

// SAFETY: values move between threads through the queue (`T: Send`); each slot's value is
// written by the one put that claimed it and read by the one get that claimed it, ordered by
// the slot's `WRITE` bit; blocks are retired only when no thread uses them (see the module).
unsafe impl<T: Send> Send for BlockQueue<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for BlockQueue<T> {}

impl<T> BlockQueue<T> {
    pub(crate) fn new() -> Self {
        let position = || Position {
            index: AtomicUsize::new(0),
            block: AtomicPtr::new(ptr::null_mut()),
        };
        BlockQueue {
            head: CachePadded::new(position()),
            tail: CachePadded::new(position()),
            spares: std::array::from_fn(|_| AtomicPtr::new(ptr::null_mut())),
        }
    }

    /// A clean block: a spare if there is one, else a new allocation.
    fn fresh_block(&self) -> *mut Block<T> {
        for spare in &self.spares {
            if !spare.load(Ordering::Relaxed).is_null() {
                let block = spare.swap(ptr::null_mut(), Ordering::Acquire);
                if !block.is_null() {
                    return block;
                }
            }
        }
        Box::into_raw(Block::new())
    }

    /// Takes back a block nobody uses: reset and kept as a spare, or freed if none is free.
    ///
    /// # Safety
    ///
    /// `block` came from `fresh_block`, holds no value, and no other thread can reach it.
    unsafe fn retire(&self, block: *mut Block<T>) {
        // SAFETY: the caller gives us the only access to `block`.
        let b = unsafe { &*block };
        b.next.store(ptr::null_mut(), Ordering::Relaxed);
        for slot in &b.slots {
            slot.state.store(0, Ordering::Relaxed);
        }
        for spare in &self.spares {
            if spare
                .compare_exchange(ptr::null_mut(), block, Ordering::Release, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
        }
        // SAFETY: allocated by `Box` in `fresh_block`, unreachable by anyone else.
        drop(unsafe { Box::from_raw(block) });
    }

    /// Retires `block` once every slot from `start` on was read (a reader still busy on a slot
    /// takes over, see the module).
    ///
    /// # Safety
    ///
    /// The caller read slot `start - 1` (or the last slot, with `start == 0`) and will not
    /// touch `block` again.
    unsafe fn release(&self, block: *mut Block<T>, start: usize) {
        for i in start..BLOCK_CAP - 1 {
            // SAFETY: the block is live: its last slot's reader has not finished retiring it,
            // and that is the caller or a thread waiting on us through `DESTROY`.
            let slot = unsafe { &(*block).slots[i] };
            if slot.state.load(Ordering::Acquire) & READ == 0
                && slot.state.fetch_or(DESTROY, Ordering::AcqRel) & READ == 0
            {
                // That slot's reader will go on from `i + 1` when it is done.
                return;
            }
        }
        // SAFETY: every slot was read and every reader is done with the block.
        unsafe { self.retire(block) };
    }

    /// Adds `value` at the tail; gives it back if the queue is closed.
    pub(crate) fn push(&self, value: T) -> Result<(), T> {
        let backoff = Backoff::new();
        let mut tail = self.tail.index.load(Ordering::Acquire);
        let mut block = self.tail.block.load(Ordering::Acquire);
        let mut next_block: *mut Block<T> = ptr::null_mut();
        loop {
            if tail & CLOSED != 0 {
                if !next_block.is_null() {
                    // SAFETY: prepared by this call and never published.
                    unsafe { self.retire(next_block) };
                }
                return Err(value);
            }
            let offset = (tail >> SHIFT) % LAP;
            if offset == BLOCK_CAP {
                // Another put is installing the next block.
                backoff.snooze();
                tail = self.tail.index.load(Ordering::Acquire);
                block = self.tail.block.load(Ordering::Acquire);
                continue;
            }
            // About to fill the block: have the next one ready, so the others wait less.
            if offset + 1 == BLOCK_CAP && next_block.is_null() {
                next_block = self.fresh_block();
            }
            if block.is_null() {
                // The very first put installs the first block.
                let first = self.fresh_block();
                if self
                    .tail
                    .block
                    .compare_exchange(block, first, Ordering::Release, Ordering::Relaxed)
                    .is_ok()
                {
                    self.head.block.store(first, Ordering::Release);
                    block = first;
                } else {
                    // SAFETY: `first` was never published.
                    unsafe { self.retire(first) };
                    tail = self.tail.index.load(Ordering::Acquire);
                    block = self.tail.block.load(Ordering::Acquire);
                    continue;
                }
            }
            let new_tail = tail + (1 << SHIFT);
            match self.tail.index.compare_exchange_weak(
                tail,
                new_tail,
                Ordering::SeqCst,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    // SAFETY: winning the index claims slot `offset` of `block`, which stays
                    // live until its reader is done.
                    unsafe {
                        if offset + 1 == BLOCK_CAP {
                            let next = next_block;
                            next_block = ptr::null_mut();
                            self.tail.block.store(next, Ordering::Release);
                            // An add, not a store: a `close` meanwhile set `CLOSED`.
                            self.tail.index.fetch_add(1 << SHIFT, Ordering::Release);
                            (*block).next.store(next, Ordering::Release);
                        }
                        let slot = &(*block).slots[offset];
                        slot.value.with_mut(|v| v.write(MaybeUninit::new(value)));
                        slot.state.fetch_or(WRITE, Ordering::Release);
                    }
                    if !next_block.is_null() {
                        // SAFETY: prepared by this call and never published.
                        unsafe { self.retire(next_block) };
                    }
                    return Ok(());
                }
                Err(now) => {
                    tail = now;
                    block = self.tail.block.load(Ordering::Acquire);
                    backoff.spin();
                }
            }
        }
    }

    /// Takes the value at the head, if any.
    pub(crate) fn pop(&self) -> Option<T> {
        let backoff = Backoff::new();
        let mut head = self.head.index.load(Ordering::Acquire);
        let mut block = self.head.block.load(Ordering::Acquire);
        loop {
            let offset = (head >> SHIFT) % LAP;
            if offset == BLOCK_CAP {
                // Another get is moving the head to the next block.
                backoff.snooze();
                head = self.head.index.load(Ordering::Acquire);
                block = self.head.block.load(Ordering::Acquire);
                continue;
            }
            let mut new_head = head + (1 << SHIFT);
            if new_head & HAS_NEXT == 0 {
                fence(Ordering::SeqCst);
                let tail = self.tail.index.load(Ordering::Relaxed);
                if head >> SHIFT == tail >> SHIFT {
                    return None;
                }
                // Head and tail in different blocks: the head block has a next one.
                if (head >> SHIFT) / LAP != (tail >> SHIFT) / LAP {
                    new_head |= HAS_NEXT;
                }
            }
            if block.is_null() {
                // The first put is installing the first block.
                backoff.snooze();
                head = self.head.index.load(Ordering::Acquire);
                block = self.head.block.load(Ordering::Acquire);
                continue;
            }
            match self.head.index.compare_exchange_weak(
                head,
                new_head,
                Ordering::SeqCst,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    // SAFETY: winning the index claims slot `offset` of `block`; the block
                    // stays live until this read is marked (`READ`) or retires it.
                    unsafe {
                        if offset + 1 == BLOCK_CAP {
                            let next = (*block).wait_next();
                            let mut next_index = (new_head & !HAS_NEXT).wrapping_add(1 << SHIFT);
                            if !(*next).next.load(Ordering::Relaxed).is_null() {
                                next_index |= HAS_NEXT;
                            }
                            self.head.block.store(next, Ordering::Release);
                            self.head.index.store(next_index, Ordering::Release);
                        }
                        let slot = &(*block).slots[offset];
                        slot.wait_write();
                        let value = slot.value.with(|v| v.read().assume_init());
                        if offset + 1 == BLOCK_CAP {
                            self.release(block, 0);
                        } else if slot.state.fetch_or(READ, Ordering::AcqRel) & DESTROY != 0 {
                            self.release(block, offset + 1);
                        }
                        return Some(value);
                    }
                }
                Err(now) => {
                    head = now;
                    block = self.head.block.load(Ordering::Acquire);
                    backoff.spin();
                }
            }
        }
    }

    /// Items now (a snapshot).
    pub(crate) fn len(&self) -> usize {
        loop {
            let tail = self.tail.index.load(Ordering::SeqCst);
            let head = self.head.index.load(Ordering::SeqCst);
            // A consistent snapshot: the tail did not move meanwhile.
            if self.tail.index.load(Ordering::SeqCst) == tail {
                return items_before(tail).saturating_sub(items_before(head));
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        let head = self.head.index.load(Ordering::SeqCst);
        let tail = self.tail.index.load(Ordering::SeqCst);
        head >> SHIFT == tail >> SHIFT
    }

    /// Refuses every later push; `false` if it was closed already. The items stay.
    pub(crate) fn close(&self) -> bool {
        self.tail.index.fetch_or(CLOSED, Ordering::SeqCst) & CLOSED == 0
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.tail.index.load(Ordering::SeqCst) & CLOSED != 0
    }

    /// How many items were ever pushed: the tail's position, so a push pays nothing for it.
    pub(crate) fn pushed_total(&self) -> u64 {
        items_before(self.tail.index.load(Ordering::SeqCst)) as u64
    }
}

/// How many items were put before `index`: `BLOCK_CAP` per lap, plus the offset in the lap
/// (the "installing" offset counts as a full block).
fn items_before(index: usize) -> usize {
    let position = index >> SHIFT;
    (position / LAP) * BLOCK_CAP + (position % LAP).min(BLOCK_CAP)
}

impl<T> Drop for BlockQueue<T> {
    fn drop(&mut self) {
        // `&mut self`: relaxed loads see every write.
        let mut head = self.head.index.load(Ordering::Relaxed) & !((1 << SHIFT) - 1);
        let tail = self.tail.index.load(Ordering::Relaxed) & !((1 << SHIFT) - 1);
        let mut block = self.head.block.load(Ordering::Relaxed);
        // SAFETY: `&mut self`: no other thread uses the queue. Slots between head and tail
        // hold written values (every put finished); blocks were allocated by `Box`.
        unsafe {
            while head != tail {
                let offset = (head >> SHIFT) % LAP;
                if offset < BLOCK_CAP {
                    let slot = &mut (*block).slots[offset];
                    slot.value.with_mut(|v| (*v).assume_init_drop());
                } else {
                    let next = (*block).next.load(Ordering::Relaxed);
                    drop(Box::from_raw(block));
                    block = next;
                }
                head = head.wrapping_add(1 << SHIFT);
            }
            if !block.is_null() {
                drop(Box::from_raw(block));
            }
        }
        for spare in &mut self.spares {
            let block = spare.load(Ordering::Relaxed);
            if !block.is_null() {
                // SAFETY: spares are retired blocks, allocated by `Box`, owned by the queue.
                drop(unsafe { Box::from_raw(block) });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn fifo_across_blocks_with_len() {
        let q = BlockQueue::new();
        assert!(q.is_empty());
        assert_eq!(q.pop(), None);
        for i in 0..100 {
            q.push(i).unwrap();
            assert_eq!(q.len(), i + 1);
        }
        for i in 0..100 {
            assert_eq!(q.pop(), Some(i));
            assert_eq!(q.len(), 99 - i);
        }
        assert!(q.is_empty());
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn close_refuses_pushes_keeps_items_and_counts_every_push() {
        // Close at the counts that matter: empty, inside a block, around a block's last slot
        // (whose push installs the next block), a lap, two laps.
        for before in [0, 1, BLOCK_CAP - 1, BLOCK_CAP, BLOCK_CAP + 1, LAP, 2 * LAP] {
            let q = BlockQueue::new();
            (0..before).for_each(|i| q.push(i).unwrap());
            assert!(!q.is_closed());
            assert!(q.close());
            assert!(!q.close(), "closing twice reports it");
            assert!(q.is_closed());
            assert_eq!(q.push(usize::MAX), Err(usize::MAX));
            assert_eq!(q.pushed_total(), before as u64);
            assert_eq!(q.len(), before);
            assert_eq!(
                (0..before).map(|_| q.pop()).collect::<Vec<_>>(),
                (0..before).map(Some).collect::<Vec<_>>()
            );
            assert_eq!(q.pop(), None);
        }
    }

    #[test]
    fn close_racing_pushes_loses_nothing() {
        // Pushers cross block boundaries while the queue closes: every push either landed
        // (and is read back) or got its value back, and none lands after `close` returned.
        let (rounds, per) = if cfg!(miri) { (2, 100) } else { (50, 1000) };
        for _ in 0..rounds {
            let q = Arc::new(BlockQueue::new());
            let pushers: Vec<_> = (0..2)
                .map(|p| {
                    let q = Arc::clone(&q);
                    std::thread::spawn(move || {
                        let mut landed = Vec::new();
                        for i in 0..per {
                            if q.push(p * per + i).is_err() {
                                break;
                            }
                            landed.push(p * per + i);
                        }
                        landed
                    })
                })
                .collect();
            std::thread::yield_now();
            q.close();
            let after_close = q.pushed_total();
            let landed: Vec<usize> = pushers
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect();
            assert_eq!(q.pushed_total(), after_close, "a push landed after close");
            assert_eq!(landed.len() as u64, after_close);
            let mut read: Vec<usize> = std::iter::from_fn(|| q.pop()).collect();
            read.sort_unstable();
            let mut landed = landed;
            landed.sort_unstable();
            assert_eq!(read, landed);
        }
    }

    #[test]
    fn matches_a_deque_on_a_random_sequence() {
        let q = BlockQueue::new();
        let mut model = std::collections::VecDeque::new();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for step in 0..2_000u64 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            // Pushes slightly more often than pops, so the queue spans several blocks.
            if seed % 7 < 4 {
                q.push(step).unwrap();
                model.push_back(step);
            } else {
                assert_eq!(q.pop(), model.pop_front());
            }
            assert_eq!(q.len(), model.len());
            assert_eq!(q.is_empty(), model.is_empty());
        }
    }

    #[test]
    fn blocks_are_recycled_and_reset() {
        let q = BlockQueue::new();
        // Several rounds through the same few blocks: values stay in order and intact.
        for round in 0..5 {
            for i in 0..3 * BLOCK_CAP {
                q.push(round * 1000 + i).unwrap();
            }
            for i in 0..3 * BLOCK_CAP {
                assert_eq!(q.pop(), Some(round * 1000 + i));
            }
        }
        let spares = q
            .spares
            .iter()
            .filter(|s| !s.load(Ordering::Relaxed).is_null())
            .count();
        assert!(spares > 0, "retired blocks are kept for reuse");
    }

    #[test]
    fn drop_frees_remaining_values() {
        let token = Arc::new(());
        let q = BlockQueue::new();
        for _ in 0..(BLOCK_CAP + 5) {
            q.push(Arc::clone(&token)).unwrap();
        }
        for _ in 0..3 {
            drop(q.pop());
        }
        drop(q);
        assert_eq!(Arc::strong_count(&token), 1);
    }

    #[test]
    fn concurrent_producers_and_consumers_see_every_item_once() {
        const PER: usize = 200;
        let q = Arc::new(BlockQueue::new());
        let producers: Vec<_> = (0..2)
            .map(|p| {
                let q = Arc::clone(&q);
                std::thread::spawn(move || (0..PER).for_each(|i| q.push(p * PER + i).unwrap()))
            })
            .collect();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let q = Arc::clone(&q);
                std::thread::spawn(move || {
                    let mut got = Vec::new();
                    let mut last = [None::<usize>; 2];
                    while got.len() < PER {
                        if let Some(v) = q.pop() {
                            // Items of one producer come out in the order put.
                            let p = v / PER;
                            assert!(last[p].is_none_or(|l| l < v));
                            last[p] = Some(v);
                            got.push(v);
                        } else {
                            std::thread::yield_now();
                        }
                    }
                    got
                })
            })
            .collect();
        for p in producers {
            p.join().unwrap();
        }
        let mut all: Vec<usize> = consumers
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..2 * PER).collect::<Vec<_>>());
        assert!(q.is_empty());
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;

    /// Blocks hold `BLOCK_CAP` (3 under loom) items: a producer fills past a block's end (it
    /// installs the next block) while the main thread consumes (it retires the first block,
    /// which goes to the spares): FIFO order, every item once, every slot access checked.
    #[test]
    fn loom_blocks_cross_a_block_boundary() {
        loom::model(|| {
            let q = Arc::new(BlockQueue::new());
            for i in 0..BLOCK_CAP - 1 {
                q.push(i).unwrap();
            }
            let producer = {
                let q = q.clone();
                loom::thread::spawn(move || {
                    for i in BLOCK_CAP - 1..BLOCK_CAP + 1 {
                        q.push(i).unwrap();
                    }
                })
            };
            let mut got = Vec::new();
            while got.len() < BLOCK_CAP + 1 {
                match q.pop() {
                    Some(item) => got.push(item),
                    None => loom::thread::yield_now(),
                }
            }
            producer.join().unwrap();
            assert_eq!(got, (0..BLOCK_CAP + 1).collect::<Vec<_>>());
            assert!(q.is_empty());
        });
    }

    /// Two consumers race for the last slot of a block and the first of the next: each item
    /// once, and the block is retired exactly once (by whichever reader finishes last).
    #[test]
    fn loom_blocks_two_readers_retire_a_block_once() {
        loom::model(|| {
            let q = Arc::new(BlockQueue::new());
            for i in 0..BLOCK_CAP + 1 {
                q.push(i).unwrap();
            }
            for i in 0..BLOCK_CAP - 1 {
                assert_eq!(q.pop(), Some(i));
            }
            let other = {
                let q = q.clone();
                loom::thread::spawn(move || q.pop())
            };
            let mine = q.pop();
            let theirs = other.join().unwrap();
            let mut got = vec![mine.unwrap(), theirs.unwrap()];
            got.sort_unstable();
            assert_eq!(got, [BLOCK_CAP - 1, BLOCK_CAP]);
            assert_eq!(q.pop(), None);
        });
    }

    /// A close racing a push that installs the next block: the closed mark survives the
    /// install, and the push lands or is refused, never both.
    #[test]
    fn loom_blocks_close_survives_a_block_install() {
        loom::model(|| {
            let q = Arc::new(BlockQueue::new());
            for i in 0..BLOCK_CAP - 1 {
                q.push(i).unwrap();
            }
            let producer = {
                let q = q.clone();
                loom::thread::spawn(move || q.push(99).is_ok())
            };
            assert!(q.close());
            let landed = producer.join().unwrap();
            assert!(q.is_closed(), "the install erased the closed mark");
            assert_eq!(q.push(100), Err(100));
            let expected = BLOCK_CAP as u64 - 1 + u64::from(landed);
            assert_eq!(q.pushed_total(), expected);
            let got: Vec<usize> = std::iter::from_fn(|| q.pop()).collect();
            assert_eq!(got.len() as u64, expected);
            assert_eq!(got.contains(&99), landed);
        });
    }
}
