//! "All threads are asleep": Go's global deadlock check, for threads.
//!
//! A cycle of owned locks is seen by the thread that closes it (`deadlock`). Other hangs have
//! no owner to follow: a `Condition` whose notifier is blocked on a lock the waiter holds, a
//! pool task waiting on a future queued behind it in a full pool, an `Event` nobody will set.
//! They share one mark: every thread of the process is parked in a threadkit wait that has no
//! deadline, so nobody is left to wake anybody. The thread that falls asleep last can see
//! that, and only it, so nothing polls.
//!
//! # Without a false alarm
//!
//! - *Every thread*: the parking lot's census (`crate::wait::census`) counts the threads
//!   parked in it exactly; the operating system counts the process's threads. They must be
//!   equal, so a thread threadkit has never seen, or one blocked elsewhere (a socket, a std
//!   mutex, a sleep), prevents the report: it might wake the others.
//! - *Asleep for good*: every thread's wait record must have no deadline (a timed wait, a
//!   `Timer`'s included, wakes by itself), and be a recorded wait (a thread parked while
//!   diagnostics were off, or on an internal lock, shows none).
//! - *At one instant*: the census is read before and after the records; equal readings prove
//!   that nobody left the lot in between (every exit advances its epoch), so the records read
//!   were all current.
//!
//! Where the operating system does not say how many threads the process has (anywhere but
//! Linux), the check never reports.
//!
//! The check runs in the parking thread once it is queued (`before_sleep`), where it must not
//! park; building the report may (the dump takes the registry's lock), so a thread that finds
//! the deadlock wakes itself, reports by the policy, and parks again (`Report`), panics
//! (`Panic`) or aborts (`Abort`).

use super::deadlock::{policy, DeadlockPolicy};
use super::record::{self, ThreadDiag};
use crate::wait::{census, parked_in};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

/// The census epoch (plus one) when a lock cycle was last reported: the same deadlock, seen
/// again as "all asleep" before anybody left the lot, is not reported twice.
static CYCLE_EPOCH: AtomicU64 = AtomicU64::new(0);

/// The sets of waits already reported as all asleep, as sorted (thread, object) pairs.
static REPORTED: Mutex<Vec<Vec<(u64, usize)>>> = Mutex::new(Vec::new());

/// Threads blocked outside threadkit for good that never wake another (the SIGQUIT thread):
/// counted as asleep.
static EXTERNAL: AtomicUsize = AtomicUsize::new(0);

/// The calling thread blocks outside threadkit from now on and never wakes another thread.
#[cfg_attr(not(all(unix, feature = "sigquit")), allow(dead_code))]
pub(super) fn external_sleeper() {
    EXTERNAL.fetch_add(1, Ordering::SeqCst);
}

/// A lock cycle was just reported.
pub(super) fn cycle_reported() {
    CYCLE_EPOCH.store((census() >> 32) + 1, Ordering::Relaxed);
}

/// Called by a thread queued to sleep without a deadline, with its wait recorded: `true` if
/// every thread of the process is now asleep for good (a deadlock not reported yet). The
/// caller then wakes itself and calls [`report`].
#[cold]
pub(super) fn check(me: &ThreadDiag) -> bool {
    let before = census();
    let parked = parked_in(before);
    if parked < record::live() || CYCLE_EPOCH.load(Ordering::Relaxed) == (before >> 32) + 1 {
        return false;
    }
    if os_thread_count() != Some(parked + EXTERNAL.load(Ordering::SeqCst)) {
        return false;
    }
    let threads = record::all();
    if threads.len() != parked {
        return false;
    }
    let mut key = Vec::with_capacity(parked);
    for t in &threads {
        match t.wait().0 {
            Some(wait) if wait.forever() => key.push((t.ident, wait.object)),
            _ => return false,
        }
    }
    if census() != before {
        return false;
    }
    key.sort_unstable();
    let mut reported = record::lock(&REPORTED);
    if reported.contains(&key) {
        return false;
    }
    reported.push(key);
    me.set_asleep();
    true
}

/// Reports, by the deadlock policy, that every thread is asleep; `me` found it and woke
/// itself for this. With `Report`, the caller parks again.
#[cold]
pub(super) fn report() {
    let dump = super::dump();
    let report = format!(
        "threadkit: deadlock found: all {} threads are asleep, none with a deadline, so none \
         can wake another (Go: \"all goroutines are asleep\"):\n{dump}",
        dump.threads.len()
    );
    match policy() {
        DeadlockPolicy::Report => eprint!("{report}"),
        DeadlockPolicy::Panic => std::panic::panic_any(report),
        DeadlockPolicy::Abort => {
            eprint!("{report}");
            std::process::abort();
        }
    }
}

/// The process's thread count, from the operating system.
fn os_thread_count() -> Option<usize> {
    #[cfg(target_os = "linux")]
    {
        // Field 20 of /proc/self/stat, counted after the command name's closing parenthesis
        // (the name may hold spaces and parentheses).
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        let rest = &stat[stat.rfind(')')? + 1..];
        rest.split_whitespace().nth(17)?.parse().ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn the_thread_count_comes_from_the_operating_system() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || rx.recv());
        assert!(
            super::os_thread_count().unwrap() >= 2,
            "this one and the one spawned"
        );
        drop(tx);
        t.join().unwrap().unwrap_err();
    }
}
