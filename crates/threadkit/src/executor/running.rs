//! Which scope's tasks each worker runs, so that a scope's stop reaches its running tasks
//! without a registration per task.
//!
//! # Design
//!
//! A task of an executor scope runs with its worker's task token, and the scope's stop (its
//! first failure, [`TaskScope::stop`](super::TaskScope::stop), its caller's stop) must stop
//! that token while the task runs. Registering a stop callback on the scope's token per task
//! costs a lock shared by every worker, an allocation and a reference count bounced between
//! them: a fifth of a trivial task's time. Instead each worker has a slot, on its own cache
//! line, naming the scope whose tasks it runs; the scope registers one callback for its whole
//! life, which looks through the pool's workers for its tasks.
//!
//! The slot is **sticky**: the worker's loop sets it before a task whose scope is not the one
//! it names, and leaves it as it is between tasks of one scope, so a run of a scope's tasks
//! (the common case: a scope submits many) pays for the slot once, not a fence and a lock per
//! task (`executor-scope` 0.87 x the per-task version in 20 interleaved runs). The protocol
//! (loom models below check it):
//!
//! - before each task, the worker's loop **switches** the slot to the task's scope (`0`: a task
//!   of none) if it names another: it **leaves** the old scope by clearing the slot under the
//!   slot's lock, takes a fresh task token if its own was stopped, then **enters** the new
//!   scope by storing its key. The task reads its scope's stop flag after that store (it ends
//!   unrun if set);
//! - the stopper sets the scope's flag, then, for each worker, reads the slot under its lock
//!   and stops the worker's task token if the slot names the scope.
//!
//! A sequentially consistent fence stands between the worker's store and every later read of
//! the flag, and between the stopper's flag and its read, so one of them sees the other: a task
//! that began before the flag was seen by its worker is stopped through its token. A stop that
//! lands between two tasks of the scope, or while the worker idles, stops the token the next
//! of them runs with (or its flag ends it unrun). The lock makes the stopper's read and its
//! stop one step for the worker, which leaves under it and then finds its token stopped (and
//! takes a fresh one) before a task of another scope or of none: a stop never lands on a task
//! the loop runs for another scope or for none. (A task run inline inside a task of the scope
//! shares its token, and so its stop, as before; and the token lives on from task to task
//! until a stop lands on it, so a token derived from it by an earlier task, a child or a
//! scope's, is stopped with it while the slot names the scope, also while the worker idles.)
//! Keys are numbers from one counter, not reused (within `usize::MAX` scopes; on a 32-bit
//! target one may come back after the counter wraps, while an idle worker still names it: the
//! worker replaces a token stopped that way before a task of another scope), so a late stopper
//! of an ended scope finds nothing, or the slot of an idle worker that still names it, whose
//! token the worker replaces before its next task.
//!
//! Only the worker's loop writes the slot, so a task run inside another task on the same
//! worker (the caller-runs policy) finds the slot naming the outer task's scope: if that is
//! its own scope too, the outer task's stop is its stop; otherwise, and when it runs on a
//! thread that is no worker, or while the thread has another token than the worker's task
//! token ([`StopToken::run`]), it links its stop the general way, a callback on the scope's
//! token, which stops the thread's token.

use crate::diag::Kind;
use crate::facade::{fence, AtomicUsize, Ordering};
use crate::sync::Lock;
use crate::StopToken;
use std::cell::{Cell, UnsafeCell};

/// A worker's slot: the scope whose tasks it runs, and its task token.
pub(crate) struct Running {
    /// The key of the scope whose tasks the worker runs; `0`: none. Written by the worker's
    /// loop only (see the module).
    scope: AtomicUsize,
    /// Held to leave a scope, to replace the token, and by a stopper to read and stop.
    lock: Lock,
    /// The worker's task token, written by the worker under `lock`.
    token: UnsafeCell<Option<StopToken>>,
}

// SAFETY: `token` is read and written only under `lock`; the rest is atomic.
unsafe impl Sync for Running {}

thread_local! {
    /// The slot of the worker this thread is, for the worker's life.
    static SLOT: Cell<*const Running> = const { Cell::new(std::ptr::null()) };
}

/// A number no other scope of the last `usize::MAX` has had, never `0` (an idle slot's: on a
/// 32-bit target the counter may wrap).
pub(crate) fn scope_key() -> usize {
    const_static! {
        static NEXT: AtomicUsize = AtomicUsize::new(1);
    }
    loop {
        let key = NEXT.fetch_add(1, Ordering::Relaxed);
        if key != 0 {
            return key;
        }
    }
}

