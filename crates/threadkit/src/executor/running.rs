//! Which scope's task each worker runs now, so that a scope's stop reaches its running tasks
//! without a registration per task.
//!
//! # Design
//!
//! A task of an executor scope runs with its worker's task token, and the scope's stop (its
//! first failure, [`TaskScope::stop`](super::TaskScope::stop), its caller's stop) must stop
//! that token while the task runs. Registering a stop callback on the scope's token per task
//! costs a lock shared by every worker, an allocation and a reference count bounced between
//! them: a fifth of a trivial task's time. Instead each worker has a slot, on its own cache
//! line, naming the scope whose task it runs; the scope registers one callback for its whole
//! life, which looks through the pool's workers for its tasks.
//!
//! The protocol (a loom model below checks it):
//!
//! - the worker **enters** a task by storing the scope's key in its slot, then reads the
//!   scope's stop flag (it ends the task unrun if set); it **leaves** by clearing the slot
//!   under the slot's lock;
//! - the stopper sets the scope's flag, then, for each worker, reads the slot under its lock
//!   and stops the worker's task token if the slot holds the scope's key.
//!
//! A sequentially consistent fence stands between the worker's store and its read, and between
//! the stopper's flag and its read, so one of them sees the other: a task that began before the flag was seen by
//! its worker is stopped through its token. The lock makes the stopper's read and its stop one
//! step for the worker, which leaves under it and then finds its token stopped (and takes a
//! fresh one) before the next task: a stop never lands on a later task. Keys are numbers from
//! one counter, not reused (within `usize::MAX` scopes), so a late stopper of an ended scope finds nothing.
//!
//! A task that does not run on a worker of its scope's pool (the caller-runs policy), runs
//! inside another task on the same worker, or runs while the thread has another token than
//! the worker's task token ([`StopToken::run`]), has no slot of its own: it links its stop
//! the general way, a callback on the scope's token, which stops the thread's token.

use crate::diag::Kind;
use crate::facade::{fence, AtomicUsize, Ordering};
use crate::sync::Lock;
use crate::StopToken;
use std::cell::{Cell, UnsafeCell};

