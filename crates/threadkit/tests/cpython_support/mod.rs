//! Helpers shared by the ports of CPython's threading tests (`cpython_*.rs`).
//!
//! - [`bunch`]: CPython's `Bunch` (`lock_tests.py`): `n` threads running the same function,
//!   started with `std::thread` so that, as with CPython's `_thread.start_new_thread`, they
//!   are threads threadkit did not start ("foreign" threads);
//! - [`wait_until`]: poll a condition, with a hang guard instead of a fixed sleep;
//! - [`wait_blocked`]: wait until threads sleep in the kernel, where CPython's tests sleep
//!   "long enough" for threads to block on a lock or an event.

#![allow(dead_code)]

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Long enough that reaching it means a hang, never a slow machine. Used only as a bound on
/// waits that must succeed, never as an assertion that something was fast.
pub(crate) const HANG_GUARD: Duration = Duration::from_secs(60);

/// Polls `done` until it holds; panics with `what` after [`HANG_GUARD`].
pub(crate) fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + HANG_GUARD;
    while !done() {
        assert!(Instant::now() < deadline, "hang guard: never {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The scheduler state of thread `tid` of this process (`'S'` sleeping, `'R'` running...),
/// or `None` once the thread has exited.
#[cfg(target_os = "linux")]
fn thread_state(tid: u64) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    // `tid (comm) S ...`: the name may hold spaces and parentheses, the state follows the
    // last `)`.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.trim_start().chars().next()
}

/// Waits until each thread in `tids` either sleeps in the kernel (on Linux: state `S` seen
/// on several reads in a row) or has exited.
///
/// The threads must have announced that they are about to block on a threadkit primitive
/// and have nothing else that sleeps left to do before it: then "sleeping" means "blocked in
/// that call". This replaces CPython's `wait_threads_blocked`, an arbitrary sleep.
pub(crate) fn wait_blocked(tids: &[u64]) {
    #[cfg(target_os = "linux")]
    {
        const STABLE_READS: u32 = 3;
        for &tid in tids {
            let mut asleep = 0;
            wait_until(&format!("saw thread {tid} blocked"), || {
                match thread_state(tid) {
                    None => return true,
                    Some('S') => asleep += 1,
                    Some(_) => asleep = 0,
                }
                asleep >= STABLE_READS
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = tids;
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The progress of a [`bunch`] of threads.
pub(crate) struct Bunch {
    n: usize,
    started: AtomicUsize,
    finished: AtomicUsize,
    can_exit: AtomicBool,
    tids: Mutex<Vec<u64>>,
}

impl Bunch {
    /// How many threads have returned from (or panicked in) the function.
    pub(crate) fn finished(&self) -> usize {
        self.finished.load(Ordering::SeqCst)
    }

    /// Lets threads created with `wait_before_exit` end (CPython: `do_finish()`).
    pub(crate) fn do_finish(&self) {
        self.can_exit.store(true, Ordering::SeqCst);
    }

    /// The operating system ids of the threads.
    pub(crate) fn tids(&self) -> Vec<u64> {
        self.tids.lock().unwrap().clone()
    }

    /// Waits until every thread of the bunch sleeps in the kernel or has exited (see
    /// [`wait_blocked`]).
    pub(crate) fn wait_blocked(&self) {
        wait_blocked(&self.tids());
    }
}

/// CPython's `with Bunch(f, n, wait_before_exit) as bunch: body`: starts `n` threads running
/// `f`, waits until all have started, runs `body`, then waits until every thread has ended.
/// A panic in `f` is re-raised here once all threads have ended (CPython: the `ExceptionGroup`
/// raised by `__exit__`). With `wait_before_exit`, the threads wait after `f` returns until
/// [`Bunch::do_finish`] is called or `body` ends.
pub(crate) fn bunch<R>(
    n: usize,
    wait_before_exit: bool,
    f: impl Fn() + Sync,
    body: impl FnOnce(&Bunch) -> R,
) -> R {
    let b = Bunch {
        n,
        started: AtomicUsize::new(0),
        finished: AtomicUsize::new(0),
        can_exit: AtomicBool::new(!wait_before_exit),
        tids: Mutex::new(Vec::new()),
    };
    /// Lets the threads end however `body` ends, so a failing test never hangs.
    struct Finish<'a>(&'a Bunch);
    impl Drop for Finish<'_> {
        fn drop(&mut self) {
            self.0.do_finish();
        }
    }
    std::thread::scope(|s| {
        for _ in 0..n {
            s.spawn(|| {
                b.tids.lock().unwrap().push(threadkit::get_native_id());
                b.started.fetch_add(1, Ordering::SeqCst);
                let outcome = panic::catch_unwind(AssertUnwindSafe(&f));
                b.finished.fetch_add(1, Ordering::SeqCst);
                wait_until("was allowed to exit", || b.can_exit.load(Ordering::SeqCst));
                if let Err(payload) = outcome {
                    panic::resume_unwind(payload);
                }
            });
        }
        let finish = Finish(&b);
        wait_until("saw every thread start", || {
            b.started.load(Ordering::SeqCst) == b.n
        });
        let result = body(&b);
        drop(finish);
        result
    })
}

/// The earliest instant a timed wait of `timeout` that starts now may give up: the wait
/// computes its own deadline after this call, so it is at least this late.
pub(crate) fn earliest_give_up(timeout: Duration) -> Instant {
    Instant::now() + timeout
}

/// Whether it is now no earlier than `earliest` (see [`earliest_give_up`]): checked right
/// after a timed wait gave up, it says the wait did not give up before its deadline. A
/// guarantee of the deadline and the monotonic clock, whatever the load: nothing is asserted
/// about how late the wait was.
pub(crate) fn not_early(earliest: Instant) -> bool {
    Instant::now() >= earliest
}
