//! What each thread holds and waits on: the records the deadlock check and `dump()` read.
//!
//! Each thread that touches a recorded primitive gets a [`ThreadDiag`], listed in [`ALL`]
//! (weakly: it goes with its thread). Its *held* stack is written by its own thread only, on
//! the fast path of an acquire, with plain atomic stores (no lock, no allocation); another
//! thread only ever reads it, or clears an entry with a compare-exchange when it releases a
//! `Lock` this thread acquired (Python allows that). An entry is pushed *pending* before the
//! lock's compare-exchange and confirmed after it succeeds (withdrawn if it fails), so a
//! thread that releases the lock a moment after it was taken always finds the entry to clear;
//! readers only count confirmed entries. Its *wait* record is set by the door
//! (`crate::wait`) before the thread parks and cleared when it wakes; a generation counter
//! tells a reader whether the record changed between two reads.

use std::cell::{Cell, OnceCell};
use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

/// What a thread waits on or holds: the primitive's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Lock,
    RLock,
    Mutex,
    Condition,
    Condvar,
    Semaphore,
    Event,
    Barrier,
    QueuePut,
    QueueGet,
    QueueJoin,
    Future,
    AsCompleted,
    /// The end of an executor scope's tasks.
    Scope,
    /// The join of the thread with this ident.
    Join(u64),
    /// `threadkit::sleep`.
    Sleep,
    /// A lock inside threadkit itself (a queue's or a future's state): never recorded.
    Internal,
}

impl Kind {
    /// A kind whose object has a holder a waiter waits for: the wait-for chain goes through.
    pub(crate) fn has_holder(self) -> bool {
        matches!(self, Kind::Lock | Kind::RLock | Kind::Mutex | Kind::Join(_))
    }

    fn code(self) -> u8 {
        match self {
            Kind::Lock => 1,
            Kind::RLock => 2,
            Kind::Mutex => 3,
            _ => 0,
        }
    }

    fn from_code(code: u8) -> Kind {
        match code {
            2 => Kind::RLock,
            3 => Kind::Mutex,
            _ => Kind::Lock,
        }
    }

