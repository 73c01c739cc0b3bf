//! The one waiting mechanism every blocking primitive shares.
//!
//! # Design
//!
//! Each primitive keeps its state in an atomic word and has an inlined fast path that never
//! touches this module. When it must block, it parks the thread in a queue keyed by the address
//! of one of its own fields (`key_of`). Parking goes through `parking_lot_core`'s global parking
//! table, so a primitive costs one word of memory and nothing is allocated per wait (a
//! condition's waiter brings a node of its own, reused by its thread: see below).
//!
//! The protocol is always the same:
//! 1. the waiter records in the state word that somebody waits (a `PARKED` bit or a counter);
//! 2. it parks with a `validate` closure that re-checks, under the queue lock, that it still has
//!    to wait, so a wake-up between the check and the sleep is never lost;
//! 3. a waker only calls into this module when the state word says somebody waits, so the
//!    uncontended paths never pay for a wake call.
//!
//! Deadlines are absolute `Instant`s, computed once per call from the user's `Duration`, so a
//! wait that is woken spuriously and parks again never waits longer in total than asked.
//! A `Duration` too large to add to `now` means "wait forever".
//!
//! Waiters come in two shapes. Most primitives park every waiter on one key of their own
//! ([`WaitQueue`], or a key and a state bit). A condition's waiters each park on a node of
//! their own in a [`WaitList`] (`wait/list.rs`): a notify releases exactly the oldest waiters
//! and costs no system call for one that is still spinning. How long a thread spins before it
//! parks is a policy per primitive (`wait/spin.rs`), chosen by measurement.
//!
//! # The door's observers
//!
//! Every park says what it waits on (a [`Kind`], the object's identity: its key, or for a
//! condition's waiter parked on a node of its own, the list's key; its call
//! site through `#[track_caller]`): the door tells the diagnostics (`crate::diag`) before the
//! thread sleeps and after it wakes, so wait records, deadlock detection and `dump()` need
//! nothing from the primitives beyond that. With diagnostics off, the door's cost is one
//! relaxed load per park.

use crate::diag::{self, Kind};
use crate::facade::{AtomicUsize, Duration, Instant, Ordering};
use std::panic::Location;

/// How long a blocked thread spins before it parks.
#[cfg(not(loom))]
mod spin;
#[cfg(all(not(loom), not(feature = "check")))]
pub(crate) use spin::SpinWait;
/// Check mode's own hand-offs follow the same rule for a busy machine.
#[cfg(all(not(loom), feature = "check"))]
pub(crate) use spin::{crowded, yield_measured};
/// Check mode: a thread in an execution does not spin (a scheduling point, then it parks, as
/// under loom); outside one, the normal build's policy.
#[cfg(all(not(loom), feature = "check"))]
pub(crate) struct SpinWait(spin::SpinWait);

#[cfg(all(not(loom), feature = "check"))]
impl SpinWait {
    pub(crate) const fn new() -> Self {
        SpinWait(spin::SpinWait::new())
    }

    pub(crate) fn hand_off() -> Self {
        SpinWait(spin::SpinWait::hand_off())
    }

    pub(crate) const fn for_work() -> Self {
        SpinWait(spin::SpinWait::for_work())
    }

    pub(crate) const fn lock() -> Self {
        SpinWait(spin::SpinWait::lock())
    }

    #[track_caller]
    pub(crate) fn spin(&mut self) -> bool {
        if crate::check::active() {
            crate::check::yield_point();
            false
        } else {
            self.0.spin()
        }
    }

    pub(crate) fn reset(&mut self) {
        self.0.reset();
    }
}

/// The parking lot itself: `parking_lot_core`'s global table, or under loom a model of it.
#[cfg(not(loom))]
mod lot;
#[cfg(loom)]
#[path = "wait/loom_lot.rs"]
mod lot;
#[cfg(loom)]
pub(crate) use lot::SpinWait;

/// The waiting of conditions: a FIFO of waiters, each woken through a flag of its own.
mod list;
pub(crate) use list::WaitList;

