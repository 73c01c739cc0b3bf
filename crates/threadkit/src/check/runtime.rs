//! One execution of a checked body: its threads, the baton, the parked threads, the virtual
//! clock, the trace, and how it ends.
//!
//! Everything here is guarded by one std `Mutex` (never threadkit's: the door must not see
//! it), and a thread waits for the baton on one std `Condvar`. Only the thread holding the
//! baton runs threadkit code, so the state changes in the order the scheduler chose.

use super::scheduler::Chooser;
use crate::panic::Panic;
use crate::ThreadHandle;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::panic::Location;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How many steps a failure report shows.
const TRACE: usize = 24;

/// How a thread waiting for the baton (or the controller for an outcome, or an idle worker
/// for a job) spins before it parks: [`SPIN_PAUSES`] spin-loop hints, then `sched_yield`s for
/// up to [`SPIN_FOR`]. A yield that found the machine busy (another process's thread took the
/// core) makes waiters park after the spin-loop hints for a while: the crate's one rule for a
/// busy machine (`wait/spin.rs`). (A park and its wake-up cost 10-60 µs on a 2-core VM; a
/// step, a microsecond.)
const SPIN_PAUSES: u32 = 64;
const SPIN_FOR: Duration = Duration::from_micros(400);

/// Spins until `ready` (true) or until spinning does not pay (false), as [`SPIN_PAUSES`]
/// says.
pub(super) fn spin(ready: impl Fn() -> bool) -> bool {
    spin_with(SPIN_PAUSES, ready)
}

fn spin_with(pauses: u32, ready: impl Fn() -> bool) -> bool {
    for _ in 0..pauses {
        if ready() {
            return true;
        }
        std::hint::spin_loop();
    }
    if crate::wait::crowded() {
        return ready();
    }
    let end = Instant::now() + SPIN_FOR;
    loop {
        if ready() {
            return true;
        }
        if !crate::wait::yield_measured() || Instant::now() >= end {
            return ready();
        }
    }
}

/// What `Exec::turn` holds when the execution stopped (an outcome, not torn down).
const NOBODY: usize = usize::MAX;

/// How many threads may spin for the baton with spin-loop hints at once: one fewer than the
/// cores (the running thread has one), none on one core.
fn spinners() -> usize {
    static SPINNERS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *SPINNERS.get_or_init(|| {
        std::thread::available_parallelism().map_or(0, |n| n.get().saturating_sub(1))
    })
}

/// What one step was, for the report.
#[derive(Clone)]
pub(crate) enum Op {
    /// An atomic operation (its name).
    Point(&'static str),
    /// A spin or `yield_now`: another thread runs if one can (a spinning thread waits for
    /// another's progress).
    Yield,
    /// A park on a threadkit primitive.
    Park,
    /// A wake-up call.
    Wake,
    /// A thread started.
    Spawn,
    /// A thread ended.
    End,
}

impl Op {
    fn describe(&self) -> &'static str {
        match self {
            Op::Point(name) => name,
            Op::Yield => "yields",
            Op::Park => "blocks",
            Op::Wake => "wakes",
            Op::Spawn => "starts a thread",
            Op::End => "ends",
        }
    }
}

#[derive(Clone)]
struct Step {
    thread: usize,
    op: Op,
    site: &'static Location<'static>,
    clock: Duration,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Status {
    Runnable,
    Blocked,
    Finished,
}

/// How a blocked thread was let go.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Released {
    /// `validate` refused the park: the thread never blocked.
    Invalid,
    Unparked,
    Stopped,
    TimedOut {
        was_last: bool,
    },
    Abandoned,
}

struct Thread {
    name: String,
    daemon: bool,
    /// Its threadkit handle (thread 0's from when it attached).
    handle: Option<ThreadHandle>,
    status: Status,
    released: Option<Released>,
    /// The OS thread, once it attached (a wake-up goes to it alone).
    os: Option<std::thread::Thread>,
}

struct Parked {
    thread: usize,
    key: usize,
    token: usize,
    deadline: Option<Duration>,
    /// A stop may unwind the thread (it does not unwind already, it is not in an
    /// unstoppable section): teardown may let it go as stopped.
    stoppable: bool,
}

/// How an execution ended.
#[derive(Clone, Debug)]
pub(crate) enum Outcome {
    Passed { steps: u64 },
    Failed { why: String, report: String },
}

