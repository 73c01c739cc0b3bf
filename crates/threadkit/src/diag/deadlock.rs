//! Deadlocks found when they form: the thread that is about to close a cycle of waits sees it.
//!
//! A thread about to park with no deadline on a lock (or a thread join) follows the chain:
//! the object's holder, what that holder waits on, that object's holder… Every other link is
//! a thread already parked, so if the chain returns to this thread, nobody in it can ever
//! move: a deadlock, complete at this instant. A chain that ends (a running holder, a timed
//! wait, an object without a holder) or loops without this thread (a cycle some other thread
//! closed, and reported) is not reported here. Before reporting, each record read is checked
//! to be unchanged (its generation), so a thread that was just woken is not mistaken for a
//! waiter.
//!
//! A `Lock` has no owner: Python lets any thread release it, and its pipelines rely on that
//! (a producer waits on a lock it acquired until the consumer releases it). So a cycle
//! through a `Lock` is reported only when every other live thread waits forever to join a
//! thread: then nobody is left to release it. (A wait on anything else may end, and a
//! waiting thread's record lags behind its wake-up, so it could release the lock.) Cycles through `RLock`s, `Mutex`es and joins are reported
//! as they form.

use super::record::{self, Kind, Site, ThreadDiag, WaitRecord};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

/// What happens when a deadlock is found ([`set_deadlock_policy`]).
///
/// ```
/// use threadkit::{set_deadlock_policy, DeadlockPolicy};
/// let previous = set_deadlock_policy(DeadlockPolicy::Panic);
/// assert_eq!(previous, DeadlockPolicy::Report);
/// set_deadlock_policy(previous);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeadlockPolicy {
    /// Print the report on stderr and let the threads wait (they cannot do anything else).
    /// The default.
    Report = 0,
    /// Panic in the thread that closed the cycle, with the report as the message: it does
    /// not get the lock, so a test fails instead of hanging.
    Panic = 1,
    /// Print the report and abort the process.
    Abort = 2,
}

static POLICY: AtomicU8 = AtomicU8::new(0);

/// Sets what happens when a deadlock is found, for the whole process; returns the policy it
/// replaces. Deadlocks are only found while diagnostics record
/// ([`set_diagnostics`](crate::set_diagnostics)).
///
/// ```
/// use std::sync::Arc;
/// use threadkit::{set_deadlock_policy, set_diagnostics, DeadlockPolicy, Lock};
///
/// set_diagnostics(true);
/// let previous = set_deadlock_policy(DeadlockPolicy::Panic);
/// let lock = Lock::new();
/// lock.acquire();
/// let second = std::panic::catch_unwind(|| lock.acquire()); // Python would hang here
/// let report = second.unwrap_err();
/// let text = report.downcast_ref::<String>().unwrap();
/// assert!(text.contains("which it already holds"), "{text}");
/// lock.release().unwrap();
/// set_deadlock_policy(previous);
/// ```
pub fn set_deadlock_policy(policy: DeadlockPolicy) -> DeadlockPolicy {
    decode(POLICY.swap(policy as u8, Ordering::Relaxed))
}

pub(super) fn policy() -> DeadlockPolicy {
    decode(POLICY.load(Ordering::Relaxed))
}

fn decode(code: u8) -> DeadlockPolicy {
    match code {
        1 => DeadlockPolicy::Panic,
        2 => DeadlockPolicy::Abort,
        _ => DeadlockPolicy::Report,
    }
}

/// One link of the chain: `waiter` waits on `record.object`, held by `holder`.
struct Link {
    waiter: u64,
    record: WaitRecord,
    holder: u64,
    /// Where the holder acquired the lock (none for a join).
    held_at: Option<Site>,
}

/// Cycles already reported, as their sorted (thread, object) pairs.
static REPORTED: Mutex<Vec<Vec<(u64, usize)>>> = Mutex::new(Vec::new());

/// Threads in a chain at most (a longer one is not followed).
const MAX_CHAIN: usize = 1024;

