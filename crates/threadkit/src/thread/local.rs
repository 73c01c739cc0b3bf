//! `Local<T>`: per-thread values, like Python's `threading.local`.
//!
//! Storage is `thread_local::ThreadLocal`, whose slots are indexed by a thread id that the
//! operating system's threads recycle. Each slot therefore also records the threadkit ident of
//! the thread that filled it (idents are never reused): a new thread that inherits a slot sees
//! a mismatch and starts from a fresh value. Values are only reached through closures, so no
//! reference outlives that check.
//!
//! A thread's values are dropped when it ends, as Python drops a thread's `local` attributes:
//! the first time a threadkit thread fills a slot, it lists the `Local` (weakly) in its own
//! end-of-thread list, which `Thread`'s runner empties after the closure returns and before
//! the thread counts as finished (so after `join`, its values are gone). On threads threadkit
//! did not start, a value is dropped when the `Local` is dropped or its slot is reused.
//!
//! While the initializer runs, the slot is marked as being filled: an initializer that reads
//! its own `Local` on the same thread gets a panic that says so (it would otherwise recurse
//! until the stack overflows, an abort).

use super::handle::Origin;
use super::registry::{self, current_ident};
use crate::panic;
use std::cell::RefCell;
use std::fmt;
use std::sync::{Arc, Weak};
use thread_local::ThreadLocal;

/// A thread's slot in one `Local`.
#[derive(Default)]
enum Slot<T> {
    #[default]
    Empty,
    /// The initializer is running on the thread with this ident.
    Filling(u64),
    /// The value of the thread with this ident (maybe a finished thread, on a reused slot).
    Filled(u64, T),
}

/// Empties a slot being filled if the initializer unwinds.
struct Unfill<'s, T>(&'s RefCell<Slot<T>>);

impl<T> Drop for Unfill<'_, T> {
    fn drop(&mut self) {
        self.0.replace(Slot::Empty);
    }
}

struct Shared<T: Send> {
    slots: ThreadLocal<RefCell<Slot<T>>>,
    init: Box<dyn Fn() -> T + Send + Sync>,
}

impl<T: Send> Shared<T> {
    /// Drops the calling thread's value, if it has one.
    fn clear_mine(&self) {
        let me = current_ident();
        if let Some(slot) = self.slots.get() {
            let mine = matches!(&*slot.borrow(), Slot::Filled(owner, _) if *owner == me);
            if mine {
                let value = slot.replace(Slot::Empty);
                drop(value);
            }
        }
    }
}

thread_local! {
    /// The `Local`s this (threadkit) thread filled: their values are dropped when it ends.
    static AT_END: RefCell<Vec<Weak<dyn ClearOnEnd>>> = const { RefCell::new(Vec::new()) };
}

/// A `Local` of any `T`, as the end-of-thread list sees it.
trait ClearOnEnd: Send + Sync {
    fn clear_mine(&self);
}

impl<T: Send> ClearOnEnd for Shared<T> {
    fn clear_mine(&self) {
        Shared::clear_mine(self);
    }
}

/// Drops every `Local` value of the calling thread; called by `Thread`'s runner at its end.
/// A value's `Drop` is user code: a panic there is reported through the excepthook, and the
/// other values are still dropped.
pub(crate) fn drop_thread_values() {
    loop {
        let listed = AT_END.with(|list| std::mem::take(&mut *list.borrow_mut()));
        if listed.is_empty() {
            return;
        }
        // A value's `Drop` may fill another `Local`: loop until the list stays empty.
        for local in listed.iter().filter_map(Weak::upgrade) {
            if let Err(p) = panic::catch(|| local.clear_mine()) {
                super::report_uncaught(&p);
            }
        }
    }
}

/// One value of `T` per thread, made on first use in each thread by an initializer
/// (Python: `threading.local`, whose subclass `__init__` runs once per thread).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use threadkit::{Local, Thread};
///
/// let calls = Arc::new(Local::new(|| 0));
/// calls.set(10);
/// let c = Arc::clone(&calls);
/// let t = Thread::spawn(move || {
///     c.with_mut(|n| *n += 1);
///     c.with(|n| *n)
/// });
/// assert_eq!(t.into_output().unwrap(), 1); // its own value, not 11
/// assert_eq!(calls.with(|n| *n), 10);
/// ```
pub struct Local<T: Send + 'static> {
    shared: Arc<Shared<T>>,
}

// Unwind safety: no poisoning (as in Python and parking_lot); a panic elsewhere cannot leave
// this `Local` (each value is only reached by its own thread) in a state its own methods would misread (issue 10, defect 14).
impl<T: Send + 'static> std::panic::UnwindSafe for Local<T> {}
impl<T: Send + 'static> std::panic::RefUnwindSafe for Local<T> {}

