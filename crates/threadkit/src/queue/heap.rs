//! The min-heap of `PriorityQueue`, safe against an `Ord` that panics.
//!
//! # Design
//!
//! A binary heap on a `Vec`, smallest item first and, among equal items, the first put first
//! (each entry carries its put sequence number). It differs from `std`'s `BinaryHeap` in one
//! way: a comparison may panic (the items' `Ord` is user code), and then the heap must be
//! exactly as it was before the call, as CPython's `FailingQueueTest` demands of a failed
//! `put` or `get`: a failed put adds nothing, a failed get takes nothing.
//!
//! Sifting moves a hole between a parent and its child, so its path is the chain of parent
//! links between where it started and where it is: nothing needs recording. If a comparison
//! unwinds, a guard moves the entries back along that chain, which needs no comparison, and so
//! restores the heap bit for bit: a failed push then removes its entry from the end, a failed
//! pop puts its entry back at the root. (The hole's moves are the crate's only unsafe code
//! outside the lock-free queues: against swaps, they halve the cost of a priority queue's
//! put + get, measured in `threadkit bench`'s `priority-queue`.)

use std::cmp::Ordering;
use std::mem::ManuallyDrop;

/// An item with its put sequence number.
struct Entry<T> {
    item: T,
    seq: u64,
}

impl<T: Ord> Entry<T> {
    /// Whether `self` comes out before `other`: smaller item, or equal and put earlier.
    #[inline]
    fn before(&self, other: &Self) -> bool {
        match self.item.cmp(&other.item) {
            Ordering::Less => true,
            Ordering::Greater => false,
            Ordering::Equal => self.seq < other.seq,
        }
    }
}

/// A hole in the heap while one entry is sifted: the entry waits in `entry` while the hole
/// moves, first down from `start` to `turn`, then up to `at` (either leg may be empty); at
/// each step a parent or child moves into the hole (one move, where a swap takes three). Each
/// leg is a chain of parent links, so nothing needs recording: if a comparison unwinds, `Drop`
/// moves the entries back along both legs and puts the entry in at `start`, leaving the heap
/// exactly as it was. Otherwise `Drop` puts the entry in at the hole.
struct Hole<'h, T> {
    entries: &'h mut [Entry<T>],
    /// The entry taken out at `start` (it is in `entries` again once the hole is dropped).
    entry: ManuallyDrop<Entry<T>>,
    start: usize,
    /// Where the downward leg ended (`None`: still going down).
    turn: Option<usize>,
    /// The hole: logically empty until `Drop` fills it.
    at: usize,
    done: bool,
}

#[inline]
fn parent(i: usize) -> usize {
    (i - 1) / 2
}

impl<'h, T> Hole<'h, T> {
    /// Takes the entry at `start` out, leaving a hole there.
    #[inline]
    fn new(entries: &'h mut [Entry<T>], start: usize) -> Self {
        // SAFETY: `start` is in bounds (indexing checks it). The entry is read out and that
        // slot counts as empty from now on: it is only ever overwritten (`fill_from`) or
        // filled by `Drop`, which always runs (also while unwinding), so the entry is neither
        // lost nor dropped twice.
        let entry = unsafe { std::ptr::read(&raw const entries[start]) };
        Hole {
            entries,
            entry: ManuallyDrop::new(entry),
            start,
            turn: None,
            at: start,
            done: false,
        }
    }

    /// The entry being sifted.
    #[inline]
    fn entry(&self) -> &Entry<T> {
        &self.entry
    }

    /// The entry at `i`, which is not the hole.
    ///
    /// Callers pass an index below the heap's length: the hole's parent (the hole is not at
    /// the root) or a child they checked against the length.
    #[inline]
    fn get(&self, i: usize) -> &Entry<T> {
        debug_assert!(i < self.entries.len() && i != self.at);
        // SAFETY: `i` is in bounds (see above); it is not the hole, so it holds a live entry.
        unsafe { self.entries.get_unchecked(i) }
    }

