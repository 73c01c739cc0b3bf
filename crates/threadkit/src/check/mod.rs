//! Check mode: run a test body many times, each time under a scheduler that decides which
//! threadkit thread runs at every threadkit operation, and replay any failing schedule
//! exactly. Behind the `check` cargo feature (meant for `[dev-dependencies]`); without it this
//! module does not exist and no primitive pays anything.
//!
//! # Design
//!
//! **Real threads, one baton.** Each threadkit thread of an execution is a real OS thread
//! running the primitives' real code. Only the thread holding the *baton* runs; the others wait
//! for it (the execution's state is behind a std `Mutex`, which threadkit's door never sees).
//! At every scheduling point the running thread asks the scheduler who runs next and, if it
//! is another thread, hands the baton over and waits for it to come back. So what is
//! checked is what ships: the lock's fast path, the queue's ring, the future's state word.
//! (The hint of the issue; shuttle and loom instead run threads as coroutines, which needs
//! their own copies of every primitive: users must swap their imports, which is what this
//! mode exists to avoid.)
//!
//! **Speed.** A schedule is a chain of hand-offs, and waking a parked thread costs 10-60 µs on
//! a busy VM, more than a hundred steps. So a waiting thread spins before it parks (spin-loop
//! hints for as many waiters as there are spare cores, `sched_yield` for the others), the
//! baton's new holder alone is woken, after the state is unlocked, and the OS threads are
//! reused from one threadkit thread to the next (`workers.rs`, which says why the steps do
//! not change). The seeds' two-thread `FakeDatabase` runs at 7,000-10,000 (random) and
//! 12,000-20,000 (PCT) schedules per second on a 2-core VM where a fresh thread per threadkit
//! thread and a parked wait for every hand-off made it 700 and 1,200.
//!
//! **Scheduling points** come through threadkit's two doors, so no primitive changes for this
//! mode: every atomic operation of the crate (`crate::facade`'s atomics are wrappers here
//! that call [`point`] first), every spin of a spin loop (`Backoff`, `SpinWait`: a spinning
//! thread must let the thread it waits for run), every park and wake (`crate::wait`'s parking
//! lot has a check-mode twin: a park marks the thread blocked on its key and hands the baton
//! on; a wake marks the woken threads runnable), thread start and end, the public
//! [`crate::atomic`] types a user's own shared state can use, and [`crate::yield_now`].
//!
//! **Blocking and time.** A park runs its `validate` and `before_sleep` with the baton held
//! (nothing else runs meanwhile, which is what "under the queue lock" asks), then blocks. The
//! clock is virtual (`crate::wait`'s deadlines read [`clock`]): it stands still while threads
//! run, and when every thread is blocked it jumps to the earliest deadline and times that
//! thread out (Go's `testing/synctest` model), so `sleep(0.1)` costs nothing and timeouts are
//! deterministic. Every thread blocked with no deadline is a deadlock: a failure.
//!
//! **Schedulers** see only "which of these runnable threads runs next": `Random` (seeded),
//! and a replay of a recorded schedule. The seed of a failing execution and its schedule are
//! printed with a line that replays it (`THREADKIT_CHECK_REPLAY=<seed>` or
//! `Check::replay`; PCT also needs the length estimate its priority drops were placed in,
//! `THREADKIT_CHECK_STEPS` or `Check::steps_estimate`, which the line gives). PCT and a
//! bounded exhaustive search are in `scheduler.rs`.
//!
//! **One execution at a time** per process (a global lock): threadkit's process-wide state
//! (the thread registry) is shared, and a thread of one execution must not wait on a lock
//! held by a thread of another that waits for its own baton. Threads outside any execution
//! still run freely: keep checked tests in a test file of their own, so that no unchecked
//! test's threads share that state meanwhile (a wake-up from outside an execution still
//! reaches its threads only through the real parking lot).
//!
//! **Failures** stop the execution: a panic in any thread of it, a deadlock, a non-daemon
//! thread still running when the body returns. [`check`] panics with the report (as
//! `loom::model` does), after printing the seed, the last steps (thread, operation, call site),
//! the last steps in the test's own code (call sites outside threadkit's sources) and the
//! replay line. The body runs as the execution's `MainThread`, not a daemon, so the threads it
//! starts are not daemons either unless made so; daemon threads still blocked when it returns
//! are stopped (they unwind as a stopped blocking call does). The threads of a failed
//! execution are left parked (they wait for the baton of an execution that will never run
//! again), marked daemon so that the process's exit does not wait for them; a passing
//! execution's threads have all ended.
//!
//! # Alternatives rejected
//!
//! - Coroutines (loom, shuttle): fast context switches, but the primitives would need a second
//!   implementation on top of the coroutine scheduler, and users their own imports swapped.
//! - Recording and replaying the OS scheduler's choices (rr, chaos mode): replays, but does
//!   not explore; and it needs the whole process.
//! - Instrumenting only the blocking calls (the door alone): misses the races this mode is for,
//!   a check-then-act on an atomic with no blocking call between.

