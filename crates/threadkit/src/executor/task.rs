//! A submitted task: its closure and its future's state in one allocation.
//!
//! `package` makes two handles to one `TaskCell`: the task handle that goes into the pool's
//! queue (exactly one exists; running, cancelling or abandoning consumes it) and the
//! [`Future`] the submitter keeps. Only the task handle touches the closure, so the closure
//! needs no synchronization; the outcome goes through the [`FutureState`].
//!
//! The queue holds the task handle as the cell's concrete `Arc` (a [`Runnable`]), not as a
//! trait object: running it is one indirect call (the queue item's table), not two.

use super::error::FutureError;
use super::future::Future;
use super::queued::{Queued, Runnable};
use super::scope;
use super::state::FutureState;
use crate::panic;
use crate::sync::Lock;
use crate::StopToken;
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Arc;

/// The future's view of a task cell (it does not know the closure's type).
pub(crate) trait Slot<T>: Send + Sync {
    fn state(&self) -> &FutureState<T>;
    /// Stops the running task (its stop token); `false` if it is not running.
    fn stop_running(&self) -> bool {
        false
    }
}

/// What a task cell runs: a closure ([`Once`]), or an executor scope's job, which must outlive
/// its call (its `Drop` counts it out of its scope, and the scope may then free what the
/// closure borrowed): the cell calls it in place and drops it after the call returned.
pub(crate) trait Work<T>: Send {
    /// Runs the work; called once.
    fn work(&mut self) -> T;
    /// The key of the executor scope whose work this is, `0` if none (see `running`).
    fn scope(&self) -> usize {
        0
    }
}

/// A closure, called once.
pub(crate) struct Once<F>(Option<F>);

impl<T, F: FnOnce() -> T + Send> Work<T> for Once<F> {
    fn work(&mut self) -> T {
        (self.0.take().expect("a task runs once"))()
    }
}

struct TaskCell<T, W> {
    state: FutureState<T>,
    /// Touched only through the one task handle (or in `drop`).
    closure: UnsafeCell<Option<W>>,
    /// While the task runs: its worker's task token (a local of the worker's loop, which
    /// outlives every task), so `request_stop` can stop it. Set with a plain store; cleared,
    /// and read by `request_stop`, under `running_lock`.
    running: AtomicPtr<StopToken>,
    running_lock: Lock,
}

// SAFETY: the closure cell is only accessed through the unique task handle, which one thread
// at a time holds (it moves through the queue), or by `drop`; `W: Send` lets it move there.
// The state is `Send + Sync` for `T: Send` (see `FutureState`).
unsafe impl<T: Send, W: Send> Sync for TaskCell<T, W> {}
// SAFETY: as above.
unsafe impl<T: Send, W: Send> Send for TaskCell<T, W> {}

/// Packages `f`: the task for the queue and the future for the submitter.
pub(crate) fn package<T, F>(f: F) -> (Queued, Future<T>)
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let cell = cell(Once(Some(f)), FutureState::new());
    let future = Future::from_slot(Arc::clone(&cell) as Arc<dyn Slot<T>>);
    (Queued::new(cell), future)
}