impl<T: Send + 'static> Local<T> {
    /// A per-thread value made by `init` on first use in each thread.
    ///
    /// ```
    /// let name = threadkit::Local::new(|| threadkit::current_thread().name());
    /// assert_eq!(name.with(Clone::clone), threadkit::current_thread().name());
    /// ```
    pub fn new(init: impl Fn() -> T + Send + Sync + 'static) -> Self {
        Local {
            shared: Arc::new(Shared {
                slots: ThreadLocal::new(),
                init: Box::new(init),
            }),
        }
    }

    /// Calls `f` with the calling thread's value, made first if this thread has none.
    ///
    /// # Panics
    ///
    /// If called from inside [`with_mut`](Self::with_mut) on the same `Local` and thread, or
    /// from inside this `Local`'s own initializer (which has no value to show yet).
    ///
    /// ```
    /// let v = threadkit::Local::new(|| 5);
    /// assert_eq!(v.with(|x| *x), 5);
    /// ```
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        let slot = self.slot();
        let value = slot.borrow();
        match &*value {
            Slot::Filled(_, value) => f(value),
            _ => unreachable!("`slot` fills the slot"),
        }
    }

    /// Calls `f` with mutable access to the calling thread's value.
    ///
    /// # Panics
    ///
    /// If called from inside [`with`](Self::with) or `with_mut` on the same `Local` and
    /// thread, or from inside this `Local`'s own initializer.
    ///
    /// ```
    /// let v = threadkit::Local::new(Vec::new);
    /// v.with_mut(|list| list.push(1));
    /// assert_eq!(v.with(|list| list.len()), 1);
    /// ```
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let slot = self.slot();
        let mut value = slot.borrow_mut();
        match &mut *value {
            Slot::Filled(_, value) => f(value),
            _ => unreachable!("`slot` fills the slot"),
        }
    }

    /// Replaces the calling thread's value (Python: `local.attr = value`).
    ///
    /// ```
    /// let v = threadkit::Local::new(|| 1);
    /// v.set(2);
    /// assert_eq!(v.with(|x| *x), 2);
    /// ```
    pub fn set(&self, value: T) {
        let me = current_ident();
        let slot = self.shared.slots.get_or_default();
        let old = slot.replace(Slot::Filled(me, value));
        if !matches!(&old, Slot::Filled(owner, _) if *owner == me) {
            self.drop_at_thread_end();
        }
        drop(old);
    }

    /// Removes the calling thread's value and returns it, if it has one; the next use makes
    /// a fresh one with the initializer (Python: `del local.attr`, keeping the value).
    ///
    /// # Panics
    ///
    /// If called from inside [`with`](Self::with) or [`with_mut`](Self::with_mut) on the same
    /// `Local` and thread.
    ///
    /// ```
    /// let v = threadkit::Local::new(|| 1);
    /// assert_eq!(v.take(), None); // nothing made yet
    /// v.set(5);
    /// assert_eq!(v.take(), Some(5));
    /// assert!(!v.is_set());
    /// assert_eq!(v.with(|x| *x), 1); // fresh
    /// ```
    pub fn take(&self) -> Option<T> {
        let me = current_ident();
        let slot = self.shared.slots.get()?;
        if !matches!(&*slot.borrow(), Slot::Filled(owner, _) if *owner == me) {
            return None;
        }
        match slot.replace(Slot::Empty) {
            Slot::Filled(_, value) => Some(value),
            _ => unreachable!("checked above"),
        }
    }

    /// Drops the calling thread's value, if it has one (Python: `del local.attr`).
    ///
    /// # Panics
    ///
    /// As [`take`](Self::take).
    ///
    /// ```
    /// let v = threadkit::Local::new(String::new);
    /// v.with_mut(|s| s.push('x'));
    /// v.clear();
    /// assert_eq!(v.with(|s| s.len()), 0);
    /// ```
    pub fn clear(&self) {
        drop(self.take());
    }

    /// Whether the calling thread has a value yet.
    ///
    /// ```
    /// let v = threadkit::Local::new(|| 5);
    /// assert!(!v.is_set());
    /// v.with(|_| ());
    /// assert!(v.is_set());
    /// ```
    #[must_use]
    pub fn is_set(&self) -> bool {
        let me = current_ident();
        self.shared
            .slots
            .get()
            .is_some_and(|slot| matches!(&*slot.borrow(), Slot::Filled(owner, _) if *owner == me))
    }

    /// This thread's slot, holding this thread's value.
    fn slot(&self) -> &RefCell<Slot<T>> {
        let me = current_ident();
        let slot = self.shared.slots.get_or_default();
        match &*slot.borrow() {
            Slot::Filled(owner, _) if *owner == me => return slot,
            Slot::Filling(owner) if *owner == me => panic!(
                "threadkit::Local: the initializer read the Local it is initializing \
                 (on this thread it has no value yet)"
            ),
            _ => {}
        }
        // A slot left by a finished thread: its value goes now.
        let stale = slot.replace(Slot::Filling(me));
        drop(stale);
        // The initializer runs with no borrow held, so it may use other `Local`s. If it
        // panics, the slot is empty again.
        let unfill = Unfill(slot);
        let fresh = (self.shared.init)();
        std::mem::forget(unfill);
        slot.replace(Slot::Filled(me, fresh));
        self.drop_at_thread_end();
        slot
    }

    /// Lists this `Local` in the calling thread's end-of-thread list, if threadkit started it.
    fn drop_at_thread_end(&self) {
        if registry::current_origin() == Some(Origin::Spawned) {
            let weak = Arc::downgrade(&self.shared) as Weak<dyn ClearOnEnd>;
            AT_END.with(|list| list.borrow_mut().push(weak));
        }
    }
}

impl<T: Send + Default + 'static> Default for Local<T> {
    fn default() -> Self {
        Local::new(T::default)
    }
}

impl<T: Send + 'static> fmt::Debug for Local<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Local")
            .field("is_set", &self.is_set())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recycled_slots_start_fresh() {
        let local = Local::new(|| 0);
        for _ in 0..20 {
            std::thread::scope(|s| {
                s.spawn(|| {
                    assert_eq!(
                        local.with(|v| *v),
                        0,
                        "a new thread never sees an old value"
                    );
                    local.set(7);
                });
            });
        }
    }
}
