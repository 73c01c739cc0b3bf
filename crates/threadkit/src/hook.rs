//! `Hook<A>`: a replaceable process-wide callback with a default, as Python's
//! `threading.excepthook`. Serves the excepthook of threads and the report of failures no
//! one retrieved from a future.

use crate::panic;
use crate::sync::Mutex;
use std::io::Write;
use std::sync::Arc;

type Callback<A> = Arc<dyn Fn(&A) + Send + Sync>;

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
                installed: Mutex::new(None),
            }
        }
    }

    pub(crate) fn set(&self, callback: impl Fn(&A) + Send + Sync + 'static) {
        *self.installed.lock() = Some(Arc::new(callback));
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