impl Running {
    /// A worker's slot, naming no scope.
    pub(crate) fn new() -> Self {
        Running {
            scope: AtomicUsize::new(0),
            lock: Lock::new(),
            token: UnsafeCell::new(None),
        }
    }

    /// The worker's task token is now `token` (its first, or a fresh one after a stop): called
    /// by the worker between tasks.
    pub(crate) fn set_token(&self, token: StopToken) {
        self.lock.acquire_as(Kind::Internal);
        // SAFETY: under the lock.
        let old = unsafe { (*self.token.get()).replace(token) };
        let _ = self.lock.release();
        drop(old);
    }

    /// Makes this the calling thread's slot until the returned guard is dropped: the worker's
    /// thread, for its life.
    pub(crate) fn install(&self) -> Installed {
        SLOT.with(|s| s.set(std::ptr::from_ref(self)));
        Installed(())
    }

    /// Whether the calling thread, the worker's, runs with the worker's task token (not one
    /// lent by [`StopToken::run`], which the slot's stop would miss).
    fn runs_with_its_token(&self) -> bool {
        // SAFETY: only the worker's thread, the caller, writes the token; a stopper's read
        // under the lock is a read too.
        let token = unsafe { &*self.token.get() };
        token.as_ref().is_some_and(crate::stop::is_current)
    }

    /// The worker's loop is about to run a task of `scope` (`0`: of none): the slot names it
    /// after this. If it named another scope, `renew` is called after leaving that one and
    /// before entering this one (the worker replaces its token there if a stop landed on it).
    pub(crate) fn switch_to(&self, scope: usize, renew: impl FnOnce()) {
        let named = self.scope.load(Ordering::Relaxed);
        if named == scope {
            return;
        }
        if named != 0 {
            self.lock.acquire_as(Kind::Internal);
            self.scope.store(0, Ordering::Relaxed);
            let _ = self.lock.release();
            renew();
        }
        if scope != 0 {
            self.scope.store(scope, Ordering::Relaxed);
            // Orders the store before the tasks' reads of the scope's flag (see the module).
            fence(Ordering::SeqCst);
        }
    }

    /// Runs `stop` under the slot's lock if the slot names `scope` now (the worker runs its
    /// tasks, or idles after one).
    fn if_named(&self, scope: usize, stop: impl FnOnce(&Self)) {
        self.lock.acquire_as(Kind::Internal);
        // Orders the caller's setting of the scope's flag before this read.
        fence(Ordering::SeqCst);
        if self.scope.load(Ordering::Relaxed) == scope {
            stop(self);
        }
        let _ = self.lock.release();
    }

    /// A stopper of `scope`: marks the worker's task token stopped if the slot names `scope`,
    /// and returns it for [`StopToken::finish_stop`] (called by the caller outside every lock:
    /// it runs callbacks).
    pub(crate) fn stop_if_named(&self, scope: usize) -> Option<StopToken> {
        let mut marked = None;
        self.if_named(scope, |slot| {
            // SAFETY: under the lock (`if_named` holds it).
            let token = unsafe { (*slot.token.get()).clone() };
            marked = token.filter(StopToken::mark_stopped);
        });
        marked
    }
}

/// The calling thread is a worker until this is dropped.
pub(crate) struct Installed(());

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = SLOT.try_with(|s| s.set(std::ptr::null()));
    }
}

