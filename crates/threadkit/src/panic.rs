//! Panics as values: the one place that catches a panic in user code.
//!
//! Threads, timers and pool tasks run user closures through [`catch`]. While a closure runs
//! under `catch`, the process panic hook records the panic's message and location for this
//! thread instead of printing it, so the panic is reported exactly once: by the thread's
//! excepthook, or by whoever receives the failure (`join`, `Future::result`). Panics outside
//! `catch` go to whatever hook was installed before threadkit's, unchanged.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Once};

/// A panic caught in user code run by threadkit: its message and where it happened.
///
/// This is what Python would call the exception of a thread or a task. It is cheap to clone,
/// so every joiner of a thread can receive it.
///
/// # Examples
///
/// ```
/// use threadkit::Thread;
///
/// let t = Thread::spawn(|| -> () { panic!("boom") });
/// let err = t.join().unwrap_err();
/// let panic = err.panic().unwrap();
/// assert_eq!(panic.message(), "boom");
/// assert!(panic.location().unwrap().contains(".rs:"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Panic {
    /// One pointer, so a failed outcome (`FutureError`) stays small beside a task's value.
    inner: Arc<PanicInfo>,
}

#[derive(PartialEq, Eq)]
struct PanicInfo {
    message: Box<str>,
    location: Option<Box<str>>,
    /// The unwind of a stopped blocking call ([`crate::Stopped`]), not a failure.
    stop: bool,
}

impl Panic {
    /// Builds a panic value by hand (for tests and for hooks that re-raise).
    ///
    /// ```
    /// let p = threadkit::Panic::new("oops");
    /// assert_eq!(p.to_string(), "oops");
    /// ```
    pub fn new(message: impl Into<String>) -> Self {
        Panic {
            inner: Arc::new(PanicInfo {
                message: message.into().into_boxed_str(),
                location: None,
                stop: false,
            }),
        }
    }

    /// The panic message (the payload if it was a string, else a placeholder).
    ///
    /// ```
    /// assert_eq!(threadkit::Panic::new("x").message(), "x");
    /// ```
    #[must_use]
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// `file:line:column` of the `panic!`, when the panic hook saw it.
    ///
    /// ```
    /// assert_eq!(threadkit::Panic::new("x").location(), None);
    /// ```
    #[must_use]
    pub fn location(&self) -> Option<&str> {
        self.inner.location.as_deref()
    }

    /// Whether this is the unwind of a stopped blocking call (see `crate::stop`): the
    /// thread or task was stopped, it did not fail.
    pub(crate) fn is_stop(&self) -> bool {
        self.inner.stop
    }

    /// `panicked at file:line:col:` (when known) and the message, as the reports print it.
    pub(crate) fn report_text(&self) -> String {
        match self.location() {
            Some(location) => format!("panicked at {location}:\n{}", self.message()),
            None => self.message().to_owned(),
        }
    }

    fn from_payload(payload: &(dyn Any + Send), location: Option<Box<str>>) -> Self {
        // A panic caught before and raised again (`resume_unwind(Box::new(panic))`) is itself.
        if let Some(p) = payload.downcast_ref::<Panic>() {
            return p.clone();
        }
        let message: Box<str> = if let Some(s) = payload.downcast_ref::<&'static str>() {
            (*s).into()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.as_str().into()
        } else if payload.is::<crate::Stopped>() {
            crate::Stopped.to_string().into()
        } else {
            "Box<dyn Any>".into()
        };
        Panic {
            inner: Arc::new(PanicInfo {
                message,
                location,
                stop: payload.is::<crate::Stopped>(),
            }),
        }
    }
}

impl fmt::Debug for Panic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Panic")
            .field("message", &self.message())
            .field("location", &self.location())
            .finish()
    }
}

impl fmt::Display for Panic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Panic {}

thread_local! {
    /// How many `catch` frames are active on this thread.
    static CATCHING: Cell<usize> = const { Cell::new(0) };
    /// The location the hook recorded for the panic in flight.
    static LOCATION: RefCell<Option<Box<str>>> = const { RefCell::new(None) };
}

fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CATCHING.with(Cell::get) > 0 {
                let location = info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()).into());
                LOCATION.with(|slot| *slot.borrow_mut() = location);
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into a [`Panic`] value without printing it.
pub(crate) fn catch<T>(f: impl FnOnce() -> T) -> Result<T, Panic> {
    install_hook();
    CATCHING.with(|c| c.set(c.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(c.get() - 1));
    result.map_err(|payload| {
        let location = LOCATION.with(|slot| slot.borrow_mut().take());
        let panic = Panic::from_payload(&*payload, location);
        // The payload's destructor is user code too: keep its panic from escaping.
        let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(payload)));
        panic
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_raised_again_is_caught_as_itself() {
        let first = catch(|| panic!("first")).unwrap_err();
        let again = catch(|| panic::resume_unwind(Box::new(first.clone()))).unwrap_err();
        assert_eq!(again.message(), "first");
        assert_eq!(again.location(), first.location());
        let stop = catch(|| crate::stop::unwind()).unwrap_err();
        assert!(catch(|| panic::resume_unwind(Box::new(stop)))
            .unwrap_err()
            .is_stop());
    }

    #[test]
    fn catches_str_and_string_payloads() {
        let p = catch(|| panic!("static")).unwrap_err();
        assert_eq!(p.message(), "static");
        assert!(p.location().unwrap().contains("panic.rs"));
        let p = catch(|| panic!("formatted {}", 7)).unwrap_err();
        assert_eq!(p.message(), "formatted 7");
        let p = catch(|| std::panic::panic_any(42_u8)).unwrap_err();
        assert_eq!(p.message(), "Box<dyn Any>");
    }

    #[test]
    fn passes_values_through() {
        assert_eq!(catch(|| 5).unwrap(), 5);
    }

    #[test]
    fn nested_catch_is_balanced() {
        let outer = catch(|| catch(|| panic!("inner")).unwrap_err().message().to_owned());
        assert_eq!(outer.unwrap(), "inner");
        assert_eq!(CATCHING.with(Cell::get), 0);
    }
}