struct State {
    threads: Vec<Thread>,
    /// The baton's holder.
    running: usize,
    scheduler: Chooser,
    /// Default names given, per kind (`Thread-N`, `ThreadPoolExecutor-N`), per execution.
    named: [usize; 2],
    /// Virtual time since `base`.
    clock: Duration,
    parked: Vec<Parked>,
    trace: VecDeque<Step>,
    /// The last steps taken in the test's own code (called from outside threadkit's
    /// sources): what a report is read for.
    own: VecDeque<Step>,
    steps: u64,
    /// Set once: the controller reads it.
    outcome: Option<Outcome>,
    /// The body returned and daemon threads are being unwound.
    tearing_down: bool,
    /// The thread the baton was just handed to, woken once the state is unlocked.
    wake: Option<std::thread::Thread>,
}

impl State {
    /// Whether thread `me` holds the baton and the execution goes on.
    fn may_run(&self, me: usize) -> bool {
        self.running == me && (self.outcome.is_none() || self.tearing_down)
    }
}

/// One execution.
pub(crate) struct Exec {
    state: Mutex<State>,
    /// The controller waits here for the outcome. A thread waits for the baton parked on
    /// its own OS thread, woken alone when the baton comes to it.
    done: Condvar,
    /// The baton's holder, as `State::running` (or [`NOBODY`] once the execution stops),
    /// for a spinning thread to read without the lock.
    turn: AtomicUsize,
    /// How many threads spin for the baton.
    spinners: AtomicUsize,
    base: Instant,
    max_steps: u64,
}

thread_local! {
    static CURRENT: RefCell<Option<(Arc<Exec>, usize)>> = const { RefCell::new(None) };
    /// Scheduling points suppressed (a park's `validate`, a wake's callback: run with the
    /// baton held, as if under the parking lot's queue lock).
    static QUIET: Cell<u32> = const { Cell::new(0) };
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The calling thread's execution, if it belongs to one.
fn current() -> Option<(Arc<Exec>, usize)> {
    CURRENT
        .try_with(|c| c.borrow().as_ref().map(|(e, i)| (Arc::clone(e), *i)))
        .ok()
        .flatten()
}

/// Whether scheduling points are suppressed now.
fn quieted() -> bool {
    QUIET.with(Cell::get) > 0
}

/// Whether the calling thread runs in an execution.
pub(crate) fn active() -> bool {
    CURRENT.try_with(|c| c.borrow().is_some()).unwrap_or(false)
}

/// Suppresses scheduling points until the matching [`quiet_end`].
pub(crate) fn quiet_begin() {
    QUIET.with(|q| q.set(q.get() + 1));
}

/// Ends a [`quiet_begin`].
pub(crate) fn quiet_end() {
    QUIET.with(|q| q.set(q.get().saturating_sub(1)));
}

/// Runs `f` with scheduling points suppressed.
pub(crate) fn quiet<R>(f: impl FnOnce() -> R) -> R {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            quiet_end();
        }
    }
    quiet_begin();
    let _leave = Leave;
    f()
}

impl Exec {
    pub(crate) fn new(scheduler: Chooser, max_steps: u64) -> Arc<Exec> {
        Arc::new(Exec {
            state: Mutex::new(State {
                threads: vec![Thread {
                    name: "MainThread".to_owned(),
                    daemon: false,
                    handle: None,
                    status: Status::Runnable,
                    released: None,
                    os: None,
                }],
                running: 0,
                scheduler,
                named: [0; 2],
                clock: Duration::ZERO,
                parked: Vec::new(),
                trace: VecDeque::with_capacity(TRACE),
                own: VecDeque::with_capacity(TRACE),
                steps: 0,
                outcome: None,
                tearing_down: false,
                wake: None,
            }),
            done: Condvar::new(),
            turn: AtomicUsize::new(0),
            spinners: AtomicUsize::new(0),
            base: Instant::now(),
            max_steps,
        })
    }

    /// The virtual now.
    pub(crate) fn now(&self) -> Instant {
        self.base + lock(&self.state).clock
    }

    /// The scheduler, once the execution has an outcome (an exhaustive search's next step
    /// needs its frames).
    pub(crate) fn take_chooser(&self) -> Chooser {
        let mut st = lock(&self.state);
        std::mem::replace(
            &mut st.scheduler,
            Chooser::new(super::Scheduler::Random, 0, 0),
        )
    }

