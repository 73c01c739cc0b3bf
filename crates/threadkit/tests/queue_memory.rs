//! Issue 10, defect 9: a bounded queue's memory follows its contents, not its bound (Python
//! allocates nothing for a `maxsize`). This binary counts every allocation of the process.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use threadkit::{GetError, PutError, Queue};

struct Counting;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator, only counting the bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::SeqCst);
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::SeqCst);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The bytes `make` leaves allocated (the test runs alone in its binary).
fn bytes_kept<R>(make: impl FnOnce() -> R) -> (R, usize) {
    let before = LIVE_BYTES.load(Ordering::SeqCst);
    let value = make();
    (
        value,
        LIVE_BYTES.load(Ordering::SeqCst).saturating_sub(before),
    )
}

#[test]
fn huge_bounds_allocate_nothing_up_front_and_still_work() {
    for maxsize in [100_000_000, 1 << 40, usize::MAX] {
        let (q, bytes) = bytes_kept(|| Queue::<u64>::new(maxsize));
        assert!(bytes < 4096, "Queue::new({maxsize}) kept {bytes} bytes");
        assert_eq!(q.maxsize(), maxsize);
        for i in 0..10_000 {
            q.put_nowait(i).unwrap();
        }
        assert!(!q.full());
        assert_eq!(q.qsize(), 10_000);
        assert_eq!(
            (0..10_000).map(|_| q.get().unwrap()).sum::<u64>(),
            49_995_000
        );
        assert_eq!(q.get_nowait(), Err(GetError::Empty));
    }
    // The bound still holds where a deque stands in for the ring.
    let big = 1_000_000;
    let q = Queue::<u8>::new(big);
    for _ in 0..big {
        q.put_nowait(0).unwrap();
    }
    assert!(q.full());
    assert!(matches!(q.put_nowait(1), Err(PutError::Full(1))));
    // Memory goes back as the contents drain.
    while q.get_nowait().is_ok() {}
    let now = LIVE_BYTES.load(Ordering::SeqCst);
    assert!(now < big / 2, "{now} bytes still held by an emptied queue");
}
