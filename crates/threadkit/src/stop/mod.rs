//! Stopping work: a stop token every threadkit thread has, honoured by its blocking calls.
//!
//! # Design
//!
//! Python cannot stop a thread; Java interrupts it (blocking calls throw
//! `InterruptedException`), C++20 gives `jthread` a `stop_token` that waits can take, .NET
//! passes a `CancellationToken`, Trio and `pthread_cancel` unwind from the blocking call. The
//! choice here rests on one fact: every threadkit blocking call parks through one door
//! (`crate::wait`), so the door can honour a stop for all of them, without a new argument on
//! any call.
//!
//! - **The token**: a [`StopToken`] is a shared flag with callbacks: cloneable, linkable (a
//!   [`child`](StopToken::child) stops with its parent), with a deadline
//!   ([`StopToken::after`]), and `on_stop` callbacks. Every threadkit thread has one
//!   ([`ThreadHandle::request_stop`](crate::ThreadHandle::request_stop)); code reads its own
//!   with [`stop_token`] / [`stop_requested`], and [`StopToken::run`] lends a token to a
//!   closure on any thread.
//! - **The door**: a blocking call of a thread whose token is stopped does not park, and a
//!   stop request wakes the thread if it is parked (the token knows where: the door registers
//!   the park's key and the thread's anchor with it, and the stop unparks exactly that
//!   thread). Within microseconds, the call returns as a timed-out call would: no lock taken,
//!   no item taken or lost, no wake-up stolen from another waiter (a thread woken by the stop
//!   is told so by its unpark token, so a real wake-up is never mistaken for one).
//! - **The outcome** follows the form's return type (the crate's rule for timeouts):
//!   a form whose `Result` can say it returns a `Stopped` error (a queue's `put` hands the
//!   item back in it); a form with nothing to return it in (`Lock::acquire`, `Event::wait`,
//!   [`sleep`]) unwinds with a [`Stopped`] payload, which the thread (or pool task) ends
//!   with as its "stopped" outcome: guards release their locks as the stack unwinds, and
//!   nothing is reported as an unhandled panic. A `try_*` form never blocks and never stops.
//!
//! The alternatives and why not: *stop-aware forms* (`acquire_or_stop(&token)`) double every
//! blocking API and miss the calls inside libraries; *a "deadline or token" argument* changes
//! every timed signature and still leaves the untimed forms deaf; *unwinding everywhere*
//! loses the item of a refused `put` and turns every stop into a panic a `Result` could have
//! said. Unwinding only where no `Result` exists is what Trio and `pthread_cancel` do, limited
//! to where nothing else can work.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

mod current;
mod parking;

pub(crate) use current::{current as current_token, install, is_current, unstoppable, unwind};
#[cfg(all(feature = "check", not(loom)))]
pub(crate) use current::{may_unwind, uninstall};
pub use current::{sleep, stop_requested, stop_token};
pub(crate) use parking::{park_registration, Registration};

/// What a stopped blocking call says: its thread's (or task's) stop was requested.
///
/// It is the error of the `Result` forms that can carry it and the unwind payload of the
/// forms that cannot (a thread or task that ends with it is "stopped", not "failed").
///
/// ```
/// assert_eq!(threadkit::Stopped.to_string(), "stopped: a stop was requested");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("stopped: a stop was requested")]
pub struct Stopped;

/// A stop request, shared: request it with [`stop`](Self::stop), read it with
/// [`is_stopped`](Self::is_stopped). Cloning shares the same flag (C++: a `stop_source` and
/// its `stop_token` in one; .NET: `CancellationTokenSource` and its token).
///
/// ```
/// let token = threadkit::StopToken::new();
/// let clone = token.clone();
/// assert!(!clone.is_stopped());
/// assert!(token.stop());
/// assert!(clone.is_stopped());
/// assert!(!token.stop(), "already stopped");
/// ```
#[derive(Clone, Default)]
pub struct StopToken {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    stopped: AtomicBool,
    hooks: Mutex<Hooks>,
}

/// What a stop runs: the callbacks, and the wake-ups of the threads parked with the token.
#[derive(Default)]
struct Hooks {
    next: u64,
    callbacks: Vec<(u64, Box<dyn FnOnce() + Send>)>,
    /// Threads parked now: (parking key, anchor token).
    parked: Vec<(usize, usize)>,
}