/// [`package`] for work that borrows for `'a` (an executor scope's job): its lifetime is
/// erased from the two handles, so they fit the pool's `'static` queue. Its failure is marked
/// retrieved (the scope returns it).
///
/// # Safety
///
/// The caller must keep everything `work` borrows alive until it was dropped (which the task
/// handle does when it has run it, or when it is cancelled or abandoned). Once that happened
/// the cell's slot is empty, so a handle that lives on (a future) touches nothing borrowed.
pub(crate) unsafe fn package_borrowing<'a, T, W>(work: W) -> (Queued, Future<T>)
where
    T: Send + 'static,
    W: Work<T> + 'a,
{
    // The scope returns the failure: the future does not report it as unretrieved.
    let cell = cell(work, FutureState::new_retrieved());
    let slot: Arc<dyn Slot<T> + 'a> = Arc::clone(&cell) as Arc<dyn Slot<T> + 'a>;
    // SAFETY: only the trait object's lifetime bound changes (its layout does not depend on
    // it); the caller keeps what `work` borrows alive while `work` exists (see above), and
    // nothing else in the cell borrows.
    let slot = unsafe { std::mem::transmute::<Arc<dyn Slot<T> + 'a>, Arc<dyn Slot<T>>>(slot) };
    // SAFETY: as above: the task handle drops `work` when it is consumed or dropped.
    let task = unsafe { Queued::new_borrowing(cell) };
    (task, Future::from_slot(slot))
}

fn cell<T, W>(work: W, state: FutureState<T>) -> Arc<TaskCell<T, W>> {
    Arc::new(TaskCell {
        state,
        closure: UnsafeCell::new(Some(work)),
        running: AtomicPtr::new(std::ptr::null_mut()),
        running_lock: Lock::new(),
    })
}

impl<T, W> TaskCell<T, W>
where
    T: Send + 'static,
    W: Work<T>,
{
    /// Takes the work; called once, through the task handle.
    fn take_closure(&self) -> Option<W> {
        // SAFETY: only the unique task handle calls this (`run`, `cancel`, `abandon` consume
        // it), so no other reference to the cell's closure exists.
        unsafe { (*self.closure.get()).take() }
    }

    /// Publishes the outcome (this thread claimed it) and settles the callbacks if any. Called
    /// once the closure was taken.
    fn finish(self: &Arc<Self>, outcome: Result<T, FutureError>) {
        if self.state.publish(outcome) {
            let slot: Arc<dyn Slot<T> + '_> = Arc::clone(self) as Arc<dyn Slot<T> + '_>;
            // SAFETY: only the lifetime bound changes (see `package_borrowing`): the closure,
            // the one thing in the cell that may borrow, was taken before this is called, so
            // the callbacks' handle reaches nothing borrowed.
            let slot =
                unsafe { std::mem::transmute::<Arc<dyn Slot<T> + '_>, Arc<dyn Slot<T>>>(slot) };
            self.state.settle(&Future::from_slot(slot));
        }
    }

    /// Completes the future with `error` if it has not started; drops the closure after.
    fn fail(self: Arc<Self>, error: FutureError) {
        let closure = self.take_closure();
        if self.state.claim(false) {
            self.finish(Err(error));
        }
        let consuming = scope::Consuming::begin();
        drop_or_report(closure);
        drop(consuming);
        drop_or_report(self);
    }
}

impl<T, W> TaskCell<T, W>
where
    T: Send + 'static,
    W: Work<T>,
{
    /// Runs the closure unless the future was cancelled meanwhile, with `stop` as the
    /// thread's stop token (what the future's `request_stop` stops while it runs). `free` is
    /// called once the closure returned and before the outcome is published, so whoever sees
    /// the future done also sees what `free` did (the pool marks the worker idle there).
    fn run(self: Arc<Self>, free: &dyn Fn(), stop: &StopToken) {
        match self.take_closure() {
            Some(mut work) if self.state.claim(true) => {
                self.running
                    .store(std::ptr::from_ref(stop).cast_mut(), Ordering::Release);
                let outcome = panic::catch(|| work.work());
                // After the call returned (nothing borrowed is held across it: a scope's job
                // counts itself out here). Its closure is gone, so its drop runs no user code.
                drop(work);
                let outcome = outcome.map_err(|p| {
                    if p.is_stop() {
                        FutureError::Stopped
                    } else {
                        FutureError::Panicked(p)
                    }
                });
                // Taken back before the outcome is seen (and before the worker may replace
                // its token): a later `request_stop` finds nothing.
                self.running_lock.acquire_as(crate::diag::Kind::Internal);
                self.running.store(std::ptr::null_mut(), Ordering::Relaxed);
                let _ = self.running_lock.release();
                free();
                self.finish(outcome);
            }
            cancelled => {
                free();
                let consuming = scope::Consuming::begin();
                drop_or_report(cancelled);
                drop(consuming);
            }
        }
        // The last handle, if the future is gone: the value's `Drop` runs here.
        drop_or_report(self);
    }
}

// SAFETY: each method moves the `Arc` out once.
unsafe impl<T, W> Runnable for Arc<TaskCell<T, W>>
where
    T: Send + 'static,
    W: Work<T>,
{
    unsafe fn run(this: *mut Self, free: &dyn Fn(), stop: &StopToken) {
        // SAFETY: the caller's contract.
        TaskCell::run(unsafe { this.read() }, free, stop);
    }

    /// Cancels the future if the task has not started (`shutdown(cancel_futures)`).
    unsafe fn cancel(this: *mut Self) {
        // SAFETY: the caller's contract.
        unsafe { this.read() }.fail(FutureError::Cancelled);
    }

    /// Fails the future with a broken-pool error if the task has not started.
    unsafe fn abandon(this: *mut Self, reason: &Arc<str>) {
        // SAFETY: the caller's contract.
        unsafe { this.read() }.fail(FutureError::BrokenPool(Arc::clone(reason)));
    }

    unsafe fn scope(this: *const Self) -> usize {
        // SAFETY: the caller's contract: a valid handle, and the unique one, so the closure
        // cell is ours to read (see `take_closure`).
        let cell: &TaskCell<T, W> = unsafe { &*this };
        // SAFETY: as above.
        unsafe { (*cell.closure.get()).as_ref().map_or(0, Work::scope) }
    }
}

/// Drops `value` (a closure that will not run, or the last handle to a task whose value nobody
/// will read): its `Drop` is user code, and a panic there must neither kill the worker nor
/// stop a shutdown that is cancelling many tasks. It is reported through the excepthook, as
/// Python reports an exception raised in `__del__`, and the caller goes on.
fn drop_or_report<V>(value: V) {
    if let Err(p) = panic::catch(move || drop(value)) {
        crate::thread::report_uncaught(&p);
    }
}

impl<T: Send, W: Send> Slot<T> for TaskCell<T, W> {
    fn state(&self) -> &FutureState<T> {
        &self.state
    }

    fn stop_running(&self) -> bool {
        self.running_lock.acquire_as(crate::diag::Kind::Internal);
        let running = self.running.load(Ordering::Acquire);
        // SAFETY: a non-null pointer is the running task's worker token, a local of the
        // worker's loop that outlives the task; the worker clears it under this lock before
        // the task's end and before it replaces the token, so it is alive while held here.
        let token = unsafe { running.as_ref() }.cloned();
        // The flag under the lock: the worker, which clears the pointer under it, then sees
        // its token stopped and gives the next task a fresh one. The wake-ups and callbacks
        // outside it: a callback may call back into this future.
        let marked = token.as_ref().is_some_and(StopToken::mark_stopped);
        let _ = self.running_lock.release();
        if let (true, Some(token)) = (marked, &token) {
            token.finish_stop();
        }
        marked
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn run_delivers_the_value_and_drops_the_closure() {
        let token = Arc::new(());
        let t = Arc::clone(&token);
        let (task, future) = package(move || Arc::strong_count(&t));
        task.run(&|| (), &StopToken::new());
        assert_eq!(
            Arc::strong_count(&token),
            1,
            "closure dropped after running"
        );
        assert_eq!(future.into_result(), Ok(2));
    }

    #[test]
    fn cancelled_future_is_not_run() {
        let (task, future) = package(|| -> u8 { unreachable!("cancelled") });
        assert!(future.cancel());
        task.run(&|| (), &StopToken::new());
        assert_eq!(future.into_result(), Err(FutureError::Cancelled));
    }

    #[test]
    fn abandon_fails_a_pending_task_only() {
        let (task, future) = package(|| 1);
        task.abandon(&Arc::from("broken"));
        assert_eq!(
            future.into_result(),
            Err(FutureError::BrokenPool("broken".into()))
        );
        let (task, future) = package(|| 1);
        task.run(&|| (), &StopToken::new());
        let (again, _) = package(|| 2);
        again.cancel();
        assert_eq!(future.into_result(), Ok(1));
    }

    #[test]
    fn callbacks_run_once_in_order_across_threads() {
        let calls = Arc::new(AtomicUsize::new(0));
        let (task, future) = package(|| 3);
        let c = Arc::clone(&calls);
        future.add_done_callback(move |_| {
            c.fetch_add(1, Ordering::SeqCst);
        });
        let worker = std::thread::spawn(move || task.run(&|| (), &StopToken::new()));
        let c = Arc::clone(&calls);
        future.add_done_callback(move |f| {
            assert!(f.done());
            c.fetch_add(10, Ordering::SeqCst);
        });
        worker.join().unwrap();
        assert_eq!(future.into_result(), Ok(3));
        assert_eq!(calls.load(Ordering::SeqCst), 11);
    }

    #[test]
    fn cancel_races_run_with_one_outcome() {
        for _ in 0..20 {
            let ran = Arc::new(AtomicUsize::new(0));
            let r = Arc::clone(&ran);
            let (task, future) = package(move || r.fetch_add(1, Ordering::SeqCst));
            let worker = std::thread::spawn(move || task.run(&|| (), &StopToken::new()));
            let cancelled = future.cancel();
            worker.join().unwrap();
            match future.into_result() {
                Err(FutureError::Cancelled) => {
                    assert!(cancelled);
                    assert_eq!(ran.load(Ordering::SeqCst), 0);
                }
                Ok(_) => {
                    assert!(!cancelled);
                    assert_eq!(ran.load(Ordering::SeqCst), 1);
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn a_task_handle_is_held_in_the_queue_item_in_one_word() {
        type Cell = TaskCell<u8, Once<fn() -> u8>>;
        assert_eq!(
            std::mem::size_of::<Arc<Cell>>(),
            std::mem::size_of::<usize>()
        );
        assert!(Queued::in_place::<Arc<Cell>>());
    }
}
