//! `excepthook`: where an uncaught panic in a thread is reported, exactly once.

use super::handle::ThreadHandle;
use crate::hook::Hook;
use crate::panic::Panic;
use std::io::Write;

/// What the excepthook is told about an uncaught panic (Python: `threading.ExceptHookArgs`).
///
/// ```
/// use threadkit::{ExceptHookArgs, Panic};
///
/// let args = ExceptHookArgs { thread: threadkit::current_thread(), panic: Panic::new("x") };
/// assert_eq!(args.panic.message(), "x");
/// ```
#[derive(Debug, Clone)]
pub struct ExceptHookArgs {
    /// The thread whose closure panicked.
    pub thread: ThreadHandle,
    /// The panic.
    pub panic: Panic,
}

const_static! {
    static HOOK: Hook<ExceptHookArgs> = Hook::new("threading.excepthook", default_excepthook);
}

/// An installed excepthook, as [`set_excepthook`] hands back the one it replaces.
///
/// ```
/// let hook: threadkit::ExceptHook = std::sync::Arc::new(|_: &threadkit::ExceptHookArgs| ());
/// # drop(hook);
/// ```
pub type ExceptHook = crate::hook::Callback<ExceptHookArgs>;

/// Replaces the excepthook for uncaught panics in threads (Python: assigning
/// `threading.excepthook`) and returns the one it replaced ([`default_excepthook`] if none was
/// set), so hooks can chain (Python: `old = threading.excepthook`). The hook runs on the
/// thread that panicked, before `join` returns.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use threadkit::Thread;
///
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let s = Arc::clone(&seen);
/// threadkit::set_excepthook(move |args| s.lock().unwrap().push(args.thread.name()));
/// let t = Thread::builder().name("bad").spawn(|| -> () { panic!("x") }).unwrap();
/// assert!(t.join().is_err());
/// threadkit::reset_excepthook();
/// assert_eq!(*seen.lock().unwrap(), ["bad"]);
/// ```
pub fn set_excepthook(hook: impl Fn(&ExceptHookArgs) + Send + Sync + 'static) -> ExceptHook {
    HOOK.set(hook)
}

/// The excepthook in place now ([`default_excepthook`] if none was set): read it before
/// [`set_excepthook`] to chain to it (Python: `old = threading.excepthook`).
///
/// ```
/// let old = threadkit::excepthook();
/// let previous = threadkit::set_excepthook(move |args| {
///     eprintln!("before the usual report");
///     old(args);
/// });
/// # threadkit::reset_excepthook();
/// # drop(previous);
/// ```
pub fn excepthook() -> ExceptHook {
    HOOK.current()
}

/// Restores the default excepthook ([`default_excepthook`]).
///
/// ```
/// threadkit::reset_excepthook();
/// ```
pub fn reset_excepthook() {
    HOOK.reset();
}

/// The default report (Python: `threading.__excepthook__`): one whole block on stderr,
/// written at once so it never interleaves with other output:
///
/// ```text
/// Exception in thread Thread-1:
/// panicked at src/main.rs:4:5:
/// boom
/// ```
///
/// ```
/// use threadkit::{ExceptHookArgs, Panic};
/// threadkit::default_excepthook(&ExceptHookArgs {
///     thread: threadkit::current_thread(),
///     panic: Panic::new("shown on stderr"),
/// });
/// ```
pub fn default_excepthook(args: &ExceptHookArgs) {
    let text = format!(
        "Exception in thread {}:\n{}\n",
        args.thread.name(),
        args.panic.report_text()
    );
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Reports an uncaught panic through the installed hook (see `Hook::call`).
pub(crate) fn report(thread: &ThreadHandle, panic: &Panic) {
    HOOK.call(&ExceptHookArgs {
        thread: thread.clone(),
        panic: panic.clone(),
    });
}
