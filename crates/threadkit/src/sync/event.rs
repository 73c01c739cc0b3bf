//! `Event`: Python's `threading.Event`, a flag threads can wait for.
//!
//! One word of state: `SET`, `PARKED` (somebody sleeps), and above them a generation that
//! every `set` of a cleared event advances. `set` wakes everybody only when `PARKED` was on,
//! so setting an event nobody waits for costs one compare-exchange.
//!
//! A `set()` followed at once by `clear()` must still release every thread already waiting,
//! and their `wait` returns true (CPython's contract since bpo-13502 / gh-57711). A waiter
//! therefore never decides from the flag alone: it notes the generation when it starts, and
//! returns true once the flag is set *or* the generation has moved, however briefly the flag
//! stayed set. A waiter unparked checks the generation too: a `set` delayed between its state
//! change and its wake-up may wake a later wait, which must not count it.

use crate::diag::Kind;
use crate::facade::{AtomicUsize, Duration, Instant, Ordering};
use crate::wait::{self, SpinWait, Wake};
use std::fmt;

const SET: usize = 1;
const PARKED: usize = 2;
/// One generation: the bits above `SET` and `PARKED`.
const GENERATION: usize = 4;
const FLAGS: usize = SET | PARKED;

/// A boolean flag that threads wait on, like Python's `threading.Event`.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use threadkit::{Event, Thread};
///
/// let ready = Arc::new(Event::new());
/// let r = Arc::clone(&ready);
/// let t = Thread::spawn(move || r.wait());
/// ready.set();
/// assert!(t.into_output().unwrap());
/// ```
pub struct Event {
    state: AtomicUsize,
}

impl Event {
    /// Its identity in the diagnostics.
    pub(crate) fn diag_key(&self) -> usize {
        wait::key_of(&self.state)
    }

    const_fn! {
        /// A new event, not set.
        ///
        /// ```
        /// assert!(!threadkit::Event::new().is_set());
        /// ```
        pub const fn new() -> Self {
            Event {
                state: AtomicUsize::new(0),
            }
        }
    }

    /// Whether the flag is set (Python: `is_set()`).
    ///
    /// ```
    /// let e = threadkit::Event::new();
    /// e.set();
    /// assert!(e.is_set());
    /// ```
    #[inline]
    pub fn is_set(&self) -> bool {
        self.state.load(Ordering::Acquire) & SET != 0
    }

