//! `Local<T>`: per-thread values, like Python's `threading.local`.
//!
//! Storage is `thread_local::ThreadLocal`, whose slots are indexed by a thread id that the
//! operating system's threads recycle. Each slot therefore also records the threadkit ident of
//! the thread that filled it (idents are never reused): a new thread that inherits a slot sees
//! a mismatch and starts from a fresh value, and the dead thread's value is dropped then, as
//! Python drops a thread's `local` attributes when it ends. Values are only reached through
//! closures, so no reference outlives that check.

use super::registry::current_ident;
use std::cell::RefCell;
use std::fmt;
use thread_local::ThreadLocal;

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
pub struct Local<T: Send> {
    slots: ThreadLocal<RefCell<Option<(u64, T)>>>,
    init: Box<dyn Fn() -> T + Send + Sync>,
}

impl<T: Send> Local<T> {
    /// A per-thread value made by `init` on first use in each thread.
    ///
    /// ```
    /// let name = threadkit::Local::new(|| threadkit::current_thread().name());
    /// assert_eq!(name.with(Clone::clone), threadkit::current_thread().name());
    /// ```
    pub fn new(init: impl Fn() -> T + Send + Sync + 'static) -> Self {
        Local {
            slots: ThreadLocal::new(),
            init: Box::new(init),
        }
    }

    /// Calls `f` with the calling thread's value, made first if this thread has none.
    ///
    /// # Panics
    ///
    /// If called from inside [`with_mut`](Self::with_mut) on the same `Local` and thread.
    ///
    /// ```
    /// let v = threadkit::Local::new(|| 5);
    /// assert_eq!(v.with(|x| *x), 5);
    /// ```
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        let slot = self.slot();
        let value = slot.borrow();
        f(&value.as_ref().expect("slot is filled").1)
    }

    /// Calls `f` with mutable access to the calling thread's value.
    ///
    /// # Panics
    ///
    /// If called from inside [`with`](Self::with) or `with_mut` on the same `Local` and thread.
    ///
    /// ```
    /// let v = threadkit::Local::new(Vec::new);
    /// v.with_mut(|list| list.push(1));
    /// assert_eq!(v.with(|list| list.len()), 1);
    /// ```
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let slot = self.slot();
        let mut value = slot.borrow_mut();
        f(&mut value.as_mut().expect("slot is filled").1)
    }

    /// Replaces the calling thread's value (Python: `local.attr = value`).
    ///
    /// ```
    /// let v = threadkit::Local::new(|| 1);
    /// v.set(2);
    /// assert_eq!(v.with(|x| *x), 2);
    /// ```
    pub fn set(&self, value: T) {
        let slot = self.slots.get_or_default();
        let old = slot.borrow_mut().replace((current_ident(), value));
        drop(old);
    }

    /// Whether the calling thread has a value yet.
    ///
    /// ```
    /// let v = threadkit::Local::new(|| 5);
    /// assert!(!v.is_set());
    /// v.with(|_| ());
    /// assert!(v.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        let me = current_ident();
        self.slots.get().is_some_and(|slot| {
            slot.borrow()
                .as_ref()
                .is_some_and(|(owner, _)| *owner == me)
        })
    }

    /// This thread's slot, holding this thread's value.
    fn slot(&self) -> &RefCell<Option<(u64, T)>> {
        let me = current_ident();
        let slot = self.slots.get_or_default();
        let mine = slot
            .borrow()
            .as_ref()
            .is_some_and(|(owner, _)| *owner == me);
        if !mine {
            // The initializer runs with no borrow held, so it may use this `Local` too.
            let fresh = (self.init)();
            let stale = slot.borrow_mut().replace((me, fresh));
            drop(stale);
        }
        slot
    }
}

impl<T: Send + Default + 'static> Default for Local<T> {
    fn default() -> Self {
        Local::new(T::default)
    }
}

impl<T: Send> fmt::Debug for Local<T> {
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