/// How a park ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wake {
    /// Another thread unparked us.
    Unparked,
    /// `validate` said there was no need to sleep.
    Invalid,
    /// The deadline passed.
    TimedOut,
    /// The thread's stop was requested (only from a stoppable park, see `crate::stop`): its
    /// `before_sleep` has run, it is not parked, and no waker counted it out.
    Stopped,
}

/// The deadline that is `timeout` from now; `None` (forever) if it does not fit in an `Instant`.
#[inline]
pub(crate) fn deadline_after(timeout: Duration) -> Option<Instant> {
    now().checked_add(timeout)
}

/// The clock deadlines are read on: the real one, or check mode's virtual one.
#[inline]
pub(crate) fn now() -> Instant {
    #[cfg(all(not(loom), feature = "check"))]
    if let Some(now) = crate::check::now() {
        return now;
    }
    Instant::now()
}

/// Whether `deadline` has passed.
#[inline]
pub(crate) fn expired(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| now() >= d)
}

/// The parking key of a field: its address.
#[inline]
pub(crate) fn key_of<T>(field: &T) -> usize {
    std::ptr::from_ref(field) as usize
}

/// Parks the current thread on `key` if `validate` still holds.
///
/// `validate` and `timed_out` run under the queue lock: they must only read or write atomics
/// (no panics, no calls into this module). `timed_out` is told whether this was the last thread
/// parked on `key`, so the caller can clear its "somebody waits" mark.
#[inline]
#[track_caller]
pub(crate) fn park(
    kind: Kind,
    key: usize,
    validate: impl FnMut() -> bool,
    timed_out: impl FnOnce(bool),
    deadline: Option<Instant>,
) -> Wake {
    park_then(kind, key, validate, || {}, timed_out, deadline)
}

/// Like [`park`], with `before_sleep` run after the thread is queued and before it sleeps.
///
/// This is how a condition releases its lock without losing a notification: a notifier that
/// takes the lock after `before_sleep` released it already finds this thread in the queue.
/// `before_sleep` may wake other threads (release a lock) but must not park or panic.
#[inline]
#[track_caller]
pub(crate) fn park_then(
    kind: Kind,
    key: usize,
    validate: impl FnMut() -> bool,
    before_sleep: impl FnOnce(),
    timed_out: impl FnOnce(bool),
    deadline: Option<Instant>,
) -> Wake {
    park_key(
        kind,
        key,
        key,
        false,
        validate,
        before_sleep,
        timed_out,
        deadline,
    )
}

/// Like [`park_then`], and the calling thread's stop token is honoured: a stop requested
/// before or while it waits returns [`Wake::Stopped`] (with `before_sleep` run either way).
#[inline]
#[track_caller]
pub(crate) fn park_stoppable(
    kind: Kind,
    key: usize,
    validate: impl FnMut() -> bool,
    before_sleep: impl FnOnce(),
    timed_out: impl FnOnce(bool),
    deadline: Option<Instant>,
) -> Wake {
    park_key(
        kind,
        key,
        key,
        true,
        validate,
        before_sleep,
        timed_out,
        deadline,
    )
}

/// Parks on `key`, shown to the diagnostics as a wait on `object` (a waiter parked on a key of
/// its own, for an object that many wait on: see `WaitList`), honouring the thread's stop if
/// `stoppable`.
#[inline]
#[track_caller]
pub(crate) fn park_for(
    kind: Kind,
    object: usize,
    key: usize,
    stoppable: bool,
    validate: impl FnMut() -> bool,
    deadline: Option<Instant>,
) -> Wake {
    park_key(
        kind,
        object,
        key,
        stoppable,
        validate,
        || {},
        |_| {},
        deadline,
    )
}

