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
//! Both are deterministic per seed: the seed replays the schedule exactly.

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
        };
        if let Scheduler::Pct { depth } = kind {
            let steps = steps.max(1);
            for i in 1..depth.max(1) {
                let at = chooser.next() % steps;
                // Below every initial priority (those are large), and later drops lower.
                chooser.drops.push((at, (depth - i) as u64));
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

    /// One of `runnable` (thread ids, not empty); `running` is the thread choosing.
    pub(crate) fn choose(&mut self, runnable: &[usize], running: usize) -> usize {
        self.step += 1;
        let i = match self.kind {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_makes_the_same_choices() {
        for kind in [Scheduler::Random, Scheduler::Pct { depth: 3 }] {
            let (mut a, mut b) = (Chooser::new(kind, 7, 40), Chooser::new(kind, 7, 40));
            let runnable = [0, 1, 2];
            let xs: Vec<usize> = (0..50).map(|i| a.choose(&runnable, i % 3)).collect();
            let ys: Vec<usize> = (0..50).map(|i| b.choose(&runnable, i % 3)).collect();
            assert_eq!(xs, ys);
        }
    }

    #[test]
    fn random_choices_reach_every_thread() {
        let mut a = Chooser::new(Scheduler::Random, 3, 0);
        let xs: Vec<usize> = (0..60).map(|_| a.choose(&[0, 1, 2], 0)).collect();
        assert!(xs.contains(&0) && xs.contains(&1) && xs.contains(&2));
    }

    #[test]
    fn pct_runs_the_highest_priority_until_its_drop() {
        let mut a = Chooser::new(Scheduler::Pct { depth: 2 }, 11, 30);
        let drop_at = a.drops[0].0;
        let first = a.choose(&[0, 1], 0);
        let mut last = first;
        for step in 2..=40u64 {
            let t = a.choose(&[0, 1], last);
            if step <= drop_at {
                assert_eq!(t, first, "the same thread runs until the drop");
            }
            last = t;
        }
        if (2..=40).contains(&drop_at) {
            assert_ne!(last, first, "after the drop the other thread runs");
        }
    }
}