    /// What the thread is doing, for reports: "to acquire", "on", "to join".
    pub(crate) fn verb(self) -> &'static str {
        match self {
            Kind::Lock | Kind::RLock | Kind::Mutex | Kind::Semaphore | Kind::Internal => {
                "to acquire"
            }
            Kind::QueuePut => "to put into",
            Kind::QueueGet => "to get from",
            Kind::Join(_) => "to join",
            Kind::Sleep => "in",
            _ => "on",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::QueuePut | Kind::QueueGet => f.write_str("Queue"),
            Kind::QueueJoin => f.write_str("Queue.join"),
            Kind::AsCompleted => f.write_str("futures (as_completed/wait)"),
            Kind::Scope => f.write_str("an executor scope's tasks"),
            Kind::Join(ident) => write!(f, "thread ident {ident}"),
            Kind::Sleep => f.write_str("sleep"),
            Kind::Internal => f.write_str("internal lock"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// A call site, as `#[track_caller]` gives it.
pub(crate) type Site = &'static Location<'static>;

/// What a parked thread waits on.
#[derive(Debug, Clone)]
pub(crate) struct WaitRecord {
    pub(crate) kind: Kind,
    /// The primitive's identity: the address of the field it parks on.
    pub(crate) object: usize,
    pub(crate) site: Site,
    pub(crate) since: Instant,
    pub(crate) deadline: Option<Instant>,
    /// The stop token that ends this wait, if it is stoppable.
    pub(crate) stop: Option<crate::StopToken>,
}

impl WaitRecord {
    /// Whether the wait waits for good: no deadline, and no stop requested that ends it.
    pub(crate) fn forever(&self) -> bool {
        self.deadline.is_none() && !self.stop.as_ref().is_some_and(crate::StopToken::is_stopped)
    }
}

/// A lock a thread holds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Held {
    pub(crate) kind: Kind,
    pub(crate) object: usize,
    pub(crate) site: Site,
}

/// Locks held at once that are recorded; deeper nesting is counted, not recorded.
const HELD_CAP: usize = 32;

struct HeldSlot {
    /// 0: empty or released.
    object: AtomicUsize,
    /// The lock was taken (not only about to be).
    confirmed: AtomicBool,
    site: AtomicPtr<Location<'static>>,
    kind: AtomicU8,
}

/// One thread's records.
pub(crate) struct ThreadDiag {
    pub(crate) ident: u64,
    held: [HeldSlot; HELD_CAP],
    held_len: AtomicUsize,
    /// Acquisitions not recorded because the stack was full.
    pub(crate) overflow: AtomicUsize,
    wait: Mutex<Option<WaitRecord>>,
    /// Bumped on every change of `wait`.
    generation: AtomicU64,
    /// A deadlock report this thread must panic with when its park ends (the `Panic`
    /// policy, when another thread found the cycle this one is in).
    victim: Mutex<Option<String>>,
    has_victim: AtomicBool,
    /// This thread found every thread asleep and woke itself to report it.
    asleep: AtomicBool,
}

/// Threads with records now (made and not yet gone).
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// How many threads have records now.
pub(crate) fn live() -> usize {
    LIVE.load(Ordering::SeqCst)
}

impl Drop for ThreadDiag {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Every thread's records (pruned of finished threads as it is read).
pub(crate) static ALL: Mutex<Vec<Weak<ThreadDiag>>> = Mutex::new(Vec::new());

/// Owns the thread's records; forgets the fast pointer to them when the thread's locals go.
struct MeSlot(OnceCell<Arc<ThreadDiag>>);

impl Drop for MeSlot {
    fn drop(&mut self) {
        FAST.with(|fast| fast.set(std::ptr::null()));
    }
}

thread_local! {
    static ME: MeSlot = const { MeSlot(OnceCell::new()) };
    /// The records `ME` owns, reachable with one thread-local load (no lazy initialization,
    /// no destructor): null until made, and again once `ME` is destroyed.
    static FAST: Cell<*const ThreadDiag> = const { Cell::new(std::ptr::null()) };
}

/// Runs `f` with the calling thread's records, made on first use; not at all while the
/// thread's locals are being destroyed.
#[inline]
pub(crate) fn with_me<R>(f: impl FnOnce(&ThreadDiag) -> R) -> Option<R> {
    let fast = FAST.with(Cell::get);
    if fast.is_null() {
        return with_me_slow(f);
    }
    // SAFETY: `fast` points into the `Arc` that this thread's `ME` owns; `ME`'s destructor
    // nulls it before that `Arc` goes, and only this thread reads it.
    Some(f(unsafe { &*fast }))
}

#[cold]
fn with_me_slow<R>(f: impl FnOnce(&ThreadDiag) -> R) -> Option<R> {
    ME.try_with(|me| {
        let me = me.0.get_or_init(|| {
            let diag = Arc::new(ThreadDiag::new(crate::thread::current_ident()));
            let mut all = lock(&ALL);
            all.retain(|w| w.strong_count() > 0);
            all.push(Arc::downgrade(&diag));
            diag
        });
        FAST.with(|fast| fast.set(Arc::as_ptr(me)));
        f(me)
    })
    .ok()
}

/// Every live thread's records.
pub(crate) fn all() -> Vec<Arc<ThreadDiag>> {
    lock(&ALL).iter().filter_map(Weak::upgrade).collect()
}

/// A std mutex's guard, whether or not a panic poisoned it (the records stay valid).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ThreadDiag {
    fn new(ident: u64) -> Self {
        LIVE.fetch_add(1, Ordering::SeqCst);
        ThreadDiag {
            ident,
            held: std::array::from_fn(|_| HeldSlot {
                object: AtomicUsize::new(0),
                confirmed: AtomicBool::new(false),
                site: AtomicPtr::new(std::ptr::null_mut()),
                kind: AtomicU8::new(0),
            }),
            held_len: AtomicUsize::new(0),
            overflow: AtomicUsize::new(0),
            wait: Mutex::new(None),
            generation: AtomicU64::new(0),
            victim: Mutex::new(None),
            has_victim: AtomicBool::new(false),
            asleep: AtomicBool::new(false),
        }
    }

    /// Forgets what this thread held and waited for: its OS thread goes on to run another
    /// threadkit thread (check mode's workers), which must not inherit them.
    #[cfg(all(feature = "check", not(loom)))]
    pub(crate) fn forget(&self) {
        for slot in &self.held {
            slot.object.store(0, Ordering::Release);
        }
        self.held_len.store(0, Ordering::Release);
        self.overflow.store(0, Ordering::Relaxed);
        *lock(&self.wait) = None;
        self.generation.fetch_add(1, Ordering::Release);
        *lock(&self.victim) = None;
        self.has_victim.store(false, Ordering::Release);
        self.asleep.store(false, Ordering::Release);
    }

    /// Records that this thread (the owner) is about to hold `object`; `false` if the stack
    /// is full (the acquisition is then not recorded at all).
    pub(crate) fn push_pending(&self, held: Held) -> bool {
        // Entries another thread cleared (it released a `Lock` this thread acquired) leave
        // empty slots on top that only an own release would trim: trim them here, or a thread
        // whose locks others release would fill its stack and stop being recorded.
        let mut n = self.held_len.load(Ordering::Relaxed);
        while n > 0 && self.held[n - 1].object.load(Ordering::Acquire) == 0 {
            n -= 1;
        }
        if n == HELD_CAP {
            self.overflow.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        let slot = &self.held[n];
        slot.site
            .store(std::ptr::from_ref(held.site).cast_mut(), Ordering::Relaxed);
        slot.kind.store(held.kind.code(), Ordering::Relaxed);
        slot.confirmed.store(false, Ordering::Relaxed);
        slot.object.store(held.object, Ordering::Release);
        // Published by the lock's compare-exchange that follows (`AcqRel` when announced): a
        // releaser that sees the lock taken sees this entry.
        self.held_len.store(n + 1, Ordering::Relaxed);
        true
    }

    /// The pending entry on top (the owner's last push) is now held.
    pub(crate) fn confirm_top(&self) {
        let n = self.held_len.load(Ordering::Relaxed);
        if n > 0 {
            self.held[n - 1].confirmed.store(true, Ordering::Release);
        }
    }

    /// Clears this thread's entry for `object`; `false` if it has none. Any thread may call
    /// it; only the owner shortens the stack.
    ///
    /// Another thread clears only a confirmed entry (a pending one may be a thread about to
    /// fail its compare-exchange): [`Clear::Pending`] tells it the holder has not confirmed yet.
    pub(crate) fn clear_held(&self, object: usize, owner: bool) -> Clear {
        let n = self.held_len.load(Ordering::Acquire);
        // The owner releasing its newest lock (the usual, nested order): a plain store. A
        // releaser on another thread only ever compare-exchanges this object to 0, so both
        // leave the slot empty, and the owner alone reuses it.
        if owner && n > 0 && self.held[n - 1].object.load(Ordering::Relaxed) == object {
            self.held[n - 1].object.store(0, Ordering::Release);
            let mut len = n - 1;
            while len > 0 && self.held[len - 1].object.load(Ordering::Acquire) == 0 {
                len -= 1;
            }
            self.held_len.store(len, Ordering::Release);
            return Clear::Cleared;
        }
        let mut pending = false;
        let found = self.held[..n].iter().rev().any(|slot| {
            if slot.object.load(Ordering::Acquire) != object {
                return false;
            }
            if !owner && !slot.confirmed.load(Ordering::Acquire) {
                pending = true;
                return false;
            }
            slot.object
                .compare_exchange(object, 0, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        });
        if owner {
            let mut len = n;
            while len > 0 && self.held[len - 1].object.load(Ordering::Acquire) == 0 {
                len -= 1;
            }
            if len != n {
                self.held_len.store(len, Ordering::Release);
            }
        }
        if found {
            Clear::Cleared
        } else if pending {
            Clear::Pending
        } else {
            Clear::Absent
        }
    }

    /// A snapshot of the locks this thread holds, oldest first.
    pub(crate) fn held(&self) -> Vec<Held> {
        self.held_iter().collect()
    }

    /// The locks this thread holds, oldest first, read one by one (no allocation).
    pub(crate) fn held_iter(&self) -> impl Iterator<Item = Held> + '_ {
        let n = self.held_len.load(Ordering::Acquire);
        self.held[..n].iter().filter_map(|slot| {
            let object = slot.object.load(Ordering::Acquire);
            if !slot.confirmed.load(Ordering::Acquire) {
                return None;
            }
            let site = slot.site.load(Ordering::Relaxed);
            // SAFETY: a non-null site was stored from a `&'static Location`.
            let site: Site = unsafe { site.as_ref()? };
            (object != 0).then(|| Held {
                kind: Kind::from_code(slot.kind.load(Ordering::Relaxed)),
                object,
                site,
            })
        })
    }

    /// Whether this thread holds `object`, and where it acquired it.
    pub(crate) fn holds(&self, object: usize) -> Option<Held> {
        self.held_iter().find(|h| h.object == object)
    }

    /// Makes this (parked) thread panic with `report` once its park ends.
    pub(crate) fn make_victim(&self, report: String) {
        *lock(&self.victim) = Some(report);
        self.has_victim.store(true, Ordering::Release);
    }

    pub(crate) fn is_victim(&self) -> bool {
        self.has_victim.load(Ordering::Acquire)
    }

    /// The report this thread must panic with, if it was made a victim.
    pub(crate) fn take_victim(&self) -> Option<String> {
        if !self.has_victim.swap(false, Ordering::Acquire) {
            return None;
        }
        lock(&self.victim).take()
    }

    /// This thread found every thread asleep (see `diag::asleep`).
    pub(crate) fn set_asleep(&self) {
        self.asleep.store(true, Ordering::Relaxed);
    }

    /// Whether this thread woke itself to report that every thread is asleep (cleared).
    pub(crate) fn take_asleep(&self) -> bool {
        self.asleep.swap(false, Ordering::Relaxed)
    }

    pub(crate) fn set_wait(&self, record: Option<WaitRecord>) {
        *lock(&self.wait) = record;
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// The wait record and the generation it was read at.
    pub(crate) fn wait(&self) -> (Option<WaitRecord>, u64) {
        let record = lock(&self.wait).clone();
        (record, self.generation.load(Ordering::Acquire))
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
}

/// What [`ThreadDiag::clear_held`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Clear {
    Cleared,
    /// Only a pending entry: its thread has not confirmed (or withdrawn) it yet.
    Pending,
    Absent,
}

/// Among `threads`, the one holding `object` (a lock), and where it acquired it.
pub(crate) fn holder_of(threads: &[Arc<ThreadDiag>], object: usize) -> Option<(&ThreadDiag, Held)> {
    threads
        .iter()
        .find_map(|t| t.holds(object).map(|held| (&**t, held)))
}
