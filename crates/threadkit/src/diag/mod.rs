//! Diagnostics: who waits for whom. Wait records, held locks, deadlocks reported the moment
//! they form, and `dump()`.
//!
//! # Design
//!
//! Every blocking call already parks through one door (`crate::wait`), and every lock takes
//! the same few paths: the door tells this module what a thread is about to wait on (kind,
//! object, call site, since when, deadline), and a lock's acquire and release tell it what
//! the thread holds. Nothing else in a primitive changes.
//!
//! - **Records** (`record`): a thread's held locks are a small stack written by the thread
//!   itself with plain atomic stores on the acquire fast path; its wait record is set before
//!   it parks (the slow path, which costs microseconds anyway) and cleared when it wakes.
//! - **Deadlocks** (`deadlock`): a thread about to park without a deadline on an object that
//!   has a holder (a lock, a thread to join) follows the chain object → holder → what the
//!   holder waits on → … If the chain comes back to the thread, the cycle has just formed:
//!   it is reported once (stderr, a panic in this thread, or an abort: [`DeadlockPolicy`]).
//!   Only the thread that closes a cycle can see it, so nothing polls; a timed wait is never
//!   part of a deadlock (it gives up), and a try never parks.
//! - **All asleep** (`asleep`): Go's global check, for hangs with no owner to follow, made by
//!   the thread that falls asleep last, exact thanks to the parking lot's census.
//! - **Lock order** (`order`): lockdep's order graph, opt-in, fed by blocking acquires made
//!   while other locks are held.
//! - **Dump** (`dump`): every thread's state read from the same records, without stopping
//!   anyone; on SIGQUIT too (`signal`, feature `sigquit`). Names (`names`) label it.
//!
//! Recording is switched at run time ([`set_diagnostics`], or `THREADKIT_DIAGNOSTICS=1`/`0`
//! read when the first threadkit thread starts). Off, a lock's fast path pays one relaxed load of
//! the switch; its release pays nothing (a lock remembers in its state word whether its
//! acquire was recorded). The cost on and off is measured in `threadkit bench` (the
//! `diagnostics` workloads); the default is on in debug builds and off in release builds
//! (see the crate docs' chapter "Diagnosing a hung program").

mod asleep;
mod deadlock;
mod dump;
mod names;
mod order;
pub(crate) mod record;
#[cfg(all(unix, feature = "sigquit"))]
mod signal;

pub use deadlock::{set_deadlock_policy, DeadlockPolicy};
pub use dump::{dump, dump_after, Dump, DumpWatchdog, HeldLock, ThreadDump, ThreadState};
pub use names::{name, Named};
pub use order::{lock_order_checking_enabled, set_lock_order_checking};
pub(crate) use record::Kind;
#[cfg(all(unix, feature = "sigquit"))]
pub use signal::dump_on_sigquit;

use record::{Clear, Held, Site, WaitRecord};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Instant;

/// The switch: on in debug builds, off in release builds, until the environment or
/// [`set_diagnostics`] says otherwise.
static SWITCH: AtomicU8 = AtomicU8::new(if cfg!(debug_assertions) { ON } else { OFF });
const OFF: u8 = 1;
const ON: u8 = 2;

/// Whether diagnostics record now: one relaxed load, on the fast path of every lock.
#[inline]
pub(crate) fn recording() -> bool {
    #[cfg(loom)]
    {
        false
    }
    #[cfg(not(loom))]
    {
        SWITCH.load(Ordering::Relaxed) == ON
    }
}

/// Applies `THREADKIT_DIAGNOSTICS` (`1`/`0`) once; called when the first threadkit thread
/// starts and by `dump`, so the fast path never reads the environment. A
/// [`set_diagnostics`] call made before wins.
pub(crate) fn apply_environment() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        order::enable_from_environment();
        #[cfg(all(unix, feature = "sigquit"))]
        signal::apply_environment();
        let on = match std::env::var("THREADKIT_DIAGNOSTICS").as_deref() {
            Ok("1" | "on" | "true") => true,
            Ok("0" | "off" | "false") => false,
            _ => return,
        };
        if !SET_BY_CALL.load(Ordering::Relaxed) {
            SWITCH.store(if on { ON } else { OFF }, Ordering::Relaxed);
        }
    });
}

