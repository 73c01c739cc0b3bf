//! Who runs next: the scheduler sees only the runnable threads at each step.
//!
//! - **Random**: a seeded uniform choice among the runnable threads at every step.
//! - **PCT** (probabilistic concurrency testing, Burckhardt et al., ASPLOS 2010): every thread
//!   gets a random priority when it starts, the highest-priority runnable thread always runs,
//!   and at `depth - 1` random steps the running thread's priority drops below every other.
//!   A bug that needs `depth` ordering constraints among `n` threads in `k` steps is found
//!   with probability at least `1 / (n * k^(depth - 1))` per schedule; in practice much more
//!   often, since a thread preempted at the right step stays preempted as long as others can
//!   run (which a random walk almost never does).
//!
//! - **Exhaustive** (bounded, depth-first): every schedule with at most `preemptions`
//!   preemptions (a switch away from a thread that could have gone on), one after the other,
//!   each replaying the previous one's choices up to its last step with an untried
//!   alternative (stateless model checking, as CHESS does). It says when the space is
//!   exhausted. For small tests: the count grows fast with threads and steps.
//!
//! Random and PCT are deterministic per seed: the seed replays the schedule exactly. An
//! exhaustive search's schedules are numbered; its report gives the choices to replay.

/// How schedules are chosen ([`Check::scheduler`](crate::Check::scheduler)).
///
/// ```
/// let _ = threadkit::Check::new().scheduler(threadkit::Scheduler::Pct { depth: 3 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scheduler {
    /// A uniform random choice among the runnable threads at every step.
    Random,
    /// Probabilistic concurrency testing of the given depth (at least 1): priorities, and
    /// `depth - 1` priority drops at random steps.
    Pct {
        /// The number of ordering constraints the bugs sought need (2 or 3 finds most).
        depth: usize,
    },
    /// Every schedule with at most this many preemptions, depth first, until exhausted (then
    /// [`CheckSummary::exhausted`](crate::CheckSummary::exhausted) says so).
    Exhaustive {
        /// The preemption bound (0: only switches at blocking points and ends).
        preemptions: usize,
    },
}

impl Default for Scheduler {
    /// PCT of depth 3.
    fn default() -> Self {
        Scheduler::Pct { depth: 3 }
    }
}

/// A scheduler's state for one schedule.
pub(crate) struct Chooser {
    rng: u64,
    kind: Scheduler,
    /// PCT: each thread's priority (higher runs first), by thread id.
    priorities: Vec<u64>,
    /// PCT: the steps at which the running thread's priority drops, and to what.
    drops: Vec<(u64, u64)>,
    step: u64,
    /// The index chosen at every step (into that step's runnable threads).
    choices: Vec<usize>,
    /// Exhaustive: the choices to replay first (positions in each step's order of
    /// alternatives), and every step's alternatives.
    replay: Vec<usize>,
    frames: Vec<Frame>,
    preempted: usize,
    /// PCT: the priority the next yielding thread drops to (below every drop and earlier
    /// yield).
    yield_floor: u64,
}

/// One step of an exhaustive search: what could have run, what did, and whether running
/// another would have been a preemption.
#[derive(Clone, Debug)]
pub(crate) struct Frame {
    runnable: Vec<usize>,
    /// The order the alternatives are tried in: the default first, then the others.
    order: Vec<usize>,
    /// The position in `order` of the choice made.
    at: usize,
    /// The thread that was running and could have gone on (`None`: it blocked, ended, or
    /// yielded).
    could_continue: Option<usize>,
    /// Preemptions before this step.
    preempted_before: usize,
}

impl Chooser {
    /// A chooser for one schedule; `steps` estimates its length (PCT places its drops in it).
    pub(crate) fn new(kind: Scheduler, seed: u64, steps: u64) -> Self {
        let mut chooser = Chooser {
            // Never zero: xorshift's fixed point.
            rng: seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1,
            kind,
            priorities: Vec::new(),
            drops: Vec::new(),
            step: 0,
            choices: Vec::new(),
            replay: Vec::new(),
            frames: Vec::new(),
            preempted: 0,
            yield_floor: 1 << 31,
        };
        if let Scheduler::Pct { depth } = kind {
            let steps = steps.max(1);
            for i in 1..depth.max(1) {
                let at = chooser.next() % steps;
                // Below every initial priority (those are above 1 << 32), above every yield
                // (below 1 << 31), and later drops lower.
                chooser.drops.push((at, (1 << 31) + (depth - i) as u64));
            }
        }
        chooser
    }

    fn next(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }

    /// An exhaustive search's next schedule: `replay` (indices) first, then the defaults.
    pub(crate) fn exhaustive(preemptions: usize, replay: Vec<usize>) -> Self {
        let mut chooser = Chooser::new(Scheduler::Exhaustive { preemptions }, 1, 0);
        chooser.replay = replay;
        chooser
    }

    /// One of `runnable` (thread ids, not empty); `running` is the thread choosing, and
    /// `may_continue` whether it is among them by its own right (not blocked, not yielding).
    pub(crate) fn choose(
        &mut self,
        runnable: &[usize],
        running: usize,
        may_continue: bool,
    ) -> usize {
        self.step += 1;
        if !may_continue && matches!(self.kind, Scheduler::Pct { .. }) {
            // PCT: a thread that yields (it spins, waiting for another's progress) goes below
            // every other, so the one it waits for runs even if it has a low priority.
            self.priority_of(running);
            self.yield_floor -= 1;
            self.priorities[running] = self.yield_floor;
        }
        let i = match self.kind {
            Scheduler::Exhaustive { .. } => self.choose_exhaustive(runnable, running, may_continue),
            _ if runnable.len() == 1 => 0,
            Scheduler::Random => usize::try_from(self.next() % runnable.len() as u64).unwrap_or(0),
            Scheduler::Pct { .. } => {
                let step = self.step;
                if let Some(&(_, to)) = self.drops.iter().find(|(at, _)| *at == step) {
                    self.priority_of(running);
                    self.priorities[running] = to;
                }
                for &t in runnable {
                    self.priority_of(t);
                }
                (0..runnable.len())
                    .max_by_key(|&i| self.priorities[runnable[i]])
                    .unwrap_or(0)
            }
        };
        self.choices.push(i);
        runnable[i]
    }

