//! An executor scope's count of its live closures: those submitted and not yet called or
//! dropped, which the scope waits for before it returns (see `scope`).
//!
//! # Design
//!
//! One counter, incremented per submission and decremented per closure gone, would be one
//! cache line written per task by the submitter and by every worker: in a profile of
//! `executor-scope-results`, 39 % of the submitter's `submit_packaged` samples were its
//! increment, and the workers' decrement 5 % of theirs. So the count is two counters, each on
//! a cache line of its own: `submitted`, written by whoever submits (the scope's thread,
//! mostly), and `ended`, written by whoever ends a closure (the workers, mostly), which also
//! holds a `CLOSED` flag, set once the scope's own closure has returned. A closure that ends
//! reads `submitted` only if the flag is set, so while the scope's body submits, the two lines
//! stay with their writers.
//!
//! **Done** means `CLOSED`, and `ended` equal to `submitted` read after it. The two reads are
//! not one snapshot, yet equality is proof: a closure is counted in before it exists (its
//! submitter's increment, then the queue's hand-over) and out after it is gone (a release
//! increment of `ended`), and it is submitted either by the scope's own closure, before
//! `CLOSED`, or by another closure while that one exists (its count-out comes after). Having
//! read `ended` with acquire, the scope's read of `submitted` includes every submission made
//! by a closure that had ended by then. So if the counts are equal, every closure counted in
//! has ended, and no live closure is left to submit more.
//!
//! **Nothing of the state is touched after a count-out**: the scope may see the counts equal
//! and return at once, freeing the state. So a closure reads `submitted` before its increment
//! of `ended` (if `CLOSED` is set by then), and wakes the scope afterwards by its key, a
//! number, if its increment may have been the last: `CLOSED` was set before its increment and
//! either its count reached what it read or it did not read (the flag came in between). A read
//! of `submitted` can only be stale downwards, which makes a spurious wake-up, never a lost
//! one; the scope checks again. The last closure's own read is at most the final count, so it
//! always wakes; if `CLOSED` comes after its increment, the scope sees the final count itself.

use crate::diag::Kind;
use crate::facade::{AtomicUsize, Ordering};
use crate::wait;
use crossbeam_utils::CachePadded;

/// The scope's own closure has returned (in `ended`; counts stay far below it).
const CLOSED: usize = 1 << (usize::BITS - 1);

/// A scope's live closures (see the module).
pub(crate) struct LiveCount {
    /// Closures counted in.
    submitted: CachePadded<AtomicUsize>,
    /// Closures gone, plus [`CLOSED`]. Its address is the key the scope waits on.
    ended: CachePadded<AtomicUsize>,
}

impl LiveCount {
    /// No closure yet, the scope's own running.
    pub(crate) fn new() -> Self {
        LiveCount {
            submitted: CachePadded::new(AtomicUsize::new(0)),
            ended: CachePadded::new(AtomicUsize::new(0)),
        }
    }

    /// Counts a closure in, before it exists.
    pub(crate) fn count_in(&self) {
        self.submitted.fetch_add(1, Ordering::Relaxed);
    }

    /// The scope's own closure has returned: it submits nothing more.
    pub(crate) fn close(&self) {
        self.ended.fetch_or(CLOSED, Ordering::AcqRel);
    }

    /// Closed, and every closure counted in has ended (see the module: `ended` read first).
    pub(crate) fn all_ended(&self) -> bool {
        let ended = self.ended.load(Ordering::Acquire);
        ended & CLOSED != 0 && ended & !CLOSED == self.submitted.load(Ordering::Acquire)
    }

    /// Parks until the last closure's count-out may have come (check
    /// [`all_ended`](Self::all_ended) again after). Panics as `wait::park` may (a deadlock
    /// report under the `Panic` policy).
    pub(crate) fn park(&self) {
        wait::park(
            Kind::Scope,
            wait::key_of::<AtomicUsize>(&self.ended),
            || !self.all_ended(),
            |_| {},
            None,
        );
    }
}

/// Counts one closure out of `live`; wakes the scope if this may be the last.
///
/// # Safety
///
/// `live` is alive and counts this closure in, not yet out. It may be freed as soon as the
/// count-out is done, which this function allows for: it takes only the two counters, all
/// interior mutability (as `Arc`'s drop does), and touches neither after its increment.
pub(crate) unsafe fn count_out(live: *const LiveCount) {
    // SAFETY: the caller's contract.
    let (ended, submitted) = unsafe { (&*(*live).ended, &*(*live).submitted) };
    end_one(ended, submitted);
}