    /// Moves the entry at `from` (the hole's parent or child, in bounds as for `get`) into
    /// the hole.
    #[inline]
    fn fill_from(&mut self, from: usize) {
        let to = self.at;
        debug_assert!(from < self.entries.len() && to < self.entries.len() && from != to);
        // SAFETY: both indexes are in bounds (the hole always is; `from` as for `get`) and
        // distinct, so the copy does not overlap; the hole at `to` holds no live value (it was
        // moved out or copied elsewhere), and `from` becomes the hole, so every value stays in
        // exactly one slot.
        unsafe {
            let base = self.entries.as_mut_ptr();
            std::ptr::copy_nonoverlapping(base.add(from), base.add(to), 1);
        }
        self.at = from;
    }

    /// The downward leg ends here; what follows goes up.
    #[inline]
    fn turn_up(&mut self) {
        self.turn = Some(self.at);
    }

    /// The sift finished: the entry goes into the hole.
    #[inline]
    fn finish(mut self) {
        self.done = true;
    }
}

impl<T> Drop for Hole<'_, T> {
    #[inline]
    fn drop(&mut self) {
        if !self.done {
            // A comparison unwound: undo the upward leg (the hole goes back down toward
            // `turn`, each entry it passed moving back up)...
            if let Some(turn) = self.turn {
                while self.at != turn {
                    let mut child = turn;
                    while parent(child) != self.at {
                        child = parent(child);
                    }
                    self.fill_from(child);
                }
            }
            // ...then the downward leg (the hole goes back up to `start`).
            while self.at != self.start {
                self.fill_from(parent(self.at));
            }
        }
        // SAFETY: the hole holds no live value; the entry was taken out in `new` and is
        // written back exactly once, here.
        unsafe {
            let entry = ManuallyDrop::take(&mut self.entry);
            std::ptr::write(&raw mut self.entries[self.at], entry);
        }
    }
}

/// A min-heap with insertion order among equals, restored exactly when `Ord` panics.
pub(crate) struct PriorityHeap<T> {
    entries: Vec<Entry<T>>,
}

impl<T: Ord> PriorityHeap<T> {
    pub(crate) const fn new() -> Self {
        PriorityHeap {
            entries: Vec::new(),
        }
    }

    /// Adds `item` with its sequence number; if `Ord` panics, the heap is left as it was and
    /// the panic continues (the item is dropped with the unwinding frame).
    pub(crate) fn push(&mut self, item: T, seq: u64) {
        self.entries.push(Entry { item, seq });
        let last = self.entries.len() - 1;
        // Unwinding from here first undoes the sift (`Hole`), then removes the entry.
        let remove_on_unwind = RemoveLast(&mut self.entries);
        let mut hole = Hole::new(&mut remove_on_unwind.0[..], last);
        hole.turn_up();
        while hole.at > 0 {
            let up = parent(hole.at);
            if !hole.entry().before(hole.get(up)) {
                break;
            }
            hole.fill_from(up);
        }
        hole.finish();
        std::mem::forget(remove_on_unwind);
    }

    /// Takes the first item; if `Ord` panics, the heap is left as it was (the item included)
    /// and the panic continues.
    pub(crate) fn pop(&mut self) -> Option<T> {
        let last = self.entries.len().checked_sub(1)?;
        self.entries.swap(0, last);
        let first = self.entries.pop()?;
        // Unwinding from here first undoes the sift (`Hole`), then puts `first` back.
        let restore_on_unwind = PutBackFirst {
            entries: &mut self.entries,
            first: Some(first),
        };
        let len = restore_on_unwind.entries.len();
        if len > 1 {
            let mut hole = Hole::new(&mut restore_on_unwind.entries[..], 0);
            // Floyd's way: the entry came from the end, so it most likely belongs near the
            // bottom. The hole goes down the path of better children to a leaf, comparing only
            // the children, then up while the entry comes before the hole's parent: about half
            // the comparisons of a plain sift-down.
            loop {
                let left = 2 * hole.at + 1;
                if left >= len {
                    break;
                }
                let right = left + 1;
                let child = if right < len && hole.get(right).before(hole.get(left)) {
                    right
                } else {
                    left
                };
                hole.fill_from(child);
            }
            hole.turn_up();
            while hole.at > 0 {
                let up = parent(hole.at);
                if !hole.entry().before(hole.get(up)) {
                    break;
                }
                hole.fill_from(up);
            }
            hole.finish();
        }
        let mut restore = restore_on_unwind;
        restore.first.take().map(|e| e.item)
    }
}