    fn choose_exhaustive(
        &mut self,
        runnable: &[usize],
        running: usize,
        may_continue: bool,
    ) -> usize {
        let could_continue = (may_continue && runnable.contains(&running)).then_some(running);
        let step = self.frames.len();
        // The default: the running thread goes on, else the lowest id; then the others.
        let default = could_continue
            .and_then(|t| runnable.iter().position(|&r| r == t))
            .unwrap_or(0);
        let order: Vec<usize> = std::iter::once(default)
            .chain((0..runnable.len()).filter(|&i| i != default))
            .collect();
        let at = match self.replay.get(step) {
            Some(&p) if p < order.len() => p,
            _ => 0,
        };
        let chosen = order[at];
        self.frames.push(Frame {
            runnable: runnable.to_vec(),
            order,
            at,
            could_continue,
            preempted_before: self.preempted,
        });
        if could_continue.is_some_and(|t| runnable[chosen] != t) {
            self.preempted += 1;
        }
        chosen
    }

    /// The steps of an exhaustive schedule, for the next one.
    pub(crate) fn into_frames(self) -> Vec<Frame> {
        self.frames
    }

    /// Thread `t`'s priority, drawn when first needed: above every drop's (by 1 << 32).
    fn priority_of(&mut self, t: usize) -> u64 {
        while self.priorities.len() <= t {
            let p = (1 << 32) + (self.next() >> 32);
            self.priorities.push(p);
        }
        self.priorities[t]
    }

    pub(crate) fn choices(&self) -> &[usize] {
        &self.choices
    }
}

/// The next schedule of an exhaustive search after one that made `frames`: the choices up to
/// the deepest step with an untried alternative within the preemption `bound`, then that
/// alternative. `None`: every schedule was run.
pub(crate) fn next_exhaustive(frames: &[Frame], bound: usize) -> Option<Vec<usize>> {
    for depth in (0..frames.len()).rev() {
        let f = &frames[depth];
        for at in f.at + 1..f.order.len() {
            let preempts = f
                .could_continue
                .is_some_and(|t| f.runnable[f.order[at]] != t);
            if f.preempted_before + usize::from(preempts) <= bound {
                let mut next: Vec<usize> = frames[..depth].iter().map(|f| f.at).collect();
                next.push(at);
                return Some(next);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_makes_the_same_choices() {
        for kind in [Scheduler::Random, Scheduler::Pct { depth: 3 }] {
            let (mut a, mut b) = (Chooser::new(kind, 7, 40), Chooser::new(kind, 7, 40));
            let runnable = [0, 1, 2];
            let xs: Vec<usize> = (0..50).map(|i| a.choose(&runnable, i % 3, true)).collect();
            let ys: Vec<usize> = (0..50).map(|i| b.choose(&runnable, i % 3, true)).collect();
            assert_eq!(xs, ys);
        }
    }

    #[test]
    fn random_choices_reach_every_thread() {
        let mut a = Chooser::new(Scheduler::Random, 3, 0);
        let xs: Vec<usize> = (0..60).map(|_| a.choose(&[0, 1, 2], 0, true)).collect();
        assert!(xs.contains(&0) && xs.contains(&1) && xs.contains(&2));
    }

    #[test]
    fn pct_runs_the_highest_priority_until_its_drop() {
        let mut a = Chooser::new(Scheduler::Pct { depth: 2 }, 11, 30);
        let drop_at = a.drops[0].0;
        let first = a.choose(&[0, 1], 0, true);
        let mut last = first;
        for step in 2..=40u64 {
            let t = a.choose(&[0, 1], last, true);
            if step < drop_at {
                assert_eq!(t, first, "the same thread runs until the drop");
            }
            last = t;
        }
        if (2..=40).contains(&drop_at) {
            assert_ne!(last, first, "after the drop the other thread runs");
        }
    }
}

#[cfg(test)]
mod exhaustive_tests {
    use super::*;

    /// Two threads of two steps each, both always runnable: with no preemption bound every
    /// interleaving comes once (6 = 4 choose 2), with bound 0 only the two serial orders.
    fn count(bound: usize) -> usize {
        let mut replay = Vec::new();
        let mut schedules = 0;
        loop {
            let mut c = Chooser::exhaustive(bound, replay);
            let mut left = [2usize, 2];
            let (mut running, mut started) = (0, false);
            while left.iter().any(|&l| l > 0) {
                let runnable: Vec<usize> = (0..2).filter(|&t| left[t] > 0).collect();
                // The first choice is no preemption: nobody ran yet.
                let may = started && left[running] > 0;
                started = true;
                running = c.choose(&runnable, running, may);
                left[running] -= 1;
            }
            schedules += 1;
            match next_exhaustive(&c.into_frames(), bound) {
                Some(next) => replay = next,
                None => return schedules,
            }
        }
    }

    #[test]
    fn every_interleaving_once_and_the_bound_prunes() {
        assert_eq!(count(10), 6);
        assert_eq!(count(0), 2);
    }
}
