//! A FIFO of waiters, each woken through a flag of its own: how `Condition` and `Condvar` wait.
//!
//! # Design
//!
//! A condition's waiter must be queued before it releases the lock, and then wait. Queued in
//! the parking lot under one key (a [`WaitQueue`](super::WaitQueue)), it can only wait by
//! sleeping: every wait costs a sleep and a wake-up (tens of microseconds on a busy VM) even
//! when the notify comes a microsecond later, and the woken thread usually finds the lock still
//! held by its notifier and sleeps a second time on the lock.
//!
//! Here each waiter brings a node of its own (a flag, shared with the list while it is queued):
//! it is queued in a plain FIFO under a small internal lock, releases the caller's lock, spins
//! briefly on its flag, and only then parks, on the flag's address. A notifier takes the oldest
//! nodes out of the list and swaps each flag to `NOTIFIED`; only a waiter that had announced it
//! was parking (`PARKING`) costs it a call into the parking lot. So a notify that comes while
//! the waiter spins wakes it without any system call, and the woken waiter takes the lock as its
//! notifier releases it (the lock's own spinning), instead of sleeping on it.
//!
//! The flag's three states, and who moves them:
//! - `WAITING` → `PARKING`: the waiter, before it parks (its park's `validate` re-checks
//!   `PARKING` under the queue lock, so a notify in between is never lost);
//! - anything → `NOTIFIED`: a notifier, once per node, after taking the node out of the list
//!   (so each node is notified at most once, and a notify wakes exactly the nodes it took).
//!
//! A waiter that timed out or was stopped takes its node out of the list itself. If a notifier
//! had taken it first, the notification is this waiter's: a timed-out wait reports it was
//! notified (nothing is lost); a stopped one hands it on to the next waiter.
//!
//! The node is an `Arc`: a notifier may still hold it after its waiter left, and a stale
//! unpark of the node's address can then only reach a thread parked on that node. A thread
//! reuses its node for its next wait only once nobody else holds it (so about one allocation
//! per thread, not per wait); a stray wake-up of a reused node is a spurious wake-up, which the
//! waiter's loop absorbs (it returns only on `NOTIFIED`, a deadline or a stop).
//!
//! A wait that unwinds (a deadlock report raised in its park) takes its node out of the list,
//! or passes on the notification a notifier had already given it; its caller takes its lock
//! back before the unwind goes on (see `Condition`, `Condvar`).

use super::Wake;
use crate::diag::Kind;
use crate::facade::{AtomicUsize, Instant, Ordering};
use crate::sync::Mutex;
use std::collections::VecDeque;
use std::sync::Arc;

/// The waiter is queued and may be spinning.
const WAITING: usize = 0;
/// The waiter is about to park, or parked: a notifier must unpark it.
const PARKING: usize = 1;
/// A notifier took the node out of the list: the waiter is released.
const NOTIFIED: usize = 2;

/// One waiter's flag.
struct Node {
    state: AtomicUsize,
}

impl Node {
    /// A node for a new wait: the thread's spare one if nobody else holds it any more.
    fn take() -> Arc<Node> {
        #[cfg(not(loom))]
        if let Some(mut node) = SPARE.try_with(std::cell::Cell::take).ok().flatten() {
            // `get_mut` proves the last notifier's `Arc` is gone with acquire ordering, so its
            // swap to `NOTIFIED` happened before this reset (a relaxed count would not order it).
            if Arc::get_mut(&mut node).is_some() {
                node.state.store(WAITING, Ordering::Relaxed);
                return node;
            }
        }
        Arc::new(Node {
            state: AtomicUsize::new(WAITING),
        })
    }

    /// Keeps the node for the thread's next wait.
    fn put_back(node: Arc<Node>) {
        #[cfg(not(loom))]
        let _ = SPARE.try_with(|spare| spare.set(Some(node)));
        #[cfg(loom)]
        drop(node);
    }

    fn key(&self) -> usize {
        super::key_of(&self.state)
    }

    /// Releases the waiter: one swap, and an unpark only if it announced it parks.
    fn notify(&self) {
        if self.state.swap(NOTIFIED, Ordering::AcqRel) == PARKING {
            super::unpark_one(self.key(), |_| {});
        }
    }
}

#[cfg(not(loom))]
std::thread_local! {
    /// The thread's node from its last wait, for its next one.
    static SPARE: std::cell::Cell<Option<Arc<Node>>> = const { std::cell::Cell::new(None) };
}

/// A FIFO of waiters, notified oldest first (see the module).
pub(crate) struct WaitList {
    /// Nodes queued and not yet notified; changed only with `nodes` locked, read without it
    /// by a notifier that finds nobody to notify.
    queued: AtomicUsize,
    nodes: Mutex<VecDeque<Arc<Node>>>,
}

impl WaitList {
    const_fn! {
        pub(crate) const fn new() -> Self {
            WaitList {
                queued: AtomicUsize::new(0),
                nodes: Mutex::new_internal(VecDeque::new()),
            }
        }
    }

    /// Its identity in the diagnostics.
    pub(crate) fn key(&self) -> usize {
        super::key_of(&self.queued)
    }

