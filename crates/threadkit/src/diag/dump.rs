//! `dump()`: every thread threadkit knows, what it waits on and holds, like `jstack`; and the
//! `faulthandler.dump_traceback_later` watchdog.
//!
//! A dump reads the records (`record`) and the thread registry; it takes no lock a waiting
//! thread holds and stops nobody. Without diagnostics recording it still lists the threads
//! and the pools, with no wait or lock detail.

use super::deadlock::{object_name, thread_name};
use super::record::{self, Kind};
use crate::sync::Timer;
use crate::thread::{Builder, ThreadHandle};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A snapshot of every thread threadkit knows and of the live thread pools
/// (from [`dump`]). `Display` prints it like Java's `jstack`.
///
/// ```
/// let dump = threadkit::dump();
/// assert!(dump.threads.iter().any(|t| t.name == "MainThread"));
/// println!("{dump}");
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Dump {
    /// The threads: threadkit's, the main thread, foreign threads that used threadkit.
    pub threads: Vec<ThreadDump>,
    /// The thread pools with started workers: their name prefix and counts.
    pub pools: Vec<(String, crate::ExecutorStats)>,
    /// Whether wait and lock records were on (see [`set_diagnostics`](crate::set_diagnostics));
    /// without them every thread shows as running.
    pub recording: bool,
}

/// One thread of a [`Dump`].
///
/// ```
/// let dump = threadkit::dump();
/// let main = dump.threads.iter().find(|t| t.name == "MainThread").unwrap();
/// assert_eq!(main.ident, Some(1));
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct ThreadDump {
    /// The thread's name.
    pub name: String,
    /// Its threadkit ident.
    pub ident: Option<u64>,
    /// The operating system's id.
    pub native_id: Option<u64>,
    /// Whether it is a daemon thread.
    pub daemon: bool,
    /// Running, or what it waits on.
    pub state: ThreadState,
    /// The locks it holds, oldest first.
    pub holds: Vec<HeldLock>,
}

/// What a thread of a [`Dump`] is doing.
///
/// ```
/// let dump = threadkit::dump();
/// let me = dump.threads.iter().find(|t| t.name == "MainThread").unwrap();
/// assert!(matches!(me.state, threadkit::ThreadState::Running));
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum ThreadState {
    /// Not in a threadkit wait.
    Running,
    /// Parked in a threadkit wait.
    Waiting {
        /// What it waits on, e.g. `Lock 0x55d0c1a0` or `thread "Thread-2" (ident 3)`.
        on: String,
        /// "to acquire", "to join", "on", …
        verb: &'static str,
        /// Where the wait was called (`file:line:column`).
        at: String,
        /// How long it has waited.
        waited: Duration,
        /// Whether the wait has a deadline (a timed wait gives up by itself).
        timed: bool,
        /// The thread holding what it waits for, and where that thread acquired it.
        held_by: Option<(String, String)>,
    },
}

/// A lock held by a thread of a [`Dump`].
///
/// ```
/// let lock = threadkit::Lock::new();
/// threadkit::set_diagnostics(true);
/// let _g = lock.guard();
/// let dump = threadkit::dump();
/// let me = dump.threads.iter().find(|t| t.name == "MainThread").unwrap();
/// assert_eq!(me.holds.len(), 1);
/// assert!(me.holds[0].acquired_at.contains(".rs:"));
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct HeldLock {
    /// The lock, e.g. `Lock 0x55d0c1a0`.
    pub lock: String,
    /// Where it was acquired.
    pub acquired_at: String,
}

/// A snapshot of every thread threadkit knows, what each waits on (and who holds it), the
/// locks each holds, and the live pools; nothing is stopped
/// (Java: `jstack`; Python: `faulthandler.dump_traceback`).
///
/// ```
/// use std::sync::Arc;
/// use threadkit::{Event, Thread};
///
/// threadkit::set_diagnostics(true);
/// let gate = Arc::new(Event::new());
/// let g = Arc::clone(&gate);
/// let t = Thread::builder().name("waiter").spawn(move || g.wait()).unwrap();
/// while !threadkit::dump().to_string().contains("waiting on Event") {
///     std::thread::yield_now();
/// }
/// gate.set();
/// t.join().unwrap();
/// ```
#[must_use]
pub fn dump() -> Dump {
    super::apply_environment();
    let recording = super::recording();
    let records = record::all();
    let mut handles = crate::thread::enumerate();
    handles.sort_by_key(ThreadHandle::ident);
    let threads = handles
        .iter()
        .map(|handle| {
            let diag = handle
                .ident()
                .and_then(|ident| records.iter().find(|r| r.ident == ident));
            thread_dump(handle, diag.map(|d| &**d), &records)
        })
        .collect();
    Dump {
        threads,
        pools: crate::executor::live_pools(),
        recording,
    }
}