/// `set_diagnostics` was called: the environment no longer decides.
static SET_BY_CALL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Turns the wait and lock records (and so deadlock detection and the detail of
/// [`dump`]) on or off for the whole process, from now on. Without a call, they are on in
/// debug builds and off in release builds; the environment variable `THREADKIT_DIAGNOSTICS`
/// (`1` or `0`) overrides that default.
///
/// ```
/// threadkit::set_diagnostics(true);
/// assert!(threadkit::diagnostics_enabled());
/// ```
pub fn set_diagnostics(on: bool) {
    SET_BY_CALL.store(true, Ordering::Relaxed);
    SWITCH.store(if on { ON } else { OFF }, Ordering::Relaxed);
}

/// Whether diagnostics record now (see [`set_diagnostics`]).
///
/// ```
/// threadkit::set_diagnostics(false);
/// assert!(!threadkit::diagnostics_enabled());
/// ```
#[must_use]
pub fn diagnostics_enabled() -> bool {
    recording()
}

/// The calling OS thread stops being the threadkit thread it was (check mode's workers): what
/// it held and waited for is forgotten.
#[cfg(all(feature = "check", not(loom)))]
pub(crate) fn forget_thread() {
    let _ = record::with_me(record::ThreadDiag::forget);
}

/// The calling thread is about to take the lock `object` (recorded before the lock's
/// compare-exchange, so a release right after it finds the record); `false` if not recorded.
#[inline]
pub(crate) fn announce(kind: Kind, object: usize, site: Site) -> bool {
    record::with_me(|me| me.push_pending(Held { kind, object, site })).unwrap_or(false)
}

/// Lock-order checking or a name was ever used: a dropped primitive must tell them.
static FORGET: AtomicBool = AtomicBool::new(false);

/// A primitive parking on or recorded as `key` is dropped: it leaves the lock-order graph and
/// the names. One relaxed load unless either was ever used.
#[inline]
pub(crate) fn dropped(key: usize) {
    if FORGET.load(Ordering::Relaxed) {
        forget(key);
    }
}

#[cold]
fn forget(key: usize) {
    order::forget(key);
    names::forget(key);
}

/// The calling thread, recording, is about to block (with no deadline) on the lock `object`:
/// the lock-order check, when on, sees the order it makes with the locks held.
#[inline]
pub(crate) fn blocking_acquire(kind: Kind, object: usize, site: Site) {
    if order::on() {
        record::with_me(|me| order::acquiring(me, (kind, object), site));
    }
}

/// The announced lock was taken.
#[inline]
pub(crate) fn acquired() {
    record::with_me(record::ThreadDiag::confirm_top);
}

/// The announced lock was not taken.
#[inline]
pub(crate) fn withdrawn(object: usize) {
    record::with_me(|me| me.clear_held(object, true));
}

/// The lock `object`, whose acquire was recorded, is being released (by any thread).
#[cold]
pub(crate) fn releasing(object: usize) {
    let mine = record::with_me(|me| me.clear_held(object, true));
    if mine == Some(Clear::Cleared) {
        return;
    }
    // Released by another thread than its acquirer (Python's Lock allows it). The acquirer
    // may not have confirmed its entry yet (it is between its compare-exchange and the
    // confirmation): wait for it. With no entry at all, the acquirer is gone.
    loop {
        let mut pending = false;
        for t in record::all() {
            match t.clear_held(object, false) {
                Clear::Cleared => return,
                Clear::Pending => pending = true,
                Clear::Absent => {}
            }
        }
        if !pending {
            return;
        }
        std::thread::yield_now();
    }
}

/// Cleared when the wait ends (also when it unwinds).
pub(crate) struct Waiting {
    /// The wait is recorded.
    recorded: bool,
    /// It has no deadline.
    forever: bool,
}

impl Waiting {
    /// Whether another thread named this one a deadlock's victim (see [`woke`](Self::woke)).
    #[inline]
    pub(crate) fn is_victim(&self) -> bool {
        self.recorded && record::with_me(record::ThreadDiag::is_victim).unwrap_or(false)
    }

    /// Whether the wait is recorded (and so counted in the parking lot's census).
    #[inline]
    pub(crate) fn recorded(&self) -> bool {
        self.recorded
    }

    /// Called once the thread is queued to sleep (the door's `before_sleep`, where it must
    /// not park): whether every thread of the process is now asleep for good, a deadlock not
    /// reported yet. Then the door wakes this thread to report it ([`reporting`](Self::reporting)).
    #[inline]
    pub(crate) fn fell_asleep(&self) -> bool {
        self.recorded && self.forever && record::with_me(asleep::check).unwrap_or(false)
    }

    /// After a park that ended by being woken: whether this thread woke itself because every
    /// thread was asleep. If so, this reports it by the deadlock policy (panicking or
    /// aborting as it says) and, with `Report`, the door parks the thread again.
    #[inline]
    pub(crate) fn reporting(&self) -> bool {
        if self.recorded && record::with_me(record::ThreadDiag::take_asleep).unwrap_or(false) {
            asleep::report();
            return true;
        }
        false
    }

    /// After the park: a thread another thread named as a deadlock's victim (the `Panic`
    /// policy) panics here, with the report, instead of waiting again.
    #[inline]
    pub(crate) fn woke(self) {
        if self.recorded {
            if let Some(report) = record::with_me(record::ThreadDiag::take_victim).flatten() {
                drop(self);
                std::panic::panic_any(report);
            }
        }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if self.recorded {
            record::with_me(|me| me.set_wait(None));
        }
    }
}

/// The door calls this before a thread parks: record the wait, and look for the deadlock it
/// may close.
#[inline]
pub(crate) fn waiting(
    kind: Kind,
    object: usize,
    deadline: Option<Instant>,
    stoppable: bool,
    site: Site,
) -> Waiting {
    if !recording() || kind == Kind::Internal {
        return Waiting {
            recorded: false,
            forever: false,
        };
    }
    waiting_slow(kind, object, deadline, stoppable, site)
}

#[cold]
fn waiting_slow(
    kind: Kind,
    object: usize,
    deadline: Option<Instant>,
    stoppable: bool,
    site: Site,
) -> Waiting {
    let record = WaitRecord {
        kind,
        object,
        site,
        since: Instant::now(),
        deadline,
        // A wait that a stop ends is not stuck once the stop is requested.
        stop: if stoppable {
            crate::stop::current_token()
        } else {
            None
        },
    };
    let recorded = record::with_me(|me| me.set_wait(Some(record.clone()))).is_some();
    // Made before the check, so a panicking policy still clears the record.
    let guard = Waiting {
        recorded,
        forever: deadline.is_none(),
    };
    if recorded {
        record::with_me(|me| deadlock::check(me, &record));
    }
    guard
}
