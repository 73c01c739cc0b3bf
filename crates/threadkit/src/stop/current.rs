//! The calling thread's own token: set for a threadkit thread when it starts, lent by
//! [`StopToken::run`], read by the door on every park.

use super::{StopToken, Stopped};
use std::cell::{Cell, RefCell};
use std::time::Duration;

thread_local! {
    static CURRENT: RefCell<Option<StopToken>> = const { RefCell::new(None) };
    /// Nested [`unstoppable`] sections running now.
    static UNSTOPPABLE: Cell<usize> = const { Cell::new(0) };
}

/// Runs `f` with the thread's stop ignored by its blocking calls: threadkit's own steps that
/// must complete once begun (a condition's wait re-acquiring its lock before it returns or
/// unwinds, so the caller's guard is right).
pub(crate) fn unstoppable<R>(f: impl FnOnce() -> R) -> R {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            UNSTOPPABLE.with(|u| u.set(u.get() - 1));
        }
    }
    UNSTOPPABLE.with(|u| u.set(u.get() + 1));
    let _leave = Leave;
    f()
}

/// Makes `token` the calling thread's own, for good (a threadkit thread, as it starts).
pub(crate) fn install(token: StopToken) {
    CURRENT.with(|c| *c.borrow_mut() = Some(token));
}

/// Runs `f` with `token` as the thread's own, restoring the previous one after (also when `f`
/// unwinds).
pub(super) fn with_token<R>(token: StopToken, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<StopToken>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            let _ = CURRENT.try_with(|c| *c.borrow_mut() = previous);
        }
    }
    let previous = CURRENT.with(|c| c.borrow_mut().replace(token));
    let _restore = Restore(previous);
    f()
}

/// Whether a stop may unwind the calling thread now: not while it unwinds already (a panic
/// during a panic aborts) nor in an [`unstoppable`] section.
pub(crate) fn may_unwind() -> bool {
    UNSTOPPABLE.try_with(Cell::get).unwrap_or(0) == 0 && !std::thread::panicking()
}

/// The calling OS thread has no token any more (check mode's workers, between the threadkit
/// threads they run).
#[cfg(all(feature = "check", not(loom)))]
pub(crate) fn uninstall() {
    let _ = CURRENT.try_with(|c| c.borrow_mut().take());
}

/// Whether `token` is the calling thread's own now (not lent over by [`StopToken::run`]).
pub(crate) fn is_current(token: &StopToken) -> bool {
    CURRENT
        .try_with(|c| {
            c.borrow()
                .as_ref()
                .is_some_and(|t| std::sync::Arc::ptr_eq(&t.inner, &token.inner))
        })
        .unwrap_or(false)
}

/// The calling thread's token, if it has one (the door's question).
#[inline]
pub(crate) fn current() -> Option<StopToken> {
    // While the thread unwinds (from a stop or a panic), its drops may block (a pool's drop
    // waits for its workers): a stop there would panic during a panic, an abort.
    if !may_unwind() {
        return None;
    }
    CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()
}

/// The calling thread's stop token: a threadkit thread's own (what
/// [`ThreadHandle::request_stop`](crate::ThreadHandle::request_stop) stops), the one lent by
/// [`StopToken::run`], or, on a thread that has neither, a new token kept as its own from
/// then on (nothing else can stop it).
///
/// ```
/// let t = threadkit::Thread::spawn(|| {
///     while !threadkit::stop_token().is_stopped() {
///         std::thread::yield_now();
///     }
///     "asked to stop"
/// });
/// t.request_stop();
/// assert_eq!(t.into_output().unwrap(), "asked to stop");
/// ```
#[must_use]
pub fn stop_token() -> StopToken {
    CURRENT.with(|c| c.borrow_mut().get_or_insert_with(StopToken::new).clone())
}

/// Whether the calling thread's stop was requested (see [`stop_token`]); for a loop that
/// polls between blocking calls.
///
/// ```
/// assert!(!threadkit::stop_requested());
/// ```
#[must_use]
pub fn stop_requested() -> bool {
    CURRENT
        .try_with(|c| c.borrow().as_ref().is_some_and(StopToken::is_stopped))
        .unwrap_or(false)
}

/// Ends a blocking call that has no `Result` to say it was stopped: unwinds with the
/// [`Stopped`] payload, without the panic hook (nothing is printed); a threadkit thread or pool
/// task ends with it as its "stopped" outcome.
pub(crate) fn unwind() -> ! {
    std::panic::resume_unwind(Box::new(Stopped))
}

/// Sleeps for `duration` (Python: `time.sleep`), unless the calling thread's stop is requested
/// first: then it unwinds with [`Stopped`] at once (see the crate docs' "Stopping work").
///
/// ```
/// use std::time::Duration;
/// use threadkit::{JoinError, Thread};
///
/// threadkit::sleep(Duration::from_millis(1));
/// let sleeper = Thread::spawn(|| threadkit::sleep(Duration::from_secs(3600)));
/// sleeper.request_stop();
/// assert!(matches!(sleeper.join(), Err(JoinError::Stopped)));
/// ```
#[track_caller]
pub fn sleep(duration: Duration) {
    let deadline = crate::wait::deadline_after(duration);
    // A key of its own: this stack slot, which nobody else parks on or wakes.
    let place = 0u8;
    let key = crate::wait::key_of(&place);
    loop {
        let wake = crate::wait::park_stoppable(
            crate::diag::Kind::Sleep,
            key,
            || true,
            || {},
            |_| {},
            deadline,
        );
        match wake {
            crate::wait::Wake::Stopped => unwind(),
            crate::wait::Wake::TimedOut => return,
            // Nobody wakes this key; a deadline beyond `Instant`'s range sleeps forever.
            _ if crate::wait::expired(deadline) => return,
            _ => {}
        }
    }
}