fn thread_dump(
    handle: &ThreadHandle,
    diag: Option<&record::ThreadDiag>,
    records: &[Arc<record::ThreadDiag>],
) -> ThreadDump {
    let (state, holds) = match diag {
        None => (ThreadState::Running, Vec::new()),
        Some(diag) => {
            let state = match diag.wait().0 {
                None => ThreadState::Running,
                Some(wait) => {
                    let held_by = if let Kind::Join(_) = wait.kind {
                        None
                    } else if wait.kind.has_holder() {
                        record::holder_of(records, wait.object)
                            .map(|(t, held)| (thread_name(t.ident), held.site.to_string()))
                    } else {
                        None
                    };
                    ThreadState::Waiting {
                        on: object_name(wait.kind, wait.object),
                        verb: wait.kind.verb(),
                        at: wait.site.to_string(),
                        waited: wait.since.elapsed(),
                        timed: wait.deadline.is_some(),
                        held_by,
                    }
                }
            };
            let holds = diag
                .held()
                .into_iter()
                .map(|h| HeldLock {
                    lock: object_name(h.kind, h.object),
                    acquired_at: h.site.to_string(),
                })
                .collect();
            (state, holds)
        }
    };
    ThreadDump {
        name: handle.name(),
        ident: handle.ident(),
        native_id: handle.native_id(),
        daemon: handle.is_daemon(),
        state,
        holds,
    }
}

impl fmt::Display for Dump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "threadkit dump: {} threads", self.threads.len())?;
        if !self.recording {
            writeln!(
                f,
                "  (diagnostics are off: no wait or lock detail; threadkit::set_diagnostics(true) \
                 or THREADKIT_DIAGNOSTICS=1)"
            )?;
        }
        for t in &self.threads {
            write!(f, "\n{:?}", t.name)?;
            if let Some(ident) = t.ident {
                write!(f, " ident={ident}")?;
            }
            if let Some(native) = t.native_id {
                write!(f, " native_id={native}")?;
            }
            if t.daemon {
                write!(f, " daemon")?;
            }
            writeln!(f)?;
            match &t.state {
                ThreadState::Running => writeln!(f, "   running")?,
                ThreadState::Waiting {
                    on,
                    verb,
                    at,
                    waited,
                    timed,
                    held_by,
                } => {
                    let timed = if *timed { " (timed)" } else { "" };
                    writeln!(
                        f,
                        "   waiting {verb} {on} at {at}, for {:.3} s{timed}",
                        waited.as_secs_f64()
                    )?;
                    if let Some((holder, site)) = held_by {
                        writeln!(f, "     held by thread {holder}, acquired at {site}")?;
                    }
                }
            }
            for held in &t.holds {
                writeln!(
                    f,
                    "   holds {} (acquired at {})",
                    held.lock, held.acquired_at
                )?;
            }
        }
        for (prefix, stats) in &self.pools {
            writeln!(
                f,
                "\npool {prefix:?}: {} of {} workers, {} idle, {} tasks queued, {} completed",
                stats.workers, stats.max_workers, stats.idle, stats.queued, stats.completed
            )?;
        }
        Ok(())
    }
}

/// Prints [`dump`] on stderr if the process is still running after `timeout`, unless the
/// returned watchdog was dropped or cancelled first (Python:
/// `faulthandler.dump_traceback_later(timeout)`). The watchdog runs on a daemon thread.
///
/// ```
/// use std::time::Duration;
/// let watchdog = threadkit::dump_after(Duration::from_secs(600));
/// // ... work that should finish well before then ...
/// drop(watchdog); // finished: no dump
/// ```
pub fn dump_after(timeout: Duration) -> DumpWatchdog {
    let timer = Timer::with_builder(
        Builder::new().name("threadkit-dump-watchdog").daemon(true),
        timeout,
        || {
            eprint!(
                "threadkit: still running after the watchdog's timeout\n{}",
                dump()
            );
        },
    );
    // A watchdog that cannot start a thread is no watchdog: say so rather than pretend.
    if let Err(e) = timer.start() {
        eprintln!("threadkit: dump_after could not start its thread: {e}");
    }
    DumpWatchdog {
        timer,
        armed_at: Instant::now(),
    }
}

/// The watchdog of [`dump_after`]: dropping it (or [`cancel`](Self::cancel)) disarms it.
///
/// ```
/// let w = threadkit::dump_after(std::time::Duration::from_secs(60));
/// assert!(w.cancel());
/// ```
#[must_use = "dropping the watchdog disarms it"]
pub struct DumpWatchdog {
    timer: Timer,
    armed_at: Instant,
}

impl DumpWatchdog {
    /// Disarms the watchdog; `true` if it had not fired.
    ///
    /// ```
    /// let w = threadkit::dump_after(std::time::Duration::from_secs(60));
    /// assert!(w.cancel());
    /// ```
    #[allow(clippy::must_use_candidate)] // called for its effect, as `Timer::cancel`
    pub fn cancel(self) -> bool {
        self.timer.cancel()
    }
}

impl DumpWatchdog {
    /// Whether the watchdog fired (printed its dump).
    ///
    /// ```
    /// let w = threadkit::dump_after(std::time::Duration::from_secs(60));
    /// assert!(!w.has_fired());
    /// ```
    #[must_use]
    pub fn has_fired(&self) -> bool {
        self.timer.has_fired()
    }
}

impl Drop for DumpWatchdog {
    fn drop(&mut self) {
        self.timer.cancel();
    }
}

impl fmt::Debug for DumpWatchdog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DumpWatchdog")
            .field("armed_for", &self.armed_at.elapsed())
            .finish_non_exhaustive()
    }
}