#[cfg(all(feature = "check", not(loom)))]
mod runtime;
#[cfg(all(feature = "check", not(loom)))]
mod scheduler;
#[cfg(all(feature = "check", not(loom)))]
mod workers;

/// Starts an OS thread for a threadkit thread: in an execution, a reused one (see
/// `workers.rs`), unless it needs a stack size of its own.
#[cfg(all(feature = "check", not(loom)))]
pub(crate) fn start_os_thread(
    builder: std::thread::Builder,
    own_stack: bool,
    body: impl FnOnce() + Send + 'static,
) -> std::io::Result<()> {
    if active() && !own_stack {
        workers::run(Box::new(body))
    } else {
        builder.spawn(body).map(drop)
    }
}

#[cfg(all(feature = "check", not(loom)))]
pub(crate) use runtime::Ticket;

/// The kinds of default names numbered like Python's, per execution in check mode.
#[derive(Clone, Copy)]
pub(crate) enum Named {
    /// `Thread-N`, from 1.
    Thread,
    /// `ThreadPoolExecutor-N`, from 0.
    Pool,
}

/// The number of the next default name of `kind` in the calling thread's execution, or
/// `None` outside check mode (the process-wide counter numbers it).
#[inline]
pub(crate) fn name_number(kind: Named) -> Option<usize> {
    #[cfg(all(feature = "check", not(loom)))]
    return runtime::name_number(kind);
    #[cfg(any(not(feature = "check"), loom))]
    {
        let _ = kind;
        None
    }
}
#[cfg(all(feature = "check", not(loom)))]
pub(crate) use runtime::{
    active, began, ended, now, park, point_op, quiet, quiet_begin, quiet_end, spawned, unpark,
    yield_point, Released,
};

#[cfg(all(feature = "check", not(loom)))]
pub use api::{check, Check};
#[cfg(all(feature = "check", not(loom)))]
pub use scheduler::Scheduler;

/// Without check mode: the thread-start hooks are nothing (a ticket is a zero-sized value).
#[cfg(any(not(feature = "check"), loom))]
mod off {
    pub(crate) struct Ticket;

    #[inline]
    pub(crate) fn spawned(_thread: &crate::ThreadHandle) -> Ticket {
        Ticket
    }

    #[inline]
    pub(crate) fn began(_ticket: Ticket) {}

    /// Starts an OS thread for a threadkit thread.
    #[inline]
    pub(crate) fn start_os_thread(
        builder: std::thread::Builder,
        _own_stack: bool,
        body: impl FnOnce() + Send + 'static,
    ) -> std::io::Result<()> {
        builder.spawn(body).map(drop)
    }

    #[inline]
    pub(crate) fn ended(_panic: Option<&crate::Panic>) {}
}
#[cfg(any(not(feature = "check"), loom))]
pub(crate) use off::{began, ended, spawned, start_os_thread, Ticket};

/// Lets the scheduler switch threads here (check mode); elsewhere, `std::thread::yield_now`.
///
/// ```
/// threadkit::yield_now();
/// ```
#[inline]
#[track_caller]
pub fn yield_now() {
    #[cfg(all(feature = "check", not(loom)))]
    if active() {
        yield_point();
        return;
    }
    std::thread::yield_now();
}

#[cfg(all(feature = "check", not(loom)))]
mod api {
    use super::runtime::{self, Exec, Outcome};
    use super::scheduler::{Chooser, Scheduler};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    /// How a body is checked: how many schedules, from which seed, within what time, and how
    /// many steps make a livelock. [`check`] is `Check::new().run(f)`.
    ///
    /// ```
    /// use threadkit::{Check, Lock, Thread};
    /// use std::sync::Arc;
    ///
    /// let summary = Check::new().schedules(50).seed(1).run(|| {
    ///     let lock = Arc::new(Lock::new());
    ///     let l = Arc::clone(&lock);
    ///     let t = Thread::spawn(move || drop(l.guard()));
    ///     drop(lock.guard());
    ///     t.join().unwrap();
    /// });
    /// assert_eq!(summary.schedules, 50);
    /// ```
    #[derive(Debug, Clone)]
    #[must_use = "a Check does nothing until `run`"]
    pub struct Check {
        scheduler: Scheduler,
        schedules: u64,
        seed: u64,
        budget: Option<Duration>,
        max_steps: u64,
        replay: Option<u64>,
        /// PCT's estimate of a schedule's length (`None`: the longest seen so far, from 100).
        estimate: Option<u64>,
    }