    /// Waiters queued and not yet notified (a snapshot).
    pub(crate) fn waiting(&self) -> usize {
        self.queued.load(Ordering::SeqCst)
    }

    /// Queues the calling thread, runs `release` (the caller's lock: a notifier that takes it
    /// afterwards finds this thread queued), then waits until notified ([`Wake::Unparked`]),
    /// `deadline` ([`Wake::TimedOut`]) or, if `stoppable`, the thread's stop
    /// ([`Wake::Stopped`]). `release` runs exactly once, on every path.
    #[track_caller]
    pub(crate) fn wait(
        &self,
        kind: Kind,
        stoppable: bool,
        release: impl FnOnce(),
        deadline: Option<Instant>,
    ) -> Wake {
        let node = Node::take();
        {
            let mut nodes = self.nodes.lock();
            nodes.push_back(Arc::clone(&node));
            self.queued.fetch_add(1, Ordering::SeqCst);
        }
        // Taken out of the list again if the wait unwinds (a deadlock report in the park).
        let queued = Queued {
            list: self,
            node: &node,
        };
        release();
        let wake = self.wait_for_flag(kind, stoppable, &node, deadline);
        std::mem::forget(queued);
        let wake = match wake {
            Wake::Unparked => Wake::Unparked,
            // A notifier that took the node first has notified this thread: a timed-out wait
            // was notified after all; a stopped one passes the notification on.
            ended => match (self.dequeue(&node), ended) {
                (true, _) => ended,
                (false, Wake::Stopped) => {
                    self.wake_n(1);
                    Wake::Stopped
                }
                (false, _) => Wake::Unparked,
            },
        };
        Node::put_back(node);
        wake
    }

    /// Spins, then parks, until the node is notified, the deadline passes or a stop.
    #[track_caller]
    fn wait_for_flag(
        &self,
        kind: Kind,
        stoppable: bool,
        node: &Node,
        deadline: Option<Instant>,
    ) -> Wake {
        let mut spin = super::SpinWait::new();
        let mut spinning = true;
        loop {
            let state = node.state.load(Ordering::Acquire);
            if state == NOTIFIED {
                return Wake::Unparked;
            }
            // A wait whose deadline has passed (even while it spins) goes to the park, which
            // says so at once.
            if spinning && !super::expired(deadline) && spin.spin() {
                continue;
            }
            spinning = false;
            if state == WAITING
                && node
                    .state
                    .compare_exchange(WAITING, PARKING, Ordering::Relaxed, Ordering::Acquire)
                    .is_err()
            {
                continue; // notified meanwhile
            }
            let validate = || node.state.load(Ordering::Relaxed) == PARKING;
            match super::park_for(kind, self.key(), node.key(), stoppable, validate, deadline) {
                // Notified, or a stray wake-up of a reused node: the flag says which.
                Wake::Unparked | Wake::Invalid => {}
                ended => {
                    // Notified just as the park ended: notified it is.
                    if node.state.load(Ordering::Acquire) == NOTIFIED {
                        return Wake::Unparked;
                    }
                    return ended;
                }
            }
        }
    }

    /// Takes the node out of the list if it is still there; `false` if a notifier took it.
    fn dequeue(&self, node: &Arc<Node>) -> bool {
        let mut nodes = self.nodes.lock();
        // Newest first: a waiter that gives up is most often one of the last queued.
        let Some(at) = nodes.iter().rposition(|queued| Arc::ptr_eq(queued, node)) else {
            return false;
        };
        nodes.remove(at);
        self.queued.fetch_sub(1, Ordering::SeqCst);
        true
    }

    /// Notifies up to `n` waiters, oldest first; returns how many.
    pub(crate) fn wake_n(&self, n: usize) -> usize {
        if n == 0 || self.waiting() == 0 {
            return 0;
        }
        let mut nodes = self.nodes.lock();
        if n == 1 {
            let Some(node) = nodes.pop_front() else {
                return 0;
            };
            self.queued.fetch_sub(1, Ordering::SeqCst);
            drop(nodes);
            node.notify();
            return 1;
        }
        // Drained, not swapped out: the list keeps its buffer for the next waiters.
        let n = n.min(nodes.len());
        let taken: Vec<Arc<Node>> = nodes.drain(..n).collect();
        self.queued.fetch_sub(taken.len(), Ordering::SeqCst);
        drop(nodes);
        for node in &taken {
            node.notify();
        }
        taken.len()
    }

    /// Notifies one waiter, if any; `true` if one was.
    pub(crate) fn wake_one(&self) -> bool {
        self.wake_n(1) == 1
    }

    /// Notifies every waiter; returns how many.
    pub(crate) fn wake_all(&self) -> usize {
        self.wake_n(usize::MAX)
    }
}

/// A dropped list leaves the diagnostics' names (one relaxed load unless a name was given).
impl Drop for WaitList {
    #[inline]
    fn drop(&mut self) {
        crate::diag::dropped(self.key());
    }
}

impl std::fmt::Debug for WaitList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitList")
            .field("waiting", &self.waiting())
            .finish()
    }
}

