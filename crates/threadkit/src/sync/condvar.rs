//! `Condvar`: a condition over a [`Mutex<T>`](super::Mutex), the Rust form of Python's
//! `Condition`.
//!
//! # Design
//!
//! Python's `Condition` owns its lock and guards nothing the compiler can see; the Rust pairing
//! is a mutex that owns the data and a condition variable that waits on the mutex's guard, so
//! the predicate reads the data through the guard (`wait_while(&mut guard, |balance| *balance
//! < 100)`). The condvar is a `WaitList` (`crate::wait`): a waiter is queued before its
//! guard's lock is released, so a notify made after taking the lock always finds it; it spins
//! briefly before it parks, so a prompt notify costs no system call; and notifying with nobody
//! waiting is one load. The
//! guard is borrowed (`&mut`), as in parking_lot, so it stays with the caller on every path,
//! timeout included. The forms follow the crate's rule: blocking, `_timeout`, `_deadline`;
//! a timed wait returns `false` when it gave up.

use super::mutex::MutexGuard;
use crate::diag::Kind;
use crate::facade::{Duration, Instant};
use crate::wait::{self, WaitList, Wake};
use std::cell::Cell;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};

/// A condition variable over a [`Mutex<T>`](crate::Mutex): wait on the mutex's guard until
/// the data says go (Python: `threading.Condition`, with the data inside the lock).
///
/// Any number of threads may wait; `notify` wakes the oldest, `notify_all` every one. A
/// notify needs no lock, but one made without the mutex held may pass a waiter that is
/// about to wait: change the data under the mutex, then notify.
///
/// # Examples
///
/// A bank account that waits until the balance covers a withdrawal:
///
/// ```
/// use std::sync::Arc;
/// use threadkit::{Condvar, Mutex, Thread};
///
/// let account = Arc::new((Mutex::new(0u64), Condvar::new()));
/// let a = Arc::clone(&account);
/// let withdraw = Thread::spawn(move || {
///     let (balance, funded) = &*a;
///     let mut balance = balance.lock();
///     funded.wait_while(&mut balance, |b| *b < 100);
///     *balance -= 100;
/// });
/// {
///     let (balance, funded) = &*account;
///     *balance.lock() += 150;
///     funded.notify_all();
/// }
/// withdraw.join().unwrap();
/// assert_eq!(*account.0.lock(), 50);
/// ```
pub struct Condvar {
    waiters: WaitList,
    /// What its waits are, for the diagnostics (a barrier's, `as_completed`'s, a user's).
    kind: Kind,
}

impl Condvar {
    /// Its identity in the diagnostics.
    pub(crate) fn diag_key(&self) -> usize {
        self.waiters.key()
    }

    const_fn! {
        /// A condition variable with no waiter.
        ///
        /// ```
        /// static READY: threadkit::Condvar = threadkit::Condvar::new();
        /// READY.notify_all();
        /// ```
        pub const fn new() -> Self {
            Condvar::with_kind(Kind::Condvar)
        }
    }

    const_fn! {
        /// A condvar whose waits the diagnostics show as waits on `kind` (a barrier's, a
        /// queue's…).
        pub(crate) const fn with_kind(kind: Kind) -> Self {
            Condvar {
                waiters: WaitList::new(),
                kind,
            }
        }
    }

    /// Releases the guard's lock, sleeps until notified, and takes the lock again
    /// (Python: `wait()`).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use threadkit::{Condvar, Mutex, Thread};
    ///
    /// let pair = Arc::new((Mutex::new(false), Condvar::new()));
    /// let p = Arc::clone(&pair);
    /// let t = Thread::spawn(move || {
    ///     *p.0.lock() = true;
    ///     p.1.notify();
    /// });
    /// let mut ready = pair.0.lock();
    /// while !*ready {
    ///     pair.1.wait(&mut ready);
    /// }
    /// # drop(ready);
    /// # t.join().unwrap();
    /// ```
    #[track_caller]
    pub fn wait<T: ?Sized>(&self, guard: &mut MutexGuard<'_, T>) {
        self.wait_until(guard, None);
    }