    impl Default for Check {
        fn default() -> Self {
            Check::new()
        }
    }

    impl Check {
        /// 1,000 schedules from seed 0 (`THREADKIT_CHECK_SCHEDULES` and
        /// `THREADKIT_CHECK_SEED` override them; `THREADKIT_CHECK_REPLAY=<seed>` runs that
        /// one schedule only), no time budget, 100,000 steps per schedule.
        ///
        /// ```
        /// let _ = threadkit::Check::new();
        /// ```
        pub fn new() -> Self {
            let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse().ok());
            Check {
                scheduler: Scheduler::default(),
                schedules: env("THREADKIT_CHECK_SCHEDULES").unwrap_or(1000),
                seed: env("THREADKIT_CHECK_SEED").unwrap_or(0),
                budget: None,
                max_steps: 100_000,
                replay: env("THREADKIT_CHECK_REPLAY"),
                estimate: env("THREADKIT_CHECK_STEPS"),
            }
        }

        /// How schedules are chosen (PCT of depth 3 by default).
        ///
        /// ```
        /// let _ = threadkit::Check::new().scheduler(threadkit::Scheduler::Random);
        /// ```
        pub fn scheduler(mut self, scheduler: Scheduler) -> Self {
            self.scheduler = scheduler;
            self
        }

        /// How many schedules to run.
        ///
        /// ```
        /// let _ = threadkit::Check::new().schedules(10);
        /// ```
        pub fn schedules(mut self, n: u64) -> Self {
            self.schedules = n.max(1);
            self
        }

        /// The first schedule's seed (schedule `i` runs seed `seed + i`).
        ///
        /// ```
        /// let _ = threadkit::Check::new().seed(42);
        /// ```
        pub fn seed(mut self, seed: u64) -> Self {
            self.seed = seed;
            self
        }

        /// Stops starting new schedules after this much time (the ones run all passed).
        ///
        /// ```
        /// let _ = threadkit::Check::new().time_budget(std::time::Duration::from_secs(5));
        /// ```
        pub fn time_budget(mut self, budget: Duration) -> Self {
            self.budget = Some(budget);
            self
        }

        /// Steps after which a schedule fails as a livelock.
        ///
        /// ```
        /// let _ = threadkit::Check::new().max_steps(1_000_000);
        /// ```
        pub fn max_steps(mut self, steps: u64) -> Self {
            self.max_steps = steps.max(1);
            self
        }

        /// PCT's estimate of a schedule's length, which its priority drops are placed in
        /// (by default the longest schedule seen so far in the run, from 100). A failure's
        /// replay line gives the one its schedule used.
        ///
        /// ```
        /// let _ = threadkit::Check::new().steps_estimate(200);
        /// ```
        pub fn steps_estimate(mut self, steps: u64) -> Self {
            self.estimate = Some(steps.max(1));
            self
        }

        /// Runs the one schedule of `seed` (a failure's report names it).
        ///
        /// ```
        /// let _ = threadkit::Check::new().replay(1234);
        /// ```
        pub fn replay(mut self, seed: u64) -> Self {
            self.replay = Some(seed);
            self
        }