/// A queued node, taken out of the list if its wait unwinds (a deadlock report in the park).
struct Queued<'a> {
    list: &'a WaitList,
    node: &'a Arc<Node>,
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        // A notifier took it first: the notification goes on to the next waiter, as a
        // stopped wait's does.
        if !self.list.dequeue(self.node) {
            self.list.wake_n(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facade::{AtomicBool, Duration};

    #[test]
    fn a_notify_releases_the_oldest_waiter_and_nobody_else() {
        let list = Arc::new(WaitList::new());
        let queued = Arc::new(AtomicUsize::new(0));
        let waiters: Vec<_> = (0..3)
            .map(|i| {
                let (l, q) = (Arc::clone(&list), Arc::clone(&queued));
                // Queued one after the other: waiter i is the i-th oldest.
                while queued.load(Ordering::SeqCst) != i {
                    std::thread::yield_now();
                }
                let waiter = std::thread::spawn(move || {
                    l.wait(
                        Kind::Condvar,
                        false,
                        || {
                            q.fetch_add(1, Ordering::SeqCst);
                        },
                        None,
                    )
                });
                while queued.load(Ordering::SeqCst) != i + 1 {
                    std::thread::yield_now();
                }
                waiter
            })
            .collect();
        assert_eq!(list.waiting(), 3);
        assert_eq!(list.wake_n(1), 1);
        let mut waiters = waiters.into_iter();
        assert_eq!(waiters.next().unwrap().join().unwrap(), Wake::Unparked);
        assert_eq!(list.waiting(), 2);
        assert_eq!(list.wake_all(), 2);
        for waiter in waiters {
            assert_eq!(waiter.join().unwrap(), Wake::Unparked);
        }
        assert_eq!(list.wake_all(), 0);
    }

    #[test]
    fn a_timed_out_waiter_leaves_the_list() {
        let list = WaitList::new();
        let released = AtomicBool::new(false);
        let deadline = super::super::deadline_after(Duration::from_millis(5));
        let wake = list.wait(
            Kind::Condvar,
            false,
            || released.store(true, Ordering::SeqCst),
            deadline,
        );
        assert_eq!(wake, Wake::TimedOut);
        assert!(released.load(Ordering::SeqCst));
        assert_eq!(list.waiting(), 0);
        assert!(!list.wake_one());
    }

    #[test]
    fn a_stopped_waiter_leaves_the_list() {
        let list = Arc::new(WaitList::new());
        let queued = Arc::new(AtomicBool::new(false));
        let (l, q) = (Arc::clone(&list), Arc::clone(&queued));
        let waiter = crate::Thread::spawn(move || {
            let wake = l.wait(
                Kind::Condvar,
                true,
                || q.store(true, Ordering::SeqCst),
                None,
            );
            assert_eq!(wake, Wake::Stopped);
        });
        while !queued.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
        waiter.request_stop();
        waiter.join().expect("the wait returned Stopped");
        assert_eq!(list.waiting(), 0);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::facade::AtomicBool;
    use loom::sync::Arc;

    /// Queues a waiter (on `list`, forever or with a deadline that passes at once) and says so
    /// in `queued` as its lock release would.
    fn waiter(
        list: &Arc<WaitList>,
        queued: &Arc<AtomicBool>,
        deadline: Option<Instant>,
    ) -> loom::thread::JoinHandle<Wake> {
        let (list, queued) = (list.clone(), queued.clone());
        loom::thread::spawn(move || {
            list.wait(
                Kind::Condvar,
                false,
                || queued.store(true, Ordering::SeqCst),
                deadline,
            )
        })
    }

    /// A notify made once the waiter is queued (its lock released) always releases it,
    /// whether it is spinning, about to park or parked (loom reports a lost one as a
    /// deadlock).
    #[test]
    fn loom_wait_list_never_loses_a_notify() {
        loom::model(|| {
            let list = Arc::new(WaitList::new());
            let queued = Arc::new(AtomicBool::new(false));
            let waiter = waiter(&list, &queued, None);
            while !queued.load(Ordering::SeqCst) {
                loom::thread::yield_now();
            }
            assert!(list.wake_one());
            assert_eq!(waiter.join().unwrap(), Wake::Unparked);
            assert_eq!(list.waiting(), 0);
        });
    }

    /// A waiter whose deadline passes as a notify takes it: the notify counts it as woken
    /// exactly when the waiter reports it was notified, and the list ends empty.
    #[test]
    fn loom_wait_list_timeout_racing_a_notify_loses_nothing() {
        loom::model(|| {
            let list = Arc::new(WaitList::new());
            let queued = Arc::new(AtomicBool::new(false));
            let waiter = waiter(&list, &queued, Some(Instant::now()));
            while !queued.load(Ordering::SeqCst) {
                loom::thread::yield_now();
            }
            let woke = list.wake_one();
            let wake = waiter.join().unwrap();
            assert_eq!(woke, wake == Wake::Unparked, "{wake:?}");
            assert_eq!(list.waiting(), 0);
        });
    }
}