/// Removes the entry just pushed, if a push unwinds.
struct RemoveLast<'h, T>(&'h mut Vec<Entry<T>>);

impl<T> Drop for RemoveLast<'_, T> {
    fn drop(&mut self) {
        self.0.pop();
    }
}

/// Puts the popped entry back at the root, if a pop unwinds.
struct PutBackFirst<'h, T> {
    entries: &'h mut Vec<Entry<T>>,
    first: Option<Entry<T>>,
}

impl<T> Drop for PutBackFirst<'_, T> {
    fn drop(&mut self) {
        if let Some(first) = self.first.take() {
            self.entries.push(first);
            let last = self.entries.len() - 1;
            self.entries.swap(0, last);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    thread_local! {
        /// Comparisons left before one panics (`None`: never).
        static FUSE: Cell<Option<u32>> = const { Cell::new(None) };
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    struct Touchy(u32);

    impl PartialOrd for Touchy {
        fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Touchy {
        fn cmp(&self, other: &Self) -> Ordering {
            FUSE.with(|f| match f.get() {
                Some(0) => {
                    f.set(None);
                    panic!("comparison failed");
                }
                left => f.set(left.map(|n| n - 1)),
            });
            self.0.cmp(&other.0)
        }
    }

    fn snapshot(h: &PriorityHeap<Touchy>) -> Vec<(u32, u64)> {
        h.entries.iter().map(|e| (e.item.0, e.seq)).collect()
    }

    #[test]
    fn smallest_first_then_first_put() {
        let mut h = PriorityHeap::new();
        for (seq, v) in [5, 1, 4, 1, 3, 5, 0].into_iter().enumerate() {
            h.push((v, seq), seq as u64);
        }
        let order: Vec<_> = std::iter::from_fn(|| h.pop()).collect();
        assert_eq!(
            order,
            [(0, 6), (1, 1), (1, 3), (3, 4), (4, 2), (5, 0), (5, 5)]
        );
    }

    #[test]
    fn equal_items_keep_put_order() {
        #[derive(PartialEq, Eq, PartialOrd, Ord)]
        struct Same;
        let mut h = PriorityHeap::new();
        let mut seqs = Vec::new();
        for seq in 0..100u64 {
            h.push((Same, seq), seq);
        }
        while let Some((_, seq)) = h.pop() {
            seqs.push(seq);
        }
        assert_eq!(seqs, (0..100).collect::<Vec<_>>());
    }

    /// A panic at every possible comparison of a push or a pop leaves the heap bit for bit
    /// as it was, and it keeps working afterwards.
    #[test]
    fn a_panicking_comparison_leaves_the_heap_unchanged() {
        let values = [7, 3, 9, 1, 8, 2, 6, 4, 5, 0, 3, 7];
        for fuse in 0..12 {
            let mut h = PriorityHeap::new();
            for (seq, v) in values.iter().enumerate() {
                h.push(Touchy(*v), seq as u64);
            }
            let before = snapshot(&h);
            FUSE.with(|f| f.set(Some(fuse)));
            let push = catch_unwind(AssertUnwindSafe(|| h.push(Touchy(0), 99)));
            FUSE.with(|f| f.set(None));
            if push.is_err() {
                assert_eq!(snapshot(&h), before, "failed push with fuse {fuse}");
            }
            let before = snapshot(&h);
            FUSE.with(|f| f.set(Some(fuse)));
            let pop = catch_unwind(AssertUnwindSafe(|| h.pop()));
            FUSE.with(|f| f.set(None));
            if pop.is_err() {
                assert_eq!(snapshot(&h), before, "failed pop with fuse {fuse}");
            }
            let mut rest: Vec<u32> = std::iter::from_fn(|| h.pop()).map(|t| t.0).collect();
            let sorted = {
                let mut s = rest.clone();
                s.sort_unstable();
                s
            };
            assert_eq!(rest, sorted, "still a heap after fuse {fuse}");
            rest.clear();
        }
    }
}
