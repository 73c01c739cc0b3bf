//! The report of failures nobody looked at: a failed future dropped without its failure being
//! retrieved is reported once (like asyncio's "exception was never retrieved").

use super::error::FutureError;
use crate::hook::Hook;
use std::io::Write;

/// A failure that was dropped unobserved: what failed and on which worker thread.
///
/// ```
/// use threadkit::{FutureError, Panic, UnretrievedFailure};
/// let f = UnretrievedFailure { thread: "pool_0".into(), error: FutureError::Panicked(Panic::new("x")) };
/// assert_eq!(f.thread, "pool_0");
/// ```
#[derive(Debug, Clone)]
pub struct UnretrievedFailure {
    /// The name of the worker thread that ran the task.
    pub thread: String,
    /// The failure.
    pub error: FutureError,
}

const_static! {
    static HOOK: Hook<UnretrievedFailure> = Hook::new("the unretrieved-failure hook", default_report);
}

/// Replaces the report of unretrieved failures (the default writes to stderr).
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// use threadkit::ThreadPoolExecutor;
///
/// let seen = Arc::new(AtomicUsize::new(0));
/// let s = Arc::clone(&seen);
/// threadkit::set_unretrieved_hook(move |_| {
///     s.fetch_add(1, Ordering::SeqCst);
/// });
/// let pool = ThreadPoolExecutor::new(1).unwrap();
/// drop(pool.submit(|| -> () { panic!("nobody looks") }).unwrap());
/// pool.shutdown();
/// threadkit::reset_unretrieved_hook();
/// assert_eq!(seen.load(Ordering::SeqCst), 1);
/// ```
pub fn set_unretrieved_hook(hook: impl Fn(&UnretrievedFailure) + Send + Sync + 'static) {
    HOOK.set(hook);
}

/// Restores the default report on stderr.
///
/// ```
/// threadkit::reset_unretrieved_hook();
/// ```
pub fn reset_unretrieved_hook() {
    HOOK.reset();
}

pub(crate) fn report(failure: &UnretrievedFailure) {
    HOOK.call(failure);
}

fn default_report(failure: &UnretrievedFailure) {
    let mut text = format!(
        "Future exception was never retrieved (task ran on thread {}):\n",
        failure.thread
    );
    match &failure.error {
        FutureError::Panicked(p) => text.push_str(&p.report_text()),
        other => text.push_str(&other.to_string()),
    }
    text.push('\n');
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