/// Whether this thread is a worker whose slot names `scope` and runs with its task token: a
/// task of `scope` running here is then stopped through the slot (see the module). The caller
/// reads the scope's stop flag after this.
pub(crate) fn names(scope: usize) -> bool {
    let Ok(slot) = SLOT.try_with(Cell::get) else {
        return false;
    };
    // SAFETY: a non-null slot is this thread's worker's, installed for the worker's life.
    let Some(running) = (unsafe { slot.as_ref() }) else {
        return false;
    };
    // Only this thread writes the slot: its own last store.
    running.scope.load(Ordering::Relaxed) == scope && running.runs_with_its_token()
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// This thread as a worker with `slot` installed: its task token. The slot stays the
    /// caller's and is not moved after it is installed (the thread-local pointer to it must
    /// stay valid; moving a `Box` would invalidate it under Miri).
    fn worker(slot: &Running) -> (StopToken, Installed) {
        let token = StopToken::new();
        slot.set_token(token.clone());
        (token, slot.install())
    }

    #[test]
    fn a_stop_reaches_the_tasks_of_its_scope_only() {
        let slot = Running::new();
        let (token, _installed) = worker(&slot);
        token.run(|| {
            slot.switch_to(1, || panic!("no scope to leave"));
            assert!(names(1), "its scope's task");
            assert!(!names(2), "a task of another scope, inside");
            assert!(slot.stop_if_named(2).is_none(), "another scope");
            let marked = slot.stop_if_named(1).expect("its task");
            marked.finish_stop();
            assert!(token.is_stopped());
        });
        // A task of no scope next: the worker leaves scope 1, then replaces its stopped token.
        let mut renewed = false;
        slot.switch_to(0, || {
            renewed = true;
            slot.set_token(StopToken::new());
        });
        assert!(renewed);
        assert!(slot.stop_if_named(1).is_none(), "the worker has left");
    }

    #[test]
    fn the_slot_stays_between_tasks_of_one_scope() {
        let slot = Running::new();
        let (token, _installed) = worker(&slot);
        slot.switch_to(1, || panic!("no scope to leave"));
        slot.switch_to(1, || panic!("still scope 1: nothing to leave"));
        token.run(|| assert!(names(1)));
        let mut renewed = 0;
        slot.switch_to(2, || renewed += 1);
        slot.switch_to(2, || renewed += 1);
        assert_eq!(renewed, 1, "left scope 1 once");
        token.run(|| assert!(names(2) && !names(1)));
    }

    #[test]
    fn a_task_run_with_another_token_takes_no_slot() {
        let slot = Running::new();
        let (token, _installed) = worker(&slot);
        slot.switch_to(1, || {});
        // A thread with no token of its own, or one lent by `StopToken::run`: the slot's stop
        // would stop the worker's token, which the task does not heed.
        assert!(!names(1), "no token");
        StopToken::new().run(|| assert!(!names(1), "a lent token"));
        token.run(|| assert!(names(1), "the worker's task token"));
    }

    #[test]
    fn keys_are_never_reused() {
        let (a, b) = (scope_key(), scope_key());
        assert!(a != 0 && b != 0 && a != b);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::facade::AtomicBool;
    use loom::sync::Arc;

    /// The worker's task tokens, as the stopper and the worker see them: which one is the
    /// slot's (replaced under the slot's lock, as `set_token` does), and which were stopped.
    struct Tokens {
        current: AtomicUsize,
        stopped: [AtomicBool; 2],
    }

    impl Tokens {
        fn current_stopped(&self) -> bool {
            self.stopped[self.current.load(Ordering::SeqCst)].load(Ordering::SeqCst)
        }
    }

    /// A stopper sets scope 1's flag and stops the token of a worker whose slot names scope 1.
    /// The worker runs `tasks` tasks of scope 1, each of which, unless it saw the scope
    /// stopped, waits for its token to stop (a task blocked until the stop): a stop the worker
    /// missed and the stopper did not deliver hangs the model. Then the worker runs a task of
    /// `next` (another scope, or none): it leaves scope 1 and, as its loop does, replaces its
    /// token if it finds it stopped; the late stopper must not stop the token that task runs
    /// with.
    fn stop_reaches_its_scope_only(tasks: usize, next: usize) {
        loom::model(move || {
            let slot = Arc::new(Running::new());
            let scope_stopped = Arc::new(AtomicBool::new(false));
            let tokens = Arc::new(Tokens {
                current: AtomicUsize::new(0),
                stopped: [AtomicBool::new(false), AtomicBool::new(false)],
            });
            let stopper = {
                let (slot, scope_stopped, tokens) =
                    (slot.clone(), scope_stopped.clone(), tokens.clone());
                loom::thread::spawn(move || {
                    scope_stopped.store(true, Ordering::SeqCst);
                    slot.if_named(1, |_| {
                        let token = tokens.current.load(Ordering::SeqCst);
                        tokens.stopped[token].store(true, Ordering::SeqCst);
                    });
                })
            };
            for _ in 0..tasks {
                slot.switch_to(1, || panic!("no other scope named"));
                if !scope_stopped.load(Ordering::SeqCst) {
                    while !tokens.current_stopped() {
                        loom::thread::yield_now();
                    }
                }
            }
            slot.switch_to(next, || {
                if tokens.current_stopped() {
                    slot.lock.acquire_as(Kind::Internal);
                    tokens.current.store(1, Ordering::SeqCst);
                    let _ = slot.lock.release();
                }
            });
            stopper.join().unwrap();
            assert!(
                !tokens.current_stopped(),
                "a stop of scope 1 landed on a task not of scope 1"
            );
        });
    }

    #[test]
    fn loom_running_slot_a_stop_reaches_the_running_task_only() {
        stop_reaches_its_scope_only(1, 2);
    }

    /// The slot stays named between two tasks of the scope; the stop may land between them.
    #[test]
    fn loom_running_slot_stays_between_tasks_of_one_scope() {
        stop_reaches_its_scope_only(2, 0);
    }
}
