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
//! Sifting moves an entry by swaps along a path, recording the path (at most one position per
//! level, so a fixed array of 64). If a comparison unwinds, a guard replays the swaps
//! backwards, which needs no comparison, and so restores the heap bit for bit: a failed push
//! then removes its entry from the end, a failed pop puts its entry back at the root.

use std::cmp::Ordering;

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

/// The positions an entry went through while sifting; replayed backwards if a comparison
/// unwinds. A heap of `usize::MAX` entries is at most 64 levels deep.
struct Path<'h, T> {
    entries: &'h mut Vec<Entry<T>>,
    steps: [usize; 64],
    len: usize,
}

impl<'h, T> Path<'h, T> {
    fn new(entries: &'h mut Vec<Entry<T>>, start: usize) -> Self {
        let mut steps = [0; 64];
        steps[0] = start;
        Path {
            entries,
            steps,
            len: 1,
        }
    }

    /// The entry's current position.
    #[inline]
    fn at(&self) -> usize {
        self.steps[self.len - 1]
    }

    /// Moves the entry to `to` by a swap.
    #[inline]
    fn step(&mut self, to: usize) {
        let at = self.at();
        self.entries.swap(at, to);
        self.steps[self.len] = to;
        self.len += 1;
    }

    /// The sift finished: keep the swaps.
    fn keep(mut self) {
        self.len = 1;
    }
}

impl<T> Drop for Path<'_, T> {
    /// Undoes the swaps (only when a comparison unwound: `keep` empties the path otherwise).
    fn drop(&mut self) {
        while self.len > 1 {
            self.len -= 1;
            self.entries
                .swap(self.steps[self.len], self.steps[self.len - 1]);
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
        // Unwinding from here first undoes the sift (`Path`), then removes the entry.
        let remove_on_unwind = RemoveLast(&mut self.entries);
        let mut path = Path::new(&mut *remove_on_unwind.0, last);
        while path.at() > 0 {
            let parent = (path.at() - 1) / 2;
            if !path.entries[path.at()].before(&path.entries[parent]) {
                break;
            }
            path.step(parent);
        }
        path.keep();
        std::mem::forget(remove_on_unwind);
    }

    /// Takes the first item; if `Ord` panics, the heap is left as it was (the item included)
    /// and the panic continues.
    pub(crate) fn pop(&mut self) -> Option<T> {
        let last = self.entries.len().checked_sub(1)?;
        self.entries.swap(0, last);
        let first = self.entries.pop()?;
        // Unwinding from here first undoes the sift (`Path`), then puts `first` back.
        let restore_on_unwind = PutBackFirst {
            entries: &mut self.entries,
            first: Some(first),
        };
        let len = restore_on_unwind.entries.len();
        let mut path = Path::new(&mut *restore_on_unwind.entries, 0);
        loop {
            let left = 2 * path.at() + 1;
            if left >= len {
                break;
            }
            let right = left + 1;
            let child = if right < len && path.entries[right].before(&path.entries[left]) {
                right
            } else {
                left
            };
            if !path.entries[child].before(&path.entries[path.at()]) {
                break;
            }
            path.step(child);
        }
        path.keep();
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
        for fuse in 0..8 {
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
