//! Lock-order checking (Linux's lockdep, for threadkit's locks): an inversion reported the
//! first time it happens, even if the threads never deadlock.
//!
//! # Design
//!
//! Two threads deadlock on locks only if they take them in opposite orders. So instead of
//! waiting for the bad timing, record the orders: when a thread is about to block on lock B
//! while it holds A, the graph gains the edge A → B (with both call sites and the thread). If
//! B already reaches A through earlier edges, some thread once took them the other way: the
//! new edge closes a cycle, and the inversion is reported by the deadlock policy (before the
//! acquire, so a `Panic` leaves the lock as it was), naming every edge of the cycle with its
//! call sites. Each edge is added once, so an inversion is reported once.
//!
//! Only acquires that may block forever add edges: a try-acquire cannot deadlock, and a timed
//! acquire gives up (both are how code backs off from a lock-order conflict on purpose). Locks
//! are told apart by address, as everywhere in the diagnostics; a dropped lock leaves the graph
//! (its `Drop` tells this module), so a new lock at the same address starts clean.
//!
//! Off by default: the check takes a global lock on every acquire made while another lock is
//! held. On with [`set_lock_order_checking`] or `THREADKIT_LOCK_ORDER=1` (both turn the
//! diagnostics on: the check reads their held-lock records).

use super::deadlock::{object_name, policy, thread_name, DeadlockPolicy};
use super::record::{self, Held, Kind, Site, ThreadDiag};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

/// Checking now.
static ON: AtomicBool = AtomicBool::new(false);
/// The graph may hold edges (set by the first edge, never cleared): a dropped lock must leave it.
static USED: AtomicBool = AtomicBool::new(false);

/// One observed order: `to` was acquired (by `thread`, at `to_site`) while `from` was held
/// (acquired at `from_site`).
#[derive(Clone)]
struct Edge {
    from: (Kind, usize),
    to: (Kind, usize),
    from_site: Site,
    to_site: Site,
    /// The thread, named when the edge was taken (it may be gone by the report).
    thread: String,
}

#[derive(Default)]
struct Graph {
    /// Edges by their `from` lock.
    out: HashMap<usize, Vec<Edge>>,
    /// The `from` locks of the edges into a lock.
    into: HashMap<usize, Vec<usize>>,
}

static GRAPH: Mutex<Option<Graph>> = Mutex::new(None);

/// Bumped when a lock with edges leaves the graph: the threads' caches of known orders are
/// then stale.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Orders at most cached per thread.
const KNOWN_CAP: usize = 64;

thread_local! {
    /// Orders this thread knows the graph has (`from`, `to`), and the graph's generation then:
    /// a repeated nested acquire skips the global lock.
    static KNOWN: RefCell<(u64, Vec<(usize, usize)>)> = const { RefCell::new((0, Vec::new())) };
}

/// Turns lock-order checking on or off for the whole process (on: the diagnostics too, see
/// [`set_diagnostics`](crate::set_diagnostics)). Off by default; `THREADKIT_LOCK_ORDER=1` turns
/// it on when the first threadkit thread starts. An inversion is reported by the deadlock
/// policy ([`set_deadlock_policy`](crate::set_deadlock_policy)).
///
/// ```
/// use threadkit::{set_deadlock_policy, set_lock_order_checking, DeadlockPolicy, Lock};
///
/// set_lock_order_checking(true);
/// let previous = set_deadlock_policy(DeadlockPolicy::Panic);
/// let (accounts, audit) = (Lock::new(), Lock::new());
/// {
///     let _a = accounts.guard();
///     let _b = audit.guard(); // accounts, then audit
/// }
/// let _b = audit.guard();
/// // audit, then accounts: no deadlock today (one thread), but two threads could
/// let report = std::panic::catch_unwind(|| accounts.acquire()).unwrap_err();
/// let text = report.downcast_ref::<String>().unwrap();
/// assert!(text.contains("lock order inversion"), "{text}");
/// set_deadlock_policy(previous);
/// set_lock_order_checking(false);
/// ```
pub fn set_lock_order_checking(on: bool) {
    if on {
        super::set_diagnostics(true);
    }
    ON.store(on, Ordering::Relaxed);
}

/// Whether lock-order checking is on (see [`set_lock_order_checking`]).
///
/// ```
/// assert!(!threadkit::lock_order_checking_enabled());
/// ```
#[must_use]
pub fn lock_order_checking_enabled() -> bool {
    ON.load(Ordering::Relaxed) && super::recording()
}

/// The environment turned it on (`THREADKIT_LOCK_ORDER=1`).
pub(super) fn enable_from_environment() {
    if matches!(
        std::env::var("THREADKIT_LOCK_ORDER").as_deref(),
        Ok("1" | "on" | "true")
    ) {
        set_lock_order_checking(true);
    }
}

/// Whether checking is on now: one relaxed load, on a recorded blocking acquire.
#[inline]
pub(super) fn on() -> bool {
    ON.load(Ordering::Relaxed)
}