    /// Waits until the execution has an outcome (the controller's side).
    pub(crate) fn outcome(&self) -> Outcome {
        spin(|| self.turn.load(Ordering::Acquire) == NOBODY);
        let mut st = lock(&self.state);
        loop {
            if let Some(outcome) = &st.outcome {
                return outcome.clone();
            }
            st = self.done.wait(st).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Makes the calling OS thread thread `id` of this execution and waits for the baton.
    fn attach(self: &Arc<Self>, id: usize, handle: Option<&ThreadHandle>) {
        CURRENT.with(|c| *c.borrow_mut() = Some((Arc::clone(self), id)));
        let mut st = lock(&self.state);
        st.threads[id].os = Some(std::thread::current());
        if let Some(h) = handle {
            st.threads[id].handle = Some(h.clone());
        }
        drop(self.wait_for_baton(st, id));
    }

    /// Waits until the baton is `me`'s (and the execution goes on), after delivering the
    /// hand-off `st` holds (with the state unlocked, so the woken thread does not find it
    /// locked). The thread spins a while first if no other waiter does (a hand-off to a
    /// spinning thread costs no system call), then parks; a spurious or stale wake-up only
    /// looks again.
    fn wait_for_baton<'a>(
        &'a self,
        mut st: MutexGuard<'a, State>,
        me: usize,
    ) -> MutexGuard<'a, State> {
        while !st.may_run(me) {
            let wake = st.wake.take();
            drop(st);
            if let Some(os) = wake {
                os.unpark();
            }
            if !self.spin_for(me) {
                std::thread::park();
            }
            st = lock(&self.state);
        }
        st
    }

    /// Spins until the baton may be `me`'s (true) or the spin budget is spent (false). Only
    /// [`spinners`] threads at a time begin with spin-loop hints; the others only yield the
    /// core, so that spinners never take the cores the running thread needs.
    fn spin_for(&self, me: usize) -> bool {
        let pauses = if self.spinners.fetch_add(1, Ordering::Relaxed) < spinners() {
            SPIN_PAUSES
        } else {
            0
        };
        let turned = spin_with(pauses, || self.turn.load(Ordering::Acquire) == me);
        self.spinners.fetch_sub(1, Ordering::Relaxed);
        turned
    }

    /// Wakes every attached thread and the controller (the outcome is set, or teardown).
    fn wake_all(&self, st: &State) {
        self.publish(st);
        for t in &st.threads {
            if let Some(os) = &t.os {
                os.unpark();
            }
        }
        self.done.notify_all();
    }

    /// Records a step; fails the execution past its step budget (a livelock).
    fn record(&self, st: &mut State, me: usize, op: Op, site: &'static Location<'static>) {
        st.steps += 1;
        let step = Step {
            thread: me,
            op,
            site,
            clock: st.clock,
        };
        if !is_threadkits(site) {
            if st.own.len() == TRACE {
                st.own.pop_front();
            }
            st.own.push_back(step.clone());
        }
        if st.trace.len() == TRACE {
            st.trace.pop_front();
        }
        st.trace.push_back(step);
        if st.steps > self.max_steps && st.outcome.is_none() {
            self.fail(
                st,
                format!("no end after {} steps (a livelock?)", self.max_steps),
            );
        }
    }

    /// Chooses who runs next among the runnable threads (`me` included if it is); if none is,
    /// moves the clock to the earliest deadline, or fails with a deadlock. Hands the baton
    /// over and notifies.
    fn hand_on(&self, st: &mut State) {
        self.hand_on_from(st, None);
    }