    /// Like [`wait`](Self::wait), giving up after `timeout`; `false` if it gave up
    /// (Python: `wait(timeout)`). A wait notified just as its timeout ends returns `true`:
    /// the notification is not lost.
    ///
    /// ```
    /// use std::time::Duration;
    /// let (m, c) = (threadkit::Mutex::new(()), threadkit::Condvar::new());
    /// assert!(!c.wait_timeout(&mut m.lock(), Duration::from_millis(1)));
    /// ```
    #[must_use = "false means the wait timed out"]
    #[track_caller]
    pub fn wait_timeout<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        timeout: Duration,
    ) -> bool {
        self.wait_until(guard, wait::deadline_after(timeout))
    }

    /// Like [`wait`](Self::wait), giving up at `deadline`; `false` if it gave up.
    ///
    /// ```
    /// use std::time::Instant;
    /// let (m, c) = (threadkit::Mutex::new(()), threadkit::Condvar::new());
    /// assert!(!c.wait_deadline(&mut m.lock(), Instant::now()));
    /// ```
    #[must_use = "false means the wait timed out"]
    #[track_caller]
    pub fn wait_deadline<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        deadline: Instant,
    ) -> bool {
        self.wait_until(guard, Some(deadline))
    }

    /// Waits while `condition` holds for the data (as `std`'s `Condvar::wait_while`);
    /// returns with the lock held and `condition` false.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use threadkit::{Condvar, Mutex, Thread};
    ///
    /// let jobs = Arc::new((Mutex::new(Vec::<u32>::new()), Condvar::new()));
    /// let j = Arc::clone(&jobs);
    /// let t = Thread::spawn(move || {
    ///     j.0.lock().push(7);
    ///     j.1.notify();
    /// });
    /// let mut queue = jobs.0.lock();
    /// jobs.1.wait_while(&mut queue, |q| q.is_empty());
    /// assert_eq!(queue.pop(), Some(7));
    /// # drop(queue);
    /// # t.join().unwrap();
    /// ```
    #[track_caller]
    pub fn wait_while<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        mut condition: impl FnMut(&mut T) -> bool,
    ) {
        self.wait_while_until(guard, &mut condition, None);
    }

    /// Like [`wait_while`](Self::wait_while), giving up after `timeout`; `true` if
    /// `condition` is false on return (it is checked once more at the deadline).
    ///
    /// ```
    /// use std::time::Duration;
    /// let (m, c) = (threadkit::Mutex::new(0), threadkit::Condvar::new());
    /// assert!(!c.wait_while_timeout(&mut m.lock(), Duration::from_millis(1), |n| *n == 0));
    /// assert!(c.wait_while_timeout(&mut m.lock(), Duration::ZERO, |n| *n > 0));
    /// ```
    #[must_use = "false means the wait timed out with the condition still true"]
    #[track_caller]
    pub fn wait_while_timeout<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        timeout: Duration,
        mut condition: impl FnMut(&mut T) -> bool,
    ) -> bool {
        self.wait_while_until(guard, &mut condition, wait::deadline_after(timeout))
    }

    /// Like [`wait_while`](Self::wait_while), giving up at `deadline`; `true` if `condition`
    /// is false on return.
    ///
    /// ```
    /// use std::time::Instant;
    /// let (m, c) = (threadkit::Mutex::new(1), threadkit::Condvar::new());
    /// assert!(c.wait_while_deadline(&mut m.lock(), Instant::now(), |n| *n == 0));
    /// ```
    #[must_use = "false means the wait timed out with the condition still true"]
    #[track_caller]
    pub fn wait_while_deadline<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        deadline: Instant,
        mut condition: impl FnMut(&mut T) -> bool,
    ) -> bool {
        self.wait_while_until(guard, &mut condition, Some(deadline))
    }

    /// Waits until `predicate` holds for the data (Python: `wait_for(predicate)`, the
    /// opposite sense of [`wait_while`](Self::wait_while)).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use threadkit::{Condvar, Mutex, Thread};
    ///
    /// let count = Arc::new((Mutex::new(0), Condvar::new()));
    /// let c = Arc::clone(&count);
    /// let t = Thread::spawn(move || {
    ///     for _ in 0..3 {
    ///         *c.0.lock() += 1;
    ///         c.1.notify_all();
    ///     }
    /// });
    /// let mut n = count.0.lock();
    /// count.1.wait_for(&mut n, |n| *n == 3);
    /// # drop(n);
    /// # t.join().unwrap();
    /// ```
    #[track_caller]
    pub fn wait_for<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        mut predicate: impl FnMut(&mut T) -> bool,
    ) {
        self.wait_while_until(guard, &mut |data| !predicate(data), None);
    }

    /// Like [`wait_for`](Self::wait_for), giving up after `timeout`; returns what `predicate`
    /// last returned (Python: `wait_for(predicate, timeout)`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let (m, c) = (threadkit::Mutex::new(0), threadkit::Condvar::new());
    /// assert!(!c.wait_for_timeout(&mut m.lock(), Duration::from_millis(1), |n| *n > 0));
    /// ```
    #[must_use = "false means the wait timed out with the predicate still false"]
    #[track_caller]
    pub fn wait_for_timeout<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        timeout: Duration,
        mut predicate: impl FnMut(&mut T) -> bool,
    ) -> bool {
        let deadline = wait::deadline_after(timeout);
        self.wait_while_until(guard, &mut |data| !predicate(data), deadline)
    }

    /// Like [`wait_for`](Self::wait_for), giving up at `deadline`; returns what `predicate`
    /// last returned.
    ///
    /// ```
    /// use std::time::Instant;
    /// let (m, c) = (threadkit::Mutex::new(2), threadkit::Condvar::new());
    /// assert!(c.wait_for_deadline(&mut m.lock(), Instant::now(), |n| *n == 2));
    /// ```
    #[must_use = "false means the wait timed out with the predicate still false"]
    #[track_caller]
    pub fn wait_for_deadline<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        deadline: Instant,
        mut predicate: impl FnMut(&mut T) -> bool,
    ) -> bool {
        self.wait_while_until(guard, &mut |data| !predicate(data), Some(deadline))
    }

    /// Wakes the longest-waiting thread, if any; `true` if one was woken (Python: `notify()`).
    ///
    /// ```
    /// assert!(!threadkit::Condvar::new().notify()); // nobody waits
    /// ```
    pub fn notify(&self) -> bool {
        self.waiters.wake_one()
    }

    /// Wakes up to `n` waiting threads, oldest first; returns how many (Python: `notify(n)`).
    ///
    /// ```
    /// assert_eq!(threadkit::Condvar::new().notify_n(3), 0);
    /// ```
    pub fn notify_n(&self, n: usize) -> usize {
        self.waiters.wake_n(n)
    }

    /// Wakes every waiting thread; returns how many (Python: `notify_all()`).
    ///
    /// ```
    /// assert_eq!(threadkit::Condvar::new().notify_all(), 0);
    /// ```
    pub fn notify_all(&self) -> usize {
        self.waiters.wake_all()
    }

    /// The one wait: queued, then the lock released; `false` on timeout. The lock is taken
    /// again before returning, also on timeout.
    #[track_caller]
    pub(crate) fn wait_until<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        deadline: Option<Instant>,
    ) -> bool {
        // The user's condition variable honours the thread's stop by unwinding; threadkit's
        // own monitors (a barrier's, `as_completed`'s) ask for it explicitly (`wait_in`).
        let wake = self.wait_in(guard, deadline, self.kind == Kind::Condvar);
        if wake == Wake::Stopped {
            // With the lock held again, as the caller's guard expects (`crate::stop`).
            crate::stop::unwind();
        }
        wake != Wake::TimedOut
    }

    /// The wait itself: queued, the lock released, parked (honouring the thread's stop if
    /// `stoppable`), the lock taken again whatever happened.
    #[track_caller]
    pub(crate) fn wait_in<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        deadline: Option<Instant>,
        stoppable: bool,
    ) -> Wake {
        let released = Cell::new(false);
        let waited = panic::catch_unwind(AssertUnwindSafe(|| {
            let release = || {
                guard.unlock_raw();
                released.set(true);
            };
            self.waiters.wait(self.kind, stoppable, release, deadline)
        }));
        // Re-acquired whatever happens to the thread's stop, and before a panic raised in the
        // wait (a deadlock report) goes on: the guard must hold it again.
        if released.get() {
            crate::stop::unstoppable(|| guard.relock_raw());
        }
        waited.unwrap_or_else(|p| panic::resume_unwind(p))
    }

    /// Waits while `condition` holds; `false` if the deadline passed with it still true.
    #[track_caller]
    pub(crate) fn wait_while_until<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        condition: &mut dyn FnMut(&mut T) -> bool,
        deadline: Option<Instant>,
    ) -> bool {
        while condition(guard) {
            if !self.wait_until(guard, deadline) && condition(guard) {
                return false;
            }
        }
        true
    }
}

