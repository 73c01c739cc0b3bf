//! The OS threads that run check executions' threads, reused from one threadkit thread to the
//! next.
//!
//! # Design
//!
//! A schedule of a two-thread test starts three threadkit threads (the body and its two), and
//! a fresh OS thread costs 60-90 µs to create and tear down on a busy 2-core VM (clone, the
//! guard and signal stacks, their unmapping): three of them were most of a schedule. So an
//! execution's threads run on *workers*: an OS thread that finished one threadkit thread
//! waits (a few seconds at most) for the next, of the same or a later schedule.
//!
//! Reuse must not change the steps a schedule takes, or a replay would diverge from the
//! schedule it replays. Two things could:
//! - **Lazily made thread state** whose making is a scheduling point: the threadkit ident
//!   (a process-wide counter, a threadkit atomic). A worker makes it before its first job,
//!   outside any execution, so no thread of any execution ever takes that step.
//! - **Thread state left by the previous job**: the thread's handle (`current_thread`), its
//!   stop token and its diagnostics records (locks held, a wait) are forgotten after every
//!   job; `Local` values are dropped at the end of every threadkit thread.
//!
//! Which worker runs which thread depends on the OS (a worker becomes idle in parallel with
//! the execution), so it may change a thread's ident and OS id, never its steps. A user's own
//! `std::thread_local!` values do survive from one threadkit thread to the next on a worker
//! (use [`crate::Local`], which does not); a thread with its own stack size gets a fresh OS
//! thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// How long an idle worker waits for a job before it ends.
const IDLE: Duration = Duration::from_secs(5);

type Job = Box<dyn FnOnce() + Send>;

/// A worker, as the idle list holds it.
struct Worker {
    job: Mutex<Option<Job>>,
    /// A job is in `job` (for the worker to spin on).
    posted: AtomicBool,
    thread: std::thread::Thread,
}

impl Worker {
    fn take(&self) -> Option<Job> {
        let mut slot = self.job.lock().unwrap_or_else(PoisonError::into_inner);
        let job = slot.take();
        if job.is_some() {
            self.posted.store(false, Ordering::Relaxed);
        }
        job
    }
}

/// Idle workers, the most recently idle last.
static IDLE_WORKERS: Mutex<Vec<Arc<Worker>>> = Mutex::new(Vec::new());

/// Runs `job` on an idle worker, or on a new one.
///
/// # Errors
///
/// The operating system refused a new thread.
pub(crate) fn run(job: Job) -> std::io::Result<()> {
    let idle = IDLE_WORKERS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .pop();
    match idle {
        Some(worker) => {
            {
                let mut slot = worker.job.lock().unwrap_or_else(PoisonError::into_inner);
                *slot = Some(job);
                worker.posted.store(true, Ordering::Release);
            }
            worker.thread.unpark();
            Ok(())
        }
        None => std::thread::Builder::new()
            .name("threadkit-check".to_owned())
            .spawn(move || serve(job))
            .map(drop),
    }
}

/// A worker's life: its lazily made state first, then jobs until it has been idle [`IDLE`].
fn serve(first: Job) {
    crate::thread::current_ident();
    let me = Arc::new(Worker {
        job: Mutex::new(None),
        posted: AtomicBool::new(false),
        thread: std::thread::current(),
    });
    let mut job = first;
    loop {
        job();
        crate::thread::forget_current_thread();
        crate::stop::uninstall();
        crate::diag::forget_thread();
        IDLE_WORKERS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Arc::clone(&me));
        match next_job(&me) {
            Some(next) => job = next,
            None => return,
        }
    }
}

/// Waits for the next job; `None` once idle for [`IDLE`] (and taken off the idle list).
fn next_job(me: &Arc<Worker>) -> Option<Job> {
    // The next schedule's threads come soon: a hand-off to a spinning worker costs no wake-up.
    super::runtime::spin(|| me.posted.load(Ordering::Acquire));
    let give_up = std::time::Instant::now() + IDLE;
    loop {
        if let Some(job) = me.take() {
            return Some(job);
        }
        // A stale or spurious wake-up only looks again.
        std::thread::park_timeout(give_up.saturating_duration_since(std::time::Instant::now()));
        if let Some(job) = me.take() {
            return Some(job);
        }
        if std::time::Instant::now() < give_up {
            continue;
        }
        let mut idle = IDLE_WORKERS.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(at) = idle.iter().position(|w| Arc::ptr_eq(w, me)) {
            idle.remove(at);
            return None;
        }
        // Taken off the list: its job is on the way.
    }
}