    /// [`hand_on`](Self::hand_on), `yielding` giving way to any other runnable thread.
    fn hand_on_from(&self, st: &mut State, yielding: Option<usize>) {
        if st.outcome.is_some() && !st.tearing_down {
            return;
        }
        let mut runnable: Vec<usize> = (0..st.threads.len())
            .filter(|&i| st.threads[i].status == Status::Runnable)
            .collect();
        if let Some(me) = yielding {
            if runnable.len() > 1 {
                runnable.retain(|&t| t != me);
            }
        }
        if runnable.is_empty() && st.tearing_down {
            // A daemon that blocked after the body returned is stopped too.
            runnable = abandon_parked(st);
        }
        if runnable.is_empty() {
            if let Some(at) = st
                .parked
                .iter()
                .enumerate()
                .filter_map(|(i, p)| p.deadline.map(|d| (d, i)))
                .min()
                .map(|(_, i)| i)
            {
                let p = st.parked.remove(at);
                st.clock = st.clock.max(p.deadline.unwrap_or_default());
                let was_last = !st.parked.iter().any(|q| q.key == p.key);
                let t = &mut st.threads[p.thread];
                t.status = Status::Runnable;
                t.released = Some(Released::TimedOut { was_last });
                runnable.push(p.thread);
            } else if st.threads.iter().all(|t| t.status == Status::Finished) {
                if st.outcome.is_none() {
                    st.outcome = Some(Outcome::Passed { steps: st.steps });
                }
                st.tearing_down = false;
                self.wake_all(st);
                return;
            } else {
                let blocked: Vec<String> = st
                    .threads
                    .iter()
                    .filter(|t| t.status == Status::Blocked)
                    .map(|t| format!("\"{}\"", t.name))
                    .collect();
                let why = if st.tearing_down {
                    // Daemons that block again while being stopped (in a `Drop`, or in an
                    // unstoppable section): a second stop would abort the process.
                    format!(
                        "daemon threads blocked while being stopped at the end of the body, \
                         in a drop or an unstoppable section ({})",
                        blocked.join(", ")
                    )
                } else {
                    format!(
                        "deadlock: every thread is blocked and no timeout is pending ({})",
                        blocked.join(", ")
                    )
                };
                self.fail(st, why);
                return;
            }
        }
        let running = st.running;
        let may_continue = yielding.is_none();
        st.running = st.scheduler.choose(&runnable, running, may_continue);
        self.publish(st);
        if st.running != running {
            st.wake.clone_from(&st.threads[st.running].os);
        }
    }

    /// Tells spinning threads who may run now.
    fn publish(&self, st: &State) {
        let turn = if st.outcome.is_none() || st.tearing_down {
            st.running
        } else {
            NOBODY
        };
        self.turn.store(turn, Ordering::Release);
    }

    /// Records the failure (the first one) with its report; the controller is told.
    fn fail(&self, st: &mut State, why: String) {
        if st.outcome.is_some() {
            return;
        }
        let report = report(st);
        st.outcome = Some(Outcome::Failed { why, report });
        // Its threads stay where they are, never to run again: the process's exit must not
        // wait for them (it abandons daemon threads).
        // (Not scheduling points: the state is locked.)
        quiet(|| {
            for t in &st.threads {
                if let (Some(h), false) = (&t.handle, t.status == Status::Finished) {
                    h.store_daemon(true);
                }
            }
        });
        st.tearing_down = false;
        self.wake_all(st);
    }
}

/// The schedule (how many steps, the last choices among the runnable threads) and the last
/// steps, one line each.
fn report(st: &State) -> String {
    let choices = st.scheduler.choices();
    let last: Vec<String> = choices
        .iter()
        .skip(choices.len().saturating_sub(48))
        .map(ToString::to_string)
        .collect();
    let mut out = format!(
        "  {} steps, {} threads; the last choices (index among the runnable): {}\n",
        st.steps,
        st.threads.len(),
        last.join(" ")
    );
    let width = st
        .threads
        .iter()
        .map(|t| t.name.len() + 2)
        .max()
        .unwrap_or(0);
    let line = |out: &mut String, step: &Step| {
        let name = &st.threads[step.thread].name;
        let _ = writeln!(
            out,
            "  [{:>8.3} ms] {:<width$} {:<21} at {}:{}",
            step.clock.as_secs_f64() * 1e3,
            format!("\"{name}\""),
            step.op.describe(),
            step.site.file(),
            step.site.line(),
        );
    };
    for step in &st.trace {
        line(&mut out, step);
    }
    if !st.own.is_empty() {
        out.push_str("the last steps in the test's own code (outside threadkit):\n");
        for step in &st.own {
            line(&mut out, step);
        }
    }
    out
}

