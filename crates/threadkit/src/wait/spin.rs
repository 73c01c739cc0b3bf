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
//! rounds, 14 hints in all, then 7 yields), for waits on another thread's progress (a
//! condition, an event); [`SpinWait::lock`] is the same steps for locks, whose holders release
//! within a critical section. [`SpinWait::hand_off`] spins longer before it yields, for waits
//! whose partner is running and about to answer: a queue's blocked put or get, a future's
//! result. Each primitive's choice is measured in `threadkit bench` (rows `queue-handoff`,
//! `executor-one-at-a-time`).
//!
//! A hand-off's hints are counted in time, not in hints: a hint (x86's `pause`) takes 10 ns on
//! the x86 server CPU the project machine had on 2026-12-08, and up to 140 cycles (about 50 ns)
//! on others. The fixed count (crossbeam's 6 rounds, 126 hints) then lasted 1.3 µs and ran out
//! before the partner answered, so both sides parked: a warm executor's submit-and-wait took
//! about 5 µs a task with 0.5 context switches per task, 0.7 µs once the hints were timed. So
//! the first hand-off of the process times its first hints, and every hand-off then spins the
//! rounds that last [`HAND_OFF_SPIN`] here: at least 6 (126 hints, as before) and at most
//! [`HAND_OFF_MAX_ROUNDS`]. A consumer waiting for work ([`SpinWait::for_work`], a queue's
//! get) keeps the 6 rounds counted: its producer is not answering it, and its longer spin
//! took the producer's core.
//!
//! A yield that takes longer than [`CROWDED`] gave the core to another process's thread: the
//! machine is busy. A yielding waiter then waits a whole time slice for its turn (and is not
//! woken by a notify, since it is not parked), while a parked thread, once woken, gets a core
//! at once. So for [`CROWDED_FOR`] after such a yield, waiters park after their spin-loop hints
//! instead of yielding (measured with `threadkit bench --load 2`: a barrier of 4 threads took
//! 0.8 ms a cycle with yields, against std's 53 µs). A lock's waiters ([`SpinWait::lock`]) and
//! hand-offs ([`SpinWait::hand_off`]) heed that mark but do not time their own yields: a
//! process with more spinning threads than cores makes their yields slow too, and there the
//! yield is what lets the holder release, or the partner answer.
//!
//! Check mode never spins in an execution (a spin is a scheduling point, then the caller parks,
//! as under loom), and loom never spins at all (`loom_lot`); check mode's own hand-offs (its
//! baton) time their yields as a condition's waiters do ([`crowded`], [`yield_measured`]).

use std::hint::spin_loop;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a hand-off's spin-loop hints last before it yields (see the module).
const HAND_OFF_SPIN: Duration = Duration::from_micros(5);
/// A hand-off's rounds of hints: at least (126 hints, crossbeam's `Backoff`) and at most (2046).
const HAND_OFF_MIN_ROUNDS: u32 = 6;
const HAND_OFF_MAX_ROUNDS: u32 = 10;

/// The rounds of hints that last [`HAND_OFF_SPIN`] on this machine; `0` until measured.
static HAND_OFF_ROUNDS: AtomicU32 = AtomicU32::new(0);

/// The rounds a hand-off spins: measured by the first hand-off of the process.
#[inline]
fn hand_off_rounds() -> u32 {
    match HAND_OFF_ROUNDS.load(Ordering::Relaxed) {
        0 => measure_hand_off_rounds(),
        rounds => rounds,
    }
}

/// Times a few short runs of hints (the caller is about to spin anyway) and keeps the rounds
/// whose hints last [`HAND_OFF_SPIN`] at the fastest of them: a run the thread was preempted
/// in counts as slow hints, fewer rounds. Racing first hand-offs each measure; any result is
/// valid.
#[cold]
fn measure_hand_off_rounds() -> u32 {
    const HINTS: u32 = 64;
    let fastest = (0..3)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..HINTS {
                spin_loop();
            }
            start.elapsed()
        })
        .min()
        .unwrap_or(HAND_OFF_SPIN);
    let rounds = rounds_lasting(HAND_OFF_SPIN, fastest, HINTS);
    HAND_OFF_ROUNDS.store(rounds, Ordering::Relaxed);
    rounds
}

