//! Atomics for the user's own shared state: std's atomics in a normal build; with the `check`
//! feature, the same API whose every operation is a scheduling point of check mode, so a
//! check-then-act race on an atomic (load, then store) is explored like a race on a lock.
//!
//! ```
//! use threadkit::atomic::{AtomicUsize, Ordering};
//!
//! let hits = AtomicUsize::new(0);
//! hits.fetch_add(1, Ordering::Relaxed);
//! assert_eq!(hits.load(Ordering::Relaxed), 1);
//! ```

#[cfg(any(not(feature = "check"), loom))]
pub use std::sync::atomic::{
    fence, AtomicBool, AtomicI32, AtomicI64, AtomicIsize, AtomicPtr, AtomicU32, AtomicU64,
    AtomicU8, AtomicUsize,
};

pub use std::sync::atomic::Ordering;

#[cfg(all(feature = "check", not(loom)))]
pub use checked::{
    fence, AtomicBool, AtomicI32, AtomicI64, AtomicIsize, AtomicPtr, AtomicU32, AtomicU64,
    AtomicU8, AtomicUsize,
};

/// The check-mode atomics: std's, each operation preceded by a scheduling point.
#[cfg(all(feature = "check", not(loom)))]
mod checked {
    use crate::check::point_op;
    use std::sync::atomic::{self as std_atomic, Ordering};

    /// A fence, and a scheduling point before it.
    #[inline]
    #[track_caller]
    pub fn fence(order: Ordering) {
        point_op("fence");
        std_atomic::fence(order);
    }