    /// Sets the flag and wakes every waiter (Python: `set()`).
    ///
    /// ```
    /// let e = threadkit::Event::new();
    /// e.set();
    /// assert!(e.wait());
    /// ```
    #[inline]
    pub fn set(&self) {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            // Setting a set event changes nothing (no waiter can be parked on a set event),
            // but is still a release, as every `set` is.
            let new = if state & SET != 0 {
                state
            } else {
                (state & !FLAGS).wrapping_add(GENERATION) | SET
            };
            match self
                .state
                .compare_exchange_weak(state, new, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => break,
                Err(now) => state = now,
            }
        }
        if state & PARKED != 0 {
            wait::unpark_all(wait::key_of(&self.state));
        }
    }

    /// Clears the flag (Python: `clear()`); later `wait`s block again.
    ///
    /// ```
    /// let e = threadkit::Event::new();
    /// e.set();
    /// e.clear();
    /// assert!(!e.is_set());
    /// ```
    #[inline]
    pub fn clear(&self) {
        self.state.fetch_and(!SET, Ordering::Relaxed);
    }

    /// Blocks until the flag is set; returns `true` (Python: `wait()`).
    ///
    /// ```
    /// let e = threadkit::Event::new();
    /// e.set();
    /// assert!(e.wait());
    /// ```
    #[inline]
    #[track_caller]
    pub fn wait(&self) -> bool {
        self.is_set() || self.wait_slow(None, Kind::Event)
    }

    /// Waits at most `timeout`; returns the flag (Python: `wait(timeout)`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let e = threadkit::Event::new();
    /// assert!(!e.wait_timeout(Duration::from_millis(1)));
    /// ```
    #[inline]
    #[track_caller]
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.is_set() || self.wait_slow(wait::deadline_after(timeout), Kind::Event)
    }

    /// Waits until `deadline` at the latest; returns the flag.
    ///
    /// ```
    /// use std::time::Instant;
    /// let e = threadkit::Event::new();
    /// assert!(!e.wait_deadline(Instant::now()));
    /// ```
    #[inline]
    #[track_caller]
    pub fn wait_deadline(&self, deadline: Instant) -> bool {
        self.is_set() || self.wait_slow(Some(deadline), Kind::Event)
    }

    /// A wait the diagnostics show as a wait on `kind` (a thread's join waits on its
    /// "finished" event).
    #[inline]
    #[track_caller]
    pub(crate) fn wait_as(&self, kind: Kind, deadline: Option<Instant>) -> bool {
        self.is_set() || self.wait_slow(deadline, kind)
    }

    /// A wait inside threadkit that a stop request must not cut short (a thread's start
    /// handshake).
    pub(crate) fn wait_unstoppable(&self) {
        if !self.is_set() {
            self.wait_from(
                self.state.load(Ordering::Acquire),
                None,
                Kind::Internal,
                false,
            );
        }
    }

    /// The waits of the public forms: a stop request unwinds them (`crate::stop`).
    #[cold]
    #[track_caller]
    fn wait_slow(&self, deadline: Option<Instant>, kind: Kind) -> bool {
        self.wait_from(self.state.load(Ordering::Acquire), deadline, kind, true)
    }

    /// Waits for a `set` after the moment `start` was read.
    #[track_caller]
    fn wait_from(
        &self,
        start: usize,
        deadline: Option<Instant>,
        kind: Kind,
        stoppable: bool,
    ) -> bool {
        if start & SET != 0 {
            return true;
        }
        // The generation this wait started in; a `set` since then releases it.
        let generation = start & !FLAGS;
        let released = |state: usize| state & SET != 0 || state & !FLAGS != generation;
        let mut spin = SpinWait::new();
        loop {
            let state = self.state.load(Ordering::Acquire);
            if released(state) {
                return true;
            }
            if state & PARKED == 0 {
                if spin.spin() {
                    continue;
                }
                if self
                    .state
                    .compare_exchange_weak(
                        state,
                        state | PARKED,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    )
                    .is_err()
                {
                    continue;
                }
            }
            let key = wait::key_of(&self.state);
            // Still this generation, unset, and marked: a `set` will see the mark.
            let validate = || self.state.load(Ordering::Relaxed) == generation | PARKED;
            let timed_out = |was_last: bool| {
                if was_last {
                    self.state.fetch_and(!PARKED, Ordering::Relaxed);
                }
            };
            let woke = if stoppable {
                wait::park_stoppable(kind, key, &validate, || {}, timed_out, deadline)
            } else {
                wait::park(kind, key, &validate, timed_out, deadline)
            };
            match woke {
                // Only `set` unparks this key, but a `set` may reach a later wait: its wake-up
                // follows its state change, and a setter delayed in between (preempted) wakes
                // whoever parks meanwhile, a thread that has since returned and waits again
                // (found by `stress_ping_pong_exact_rounds` under ThreadSanitizer: the echo
                // thread ran a round ahead and the test hung). A wake-up from a set made for
                // this wait comes with the generation moved past `start`'s: the pulse released
                // us even if cleared since. Otherwise it was someone else's: wait on.
                Wake::Unparked => {
                    // Acquire what the `set` published (its release heads the sequence this
                    // load reads from: later writes are read-modify-writes).
                    if released(self.state.load(Ordering::Acquire)) {
                        return true;
                    }
                }
                Wake::TimedOut => return released(self.state.load(Ordering::Acquire)),
                // The mark stays: a later `set` only makes one call for nobody.
                Wake::Stopped => crate::stop::unwind(),
                Wake::Invalid => {}
            }
        }
    }
}

