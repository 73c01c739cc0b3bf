//! `Event`: Python's `threading.Event`, a flag threads can wait for.
//!
//! One byte of state: `SET` and `PARKED` (somebody sleeps). `set` wakes everybody only when
//! `PARKED` was on, so setting an event nobody waits for costs one atomic swap.

use crate::facade::{AtomicU8, Duration, Instant, Ordering};
use crate::wait::{self, SpinWait, Wake};
use std::fmt;

const SET: u8 = 1;
const PARKED: u8 = 2;

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
    state: AtomicU8,
}

impl Event {
    /// A new event, not set.
    ///
    /// ```
    /// assert!(!threadkit::Event::new().is_set());
    /// ```
    pub const fn new() -> Self {
        Event {
            state: AtomicU8::new(0),
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
        if self.state.swap(SET, Ordering::Release) & PARKED != 0 {
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
    pub fn wait(&self) -> bool {
        self.is_set() || self.wait_slow(None)
    }

    /// Waits at most `timeout`; returns the flag (Python: `wait(timeout)`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let e = threadkit::Event::new();
    /// assert!(!e.wait_timeout(Duration::from_millis(1)));
    /// ```
    #[inline]
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.is_set() || self.wait_slow(wait::deadline_after(timeout))
    }

    /// Waits until `deadline` at the latest; returns the flag.
    ///
    /// ```
    /// use std::time::Instant;
    /// let e = threadkit::Event::new();
    /// assert!(!e.wait_deadline(Instant::now()));
    /// ```
    #[inline]
    pub fn wait_deadline(&self, deadline: Instant) -> bool {
        self.is_set() || self.wait_slow(Some(deadline))
    }

    #[cold]
    fn wait_slow(&self, deadline: Option<Instant>) -> bool {
        let mut spin = SpinWait::new();
        loop {
            let state = self.state.load(Ordering::Acquire);
            if state & SET != 0 {
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
            let woke = wait::park(
                wait::key_of(&self.state),
                || self.state.load(Ordering::Relaxed) == PARKED,
                |was_last| {
                    if was_last {
                        self.state.fetch_and(!PARKED, Ordering::Relaxed);
                    }
                },
                deadline,
            );
            if woke == Wake::TimedOut {
                return self.is_set();
            }
        }
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
    fn timeout_returns_flag_and_clears_parked() {
        let e = Event::new();
        assert!(!e.wait_timeout(Duration::from_millis(2)));
        assert_eq!(e.state.load(Ordering::Relaxed), 0);
        e.set();
        assert!(e.wait_timeout(Duration::from_millis(2)));
    }
}
