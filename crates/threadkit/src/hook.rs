//! `Hook<A>`: a replaceable process-wide callback with a default, as Python's
//! `threading.excepthook`. Serves the excepthook of threads and the report of failures no
//! one retrieved from a future.

use crate::panic;
use crate::sync::Mutex;
use std::io::Write;
use std::sync::Arc;

pub(crate) type Callback<A> = Arc<dyn Fn(&A) + Send + Sync>;

pub(crate) struct Hook<A: 'static> {
    /// What the hook is called in reports of its own panics.
    name: &'static str,
    default: fn(&A),
    installed: Mutex<Option<Callback<A>>>,
}

impl<A: 'static> Hook<A> {
    const_fn! {
        pub(crate) const fn new(name: &'static str, default: fn(&A)) -> Self {
            Hook {
                name,
                default,
                installed: Mutex::new_internal(None),
            }
        }
    }

    /// Installs `callback`; returns the hook it replaces (the default, if none was set).
    pub(crate) fn set(&self, callback: impl Fn(&A) + Send + Sync + 'static) -> Callback<A> {
        let previous = self.installed.lock().replace(Arc::new(callback));
        previous.unwrap_or_else(|| Arc::new(self.default))
    }

    /// The installed hook, or the default.
    pub(crate) fn current(&self) -> Callback<A> {
        let installed = self.installed.lock().clone();
        installed.unwrap_or_else(|| Arc::new(self.default))
    }

    pub(crate) fn reset(&self) {
        *self.installed.lock() = None;
    }

    /// Calls the installed callback (outside the lock), or the default. A callback that
    /// panics is reported, and the default runs too, so nothing is lost.
    pub(crate) fn call(&self, args: &A) {
        let installed = self.installed.lock().clone();
        match installed {
            None => (self.default)(args),
            Some(callback) => {
                if let Err(p) = panic::catch(|| callback(args)) {
                    let _ = writeln!(std::io::stderr(), "Exception in {}: {p}", self.name);
                    (self.default)(args);
                }
            }
        }
    }
}
