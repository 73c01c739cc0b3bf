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
#[cfg(all(feature = "check", not(loom)))]
pub(crate) use registry::forget_current_thread;
pub(crate) use spawn::run_as;

/// The process-wide set-up the first thread start makes (the exit handler, the diagnostics'
/// environment variables). Check mode makes it before its first schedule, so that every
/// schedule, the first in the process included, runs the same steps (a replay in a fresh
/// process must).
pub(crate) fn prepare_process() {
    exit::install();
    crate::diag::apply_environment();
}

/// The handle of a thread a scope starts (`crate::scope`): named as [`Thread`] names threads,
/// never a daemon (its scope joins it), stopped through `token`; marked started.
pub(crate) fn scoped_handle(name: Option<&str>, token: crate::StopToken) -> ThreadHandle {
    let name = match name {
        Some(n) if !n.is_empty() => std::sync::Arc::from(n),
        _ => registry::next_name("Thread"),
    };
    let handle = ThreadHandle::with_stop_token(name, false, handle::Origin::Spawned, token);
    handle.mark_started();
    handle
}

/// The handle of a check execution's thread 0, the body: `MainThread`, not a daemon (the
/// threads it starts are not daemons either, as the main thread's), marked started.
#[cfg(all(feature = "check", not(loom)))]
pub(crate) fn checked_main_handle() -> ThreadHandle {
    let handle = ThreadHandle::new(
        std::sync::Arc::from("MainThread"),
        false,
        handle::Origin::Spawned,
    );
    handle.mark_started();
    handle
}

/// Reports a panic caught outside a thread's closure (a pool initializer) like an uncaught one.
pub(crate) fn report_uncaught(panic: &crate::Panic) {
    excepthook::report(&current_thread(), panic);
}
