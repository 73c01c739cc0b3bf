//! A task in the pool's queue: held in the queue's slot itself when it is small, behind a
//! pointer otherwise.
//!
//! # Design
//!
//! A task with a future is a shared cell (`task`): the future and the queue each hold an
//! `Arc` to it, and that `Arc` is what the queue holds: the cell's concrete `Arc`, one word,
//! so running it is one indirect call (the table's), not a trait object's two. A task nobody
//! waits on by a handle (an executor scope's [`spawn`](crate::TaskScope::spawn)) needs no
//! cell: it is its closure and its scope's bookkeeping, owned by whoever holds it. Allocating it anyway cost the submitter
//! most of its time per task (an `executor-scope` profile: half the submitter's samples in
//! `malloc`, which reads each chunk a worker freed on its own core: a cache miss per task), so
//! such a task is written into the queue's slot when it fits [`WORDS`] words (a closure of two
//! words beside its scope's pointer), and boxed only when it does not. The price is a larger
//! slot (32 bytes, where a trait object's `Arc` took 16), paid by every task of the pool.
//!
//! [`Queued`] is that slot's content: the task's bytes and a table of the three ways it ends
//! (run, cancelled, abandoned by a broken pool) plus its drop, made for its type by
//! [`Queued::new`]. Each way moves the task out of the slot into a local of the function it
//! calls ([`Runnable`]), never into an argument: a scope's job counts itself out of its scope
//! when dropped, after which the scope may free what the job's closure borrowed, and a
//! reference inside a by-value argument is asserted live until that call returns (Miri checks
//! it).

use crate::StopToken;
use std::mem::{ManuallyDrop, MaybeUninit};
use std::sync::Arc;

/// How many words a task may take to be held in place.
const WORDS: usize = 3;

/// A task the pool's queue can hold: how it runs, is cancelled, or is abandoned. Each takes
/// the task out of where it is held, into a local (see the module: never an argument).
///
/// # Safety
///
/// Implementations must consume `*this` exactly once (read it out, or drop it in place): the
/// caller does not touch it again.
pub(crate) unsafe trait Runnable: Send + Sized {
    /// Runs it. `free` is called once its closure returned and before its outcome is seen
    /// (the pool marks the worker idle there); `stop` is the worker's stop token for it.
    ///
    /// # Safety
    ///
    /// `this` holds a valid task that nobody else uses; it is moved out.
    unsafe fn run(this: *mut Self, free: &dyn Fn(), stop: &StopToken);
    /// Cancels it if it has not started (`shutdown(cancel_futures)`).
    ///
    /// # Safety
    ///
    /// As [`run`](Self::run).
    unsafe fn cancel(this: *mut Self);
    /// Fails it as abandoned by a broken pool.
    ///
    /// # Safety
    ///
    /// As [`run`](Self::run).
    unsafe fn abandon(this: *mut Self, reason: &Arc<str>);
    /// The key of the executor scope whose task it is, `0` if none (the worker's slot names
    /// it while the task runs: see `running`).
    ///
    /// # Safety
    ///
    /// `this` holds a valid task that nobody else uses; it is only read.
    unsafe fn scope(_this: *const Self) -> usize {
        0
    }
}

/// A task too large to be held in place: the box is moved out, its task consumed in it, then
/// its memory freed.
// SAFETY: the box is moved out once and its task consumed once (by `T`'s method).
unsafe impl<T: Runnable> Runnable for Box<T> {
    unsafe fn run(this: *mut Self, free: &dyn Fn(), stop: &StopToken) {
        // SAFETY: the caller's contract, passed on to `T`.
        unsafe { consume_boxed(this, |task| T::run(task, free, stop)) }
    }

    unsafe fn cancel(this: *mut Self) {
        // SAFETY: as in `run`.
        unsafe { consume_boxed(this, |task| T::cancel(task)) }
    }

    unsafe fn abandon(this: *mut Self, reason: &Arc<str>) {
        // SAFETY: as in `run`.
        unsafe { consume_boxed(this, |task| T::abandon(task, reason)) }
    }