/// Called by the door with the calling thread's fresh wait record.
pub(super) fn check(me: &ThreadDiag, record: &WaitRecord) {
    if !record.forever() || !record.kind.has_holder() {
        return;
    }
    let threads = record::all();
    let mut links = Vec::new();
    let mut read: Vec<(&ThreadDiag, u64)> = Vec::new();
    let (mut waiter, mut waiting) = (me.ident, record.clone());
    for _ in 0..MAX_CHAIN {
        let (holder, held_at) = match waiting.kind {
            Kind::Join(thread) => (thread, None),
            _ => match record::holder_of(&threads, waiting.object) {
                Some((t, held)) => (t.ident, Some(held.site)),
                None => return,
            },
        };
        links.push(Link {
            waiter,
            record: waiting,
            holder,
            held_at,
        });
        if let Some(start) = links.iter().position(|l| l.waiter == holder) {
            // A cycle: closed by this thread (it starts the chain), or one without it, which
            // its closer reported, unless it goes through a `Lock` another thread could
            // release then: this thread waiting forever too may have been the last one.
            let cycle = &links[start..];
            let unchanged = read
                .iter()
                .all(|(t, generation)| t.generation() == *generation);
            let deadlocked = if through_a_lock(cycle) {
                nobody_else_can_release(cycle)
            } else {
                start == 0
            };
            if unchanged && deadlocked {
                found(cycle, me.ident);
            }
            return;
        }
        let Some(t) = threads.iter().find(|t| t.ident == holder) else {
            return;
        };
        let (Some(next), generation) = t.wait() else {
            return; // the holder is running
        };
        // A timed wait gives up, a stopped one is ending: neither is stuck.
        if !next.forever() || !next.kind.has_holder() {
            return;
        }
        read.push((t, generation));
        (waiter, waiting) = (holder, next);
    }
}

/// Whether the cycle waits on a `Lock`, which any thread may release (Python allows it: a
/// pipeline's producer waits on a lock it acquired until the consumer releases it).
fn through_a_lock(links: &[Link]) -> bool {
    links.iter().any(|l| l.record.kind == Kind::Lock)
}

/// Whether every other live thread waits forever to join a thread: then nobody can release a
/// `Lock` of the cycle, and it is a deadlock (the seeds' Lock acquired twice; two locks taken
/// in opposite orders while `main` joins the two threads). The others' records must stay
/// unchanged over a short pause (only taken when everything else looks stuck).
fn nobody_else_can_release(links: &[Link]) -> bool {
    let stuck = || -> Option<Vec<(Arc<ThreadDiag>, u64)>> {
        let records = record::all();
        let mut seen = Vec::new();
        for ident in crate::thread::enumerate()
            .iter()
            .filter_map(crate::ThreadHandle::ident)
            .filter(|ident| !links.iter().any(|l| l.waiter == *ident))
        {
            let t = records.iter().find(|t| t.ident == ident)?;
            let (Some(wait), generation) = t.wait() else {
                return None; // running
            };
            // Only a thread waiting to join (forever) is sure not to release a `Lock`: any
            // other wait may end (records lag behind wake-ups), and a pipeline's consumer,
            // waiting on its own lock, is about to release the producer's.
            if !wait.forever() || !matches!(wait.kind, Kind::Join(_)) {
                return None;
            }
            seen.push((Arc::clone(t), generation));
        }
        Some(seen)
    };
    let Some(before) = stuck() else {
        return false;
    };
    std::thread::sleep(SETTLE);
    // The cycle's own waiters too: a record lags behind its thread's wake-up (by a stop, say),
    // and the pause gives the woken thread time to clear it.
    let records = record::all();
    let cycle_still = links.iter().all(|l| {
        records
            .iter()
            .find(|t| t.ident == l.waiter)
            .is_some_and(|t| {
                let (now, _) = t.wait();
                now.is_some_and(|w| {
                    w.object == l.record.object && w.since == l.record.since && w.forever()
                })
            })
    });
    cycle_still
        && before
            .iter()
            .all(|(t, generation)| t.generation() == *generation)
        && stuck().is_some()
}