/// The parks on a key: the wait on `object` told to the diagnostics, then [`sleep`].
#[inline]
#[track_caller]
#[allow(clippy::too_many_arguments)] // the door's one implementation, called from four doors
fn park_key(
    kind: Kind,
    object: usize,
    key: usize,
    stoppable: bool,
    mut validate: impl FnMut() -> bool,
    before_sleep: impl FnOnce(),
    timed_out: impl FnOnce(bool),
    deadline: Option<Instant>,
) -> Wake {
    let waiting = diag::waiting(kind, object, deadline, stoppable, Location::caller());
    // A deadlock victim named before it sleeps does not sleep (checked under the queue lock,
    // which the waker that named it takes too).
    let mut validate = || !waiting.is_victim() && validate();
    let wake = sleep(
        key,
        &waiting,
        stoppable,
        &mut validate,
        before_sleep,
        timed_out,
        deadline,
    );
    waiting.woke();
    wake
}

/// Wakes the thread with the anchor token `anchor` parked on `key`: its stop was requested.
pub(crate) fn unpark_stopped(key: usize, anchor: usize) {
    lot::unpark_stopped(key, anchor);
}

/// The park itself, as the diagnostics watch it: a recorded wait is counted in the parking
/// lot's census (its anchor, on this stack frame, is its token); once queued, a thread that
/// finds every thread asleep wakes itself (by its anchor) to report it, then parks again (see
/// `diag::asleep`).
#[inline]
// Check mode's reports name the waiting call's site, as the diagnostics do (no cost without it).
#[cfg_attr(feature = "check", track_caller)]
#[allow(clippy::too_many_arguments)] // the door's one implementation, for every park
fn sleep(
    key: usize,
    waiting: &diag::Waiting,
    stoppable: bool,
    validate: &mut impl FnMut() -> bool,
    before_sleep: impl FnOnce(),
    timed_out: impl FnOnce(bool),
    deadline: Option<Instant>,
) -> Wake {
    let anchor = lot::Anchor::new(waiting.recorded());
    // A stoppable park registers with the thread's stop token, which wakes exactly this
    // thread (by its anchor) when the stop is requested.
    let registration = if stoppable {
        let Ok(registration) = crate::stop::park_registration(key, anchor.token()) else {
            before_sleep();
            return Wake::Stopped;
        };
        registration
    } else {
        None
    };
    let stopped = || {
        registration
            .as_ref()
            .is_some_and(crate::stop::Registration::is_stopped)
    };
    let mut validate = || !stopped() && validate();
    let mut before = Some(before_sleep);
    let before_sleep = || {
        if let Some(before) = before.take() {
            before();
        }
        if waiting.fell_asleep() {
            lot::unpark_anchor(key, &anchor);
        }
    };
    let mut wake = lot::park(
        key,
        &anchor,
        &mut validate,
        before_sleep,
        timed_out,
        deadline,
    );
    while wake == Wake::Unparked && waiting.reporting() {
        // The same anchor (the stop registration names it), counted in again.
        anchor.count_in(waiting.recorded());
        wake = lot::park(key, &anchor, &mut validate, || {}, |_| {}, deadline);
    }
    if wake == Wake::Invalid && stopped() {
        // Refused to sleep by the stop, before `before_sleep` could run: run it now, so a
        // stopped park always looks the same to its caller.
        if let Some(before) = before.take() {
            before();
        }
        wake = Wake::Stopped;
    }
    wake
}

pub(crate) use lot::{census, parked_in};

/// Wakes one thread parked on `key`. `after` runs under the queue lock with whether threads
/// remain parked, so the caller can clear its "somebody waits" mark atomically with the wake.
#[inline]
pub(crate) fn unpark_one(key: usize, after: impl FnOnce(bool)) -> bool {
    lot::unpark_one(key, after)
}

/// Wakes every thread parked on `key`; returns how many were woken.
#[inline]
pub(crate) fn unpark_all(key: usize) -> usize {
    lot::unpark_all(key)
}