/// See [`count_out`].
fn end_one(ended: &AtomicUsize, submitted: &AtomicUsize) {
    let key = wait::key_of(ended);
    let seen = if ended.load(Ordering::Acquire) & CLOSED != 0 {
        submitted.load(Ordering::Acquire)
    } else {
        0 // not read: a count-out after `CLOSED` wakes
    };
    let before = ended.fetch_add(1, Ordering::AcqRel);
    if before & CLOSED != 0 && (before & !CLOSED) + 1 >= seen {
        wait::unpark_all(key);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn done_once_closed_and_every_closure_counted_in_has_ended() {
        let live = LiveCount::new();
        live.count_in();
        live.count_in();
        assert!(!live.all_ended(), "open");
        // SAFETY: `live` counts two closures in.
        unsafe { count_out(&live) };
        live.close();
        assert!(!live.all_ended(), "one closure left");
        // SAFETY: as above.
        unsafe { count_out(&live) };
        assert!(live.all_ended());
    }

    #[test]
    fn a_scope_with_no_closure_is_done_when_closed() {
        let live = LiveCount::new();
        assert!(!live.all_ended());
        live.close();
        assert!(live.all_ended());
        live.park(); // returns at once: nothing to wait for
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::facade::AtomicBool;
    use loom::sync::Arc;
    use loom::thread::JoinHandle;

    type Gone = Arc<[AtomicBool; 2]>;

    fn gone() -> Gone {
        Arc::new([AtomicBool::new(false), AtomicBool::new(false)])
    }

    /// Closure `i`, counted in already, ends: it marks itself gone, then counts out.
    fn end(live: &LiveCount, gone: &Gone, i: usize) {
        gone[i].store(true, Ordering::Relaxed);
        // SAFETY: `live` counts the closure in and outlives the model.
        unsafe { count_out(live) };
    }

    /// Closure `i`, counted in already, ends on a thread of its own.
    fn end_on_a_thread(live: &Arc<LiveCount>, gone: &Gone, i: usize) -> JoinHandle<()> {
        let (live, gone) = (live.clone(), gone.clone());
        loom::thread::spawn(move || end(&live, &gone, i))
    }

    /// The scope's side: closes, waits, and finds every closure gone (none counted out early,
    /// no wake-up lost: that would hang the model).
    fn close_and_wait(live: &LiveCount, gone: &Gone) {
        live.close();
        while !live.all_ended() {
            live.park();
        }
        assert!(gone.iter().all(|g| g.load(Ordering::Relaxed)));
    }

    /// The scope's thread submits closure A to one worker, then closes and waits. A submits B
    /// to a second worker while it runs (a nested submission, made after the scope closed or
    /// before), then ends.
    #[test]
    fn loom_live_count_waits_for_nested_closures() {
        loom::model(|| {
            let (live, gone) = (Arc::new(LiveCount::new()), gone());
            live.count_in();
            let a = {
                let (live, gone) = (live.clone(), gone.clone());
                loom::thread::spawn(move || {
                    live.count_in();
                    let b = end_on_a_thread(&live, &gone, 1);
                    end(&live, &gone, 0);
                    b
                })
            };
            close_and_wait(&live, &gone);
            a.join().unwrap().join().unwrap();
        });
    }

    /// A count-out that read `submitted` before a nested submission raised it, and ends last:
    /// the body counts in X and Y and closes; Y counts in Z, which ends, then Y ends; X may
    /// have read 2 submissions before Z was counted in, and must still wake the scope when its
    /// count-out is the last (its count reached more than it read).
    #[test]
    fn loom_live_count_a_stale_read_of_the_last_closure_still_wakes() {
        loom::model(|| {
            let (live, gone) = (Arc::new(LiveCount::new()), gone());
            live.count_in();
            live.count_in();
            let x = end_on_a_thread(&live, &gone, 0);
            let y = {
                let (live, gone) = (live.clone(), gone.clone());
                loom::thread::spawn(move || {
                    live.count_in();
                    // SAFETY: `live` counts Z (run inline) in and outlives the model.
                    unsafe { count_out(&*live) };
                    end(&live, &gone, 1);
                })
            };
            close_and_wait(&live, &gone);
            x.join().unwrap();
            y.join().unwrap();
        });
    }

    /// Two closures end on two workers while the scope closes: whichever order, the scope
    /// wakes and sees both gone.
    #[test]
    fn loom_live_count_two_workers_and_the_close() {
        loom::model(|| {
            let (live, gone) = (Arc::new(LiveCount::new()), gone());
            let workers: Vec<_> = (0..2)
                .map(|i| {
                    live.count_in();
                    end_on_a_thread(&live, &gone, i)
                })
                .collect();
            close_and_wait(&live, &gone);
            for w in workers {
                w.join().unwrap();
            }
        });
    }
}