    macro_rules! common {
        ($name:ident, $t:ty) => {
            impl $name {
                /// A new atomic (std's `new`).
                #[must_use]
                pub const fn new(v: $t) -> Self {
                    $name(std_atomic::$name::new(v))
                }
                /// std's `load`, after a scheduling point.
                #[inline]
                #[track_caller]
                pub fn load(&self, order: Ordering) -> $t {
                    point_op("load");
                    self.0.load(order)
                }
                /// std's `store`, after a scheduling point.
                #[inline]
                #[track_caller]
                pub fn store(&self, v: $t, order: Ordering) {
                    point_op("store");
                    self.0.store(v, order);
                }
                /// std's `swap`, after a scheduling point.
                #[inline]
                #[track_caller]
                pub fn swap(&self, v: $t, order: Ordering) -> $t {
                    point_op("swap");
                    self.0.swap(v, order)
                }
                /// std's `compare_exchange`, after a scheduling point.
                ///
                /// # Errors
                ///
                /// The current value, when it was not `current`.
                #[inline]
                #[track_caller]
                pub fn compare_exchange(
                    &self,
                    current: $t,
                    new: $t,
                    success: Ordering,
                    failure: Ordering,
                ) -> Result<$t, $t> {
                    point_op("compare_exchange");
                    self.0.compare_exchange(current, new, success, failure)
                }
                /// std's `compare_exchange_weak`, after a scheduling point.
                ///
                /// # Errors
                ///
                /// The current value, when it was not `current` (or spuriously).
                #[inline]
                #[track_caller]
                pub fn compare_exchange_weak(
                    &self,
                    current: $t,
                    new: $t,
                    success: Ordering,
                    failure: Ordering,
                ) -> Result<$t, $t> {
                    point_op("compare_exchange_weak");
                    self.0.compare_exchange_weak(current, new, success, failure)
                }
                /// std's `fetch_update`, after a scheduling point (the loop runs as one
                /// step: its compare-exchange retries when another thread changed the value,
                /// which another thread cannot do within the step).
                ///
                /// # Errors
                ///
                /// The current value, when `f` returned `None`.
                #[inline]
                #[track_caller]
                pub fn fetch_update(
                    &self,
                    set_order: Ordering,
                    fetch_order: Ordering,
                    f: impl FnMut($t) -> Option<$t>,
                ) -> Result<$t, $t> {
                    point_op("fetch_update");
                    self.0.fetch_update(set_order, fetch_order, f)
                }
                /// std's `get_mut` (exclusive: no scheduling point).
                pub fn get_mut(&mut self) -> &mut $t {
                    self.0.get_mut()
                }
                /// std's `into_inner` (owned: no scheduling point).
                pub fn into_inner(self) -> $t {
                    self.0.into_inner()
                }
            }

            impl std::fmt::Debug for $name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    std::fmt::Debug::fmt(&self.0, f)
                }
            }
        };
    }

    macro_rules! bits {
        ($name:ident, $t:ty, $($op:ident),*) => {
            impl $name {
                $(
                    /// std's operation of the same name, after a scheduling point.
                    #[inline]
                    #[track_caller]
                    pub fn $op(&self, v: $t, order: Ordering) -> $t {
                        point_op(stringify!($op));
                        self.0.$op(v, order)
                    }
                )*
            }
        };
    }

    macro_rules! integer {
        ($($name:ident($t:ty)),*) => {
            $(
                /// std's atomic of the same name; every operation is a scheduling point in
                /// check mode.
                #[derive(Default)]
                #[repr(transparent)]
                pub struct $name(std_atomic::$name);
                common!($name, $t);
                bits!($name, $t, fetch_add, fetch_sub, fetch_and, fetch_or, fetch_xor, fetch_max, fetch_min);
            )*
        };
    }

    integer!(
        AtomicU8(u8),
        AtomicU32(u32),
        AtomicU64(u64),
        AtomicUsize(usize),
        AtomicI32(i32),
        AtomicI64(i64),
        AtomicIsize(isize)
    );

    /// std's `AtomicBool`; every operation is a scheduling point in check mode.
    #[derive(Default)]
    #[repr(transparent)]
    pub struct AtomicBool(std_atomic::AtomicBool);
    common!(AtomicBool, bool);
    bits!(AtomicBool, bool, fetch_and, fetch_or, fetch_xor);

    /// std's `AtomicPtr`; every operation is a scheduling point in check mode.
    #[repr(transparent)]
    pub struct AtomicPtr<T>(std_atomic::AtomicPtr<T>);

    impl<T> AtomicPtr<T> {
        /// A new atomic pointer.
        #[must_use]
        pub const fn new(p: *mut T) -> Self {
            AtomicPtr(std_atomic::AtomicPtr::new(p))
        }
        /// std's `load`, after a scheduling point.
        #[inline]
        #[track_caller]
        pub fn load(&self, order: Ordering) -> *mut T {
            point_op("load");
            self.0.load(order)
        }
        /// std's `store`, after a scheduling point.
        #[inline]
        #[track_caller]
        pub fn store(&self, p: *mut T, order: Ordering) {
            point_op("store");
            self.0.store(p, order);
        }
        /// std's `swap`, after a scheduling point.
        #[inline]
        #[track_caller]
        pub fn swap(&self, p: *mut T, order: Ordering) -> *mut T {
            point_op("swap");
            self.0.swap(p, order)
        }
        /// std's `compare_exchange`, after a scheduling point.
        ///
        /// # Errors
        ///
        /// The current pointer, when it was not `current`.
        #[inline]
        #[track_caller]
        pub fn compare_exchange(
            &self,
            current: *mut T,
            new: *mut T,
            success: Ordering,
            failure: Ordering,
        ) -> Result<*mut T, *mut T> {
            point_op("compare_exchange");
            self.0.compare_exchange(current, new, success, failure)
        }
        /// std's `compare_exchange_weak`, after a scheduling point.
        ///
        /// # Errors
        ///
        /// The current pointer, when it was not `current` (or spuriously).
        #[inline]
        #[track_caller]
        pub fn compare_exchange_weak(
            &self,
            current: *mut T,
            new: *mut T,
            success: Ordering,
            failure: Ordering,
        ) -> Result<*mut T, *mut T> {
            point_op("compare_exchange_weak");
            self.0.compare_exchange_weak(current, new, success, failure)
        }
        /// std's `get_mut`.
        pub fn get_mut(&mut self) -> &mut *mut T {
            self.0.get_mut()
        }
        /// std's `into_inner`.
        pub fn into_inner(self) -> *mut T {
            self.0.into_inner()
        }
    }

    impl<T> Default for AtomicPtr<T> {
        fn default() -> Self {
            AtomicPtr::new(std::ptr::null_mut())
        }
    }

    impl<T> std::fmt::Debug for AtomicPtr<T> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            std::fmt::Debug::fmt(&self.0, f)
        }
    }
}