/// A queue of parked threads with an exact count of those not yet woken.
///
/// A waiter counts itself in, then parks; a waker decrements the count for every thread it
/// wakes, under the parking lot's queue lock. So the count drops the moment a thread is woken,
/// not when it next runs, and a stream of wakers does not call into the parking lot for a
/// thread that is already on its way. A waiter whose park was refused or timed out counts
/// itself out. The count and the waiters' own state are both sequentially consistent, so a
/// waker that sees zero waiters is right to skip the wake (see the module's protocol).
pub(crate) struct WaitQueue {
    waiting: AtomicUsize,
}

impl WaitQueue {
    const_fn! {
        pub(crate) const fn new() -> Self {
            WaitQueue {
                waiting: AtomicUsize::new(0),
            }
        }
    }

    /// Its identity: the key it parks on.
    pub(crate) fn key(&self) -> usize {
        key_of(&self.waiting)
    }

    /// Threads parked or about to park (a snapshot).
    #[inline]
    pub(crate) fn waiting(&self) -> usize {
        crate::facade::seq_cst_point();
        self.waiting.load(Ordering::SeqCst)
    }

    /// Parks until woken, `validate` fails, or `deadline`, honouring the thread's stop token
    /// (see the free [`park_stoppable`]).
    #[track_caller]
    pub(crate) fn park_stoppable(
        &self,
        kind: Kind,
        mut validate: impl FnMut() -> bool,
        before_sleep: impl FnOnce(),
        deadline: Option<Instant>,
    ) -> Wake {
        let key = key_of(&self.waiting);
        // Told before the count goes up: a report that panics leaves the count as it was.
        let waiting = diag::waiting(kind, key, deadline, true, Location::caller());
        self.waiting.fetch_add(1, Ordering::SeqCst);
        crate::facade::seq_cst_point();
        // Counted out if the park panics (a deadlock report, after the thread woke itself).
        let counted = CountedIn(&self.waiting);
        let wake = sleep(
            key,
            &waiting,
            true,
            &mut validate,
            before_sleep,
            |_| {},
            deadline,
        );
        std::mem::forget(counted);
        if wake != Wake::Unparked {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
        }
        wake
    }

    /// Wakes one waiter, if any; `true` if one was woken.
    #[inline]
    pub(crate) fn wake_one(&self) -> bool {
        self.waiting() > 0 && self.wake_n(1) > 0
    }

    /// Wakes up to `n` waiters, oldest first; returns how many.
    pub(crate) fn wake_n(&self, n: usize) -> usize {
        if n == 0 || self.waiting() == 0 {
            return 0;
        }
        lot::unpark_n(key_of(&self.waiting), n, |woken| {
            self.waiting.fetch_sub(woken, Ordering::SeqCst);
        })
    }

    /// Wakes every waiter; returns how many.
    pub(crate) fn wake_all(&self) -> usize {
        self.wake_n(usize::MAX)
    }
}

/// A dropped queue of waiters leaves the diagnostics' names (one relaxed load unless a name
/// was ever given).
impl Drop for WaitQueue {
    #[inline]
    fn drop(&mut self) {
        diag::dropped(self.key());
    }
}

/// A waiter counted in a [`WaitQueue`], counted out if its park unwinds.
struct CountedIn<'a>(&'a AtomicUsize);