/// A dropped event leaves the diagnostics' names.
impl Drop for Event {
    #[inline]
    fn drop(&mut self) {
        crate::diag::dropped(self.diag_key());
    }
}

impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("is_set", &self.is_set())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn set_wakes_all_waiters() {
        let e = Arc::new(Event::new());
        let ts: Vec<_> = (0..3)
            .map(|_| {
                let e = e.clone();
                std::thread::spawn(move || e.wait())
            })
            .collect();
        e.set();
        for t in ts {
            assert!(t.join().unwrap());
        }
    }

    #[test]
    fn a_pulse_releases_a_waiter_that_began_before_it() {
        let e = Event::new();
        let began = e.state.load(Ordering::Acquire);
        e.set();
        e.clear();
        // The waiter has not looked since `began`: the pulse still releases it at once.
        assert!(e.wait_from(began, Some(Instant::now()), Kind::Event, true));
        // One that begins after the pulse waits for the next `set`.
        assert!(!e.wait_timeout(Duration::from_millis(1)));
    }

    #[test]
    fn timeout_returns_flag_and_clears_parked() {
        let e = Event::new();
        assert!(!e.wait_timeout(Duration::from_millis(2)));
        assert_eq!(e.state.load(Ordering::Relaxed) & FLAGS, 0);
        e.set();
        assert!(e.wait_timeout(Duration::from_millis(2)));
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;

    /// CPython's contract (issue 10, defect 2): a thread already waiting when `set()` is
    /// followed at once by `clear()` is released, and its `wait` returns true. The setter
    /// starts once the waiter has marked itself parked; loom reports a missed pulse as a
    /// deadlock, and a `false` fails the assertion.
    #[test]
    fn loom_event_pulse_releases_a_parked_waiter() {
        loom::model(|| {
            let event = Arc::new(Event::new());
            let waiter = {
                let event = event.clone();
                loom::thread::spawn(move || assert!(event.wait()))
            };
            while event.state.load(Ordering::SeqCst) & PARKED == 0 {
                loom::thread::yield_now();
            }
            event.set();
            event.clear();
            waiter.join().unwrap();
            assert!(!event.is_set());
        });
    }

    /// Two rounds of ping-pong: the echo thread never runs a round ahead. A `set` delayed
    /// between its state change and its wake-up may wake the echo's next wait; that wake-up
    /// must not count (the bug `stress_ping_pong_exact_rounds` hit under ThreadSanitizer).
    #[test]
    fn loom_event_late_wake_up_does_not_release_a_later_wait() {
        loom::model(|| {
            let ping = Arc::new(Event::new());
            let pong = Arc::new(Event::new());
            let pings = Arc::new(AtomicUsize::new(0));
            let echo = {
                let (ping, pong, pings) = (ping.clone(), pong.clone(), pings.clone());
                loom::thread::spawn(move || {
                    for round in 1..=2 {
                        assert!(ping.wait());
                        assert!(pings.load(Ordering::SeqCst) >= round, "released early");
                        ping.clear();
                        pong.set();
                    }
                })
            };
            for round in 1..=2 {
                pings.store(round, Ordering::SeqCst);
                ping.set();
                assert!(pong.wait());
                pong.clear();
            }
            echo.join().unwrap();
        });
    }

    /// `set` racing a waiter: it sees the flag or is woken.
    #[test]
    fn loom_event_set_wakes_a_waiter() {
        loom::model(|| {
            let event = Arc::new(Event::new());
            let waiter = {
                let event = event.clone();
                loom::thread::spawn(move || assert!(event.wait()))
            };
            event.set();
            waiter.join().unwrap();
        });
    }
}
