//! How long a blocked thread spins before it parks: one policy type, tuned per primitive.
//!
//! # Design
//!
//! A wait that ends within a few microseconds is cheapest spent spinning: parking costs a
//! sleep and a wake-up, tens of microseconds on a busy VM. A wait that lasts longer must park,
//! or it burns a core its partner may need. Between the two, `sched_yield` gives the core to a
//! runnable thread (the partner, on an oversubscribed machine) and costs a system call.
//!
//! A [`SpinWait`] runs `pause_rounds` rounds of spin-loop hints (2, 4, 8, ... hints: a round
//! costs about as much as the ones before it together) and then `yields` calls to
//! `sched_yield`; after that its caller parks. [`SpinWait::new`] is parking_lot's policy (3
//! rounds, 14 hints in all, then 7 yields), right for locks, whose holders release within a
//! critical section. [`SpinWait::hand_off`] spins longer before it yields (6 rounds, 126
//! hints, crossbeam's `Backoff`), for waits whose partner is running and about to answer: a
//! queue's blocked put or get, a future's result. Each primitive's choice is measured in
//! `threadkit bench` (rows `queue-handoff`, `executor-one-at-a-time`).
//!
//! Check mode never spins in an execution (a spin is a scheduling point, then the caller parks,
//! as under loom), and loom never spins at all (`loom_lot`).

use std::hint::spin_loop;

/// Bounded spinning before a thread parks (see the module).
#[derive(Debug)]
pub(crate) struct SpinWait {
    step: u32,
    pause_rounds: u32,
    yields: u32,
}

impl SpinWait {
    /// parking_lot's policy: 3 rounds of hints (14 in all), then 7 yields. For locks.
    #[inline]
    pub(crate) const fn new() -> Self {
        SpinWait::with(3, 7)
    }

    /// For hand-offs between running threads: 6 rounds of hints (126 in all), then 4 yields
    /// (crossbeam's `Backoff` before it reports completion).
    #[inline]
    pub(crate) const fn hand_off() -> Self {
        SpinWait::with(6, 4)
    }

    #[inline]
    const fn with(pause_rounds: u32, yields: u32) -> Self {
        SpinWait {
            step: 0,
            pause_rounds,
            yields,
        }
    }

    /// Spins (or yields) once more; `false` when the policy says park now.
    #[inline]
    pub(crate) fn spin(&mut self) -> bool {
        if self.step >= self.pause_rounds + self.yields {
            return false;
        }
        self.step += 1;
        if self.step <= self.pause_rounds {
            for _ in 0..1u32 << self.step {
                spin_loop();
            }
        } else {
            std::thread::yield_now();
        }
        true
    }

    /// Starts the policy over (a waiter that made progress).
    #[allow(dead_code)] // kept with the policy: a retry loop that progressed starts over
    #[inline]
    pub(crate) fn reset(&mut self) {
        self.step = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::SpinWait;

    #[test]
    fn each_policy_spins_its_rounds_then_yields_then_says_park() {
        for (mut spin, steps) in [(SpinWait::new(), 10), (SpinWait::hand_off(), 10)] {
            let mut taken = 0;
            while spin.spin() {
                taken += 1;
            }
            assert_eq!(taken, steps);
            assert!(!spin.spin(), "stays exhausted");
            spin.reset();
            assert!(spin.spin(), "a reset starts over");
        }
    }
}