impl Drop for CountedIn<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl std::fmt::Debug for WaitQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitQueue")
            .field("waiting", &self.waiting())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facade::{AtomicBool, Ordering};
    use std::sync::Arc;

    #[test]
    fn park_is_refused_when_validate_fails() {
        let flag = AtomicBool::new(true);
        let wake = park(
            Kind::Event,
            key_of(&flag),
            || !flag.load(Ordering::SeqCst),
            |_| {},
            None,
        );
        assert_eq!(wake, Wake::Invalid);
    }

    #[test]
    fn park_times_out_and_reports_last() {
        let flag = AtomicBool::new(false);
        let mut last = false;
        let wake = park(
            Kind::Event,
            key_of(&flag),
            || true,
            |was_last| last = was_last,
            deadline_after(Duration::from_millis(1)),
        );
        assert_eq!(wake, Wake::TimedOut);
        assert!(last);
    }

    #[test]
    fn unpark_wakes_a_parked_thread() {
        let flag = Arc::new(AtomicBool::new(false));
        let f2 = Arc::clone(&flag);
        let t = std::thread::spawn(move || loop {
            if f2.load(Ordering::SeqCst) {
                return;
            }
            park(
                Kind::Event,
                key_of(&*f2),
                || !f2.load(Ordering::SeqCst),
                |_| {},
                None,
            );
        });
        flag.store(true, Ordering::SeqCst);
        unpark_all(key_of(&*flag));
        t.join().unwrap();
    }

    #[test]
    fn wait_queue_counts_exactly() {
        let q = Arc::new(WaitQueue::new());
        assert_eq!(q.wake_all(), 0);
        let flag = Arc::new(AtomicBool::new(false));
        let (q2, f2) = (q.clone(), flag.clone());
        let t = std::thread::spawn(move || loop {
            if f2.load(Ordering::SeqCst) {
                return;
            }
            q2.park_stoppable(Kind::Condvar, || !f2.load(Ordering::SeqCst), || {}, None);
        });
        while q.waiting() == 0 {
            std::thread::yield_now();
        }
        flag.store(true, Ordering::SeqCst);
        q.wake_all();
        t.join().unwrap();
        assert_eq!(q.waiting(), 0);
        assert_eq!(
            q.park_stoppable(Kind::Condvar, || false, || {}, None),
            Wake::Invalid
        );
        assert_eq!(
            q.park_stoppable(
                Kind::Condvar,
                || true,
                || {},
                deadline_after(Duration::from_millis(1))
            ),
            Wake::TimedOut
        );
        assert_eq!(q.waiting(), 0);
    }

    #[test]
    fn huge_timeout_means_forever() {
        assert_eq!(deadline_after(Duration::MAX), None);
        assert!(!expired(None));
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::facade::AtomicBool;
    use loom::sync::Arc;

    /// A waiter parks unless the flag is set; a waker sets it and wakes one: whatever the
    /// interleaving, the waiter ends (loom reports a lost wake-up as a deadlock).
    #[test]
    fn loom_wait_queue_never_loses_a_wake_up() {
        loom::model(|| {
            let q = Arc::new(WaitQueue::new());
            let flag = Arc::new(AtomicBool::new(false));
            let waiter = {
                let (q, flag) = (q.clone(), flag.clone());
                loom::thread::spawn(move || {
                    while !flag.load(Ordering::SeqCst) {
                        q.park_stoppable(
                            Kind::Condvar,
                            || !flag.load(Ordering::SeqCst),
                            || {},
                            None,
                        );
                    }
                })
            };
            flag.store(true, Ordering::SeqCst);
            q.wake_one();
            waiter.join().unwrap();
            assert_eq!(q.waiting(), 0);
        });
    }

    /// `wake_n` wakes exactly the waiters it counts out: two waiters, two single wakes.
    #[test]
    fn loom_wait_queue_counts_every_waiter_out() {
        loom::model(|| {
            let q = Arc::new(WaitQueue::new());
            let permits = Arc::new(AtomicUsize::new(0));
            let waiters: Vec<_> = (0..2)
                .map(|_| {
                    let (q, permits) = (q.clone(), permits.clone());
                    loom::thread::spawn(move || loop {
                        let n = permits.load(Ordering::SeqCst);
                        if n > 0
                            && permits
                                .compare_exchange(n, n - 1, Ordering::SeqCst, Ordering::SeqCst)
                                .is_ok()
                        {
                            return;
                        }
                        if n == 0 {
                            q.park_stoppable(
                                Kind::Condvar,
                                || permits.load(Ordering::SeqCst) == 0,
                                || {},
                                None,
                            );
                        }
                    })
                })
                .collect();
            for _ in 0..2 {
                permits.fetch_add(1, Ordering::SeqCst);
                q.wake_n(1);
            }
            for w in waiters {
                w.join().unwrap();
            }
            assert_eq!(q.waiting(), 0);
        });
    }
}