/// The fewest rounds (within the hand-off's bounds) whose hints last `spin`, when `hints` of
/// them took `took`: `r` rounds are 2 + 4 + ... + 2^r = 2^(r+1) - 2 hints.
fn rounds_lasting(spin: Duration, took: Duration, hints: u32) -> u32 {
    let wanted = spin.as_nanos() * u128::from(hints) / took.as_nanos().max(1);
    let mut rounds = HAND_OFF_MIN_ROUNDS;
    while rounds < HAND_OFF_MAX_ROUNDS && (1u128 << (rounds + 1)) - 2 < wanted {
        rounds += 1;
    }
    rounds
}

/// A yield longer than this gave the core away (see the module).
const CROWDED: Duration = Duration::from_micros(500);
/// How long the machine counts as busy after such a yield.
const CROWDED_FOR: Duration = Duration::from_millis(50);

/// Until when (µs since [`epoch`]) the machine counts as busy. std's atomic: check mode must not
/// make it a scheduling point.
static CROWDED_UNTIL: AtomicU64 = AtomicU64::new(0);

/// The instant the crowding deadline counts from.
fn epoch() -> Instant {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn micros_since_epoch(t: Instant) -> u64 {
    u64::try_from(t.saturating_duration_since(epoch()).as_micros()).unwrap_or(u64::MAX)
}

/// Whether a yield lately showed the machine busy: waiters should park rather than yield.
pub(crate) fn crowded() -> bool {
    micros_since_epoch(Instant::now()) < CROWDED_UNTIL.load(Ordering::Relaxed)
}

/// Yields the core; `false` if the yield showed the machine busy (and marks it so).
pub(crate) fn yield_measured() -> bool {
    let before = Instant::now();
    std::thread::yield_now();
    let after = Instant::now();
    if after.saturating_duration_since(before) > CROWDED {
        CROWDED_UNTIL.store(micros_since_epoch(after + CROWDED_FOR), Ordering::Relaxed);
        return false;
    }
    true
}

/// Bounded spinning before a thread parks (see the module).
#[derive(Debug)]
pub(crate) struct SpinWait {
    step: u32,
    pause_rounds: u32,
    yields: u32,
    /// Whether its yields are timed to detect a busy machine (see the module); unmeasured ones
    /// still heed a busy machine that measured yields detected.
    measured: bool,
}

impl SpinWait {
    /// parking_lot's policy: 3 rounds of hints (14 in all), then 7 yields, with the
    /// busy-machine rule. For waits on another thread's progress (a condition, an event).
    #[inline]
    pub(crate) const fn new() -> Self {
        SpinWait::with(3, 7)
    }

    /// parking_lot's policy, its yields not timed: for locks and semaphores. Their waiters wait
    /// for a critical section to end, and when the process has more threads than cores the
    /// yield is what lets the holder run and release, so a lock's slow yield says nothing about
    /// other processes: timing them and parking after a slow one cost `lock-counter-4t` 1.5 x
    /// (`threadkit bench`). They still park rather than yield once a measured wait (a
    /// condition's, an event's) found the machine busy: yielding then cost a loaded
    /// `barrier-4t`, whose waiters retake its lock, 4.9 x.
    #[inline]
    pub(crate) const fn lock() -> Self {
        SpinWait::untimed(3, 7)
    }

    /// For hand-offs between running threads: the rounds of hints that last about
    /// [`HAND_OFF_SPIN`] here (see the module; at least crossbeam's `Backoff`'s 6 rounds, 126
    /// hints), then 4 yields (`Backoff`'s before it reports completion), not timed, as a
    /// lock's: an idle worker and a submitter waiting for its result, with another warm
    /// worker, are three spinning threads on two cores, so their yields are slow without any
    /// other process; timing them parked both sides and cost `executor-one-at-a-time-warm` 2.5
    /// x rayon (0.67 x before the rule). They still park once a measured wait found the
    /// machine busy.
    #[inline]
    pub(crate) fn hand_off() -> Self {
        SpinWait::untimed(hand_off_rounds(), 4)
    }

    /// For a consumer waiting for work (a queue's get: an idle pool worker): the hand-off's
    /// steps with its least rounds, counted in hints, not timed. Its producer is running, not
    /// answering it, and on a machine with more such consumers than cores a consumer's longer
    /// spin takes the producer's core: timed, the getters' spin cost `queue0-4p4c` 1.10 x
    /// crossbeam against 0.93 counted, and `executor-scope-results` 0.79 x rayon against 0.76
    /// (2 runs each, 2026-12-08), while the hand-offs it is for (`queue-handoff`,
    /// `executor-one-at-a-time`) stayed ahead with the put and the future's wait timed.
    #[inline]
    pub(crate) const fn for_work() -> Self {
        SpinWait::untimed(HAND_OFF_MIN_ROUNDS, 4)
    }

    /// Yields not timed, heeding a busy mark that timed ones set (see the module).
    #[inline]
    const fn untimed(pause_rounds: u32, yields: u32) -> Self {
        SpinWait {
            measured: false,
            ..SpinWait::with(pause_rounds, yields)
        }
    }

    #[inline]
    const fn with(pause_rounds: u32, yields: u32) -> Self {
        SpinWait {
            step: 0,
            pause_rounds,
            yields,
            measured: true,
        }
    }

    /// Spins (or yields) once more; `false` when the policy says park now (its yields are
    /// used up, or the machine is busy: see the module).
    #[inline]
    pub(crate) fn spin(&mut self) -> bool {
        let end = self.pause_rounds + self.yields;
        if self.step >= end {
            return false;
        }
        self.step += 1;
        if self.step <= self.pause_rounds {
            for _ in 0..1u32 << self.step {
                spin_loop();
            }
            return true;
        }
        let first_yield = self.step == self.pause_rounds + 1;
        if !self.measured {
            if first_yield && crowded() {
                self.step = end;
                return false;
            }
            std::thread::yield_now();
            return true;
        }
        if (first_yield && crowded()) || !yield_measured() {
            self.step = end;
            return false;
        }
        true
    }

    /// Starts the policy over (a lock waiter that saw progress: `Lock`'s slow path).
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
        for (mut spin, steps) in [
            (SpinWait::new(), 10),
            (SpinWait::lock(), 10),
            (SpinWait::hand_off(), super::hand_off_rounds() + 4),
            (SpinWait::for_work(), 10),
        ] {
            let mut taken = 0;
            while spin.spin() {
                taken += 1;
            }
            // Fewer when a yield found the machine busy (a loaded test run).
            assert!(taken <= steps && taken >= spin.pause_rounds, "{taken}");
            assert!(!spin.spin(), "stays exhausted");
            spin.reset();
            assert!(spin.spin(), "a reset starts over");
        }
    }

    #[test]
    fn a_hand_off_spins_the_rounds_that_last_its_time_within_bounds() {
        use super::{rounds_lasting, HAND_OFF_MAX_ROUNDS, HAND_OFF_MIN_ROUNDS, HAND_OFF_SPIN};
        use std::time::Duration;
        let per_hint = |ns: u64| Duration::from_nanos(64 * ns);
        // 5 µs: 500 hints of 10 ns (8 rounds, 510 hints), 100 of 50 ns (the least, 126).
        assert_eq!(rounds_lasting(HAND_OFF_SPIN, per_hint(10), 64), 8);
        assert_eq!(
            rounds_lasting(HAND_OFF_SPIN, per_hint(50), 64),
            HAND_OFF_MIN_ROUNDS
        );
        // A preempted measurement (slow hints) and a zero one stay within the bounds.
        let preempted = Duration::from_millis(4);
        assert_eq!(
            rounds_lasting(HAND_OFF_SPIN, preempted, 64),
            HAND_OFF_MIN_ROUNDS
        );
        assert_eq!(
            rounds_lasting(HAND_OFF_SPIN, Duration::ZERO, 64),
            HAND_OFF_MAX_ROUNDS
        );
        let measured = super::hand_off_rounds();
        assert!((HAND_OFF_MIN_ROUNDS..=HAND_OFF_MAX_ROUNDS).contains(&measured));
    }
}
