//! Threads: Python's `threading.Thread` and the module functions around it.
//!
//! - `spawn`: [`Thread`] and its [`Builder`], which own the closure and its result;
//! - `handle`: [`ThreadHandle`], the shared view (name, ident, daemon, liveness, join);
//! - `registry`: idents, `current_thread`, `main_thread`, `enumerate`;
//! - `excepthook`: the report of uncaught panics;
//! - `exit`: waiting for non-daemon threads when `main` returns;
//! - `local`: [`Local`], per-thread values.

mod error;
mod excepthook;
mod exit;
mod handle;
mod local;
mod registry;
mod spawn;

pub use error::{JoinError, StartError};
pub use excepthook::{
    default_excepthook, excepthook, reset_excepthook, set_excepthook, ExceptHook, ExceptHookArgs,
};
pub use handle::ThreadHandle;
pub use local::Local;
pub use registry::{
    active_count, current_thread, enumerate, get_ident, get_native_id, main_thread,
};
pub use spawn::{Builder, Thread};

pub(crate) use exit::before_exit;
pub(crate) use registry::current_ident;

/// Reports a panic caught outside a thread's closure (a pool initializer) like an uncaught one.
pub(crate) fn report_uncaught(panic: &crate::Panic) {
    excepthook::report(&current_thread(), panic);
}
