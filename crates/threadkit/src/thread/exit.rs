//! Exit semantics like Python's: when `main` returns, wait for non-daemon threads, abandon
//! daemon threads, and end without half-written lines.
//!
//! # Design
//!
//! The first `Thread::start` registers a C `atexit` handler. Rust's runtime returns from
//! `main`, flushes stdout, and calls `exit`, which runs the handler on the main thread:
//! 1. it joins every live non-daemon threadkit thread (again and again, since a finishing
//!    thread may start others), as Python's `threading._shutdown` does;
//! 2. it takes the stdout and stderr locks and keeps them: a daemon thread in the middle of a
//!    `println!` finishes its line first (the line is written under the lock), and no daemon
//!    can start another line. The process then ends; daemon threads are abandoned.
//!
//! `std::process::exit` called on the main thread behaves the same. Called on another thread
//! it does not wait (that thread may be one the others wait for), but still seals the output.

use super::registry;
use std::io::Write;
use std::sync::Once;

/// Registers the exit handler once per process.
pub(crate) fn install() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        // SAFETY: `at_exit` is an `extern "C" fn()` that never unwinds (it catches every
        // panic), as atexit requires.
        let rc = unsafe { libc::atexit(at_exit) };
        debug_assert_eq!(rc, 0, "atexit refused the handler");
    });
}

extern "C" fn at_exit() {
    let _ = std::panic::catch_unwind(|| {
        if registry::is_main_thread() {
            wait_for_non_daemon_threads();
        }
        seal_output();
    });
}

/// Joins live non-daemon threads until none is left.
fn wait_for_non_daemon_threads() {
    let me = registry::current_ident();
    loop {
        let pending: Vec<_> = registry::enumerate()
            .into_iter()
            .filter(|h| {
                h.origin() == super::handle::Origin::Spawned
                    && !h.is_daemon()
                    && h.is_alive()
                    && h.ident() != Some(me)
            })
            .collect();
        if pending.is_empty() {
            return;
        }
        for handle in pending {
            let _ = handle.join();
        }
    }
}

/// Holds stdout and stderr for the rest of the process, after any line in progress.
fn seal_output() {
    let mut out = std::io::stdout().lock();
    let _ = out.flush();
    let err = std::io::stderr().lock();
    std::mem::forget(out);
    std::mem::forget(err);
}