impl Default for Condvar {
    fn default() -> Self {
        Condvar::new()
    }
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar")
            .field("waiters", &self.waiters.waiting())
            .field("kind", &self.kind)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::sync::Mutex;
    use std::sync::Arc;

    #[test]
    fn notify_all_wakes_every_waiter_and_each_sees_the_data() {
        let state = Arc::new((Mutex::new((false, 0usize)), Condvar::new()));
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                let s = Arc::clone(&state);
                std::thread::spawn(move || {
                    let mut g = s.0.lock();
                    s.1.wait_for(&mut g, |(go, _)| *go);
                    g.1 += 1;
                })
            })
            .collect();
        {
            let mut g = state.0.lock();
            g.0 = true;
            state.1.notify_all();
        }
        for w in waiters {
            w.join().unwrap();
        }
        assert_eq!(state.0.lock().1, 4);
    }

    #[test]
    fn a_timed_out_wait_gives_the_lock_back_held() {
        let (m, c) = (Mutex::new(5), Condvar::new());
        let mut g = m.lock();
        assert!(!c.wait_timeout(&mut g, Duration::from_millis(1)));
        assert!(m.is_locked());
        *g += 1;
        drop(g);
        assert_eq!(*m.lock(), 6);
    }

    #[test]
    fn ping_pong_hands_turns_without_a_lost_wakeup() {
        let rounds = if cfg!(miri) { 20 } else { 2_000 };
        let turn = Arc::new((Mutex::new(0usize), Condvar::new()));
        let t2 = Arc::clone(&turn);
        let other = std::thread::spawn(move || {
            for i in 0..rounds {
                let mut g = t2.0.lock();
                t2.1.wait_while(&mut g, |t| *t != 2 * i + 1);
                *g += 1;
                t2.1.notify();
            }
        });
        for i in 0..rounds {
            let mut g = turn.0.lock();
            turn.1.wait_while(&mut g, |t| *t != 2 * i);
            *g += 1;
            turn.1.notify();
        }
        other.join().unwrap();
        assert_eq!(*turn.0.lock(), 2 * rounds);
    }
}