/// A std mutex, not threadkit's: the door takes it while it parks a thread (registration), and
/// a threadkit mutex would park through that same door.
fn lock(hooks: &Mutex<Hooks>) -> std::sync::MutexGuard<'_, Hooks> {
    hooks
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl StopToken {
    /// A token not stopped.
    ///
    /// ```
    /// assert!(!threadkit::StopToken::new().is_stopped());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        StopToken::default()
    }

    /// Requests the stop: every blocking call of a thread running with this token returns
    /// (see the crate docs' "Stopping work"), callbacks run (on this thread, in the order
    /// they were added), children stop. `true` if this call made the request, `false` if it
    /// had been made.
    ///
    /// ```
    /// let t = threadkit::StopToken::new();
    /// assert!(t.stop());
    /// assert!(t.is_stopped());
    /// ```
    #[allow(clippy::must_use_candidate)] // called for its effect
    pub fn stop(&self) -> bool {
        if !self.mark_stopped() {
            return false;
        }
        self.finish_stop();
        true
    }

    /// The first half of [`stop`](Self::stop): the flag alone (`true` if this call set it).
    /// A caller that must set it under its own lock calls [`finish_stop`](Self::finish_stop)
    /// after releasing that lock.
    pub(crate) fn mark_stopped(&self) -> bool {
        !self.inner.stopped.swap(true, Ordering::SeqCst)
    }

    /// The second half of [`stop`](Self::stop): wakes the parked threads, runs the callbacks.
    pub(crate) fn finish_stop(&self) {
        let callbacks = {
            let mut hooks = lock(&self.inner.hooks);
            // Woken under the hooks' lock: a parked thread unregisters under it too, so every
            // anchor here is a thread still parked (or about to be: then its validation, made
            // under the queue lock this unpark takes, sees the flag).
            for (key, anchor) in hooks.parked.drain(..) {
                crate::wait::unpark_stopped(key, anchor);
            }
            std::mem::take(&mut hooks.callbacks)
        };
        for (_, callback) in callbacks {
            callback();
        }
    }

    /// Whether the stop was requested.
    ///
    /// ```
    /// assert!(!threadkit::StopToken::new().is_stopped());
    /// ```
    #[inline]
    #[must_use]
    pub fn is_stopped(&self) -> bool {
        self.inner.stopped.load(Ordering::SeqCst)
    }

    /// A token that stops when this one does (or on its own): a stopped parent stops all its
    /// children, a stopped child leaves its parent running.
    ///
    /// ```
    /// let parent = threadkit::StopToken::new();
    /// let child = parent.child();
    /// assert!(child.stop());
    /// assert!(!parent.is_stopped());
    /// let other = parent.child();
    /// parent.stop();
    /// assert!(other.is_stopped());
    /// ```
    #[must_use]
    pub fn child(&self) -> StopToken {
        let child = StopToken::new();
        let weak: Weak<Inner> = Arc::downgrade(&child.inner);
        // The parent keeps only a weak link: a dropped child costs nothing but its entry.
        self.on_stop(move || {
            if let Some(inner) = weak.upgrade() {
                StopToken { inner }.stop();
            }
        })
        .forget();
        child
    }

    /// A child of this token that also stops by itself once `timeout` has passed (.NET:
    /// `CancelAfter`). The deadline runs on a daemon [`Timer`](crate::Timer), cancelled if
    /// the token stops first.
    ///
    /// ```
    /// use std::time::Duration;
    /// let t = threadkit::StopToken::new().after(Duration::from_millis(1));
    /// while !t.is_stopped() {
    ///     std::thread::yield_now();
    /// }
    /// ```
    #[must_use]
    pub fn after(&self, timeout: Duration) -> StopToken {
        let child = self.child();
        let stopper = child.clone();
        let timer = crate::Timer::with_builder(
            crate::Builder::new()
                .name("threadkit-stop-after")
                .daemon(true),
            timeout,
            move || {
                stopper.stop();
            },
        );
        if timer.start().is_ok() {
            let timer = Arc::new(timer);
            let t = Arc::clone(&timer);
            child
                .on_stop(move || {
                    t.cancel();
                })
                .forget();
        } else {
            // No thread for the deadline: the token is stopped at once rather than never.
            child.stop();
        }
        child
    }

    /// Runs `callback` when the stop is requested (at once, here, if it already was); the
    /// returned [`StopCallback`] removes it when dropped, unless it already ran
    /// (C++: `std::stop_callback`; .NET: `CancellationToken.Register`).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    ///
    /// let token = threadkit::StopToken::new();
    /// let ran = Arc::new(AtomicBool::new(false));
    /// let r = Arc::clone(&ran);
    /// let _callback = token.on_stop(move || r.store(true, Ordering::SeqCst));
    /// token.stop();
    /// assert!(ran.load(Ordering::SeqCst));
    /// ```
    pub fn on_stop(&self, callback: impl FnOnce() + Send + 'static) -> StopCallback {
        let id = {
            let mut hooks = lock(&self.inner.hooks);
            if self.is_stopped() {
                drop(hooks);
                callback();
                None
            } else {
                hooks.next += 1;
                let id = hooks.next;
                hooks.callbacks.push((id, Box::new(callback)));
                Some(id)
            }
        };
        StopCallback {
            token: Arc::downgrade(&self.inner),
            id,
        }
    }

    /// Runs `f` on this thread with this token as the thread's own (see [`stop_token`]):
    /// its blocking calls honour this token meanwhile. The thread's token comes back after.
    ///
    /// ```
    /// let token = threadkit::StopToken::new();
    /// token.stop();
    /// let stopped = token.run(|| threadkit::stop_requested());
    /// assert!(stopped);
    /// ```
    pub fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        current::with_token(self.clone(), f)
    }
}

impl std::fmt::Debug for StopToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StopToken")
            .field("stopped", &self.is_stopped())
            .finish_non_exhaustive()
    }
}

/// A callback registered by [`StopToken::on_stop`]: dropping it removes the callback (if it
/// has not run).
///
/// ```
/// let token = threadkit::StopToken::new();
/// let callback = token.on_stop(|| unreachable!("removed before the stop"));
/// drop(callback);
/// token.stop();
/// ```
#[must_use = "dropping it removes the callback; call `forget` to keep it"]
pub struct StopCallback {
    token: Weak<Inner>,
    id: Option<u64>,
}

impl StopCallback {
    /// Keeps the callback registered for the token's whole life.
    ///
    /// ```
    /// let token = threadkit::StopToken::new();
    /// token.on_stop(|| println!("stopped")).forget();
    /// token.stop();
    /// ```
    pub fn forget(mut self) {
        self.id = None;
    }
}

impl Drop for StopCallback {
    fn drop(&mut self) {
        if let (Some(id), Some(inner)) = (self.id, self.token.upgrade()) {
            lock(&inner.hooks).callbacks.retain(|(i, _)| *i != id);
        }
    }
}

impl std::fmt::Debug for StopCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StopCallback").finish_non_exhaustive()
    }
}
