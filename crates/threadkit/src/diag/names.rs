//! Names users give their primitives, so reports and dumps say `Lock "accounts"` instead of
//! `Lock 0x55d0c1a0`.
//!
//! # Design
//!
//! A primitive is known to the diagnostics by the addresses it parks on (its keys), so a name
//! is kept beside it, in a table from key to name, rather than in it: a `Lock` stays one byte
//! and a primitive nobody names pays nothing. A named primitive's keys leave the table when it
//! is dropped (the drop of its lock or wait queue tells the diagnostics, one relaxed load while
//! nothing was ever named), so a new primitive at the same address is not given the old name.

use super::record;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

static NAMES: Mutex<Option<HashMap<usize, Arc<str>>>> = Mutex::new(None);

/// Something was named (set by the first name, never cleared).
pub(super) static USED: AtomicBool = AtomicBool::new(false);

mod sealed {
    pub trait Sealed {}
}

/// A primitive that can be given a name for the diagnostics ([`name`]): every lock, condition,
/// semaphore, event, barrier and queue.
///
/// ```
/// fn label(p: &impl threadkit::Named, what: &str) {
///     threadkit::name(p, what);
/// }
/// label(&threadkit::Event::new(), "ready");
/// ```
pub trait Named: sealed::Sealed {
    /// The addresses it parks on and is recorded by (its identity in the diagnostics).
    #[doc(hidden)]
    fn diag_keys(&self, keys: &mut Vec<usize>);
}

/// Names `primitive` for the diagnostics: deadlock and lock-order reports, `dump()`, say
/// `Lock "accounts"` instead of an address. The name lasts as long as the primitive; naming it
/// again replaces it.
///
/// ```
/// use threadkit::{Lock, ThreadState};
///
/// threadkit::set_diagnostics(true);
/// let accounts = Lock::new();
/// threadkit::name(&accounts, "accounts");
/// let _held = accounts.guard();
/// let dump = threadkit::dump();
/// let me = dump.threads.iter().find(|t| t.name == "MainThread").unwrap();
/// assert_eq!(me.holds[0].lock, "Lock \"accounts\"");
/// ```
pub fn name(primitive: &(impl Named + ?Sized), name: &str) {
    let mut keys = Vec::new();
    primitive.diag_keys(&mut keys);
    let name: Arc<str> = Arc::from(name);
    let mut names = record::lock(&NAMES);
    let names = names.get_or_insert_with(HashMap::new);
    USED.store(true, Ordering::Relaxed);
    super::FORGET.store(true, Ordering::Relaxed);
    for key in keys {
        names.insert(key, Arc::clone(&name));
    }
}

/// The name given to the primitive parked on or recorded as `key`.
pub(super) fn name_of(key: usize) -> Option<Arc<str>> {
    if !USED.load(Ordering::Relaxed) {
        return None;
    }
    record::lock(&NAMES).as_ref()?.get(&key).cloned()
}

/// The primitive at `key` is gone.
pub(super) fn forget(key: usize) {
    if USED.load(Ordering::Relaxed) {
        if let Some(names) = record::lock(&NAMES).as_mut() {
            names.remove(&key);
        }
    }
}

/// Implements [`Named`] for a type from the expression giving its keys.
macro_rules! named {
    ($(impl$([$($generics:tt)*])? for $ty:ty => |$me:ident, $keys:ident| $body:expr;)*) => {$(
        impl$(<$($generics)*>)? sealed::Sealed for $ty {}
        impl$(<$($generics)*>)? Named for $ty {
            fn diag_keys(&self, $keys: &mut Vec<usize>) {
                let $me = self;
                $body
            }
        }
    )*};
}

use crate::sync::{
    Barrier, BoundedSemaphore, Condition, ConditionLock, Condvar, Event, Lock, Mutex as TkMutex,
    RLock, Semaphore,
};
use crate::{LifoQueue, PriorityQueue, Queue, SimpleQueue};

named! {
    impl for Lock => |me, keys| keys.push(me.diag_key());
    impl for RLock => |me, keys| keys.push(me.diag_key());
    impl[T: ?Sized] for TkMutex<T> => |me, keys| keys.push(me.diag_key());
    impl[L: ConditionLock + Named] for Condition<L> => |me, keys| {
        me.lock().diag_keys(keys);
        keys.push(me.diag_key());
    };
    impl for Condvar => |me, keys| keys.push(me.diag_key());
    impl for Semaphore => |me, keys| keys.push(me.diag_key());
    impl for BoundedSemaphore => |me, keys| keys.push(me.diag_key());
    impl for Event => |me, keys| keys.push(me.diag_key());
    impl for Barrier => |me, keys| keys.push(me.diag_key());
    impl[T] for Queue<T> => |me, keys| keys.extend(me.diag_keys());
    impl[T] for LifoQueue<T> => |me, keys| keys.extend(me.diag_keys());
    impl[T] for PriorityQueue<T> => |me, keys| keys.extend(me.diag_keys());
    impl[T] for SimpleQueue<T> => |me, keys| keys.extend(me.diag_keys());
    impl[P: Named + ?Sized] for Arc<P> => |me, keys| (**me).diag_keys(keys);
}