/// Whether a step's call site is inside threadkit's own sources (this file's directory's
/// parent), not the test's code.
fn is_threadkits(site: &Location<'_>) -> bool {
    const HERE: &str = file!();
    let sources = HERE
        .strip_suffix("check/runtime.rs")
        .or_else(|| HERE.strip_suffix("check\\runtime.rs"))
        .unwrap_or(HERE);
    site.file().starts_with(sources)
}

/// A scheduling point before the atomic operation `name`: the scheduler may let another
/// thread run here.
#[inline]
#[track_caller]
pub(crate) fn point_op(name: &'static str) {
    step_here(Op::Point(name), Location::caller());
}

/// A spin or a yield: the scheduler lets another thread run if one can.
#[inline]
#[track_caller]
pub(crate) fn yield_point() {
    step_here(Op::Yield, Location::caller());
}

/// A step of the calling thread, unless it is in no execution or points are suppressed.
#[inline]
fn step_here(op: Op, site: &'static Location<'static>) {
    if quieted() {
        return;
    }
    if let Some((exec, me)) = current() {
        switch(&exec, me, op, site);
    }
}

#[cold]
fn switch(exec: &Exec, me: usize, op: Op, site: &'static Location<'static>) {
    let mut st = lock(&exec.state);
    let yielding = matches!(op, Op::Yield).then_some(me);
    exec.record(&mut st, me, op, site);
    exec.hand_on_from(&mut st, yielding);
    drop(exec.wait_for_baton(st, me));
}

/// The next number of a default name (`Thread-N` from 1, `ThreadPoolExecutor-N` from 0) in
/// the calling thread's execution: numbered in every schedule afresh, so a replay names its
/// threads as the failing schedule did.
pub(crate) fn name_number(counter: super::Named) -> Option<usize> {
    let (exec, _) = current()?;
    let mut st = lock(&exec.state);
    let n = &mut st.named[counter as usize];
    *n += 1;
    Some(match counter {
        super::Named::Thread => *n,
        super::Named::Pool => *n - 1,
    })
}

/// The virtual now, if the calling thread runs in an execution.
pub(crate) fn now() -> Option<Instant> {
    current().map(|(exec, _)| exec.now())
}

/// A ticket for a thread being started by an execution's thread: its id there.
pub(crate) struct Ticket(Option<(Arc<Exec>, usize)>);

/// Registers a thread about to start (called by its starter), a scheduling point.
#[track_caller]
pub(crate) fn spawned(thread: &ThreadHandle) -> Ticket {
    let Some((exec, me)) = current() else {
        return Ticket(None);
    };
    // Registered, not a switch: the OS thread does not exist yet (its starter creates it
    // next, and the starter's next point may hand it the baton).
    let (name, daemon) = (thread.name(), thread.is_daemon());
    let id = {
        let mut st = lock(&exec.state);
        st.threads.push(Thread {
            name,
            daemon,
            handle: Some(thread.clone()),
            status: Status::Runnable,
            released: None,
            os: None,
        });
        exec.record(&mut st, me, Op::Spawn, Location::caller());
        st.threads.len() - 1
    };
    Ticket(Some((exec, id)))
}

/// The new thread's first step: it joins its execution and waits to be scheduled.
pub(crate) fn began(ticket: Ticket) {
    if let Some((exec, id)) = ticket.0 {
        exec.attach(id, None);
    }
}

/// The thread's last step: a panic (not a stop) fails the execution. Thread 0 is the body:
/// when it returns, a non-daemon thread still running is a failure, and the daemon threads
/// still blocked are stopped (they unwind as a stopped blocking call does).
#[track_caller]
pub(crate) fn ended(panic: Option<&Panic>) {
    let Some((exec, me)) = current() else {
        return;
    };
    let mut st = lock(&exec.state);
    if me == 0 && panic.is_none() {
        body_returned(&exec, &mut st);
    }
    exec.record(&mut st, me, Op::End, Location::caller());
    st.threads[me].status = Status::Finished;
    // Its OS thread goes on to other work (a worker): no wake-up of this execution's may
    // reach it any more.
    st.threads[me].os = None;
    if let Some(p) = panic {
        if !p.is_stop() {
            let why = format!(
                "thread \"{}\" panicked: {}",
                st.threads[me].name,
                p.message()
            );
            exec.fail(&mut st, why);
        }
    }
    exec.hand_on(&mut st);
    let wake = st.wake.take();
    drop(st);
    if let Some(os) = wake {
        os.unpark();
    }
    let leaving = CURRENT.with(|c| c.borrow_mut().take());
    drop(leaving);
}