    unsafe fn scope(this: *const Self) -> usize {
        // SAFETY: the caller's contract: `this` holds a valid box, so its task is valid.
        unsafe { T::scope(&raw const **this) }
    }
}

/// Moves the box out of `this`, lets `consume` consume its task, then frees its memory (also
/// if `consume` unwinds).
///
/// # Safety
///
/// As [`Runnable::run`] for `this`; `consume` must consume the task it is given.
unsafe fn consume_boxed<T>(this: *mut Box<T>, consume: impl FnOnce(*mut T)) {
    // SAFETY: the caller's contract: `this` holds a box nobody else uses.
    let raw = Box::into_raw(unsafe { this.read() });
    let _memory = FreeOnDrop(raw);
    consume(raw);
}

/// Frees a box's memory, not its (consumed) content, when dropped.
struct FreeOnDrop<T>(*mut T);

impl<T> Drop for FreeOnDrop<T> {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `Box::into_raw` and nothing uses it any more (its
        // content was consumed); `MaybeUninit<T>` has `T`'s layout and drops nothing.
        drop(unsafe { Box::from_raw(self.0.cast::<MaybeUninit<T>>()) });
    }
}

/// What a held task's type does, its type erased.
struct Table {
    run: unsafe fn(*mut Words, &dyn Fn(), &StopToken),
    cancel: unsafe fn(*mut Words),
    abandon: unsafe fn(*mut Words, &Arc<str>),
    drop: unsafe fn(*mut Words),
    scope: unsafe fn(*const Words) -> usize,
}

type Words = MaybeUninit<[usize; WORDS]>;

/// A task held in the queue (see the module).
pub(crate) struct Queued {
    words: Words,
    table: &'static Table,
}

// SAFETY: what `words` holds is a `Runnable`, which is `Send`; nothing else is shared.
unsafe impl Send for Queued {}

/// The table of `T`, held in place.
struct TableOf<T>(std::marker::PhantomData<T>);

impl<T: Runnable> TableOf<T> {
    // The words hold a `T` (made by `Queued::in_words`), consumed once by the caller.
    const TABLE: Table = Table {
        // SAFETY: as said above.
        run: |words, free, stop| unsafe { T::run(words.cast::<T>(), free, stop) },
        // SAFETY: as said above.
        cancel: |words| unsafe { T::cancel(words.cast::<T>()) },
        // SAFETY: as said above.
        abandon: |words, reason| unsafe { T::abandon(words.cast::<T>(), reason) },
        // SAFETY: as said above; dropped in place, never used again.
        drop: |words| unsafe { words.cast::<T>().drop_in_place() },
        // SAFETY: as said above; only read.
        scope: |words| unsafe { T::scope(words.cast::<T>()) },
    };
}

impl Queued {
    /// Holds `task`: in place if it fits, boxed otherwise.
    pub(crate) fn new<T: Runnable + 'static>(task: T) -> Self {
        // SAFETY: `T: 'static` borrows nothing.
        unsafe { Queued::new_borrowing(task) }
    }

    /// [`new`](Self::new) for a task that borrows: its lifetime is erased.
    ///
    /// # Safety
    ///
    /// The caller must keep everything `task` borrows alive until it was consumed or dropped
    /// (an executor scope's job counts itself out then, and its scope waits for that).
    pub(crate) unsafe fn new_borrowing<T: Runnable>(task: T) -> Self {
        if fits::<T>() {
            Queued::in_words(task)
        } else {
            Queued::in_words(Box::new(task))
        }
    }

    /// Writes `task` into the words.
    fn in_words<T: Runnable>(task: T) -> Self {
        assert!(fits::<T>(), "a task in place fits its words");
        let mut words = Words::uninit();
        // SAFETY: `T` fits the words, size and alignment (asserted above, at compile time in
        // effect: the condition is a constant).
        unsafe { words.as_mut_ptr().cast::<T>().write(task) };
        Queued {
            words,
            table: &TableOf::<T>::TABLE,
        }
    }

    /// Whether a `T` is held in place (without a box).
    #[cfg(test)]
    pub(crate) fn in_place<T>() -> bool {
        fits::<T>()
    }

    /// Runs the task (see [`Runnable::run`]).
    pub(crate) fn run(self, free: &dyn Fn(), stop: &StopToken) {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: the words hold the table's task, consumed here once (`this` is not dropped).
        unsafe { (this.table.run)(&raw mut this.words, free, stop) }
    }

    /// The key of the executor scope whose task this is, `0` if none (see [`Runnable::scope`]).
    pub(crate) fn scope(&self) -> usize {
        // SAFETY: the words hold the table's task, not consumed; only read.
        unsafe { (self.table.scope)(&raw const self.words) }
    }

    /// Cancels the task if it has not started (see [`Runnable::cancel`]).
    pub(crate) fn cancel(self) {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: as in `run`.
        unsafe { (this.table.cancel)(&raw mut this.words) }
    }

    /// Fails the task as abandoned by a broken pool (see [`Runnable::abandon`]).
    pub(crate) fn abandon(self, reason: &Arc<str>) {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: as in `run`.
        unsafe { (this.table.abandon)(&raw mut this.words, reason) }
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        // SAFETY: the words hold the table's task, not consumed (the consuming methods do not
        // drop `self`).
        unsafe { (self.table.drop)(&raw mut self.words) }
    }
}

