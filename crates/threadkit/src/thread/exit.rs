//! Exit semantics like Python's: when `main` returns, wait for non-daemon threads, abandon
//! daemon threads, and end without half-written lines.
//!
//! # Design
//!
//! The first `Thread::start` registers a C `atexit` handler. Rust's runtime returns from
//! `main`, flushes stdout, and calls `exit`, which runs the handler on the main thread, in
//! the order of Python's `threading._shutdown`:
//! 1. the main thread is marked finished, so a thread joining it returns ("end of main", then
//!    "end of thread");
//! 2. the hooks registered with [`before_exit`] run: live executors finish their queued and
//!    running tasks there (Python 3.9+), though their workers are daemon threads;
//! 3. it joins every live non-daemon threadkit thread (again and again, since a finishing
//!    thread may start others);
//! 4. it seals the output: a helper thread takes the stdout and stderr locks and keeps them,
//!    so a daemon thread in the middle of a `println!` finishes its line first (the line is
//!    written under the lock) and no daemon can start another line. Exit does not wait for a
//!    daemon stuck in a write, though: it waits for the seal only while the output moves
//!    (stdout and stderr take bytes, or their pipe's reader drains it); once a pipe has been
//!    full and still for [`STALLED`], the daemon writing to it is stuck behind a reader that
//!    stopped, its line could not be finished anyway, and exit goes on. It also goes on after
//!    [`SEAL_GRACE`] at most (a daemon holding an output lock while blocked on something
//!    else). The process then ends; daemon threads are abandoned.
//!
//! `std::process::exit` called on the main thread behaves the same. Called on another thread
//! it does not wait (that thread may be one the others wait for), but still seals the output.

use super::registry;
use crate::sync::Mutex;
use std::io::Write;
use std::sync::{mpsc, Once};
use std::time::{Duration, Instant};

/// The longest exit waits for the output seal, even while the output moves (a daemon that
/// holds an output lock while blocked on something else).
const SEAL_GRACE: Duration = Duration::from_secs(2);

const_static! {
    /// Hooks run at exit before non-daemon threads are joined (Python's
    /// `threading._register_atexit`).
    static BEFORE_EXIT: Mutex<Vec<fn()>> = Mutex::new_internal(Vec::new());
}

/// Runs `hook` at exit, on the main thread, before the non-daemon threads are joined; hooks
/// run in reverse order of registration. Installs the exit handler.
pub(crate) fn before_exit(hook: fn()) {
    BEFORE_EXIT.lock().push(hook);
    install();
}

/// Registers the exit handler once per process.
///
/// Not under Miri, which cannot call `atexit`: there a program ends when its `main` returns,
/// as a plain Rust program does. The exit semantics are tested natively, in child processes
/// (`tests/exit.rs`), and Miri can check everything else that starts threadkit threads.
pub(crate) fn install() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        if cfg!(miri) {
            return;
        }
        // SAFETY: `at_exit` is an `extern "C" fn()` that never unwinds (it catches every
        // panic), as atexit requires.
        let rc = unsafe { libc::atexit(at_exit) };
        debug_assert_eq!(rc, 0, "atexit refused the handler");
    });
}

extern "C" fn at_exit() {
    let _ = std::panic::catch_unwind(|| {
        if registry::is_main_thread() {
            let main = registry::main_thread();
            registry::unregister(&main);
            main.finish(None);
            let hooks = std::mem::take(&mut *BEFORE_EXIT.lock());
            for hook in hooks.into_iter().rev() {
                hook();
            }
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

/// Holds stdout and stderr for the rest of the process, after any line in progress, unless a
/// daemon thread is stuck inside an output call (see the module's design).
fn seal_output() {
    let (sealed, seal) = mpsc::channel();
    let seal_thread = std::thread::Builder::new()
        .name("threadkit-exit-seal".into())
        .spawn(move || {
            let mut out = std::io::stdout().lock();
            let _ = out.flush();
            let err = std::io::stderr().lock();
            let _ = sealed.send(());
            // Keep both locks until the process ends.
            std::mem::forget(out);
            std::mem::forget(err);
            loop {
                std::thread::park();
            }
        });
    if seal_thread.is_err() {
        return; // no thread to spare: exit unsealed rather than risk blocking
    }
    let give_up = Instant::now() + SEAL_GRACE;
    let mut output = Output::now();
    let mut last_progress = Instant::now();
    loop {
        match seal.recv_timeout(Duration::from_millis(1)) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let now = Instant::now();
                let later = Output::now();
                if later.moving_since(&output) {
                    last_progress = now;
                }
                output = later;
                if now >= give_up || now.duration_since(last_progress) >= STALLED {
                    return;
                }
            }
        }
    }
}

/// How long exit waits for the seal while stdout or stderr is a full pipe that does not drain
/// (a reader that stopped reading: the daemon writing to it is stuck).
const STALLED: Duration = Duration::from_millis(250);

/// What exit can see of stdout and stderr: whether each accepts bytes now, and how many wait
/// unread in it if it is a pipe.
#[derive(PartialEq, Eq)]
struct Output {
    writable: bool,
    unread: [libc::c_int; 2],
}

impl Output {
    #[cfg(unix)]
    fn now() -> Self {
        let mut fds = [1, 2].map(|fd| libc::pollfd {
            fd,
            events: libc::POLLOUT,
            revents: 0,
        });
        // SAFETY: `fds` is a valid array of two `pollfd`s for the duration of the call, and a
        // zero timeout makes `poll` return at once.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), 2, 0) };
        let writable = ready >= 0
            && fds
                .iter()
                .all(|p| p.revents & (libc::POLLOUT | libc::POLLNVAL) != 0);
        let unread = [1, 2].map(|fd| {
            let mut n: libc::c_int = 0;
            // SAFETY: FIONREAD writes one `c_int` through the pointer, which is valid; on a
            // descriptor that does not support it, the call fails and `n` stays 0.
            let _ = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) };
            n
        });
        Output { writable, unread }
    }

    #[cfg(not(unix))]
    fn now() -> Self {
        Output {
            writable: true,
            unread: [0, 0],
        }
    }

    /// Whether writers can be making progress: the output takes bytes now, or a full pipe's
    /// reader took some since `before`.
    fn moving_since(&self, before: &Output) -> bool {
        self.writable
            || self
                .unread
                .iter()
                .zip(&before.unread)
                .any(|(now, then)| now < then)
    }
}