/// The body returned: fails the execution if a non-daemon thread still runs, else lets the
/// blocked daemon threads go, to unwind.
fn body_returned(exec: &Exec, st: &mut State) {
    let running: Vec<String> = st
        .threads
        .iter()
        .skip(1)
        .filter(|t| !t.daemon && t.status != Status::Finished)
        .map(|t| format!("\"{}\"", t.name))
        .collect();
    if !running.is_empty() {
        let why = format!(
            "the body returned while non-daemon threads still run: {}",
            running.join(", ")
        );
        exec.fail(st, why);
    } else if st
        .threads
        .iter()
        .skip(1)
        .any(|t| t.status != Status::Finished)
    {
        st.tearing_down = true;
        abandon_parked(st);
    }
}

/// Lets every parked thread that a stop may unwind go, to unwind (teardown); returns them.
fn abandon_parked(st: &mut State) -> Vec<usize> {
    let (go, stay): (Vec<Parked>, Vec<Parked>) = std::mem::take(&mut st.parked)
        .into_iter()
        .partition(|p| p.stoppable);
    st.parked = stay;
    go.into_iter()
        .map(|p| {
            let t = &mut st.threads[p.thread];
            t.status = Status::Runnable;
            t.released = Some(Released::Abandoned);
            p.thread
        })
        .collect()
}

/// The check-mode park: `None` if the calling thread is in no execution.
#[track_caller]
pub(crate) fn park(
    key: usize,
    token: usize,
    validate: impl FnOnce() -> bool,
    before_sleep: impl FnOnce(),
    timed_out: impl FnOnce(bool),
    deadline: Option<Instant>,
) -> Option<Released> {
    let (exec, me) = current()?;
    switch(&exec, me, Op::Park, Location::caller());
    if !quiet(validate) {
        return Some(Released::Invalid);
    }
    {
        let mut st = lock(&exec.state);
        let deadline = deadline.map(|d| d.saturating_duration_since(exec.base));
        st.parked.push(Parked {
            thread: me,
            key,
            token,
            deadline,
            stoppable: crate::stop::may_unwind(),
        });
        st.threads[me].status = Status::Blocked;
    }
    quiet(before_sleep);
    let mut st = lock(&exec.state);
    exec.hand_on(&mut st);
    let mut st = exec.wait_for_baton(st, me);
    let released = st.threads[me].released.take().unwrap_or(Released::Unparked);
    drop(st);
    match released {
        Released::TimedOut { was_last } => quiet(|| timed_out(was_last)),
        Released::Abandoned => crate::stop::unwind(),
        _ => {}
    }
    Some(released)
}

/// Lets go the parked threads of the calling thread's execution that `pick` chooses among
/// those on `key` (oldest first, by their tokens), as `how`: how many, and whether others
/// remain. `None` if the calling thread is in no execution.
#[track_caller]
pub(crate) fn unpark(
    key: usize,
    mut pick: impl FnMut(usize) -> bool,
    how: Released,
) -> Option<(usize, bool)> {
    let (exec, me) = current()?;
    if !quieted() {
        switch(&exec, me, Op::Wake, Location::caller());
    }
    let (woken, more) = {
        let mut st = lock(&exec.state);
        let mut woken = Vec::new();
        let mut i = 0;
        while i < st.parked.len() {
            if st.parked[i].key == key && pick(st.parked[i].token) {
                woken.push(st.parked.remove(i).thread);
            } else {
                i += 1;
            }
        }
        for &t in &woken {
            st.threads[t].status = Status::Runnable;
            st.threads[t].released = Some(how);
        }
        let more = st.parked.iter().any(|p| p.key == key);
        (woken.len(), more)
    };
    Some((woken, more))
}

/// Runs `body` as thread 0 of `exec` on the calling (fresh) OS thread: a threadkit thread
/// named `MainThread`, not a daemon (as Python's main thread; the threads it starts are not
/// daemons either, unless made so).
pub(crate) fn run_body(exec: &Arc<Exec>, body: &(dyn Fn() + Send + Sync)) {
    let main = crate::thread::checked_main_handle();
    exec.attach(0, Some(&main));
    let _ = crate::thread::run_as(&main, body, |_| {});
}