const fn fits<T>() -> bool {
    std::mem::size_of::<T>() <= std::mem::size_of::<Words>()
        && std::mem::align_of::<T>() <= std::mem::align_of::<Words>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts how each task ended, into `ends[0..4]`: run, cancelled, abandoned, dropped.
    struct Probe<const N: usize> {
        ends: Arc<[AtomicUsize; 4]>,
        _size: [u8; N],
    }

    // SAFETY: each method reads the probe out once.
    unsafe impl<const N: usize> Runnable for Probe<N> {
        unsafe fn run(this: *mut Self, free: &dyn Fn(), _stop: &StopToken) {
            // SAFETY: the caller's contract.
            let this = unsafe { this.read() };
            this.ends[0].fetch_add(1, Ordering::Relaxed);
            free();
        }

        unsafe fn cancel(this: *mut Self) {
            // SAFETY: the caller's contract.
            let this = unsafe { this.read() };
            this.ends[1].fetch_add(1, Ordering::Relaxed);
        }

        unsafe fn abandon(this: *mut Self, _reason: &Arc<str>) {
            // SAFETY: the caller's contract.
            let this = unsafe { this.read() };
            this.ends[2].fetch_add(1, Ordering::Relaxed);
        }
    }

    impl<const N: usize> Drop for Probe<N> {
        fn drop(&mut self) {
            self.ends[3].fetch_add(1, Ordering::Relaxed);
        }
    }

    fn ends_of<const N: usize>() -> [usize; 4] {
        let ends: Arc<[AtomicUsize; 4]> = Arc::new(Default::default());
        let probe = || Probe::<N> {
            ends: Arc::clone(&ends),
            _size: [0; N],
        };
        let freed = AtomicUsize::new(0);
        Queued::new(probe()).run(
            &|| {
                freed.fetch_add(1, Ordering::Relaxed);
            },
            &crate::stop_token(),
        );
        Queued::new(probe()).cancel();
        Queued::new(probe()).abandon(&Arc::from("broken"));
        drop(Queued::new(probe()));
        assert_eq!(freed.load(Ordering::Relaxed), 1);
        ends.each_ref().map(|e| e.load(Ordering::Relaxed))
    }

    #[test]
    fn each_task_ends_once_the_way_it_was_ended_in_place_or_boxed() {
        assert!(Queued::in_place::<Probe<8>>());
        assert!(!Queued::in_place::<Probe<64>>());
        // Every task is dropped once, whichever way it ended.
        assert_eq!(ends_of::<8>(), [1, 1, 1, 4]);
        assert_eq!(ends_of::<64>(), [1, 1, 1, 4]);
    }

    #[test]
    fn a_none_takes_no_more_room_than_a_task() {
        assert_eq!(
            std::mem::size_of::<Option<Queued>>(),
            std::mem::size_of::<Queued>()
        );
    }
}