/// A worker's slot: the scope whose task it runs, and its task token.
pub(crate) struct Running {
    /// The pool the worker belongs to (its address, as a number).
    pool: usize,
    /// The key of the scope whose task the worker runs now; `0` between tasks.
    scope: AtomicUsize,
    /// Held to leave a task, to replace the token, and by a stopper to read and stop.
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
    /// The slot of a worker of `pool` (its address).
    pub(crate) fn new(pool: usize) -> Self {
        Running {
            pool,
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

    /// Marks the worker as running a task of `scope`; `false` if it runs one already (a task
    /// inside a task).
    fn enter(&self, scope: usize) -> bool {
        if self.scope.load(Ordering::Relaxed) != 0 {
            return false;
        }
        self.scope.store(scope, Ordering::Relaxed);
        // Orders the store before the caller's read of the scope's flag (see the design note).
        fence(Ordering::SeqCst);
        true
    }

    /// The task entered has ended (returned, panicked, or never started).
    fn leave(&self) {
        self.lock.acquire_as(Kind::Internal);
        self.scope.store(0, Ordering::Relaxed);
        let _ = self.lock.release();
    }

    /// Runs `stop` under the slot's lock if the worker runs a task of `scope` now.
    fn if_running(&self, scope: usize, stop: impl FnOnce(&Self)) {
        self.lock.acquire_as(Kind::Internal);
        // Orders the caller's setting of the scope's flag before this read.
        fence(Ordering::SeqCst);
        if self.scope.load(Ordering::Relaxed) == scope {
            stop(self);
        }
        let _ = self.lock.release();
    }

    /// A stopper of `scope`: marks the worker's task token stopped if the worker runs one of
    /// its tasks now, and returns it for [`StopToken::finish_stop`] (called by the caller
    /// outside every lock: it runs callbacks).
    pub(crate) fn stop_if_running(&self, scope: usize) -> Option<StopToken> {
        let mut marked = None;
        self.if_running(scope, |slot| {
            // SAFETY: under the lock (`if_running` holds it).
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

/// A task of `scope` marked running on this thread's worker slot, until dropped.
pub(crate) struct Entered(*const Running);

impl Drop for Entered {
    fn drop(&mut self) {
        // SAFETY: the slot outlives its worker's tasks (the worker's loop owns it, and the
        // slot is uninstalled only after the loop).
        unsafe { &*self.0 }.leave();
    }
}

/// Marks a task of `scope` (of the pool at `pool`) running on this thread, if it is a worker
/// of that pool, with its task token, not already inside a task; `None` otherwise (the task links its stop the
/// general way). The caller reads the scope's stop flag after this.
pub(crate) fn enter(pool: usize, scope: usize) -> Option<Entered> {
    let slot = SLOT.try_with(Cell::get).ok()?;
    // SAFETY: a non-null slot is this thread's worker's, installed for the worker's life.
    let running = unsafe { slot.as_ref() }?;
    (running.pool == pool && running.runs_with_its_token() && running.enter(scope))
        .then(|| Entered(slot))
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// This thread as a worker of pool 7 with `slot` (of pool 7) installed: its task token.
    /// The slot stays the caller's and is not moved after it is installed (the thread-local
    /// pointer to it must stay valid; moving a `Box` would invalidate it under Miri).
    fn worker(slot: &Running) -> (StopToken, Installed) {
        let token = StopToken::new();
        slot.set_token(token.clone());
        (token, slot.install())
    }

    #[test]
    fn a_stop_reaches_the_running_task_of_its_scope_only() {
        let slot = Running::new(7);
        let (token, _installed) = worker(&slot);
        token.run(|| {
            assert!(enter(8, 1).is_none(), "a worker of another pool");
            let entered = enter(7, 1).expect("a worker of this pool");
            assert!(enter(7, 2).is_none(), "inside a task");
            assert!(slot.stop_if_running(2).is_none(), "another scope");
            let marked = slot.stop_if_running(1).expect("its task");
            marked.finish_stop();
            assert!(token.is_stopped());
            drop(entered);
        });
        slot.set_token(StopToken::new());
        assert!(slot.stop_if_running(1).is_none(), "the task has left");
    }

    #[test]
    fn a_task_run_with_another_token_takes_no_slot() {
        let slot = Running::new(7);
        let (token, _installed) = worker(&slot);
        // A thread with no token of its own, or one lent by `StopToken::run`: the slot's stop
        // would stop the worker's token, which the task does not heed.
        assert!(enter(7, 1).is_none(), "no token");
        StopToken::new().run(|| assert!(enter(7, 1).is_none(), "a lent token"));
        token.run(|| assert!(enter(7, 1).is_some(), "the worker's task token"));
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

    /// A worker enters a task of scope 1 and, unless it saw the scope stopped, waits for its
    /// token to stop (a task blocked until the stop); a stopper sets the scope's flag and
    /// stops the token of a worker it finds running scope 1. A stop the worker missed and the
    /// stopper did not deliver hangs the model. Then the worker leaves, clears a stopped
    /// token, and runs a task of scope 2: the late stopper must not stop it.
    #[test]
    fn loom_running_slot_a_stop_reaches_the_running_task_only() {
        loom::model(|| {
            let slot = Arc::new(Running::new(1));
            let scope_stopped = Arc::new(AtomicBool::new(false));
            let token_stopped = Arc::new(AtomicBool::new(false));
            let stopper = {
                let (slot, scope_stopped, token_stopped) =
                    (slot.clone(), scope_stopped.clone(), token_stopped.clone());
                loom::thread::spawn(move || {
                    scope_stopped.store(true, Ordering::SeqCst);
                    slot.if_running(1, |_| token_stopped.store(true, Ordering::SeqCst));
                })
            };
            assert!(slot.enter(1));
            if !scope_stopped.load(Ordering::SeqCst) {
                while !token_stopped.load(Ordering::SeqCst) {
                    loom::thread::yield_now();
                }
            }
            slot.leave();
            // The worker takes a fresh token once its own was stopped (under the lock, as
            // `set_token`).
            slot.lock.acquire_as(Kind::Internal);
            token_stopped.store(false, Ordering::SeqCst);
            let _ = slot.lock.release();
            assert!(slot.enter(2));
            stopper.join().unwrap();
            assert!(
                !token_stopped.load(Ordering::SeqCst),
                "a stop of scope 1 landed on a task of scope 2"
            );
            slot.leave();
        });
    }
}