/// `me` is about to block on `lock` (acquired at `site`): add the orders it makes with the
/// locks `me` holds, and report the inversion a new one closes.
pub(super) fn acquiring(me: &ThreadDiag, lock: (Kind, usize), site: Site) {
    let generation = GENERATION.load(Ordering::Acquire);
    let known = KNOWN
        .try_with(|known| {
            let mut known = known.borrow_mut();
            if known.0 != generation {
                *known = (generation, Vec::new());
            }
            me.held_iter()
                .all(|h| h.object == lock.1 || known.1.contains(&(h.object, lock.1)))
        })
        .unwrap_or(false);
    if !known {
        add_orders(me, lock, site, generation);
    }
}

#[cold]
fn add_orders(me: &ThreadDiag, lock: (Kind, usize), site: Site, generation: u64) {
    let held = me.held();
    if held.iter().all(|h| h.object == lock.1) {
        return;
    }
    let _ = KNOWN.try_with(|known| {
        let mut known = known.borrow_mut();
        if known.0 == generation {
            if known.1.len() + held.len() > KNOWN_CAP {
                known.1.clear();
            }
            known.1.extend(
                held.iter()
                    .filter(|h| h.object != lock.1)
                    .map(|h| (h.object, lock.1)),
            );
        }
    });
    let mut inversions = Vec::new();
    {
        let mut graph = record::lock(&GRAPH);
        let graph = graph.get_or_insert_with(Graph::default);
        USED.store(true, Ordering::Relaxed);
        super::FORGET.store(true, Ordering::Relaxed);
        for h in held.iter().filter(|h| h.object != lock.1) {
            let Held { kind, object, .. } = *h;
            if graph
                .out
                .get(&object)
                .is_some_and(|edges| edges.iter().any(|e| e.to.1 == lock.1))
            {
                continue;
            }
            let edge = Edge {
                from: (kind, object),
                to: lock,
                from_site: h.site,
                to_site: site,
                thread: thread_name(me.ident),
            };
            if let Some(path) = graph.path(lock.1, object) {
                inversions.push((edge.clone(), path));
            }
            graph.out.entry(object).or_default().push(edge);
            graph.into.entry(lock.1).or_default().push(object);
        }
    }
    for (edge, path) in inversions {
        report(&describe(&edge, &path));
    }
}

impl Graph {
    /// The edges of a path from lock `start` to lock `goal`, if there is one (breadth-first,
    /// so the shortest: the report stays short).
    fn path(&self, start: usize, goal: usize) -> Option<Vec<Edge>> {
        let mut came_by: HashMap<usize, Edge> = HashMap::new();
        let mut frontier = vec![start];
        while !frontier.is_empty() {
            let mut next = Vec::new();
            for at in frontier {
                for e in self.out.get(&at).into_iter().flatten() {
                    if e.to.1 == start || came_by.contains_key(&e.to.1) {
                        continue;
                    }
                    came_by.insert(e.to.1, e.clone());
                    if e.to.1 == goal {
                        let mut path = vec![e.clone()];
                        let mut back = e.from.1;
                        while back != start {
                            let e = came_by[&back].clone();
                            back = e.from.1;
                            path.push(e);
                        }
                        path.reverse();
                        return Some(path);
                    }
                    next.push(e.to.1);
                }
            }
            frontier = next;
        }
        None
    }

    fn forget(&mut self, lock: usize) {
        if !self.out.contains_key(&lock) && !self.into.contains_key(&lock) {
            return;
        }
        GENERATION.fetch_add(1, Ordering::Release);
        for from in self.into.remove(&lock).unwrap_or_default() {
            if let Some(edges) = self.out.get_mut(&from) {
                edges.retain(|e| e.to.1 != lock);
            }
        }
        for e in self.out.remove(&lock).unwrap_or_default() {
            if let Some(froms) = self.into.get_mut(&e.to.1) {
                froms.retain(|f| *f != lock);
            }
        }
    }
}

/// A lock at `key` is dropped: it leaves the graph.
pub(super) fn forget(key: usize) {
    if USED.load(Ordering::Relaxed) {
        if let Some(graph) = record::lock(&GRAPH).as_mut() {
            graph.forget(key);
        }
    }
}

/// The report of `edge` (just taken), which closes a cycle with `path` (taken before).
fn describe(edge: &Edge, path: &[Edge]) -> String {
    let step = |text: &mut String, e: &Edge, verb: &str| {
        let _ = writeln!(
            text,
            "    thread {} {verb} {} at {}\n      while holding {} (acquired at {})",
            e.thread,
            object_name(e.to.0, e.to.1),
            e.to_site,
            object_name(e.from.0, e.from.1),
            e.from_site,
        );
    };
    let mut text = String::from(
        "threadkit: lock order inversion (a possible deadlock, found before it happens):\n  \
         now:\n",
    );
    step(&mut text, edge, "acquires");
    text.push_str("  before:\n");
    for e in path {
        step(&mut text, e, "acquired");
    }
    text.push_str(
        "  Threads taking these locks in these orders at the same time can deadlock: take them \
         in one order everywhere (or back off with try_acquire / a timeout).\n",
    );
    text
}

fn report(text: &str) {
    match policy() {
        DeadlockPolicy::Report => eprint!("{text}"),
        DeadlockPolicy::Panic => std::panic::panic_any(text.to_owned()),
        DeadlockPolicy::Abort => {
            eprint!("{text}");
            std::process::abort();
        }
    }
}