        /// Runs `body` under every schedule; panics with the report at the first failure.
        ///
        /// # Panics
        ///
        /// When a schedule fails: a panic in any thread, a deadlock, a non-daemon thread left
        /// running, or a livelock. The message has the seed and the replay line.
        ///
        /// ```
        /// threadkit::Check::new().schedules(5).run(|| assert_eq!(1 + 1, 2));
        /// ```
        pub fn run(self, body: impl Fn() + Send + Sync + 'static) -> CheckSummary {
            let body: Arc<dyn Fn() + Send + Sync> = Arc::new(body);
            // Once per process, outside any schedule: every schedule then runs the same steps.
            crate::thread::prepare_process();
            if let Scheduler::Exhaustive { preemptions } = self.scheduler {
                return self.run_exhaustive(preemptions, &body);
            }
            let seeds: Box<dyn Iterator<Item = u64>> = match self.replay {
                Some(seed) => Box::new(std::iter::once(seed)),
                None => Box::new((0..self.schedules).map(|i| self.seed.wrapping_add(i))),
            };
            let started = Instant::now();
            let mut summary = CheckSummary::default();
            // PCT places its priority drops within the schedule's length: the longest seen,
            // unless an estimate was given (a replay's).
            let mut longest = self.estimate.unwrap_or(100);
            for seed in seeds {
                if self.budget.is_some_and(|b| started.elapsed() >= b) {
                    break;
                }
                let chooser = Chooser::new(self.scheduler, seed, longest);
                match run_one(chooser, self.max_steps, &body).0 {
                    Outcome::Passed { steps } => {
                        summary.schedules += 1;
                        summary.steps += steps;
                        if self.estimate.is_none() {
                            longest = longest.max(steps);
                        }
                    }
                    Outcome::Failed { why, report } => panic!(
                        "threadkit check: schedule {} failed: {why}\n\
                         seed: {seed}\n\
                         the last steps:\n{report}\
                         replay it exactly: THREADKIT_CHECK_REPLAY={seed} THREADKIT_CHECK_STEPS={longest} \
                         (or Check::new().replay({seed}).steps_estimate({longest}))",
                        summary.schedules + 1
                    ),
                }
            }
            summary
        }

        /// Every schedule within the preemption bound, in order, up to `schedules` (or up to
        /// the replayed one).
        fn run_exhaustive(
            &self,
            preemptions: usize,
            body: &Arc<dyn Fn() + Send + Sync>,
        ) -> CheckSummary {
            let limit = self.replay.map_or(self.schedules, |k| k + 1);
            let started = Instant::now();
            let mut summary = CheckSummary::default();
            let mut replay = Vec::new();
            while summary.schedules < limit {
                if self.budget.is_some_and(|b| started.elapsed() >= b) {
                    break;
                }
                let chooser = Chooser::exhaustive(preemptions, replay);
                let (outcome, chooser) = run_one(chooser, self.max_steps, body);
                match outcome {
                    Outcome::Passed { steps } => {
                        summary.schedules += 1;
                        summary.steps += steps;
                    }
                    Outcome::Failed { why, report } => panic!(
                        "threadkit check: exhaustive schedule {k} failed: {why}\n\
                         the last steps:\n{report}\
                         replay it exactly: Check::new().scheduler(Scheduler::Exhaustive {{ preemptions: {preemptions} }}).replay({k})",
                        k = summary.schedules
                    ),
                }
                let Some(next) =
                    super::scheduler::next_exhaustive(&chooser.into_frames(), preemptions)
                else {
                    summary.exhausted = true;
                    break;
                };
                replay = next;
            }
            summary
        }
    }

    /// What a passing [`Check::run`] ran.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[non_exhaustive]
    #[derive(Default)]
    pub struct CheckSummary {
        /// Schedules run, all passed.
        pub schedules: u64,
        /// Scheduling steps over all of them.
        pub steps: u64,
        /// An exhaustive search ran every schedule within its bound.
        pub exhausted: bool,
    }

    /// One schedule: the body on a fresh OS thread as thread 0, the controller waiting for
    /// the outcome. A failed schedule's threads are left waiting on its baton.
    /// One execution at a time in the process: threadkit's own process-wide state (the
    /// thread registry's lock) is shared by every thread, and a thread of one execution must
    /// not wait on a lock that a thread of another holds while that one waits for its baton.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn run_one(
        chooser: Chooser,
        max_steps: u64,
        body: &Arc<dyn Fn() + Send + Sync>,
    ) -> (Outcome, Chooser) {
        let _one = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let exec = Exec::new(chooser, max_steps);
        let (e, b) = (Arc::clone(&exec), Arc::clone(body));
        super::workers::run(Box::new(move || runtime::run_body(&e, &*b)))
            .expect("the operating system refused a thread for the check");
        let outcome = exec.outcome();
        (outcome, exec.take_chooser())
    }

    /// Checks `body` under 1,000 schedules (see [`Check::new`] for the environment); panics
    /// with a replayable report at the first failing one, as `loom::model` does.
    ///
    /// # Panics
    ///
    /// As [`Check::run`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use threadkit::{Lock, Thread};
    ///
    /// threadkit::check(|| {
    ///     let balance = Arc::new(Lock::new());
    ///     let b = Arc::clone(&balance);
    ///     let t = Thread::spawn(move || drop(b.guard()));
    ///     drop(balance.guard());
    ///     t.join().unwrap();
    /// });
    /// ```
    pub fn check(body: impl Fn() + Send + Sync + 'static) {
        let _ = Check::new().run(body);
    }
}

#[cfg(all(feature = "check", not(loom)))]
pub use api::CheckSummary;