/// How long the other threads' records must stay unchanged before a cycle through a `Lock`
/// is called a deadlock.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(2);

/// Reports the cycle `links` once; `me` is the thread that found it (in the cycle or not).
fn found(links: &[Link], me: u64) {
    let mut key: Vec<(u64, usize)> = links.iter().map(|l| (l.waiter, l.record.object)).collect();
    key.sort_unstable();
    {
        let mut reported = record::lock(&REPORTED);
        if reported.contains(&key) {
            return;
        }
        reported.push(key);
    }
    let report = describe(links);
    super::asleep::cycle_reported();
    match policy() {
        DeadlockPolicy::Report => eprint!("{report}"),
        DeadlockPolicy::Panic if links.iter().any(|l| l.waiter == me) => {
            std::panic::panic_any(report)
        }
        // Found from outside the cycle (only for a cycle through a `Lock`): a thread waiting
        // on a lock panics, woken by the door. Not a joiner: waking an event's waiters would
        // tell them the thread finished.
        DeadlockPolicy::Panic => {
            let Some(victim) = links
                .iter()
                .find(|l| matches!(l.record.kind, Kind::Lock | Kind::RLock | Kind::Mutex))
            else {
                eprint!("{report}");
                return;
            };
            if let Some(t) = record::all().into_iter().find(|t| t.ident == victim.waiter) {
                t.make_victim(report);
                // A lock's waiters park on the lock's own key, which is its identity here (a
                // condition's waiters park on nodes of their own: never victims).
                crate::wait::unpark_all(victim.record.object);
            }
        }
        DeadlockPolicy::Abort => {
            eprint!("{report}");
            std::process::abort();
        }
    }
}

/// A thread's name for reports: `"Thread-2" (ident 3)`.
pub(super) fn thread_name(ident: u64) -> String {
    crate::thread::enumerate()
        .into_iter()
        .find(|h| h.ident() == Some(ident))
        .map_or_else(
            || format!("thread ident {ident}"),
            |h| format!("{:?} (ident {ident})", h.name()),
        )
}

/// The primitive a record waits on: `Lock 0x7f3a…`, or the thread joined.
pub(super) fn object_name(kind: Kind, object: usize) -> String {
    match kind {
        Kind::Join(ident) => format!("thread {}", thread_name(ident)),
        kind => match super::names::name_of(object) {
            Some(name) => format!("{kind} {name:?}"),
            None => format!("{kind} {object:#x}"),
        },
    }
}

fn describe(links: &[Link]) -> String {
    let mut text = String::from("threadkit: deadlock found: ");
    if let [only] = links {
        if only.holder == only.waiter {
            let _ = writeln!(
                text,
                "thread {} waits {} {} at {}, which it already holds (acquired at {}); a {} is \
                 not reentrant, Python would hang here forever (an RLock may be acquired again \
                 by its owner)",
                thread_name(only.waiter),
                only.record.kind.verb(),
                object_name(only.record.kind, only.record.object),
                only.record.site,
                only.held_at
                    .map_or_else(|| "?".to_owned(), ToString::to_string),
                only.record.kind,
            );
            return text;
        }
    }
    let _ = writeln!(
        text,
        "{} threads wait for each other, forever:",
        links.len()
    );
    for link in links {
        let _ = write!(
            text,
            "  thread {} waits {} {} at {}",
            thread_name(link.waiter),
            link.record.kind.verb(),
            object_name(link.record.kind, link.record.object),
            link.record.site,
        );
        match link.held_at {
            Some(site) => {
                let _ = writeln!(
                    text,
                    ",\n    held by thread {} (acquired at {site})",
                    thread_name(link.holder)
                );
            }
            None => text.push('\n'),
        }
    }
    text
}
