//! A port of the parts of CPython's `Lib/test/test_threading.py` and
//! `Lib/test/test_threading_local.py` (CPython 3.14) that map onto threadkit's public API and
//! run inside one process: `ThreadTests`, `ThreadingExceptionTests`, `ExceptHookTests`
//! (`test_custom_excepthook`), `TimerTests`, `MiscTestCase` (thread names) and
//! `BaseLocalTest`. The tests that need a process to exit, or the real main thread, are in
//! `cpython_threading_exit.rs`; the lock tests `test_threading.py` instantiates are in
//! `cpython_lock_tests.rs`.
//!
//! This is a port of the behaviour the tests check, not of their text. Each module is one
//! Python class; each test is named after the Python test it ports (a suffix names the part
//! of a Python test split off, e.g. because it hits a known defect). threadkit's documented
//! Rust forms are asserted where it differs from Python, with a `// Rust form:` comment.
//! These tests run on the test harness's threads, which threadkit did not start: there,
//! `current_thread()` is a `Dummy-N` daemon thread, not `MainThread`.
//!
//! Skipped, with no counterpart in threadkit:
//! - `ThreadTests`: `test_lazy_import`, `test_lock_no_args`, `test_lock_no_subclass`,
//!   `test_lock_or_none`, `test_disallow_instantiation`, `test_old_threading_api`,
//!   `test_boolean_target` (Python object model; the compiler checks these);
//!   `test_PyThreadState_SetAsyncExc` (asynchronous exceptions); `test_frame_tstate_tracing`,
//!   `test_gettrace*`, `test_getprofile*` (`settrace` / `setprofile`: no interpreter to
//!   trace); `test_finalize_running_thread`, `test_finalize_with_trace`,
//!   `test_main_thread_during_shutdown`, `test_finalization_shutdown`, `test_locals_at_exit`,
//!   `test_import_from_another_thread`, `test_start_new_thread_at_finalization`,
//!   `test_join_daemon_thread_in_finalization`, `test_join_finished_daemon_thread_in_finalization`,
//!   `test_acquire_daemon_thread_lock_in_finalization`, `test_finalize_daemon_thread_hang`,
//!   `test_stop_the_world_during_finalization` (interpreter finalization and garbage
//!   collection); every test that forks (`test_dummy_thread_after_fork`,
//!   `test_is_alive_after_fork`, `test_main_thread_after_fork*`, `test_native_id_after_fork`,
//!   `test_reinit_tls_after_fork`, `test_clear_threads_states_after_fork`);
//!   `test_start_new_thread_failed` (`RLIMIT_NPROC`; the failure to start is ported in
//!   `test_limbo_cleanup`); `test_tstate_lock`, `test_shutdown_locks` (CPython internals).
//! - `ThreadTests.test_name`: the `Thread-5 (func)` suffix (closures have no name).
//! - `ThreadingExceptionTests`: `test_recursion_limit` (a stack overflow aborts a Rust
//!   process, there is no `RecursionError`), `test_print_exception_stderr_is_none_*`,
//!   `test_print_exception_gh_102056`, `test_bare_raise_in_brand_new_thread`,
//!   `test_multithread_modify_file_noerror`, `test_dummy_thread_on_interpreter_shutdown`,
//!   `test_keyboard_interrupt_during_threading_shutdown` (interpreter specifics).
//! - `ExceptHookTests`: `test_excepthook_thread_None` (`ExceptHookArgs::thread` is never
//!   `None`), `test_system_exit` (no `SystemExit` exception).
//! - `SubinterpThreadingTests`, `InterruptMainTests`, `AtexitTests` (subinterpreters,
//!   `_thread.interrupt_main`, the private `threading._register_atexit`),
//!   `MiscTestCase.test__all__`.
//! - `BaseLocalTest` (`test_threading_local.py`): `test_arguments`, `test_dict_attribute*`,
//!   `test_threading_local_subclass` (Python object model; `Local::new`'s initializer plays
//!   the subclass's `__init__`, see `test_derived`), `test_cycle_collection` (no cycle
//!   collector), `test_threading_local_clear_race`, `test_error` (`_testcapi`).

mod cpython_support;

use cpython_support::{wait_until, HANG_GUARD};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;
use threadkit::{
    current_thread, enumerate, get_ident, get_native_id, main_thread, BoundedSemaphore, Builder,
    Event, ExceptHookArgs, JoinError, Local, Lock, RLock, ReleaseError, StartError, Thread, Timer,
};

const SEQ: Ordering = Ordering::SeqCst;

/// Serializes the tests that replace the process-wide excepthook or make threads panic, so a
/// hook installed by one test never sees another test's panics.
fn hook_lock() -> MutexGuard<'static, ()> {
    static HOOK: Mutex<()> = Mutex::new(());
    HOOK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The name the operating system has for the calling thread (Linux: what `ps` and debuggers
/// show, at most 15 bytes).
#[cfg(target_os = "linux")]
fn os_thread_name() -> String {
    std::fs::read_to_string("/proc/thread-self/comm")
        .expect("the thread's comm is readable")
        .trim_end_matches('\n')
        .to_owned()
}

/// `ThreadTests`.
#[allow(non_snake_case)]
mod thread_tests {
    use super::*;

    /// `^Thread-\d+$`.
    fn is_default_name(name: &str) -> bool {
        name.strip_prefix("Thread-")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    }

    #[test]
    fn test_name() {
        let thread = Builder::new().name("myname1").build(|| ());
        assert_eq!(thread.name(), "myname1");
        // Python converts an int name to str. Rust form: the name is `impl Into<String>`.
        let thread = Builder::new().name(123.to_string()).build(|| ());
        assert_eq!(thread.name(), "123");
        // No name: `Thread-N`, from a counter.
        let first = Thread::new(|| ()).name();
        let second = Thread::new(|| ()).name();
        assert!(is_default_name(&first), "{first}");
        assert!(is_default_name(&second), "{second}");
        assert_ne!(first, second);
    }

    #[test]
    fn test_name_empty() {
        // The `name=""` case of `test_name`: an empty name gets the default name.
        let thread = Builder::new().name("").build(|| ());
        assert!(is_default_name(&thread.name()), "{:?}", thread.name());
    }

    #[test]
    fn test_args_argument() {
        // bpo-45735: `args` as a list or a tuple. Rust form: the closure captures its
        // arguments, whatever their type.
        let num = 1;
        let text = String::from("str");
        let list = vec![1];
        let tuple = (1,);
        let t = Thread::spawn(move || (num, text, list, tuple));
        assert_eq!(
            t.into_output().unwrap(),
            (1, String::from("str"), vec![1], (1,))
        );
    }

    /// Create a bunch of threads, let each do some work, wait until all are done.
    fn various_ops(builder: impl Fn() -> Builder) {
        const NUMTASKS: usize = 10;
        // No more than 3 of the 10 can run at once.
        let sema = Arc::new(BoundedSemaphore::new(3));
        let mutex = Arc::new(RLock::new());
        let numrunning = Arc::new(AtomicUsize::new(0));
        // Unlike CPython, the threads stay alive until all the native ids are read, so the
        // operating system cannot reuse one.
        let hold = Arc::new(Event::new());
        let mut threads = Vec::new();
        for i in 0..NUMTASKS {
            let (sema, mutex, numrunning, hold) = (
                sema.clone(),
                mutex.clone(),
                numrunning.clone(),
                hold.clone(),
            );
            let t = builder().name(format!("<thread {i}>")).build(move || {
                {
                    let _with_sema = sema.guard();
                    {
                        let _with_mutex = mutex.guard();
                        // A read-modify-write that is only right under the lock.
                        let running = numrunning.load(SEQ) + 1;
                        numrunning.store(running, SEQ);
                        assert!(running <= 3, "{running} tasks are running");
                    }
                    std::thread::sleep(Duration::from_micros(10 * i as u64));
                    {
                        let _with_mutex = mutex.guard();
                        let running = numrunning.load(SEQ);
                        assert!(running >= 1);
                        numrunning.store(running - 1, SEQ);
                    }
                }
                assert!(hold.wait_timeout(HANG_GUARD));
            });
            assert_eq!(t.ident(), None);
            // Rust form: `Debug` instead of `<TestThread(<thread 0>, initial)>`.
            assert!(format!("{t:?}").contains("initial"), "{t:?}");
            t.start().unwrap();
            threads.push(t);
        }
        let mut native_ids: HashSet<u64> = threads.iter().filter_map(|t| t.native_id()).collect();
        native_ids.insert(get_native_id());
        assert_eq!(native_ids.len(), NUMTASKS + 1);
        hold.set();
        for t in &threads {
            t.join().unwrap();
            assert!(!t.is_alive());
            assert!(t.ident().is_some_and(|id| id != 0));
            assert!(format!("{t:?}").contains("stopped"), "{t:?}");
        }
        assert_eq!(numrunning.load(SEQ), 0);
    }

    #[test]
    fn test_various_ops() {
        various_ops(Builder::new);
    }

    #[test]
    fn test_various_ops_small_stack() {
        // Rust form: `Builder::stack_size` instead of the process-wide `stack_size(n)`.
        various_ops(|| Builder::new().stack_size(256 * 1024));
    }

    #[test]
    fn test_various_ops_large_stack() {
        various_ops(|| Builder::new().stack_size(1024 * 1024));
    }

    #[test]
    fn test_ident_of_no_threading_threads() {
        // The ident works for threads threadkit did not start (here: the harness's thread
        // and a `std::thread`).
        assert!(current_thread().ident().is_some());
        assert_eq!(current_thread().ident(), Some(get_ident()));
        let (ident, expected, native, expected_native) = std::thread::spawn(|| {
            let me = current_thread();
            (me.ident(), get_ident(), me.native_id(), get_native_id())
        })
        .join()
        .unwrap();
        assert_eq!(ident, Some(expected));
        assert_eq!(native, Some(expected_native));
        assert_ne!(ident, current_thread().ident());
    }

    #[test]
    fn test_foreign_thread() {
        // A thread threadkit did not start can use it; `current_thread()` registers it as a
        // dummy thread until it ends.
        let dummy = std::thread::spawn(|| {
            let dummy = current_thread();
            assert!(enumerate().contains(&dummy));
            assert_eq!(dummy.ident(), Some(get_ident()));
            // gh-29376: a dummy thread is alive.
            assert!(dummy.is_alive());
            assert!(dummy.is_daemon());
            // Rust form: `Debug` shows the `Dummy-N` name instead of `_DummyThread`.
            assert!(format!("{dummy:?}").contains("Dummy-"), "{dummy:?}");
            dummy
        })
        .join()
        .unwrap();
        // Once the thread has ended, its dummy is no longer listed.
        wait_until("saw the dummy thread unregistered", || {
            !enumerate().contains(&dummy)
        });
        assert!(!dummy.is_alive());
    }

    #[test]
    fn test_foreign_thread_join() {
        // gh-106236: joining a dummy thread is an error (Python: RuntimeError), while it runs
        // and after it has ended.
        let (tx, rx) = std::sync::mpsc::channel();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let foreign = std::thread::spawn(move || {
            tx.send(current_thread()).unwrap();
            let _ = go_rx.recv_timeout(HANG_GUARD);
        });
        let dummy = rx.recv().unwrap();
        assert!(
            matches!(
                dummy.join_timeout(Duration::from_millis(1)),
                Err(threadkit::WaitError::Failed(JoinError::DummyThread))
            ),
            "a running dummy thread was joined"
        );
        go_tx.send(()).unwrap();
        foreign.join().unwrap();
        assert!(dummy.join().is_err(), "an ended dummy thread was joined");
    }

    #[test]
    fn test_limbo_cleanup() {
        // Issue 7481: a thread that fails to start is not left registered. The operating
        // system refuses a thread whose stack does not fit in the address space.
        let t = Builder::new().stack_size(1 << 60).build(|| 7);
        assert!(matches!(t.start(), Err(StartError::Spawn(_))));
        assert!(!t.is_alive());
        assert!(!t.is_started());
        assert_eq!(t.ident(), None);
        assert!(!enumerate().contains(&t.handle()));
        // Rust form: the closure is kept and `start` may be retried (it fails the same way).
        assert!(matches!(t.start(), Err(StartError::Spawn(_))));
        assert_eq!(t.join(), Err(JoinError::NotStarted));
    }

    #[test]
    fn test_enumerate_after_join() {
        // #1703448: a joined thread is never listed by `enumerate()`.
        for i in 0..100 {
            let t = Thread::spawn(|| ());
            t.join().unwrap();
            assert!(
                !enumerate().contains(&t.handle()),
                "#1703448 triggered after {i} trials"
            );
        }
    }

    #[test]
    fn test_join_from_multiple_threads() {
        // `join` is thread-safe: several threads join one.
        for n in 2..8 {
            let go = Arc::new(Event::new());
            let g = go.clone();
            let worker = Thread::spawn(move || assert!(g.wait_timeout(HANG_GUARD)));
            let joiners: Vec<_> = (0..n)
                .map(|_| {
                    let w = worker.handle();
                    Thread::spawn(move || w.join_timeout(HANG_GUARD))
                })
                .collect();
            go.set();
            for j in joiners {
                assert_eq!(j.into_output().unwrap(), Ok(()));
            }
            worker.join().unwrap();
        }
    }

    #[test]
    fn test_join_with_timeout() {
        let lock = Arc::new(Lock::new());
        lock.acquire();
        let l = lock.clone();
        let thread = Thread::spawn(move || assert!(l.acquire_timeout(HANG_GUARD)));
        // Rust form: `join_timeout` says whether the thread finished.
        assert!(thread
            .join_timeout(Duration::from_millis(10))
            .unwrap_err()
            .is_timeout());
        assert!(thread.is_alive());
        lock.release().unwrap();
        thread.join().unwrap();
        assert!(!thread.is_alive());
    }

    #[test]
    fn test_no_refcycle_through_target() {
        // The thread lets go of its target, and what the target holds, once it finishes,
        // whether it returns or raises; the `Thread` object itself lives on.
        let _hook = hook_lock();
        let held = Arc::new(());
        let h = held.clone();
        let thread = Thread::spawn(move || drop(Arc::clone(&h)));
        thread.join().unwrap();
        assert_eq!(
            Arc::strong_count(&held),
            1,
            "the finished thread kept its target"
        );

        let h = held.clone();
        // CPython reports the exception with the default hook; here it is only noise.
        threadkit::set_excepthook(|_| {});
        let raising = Thread::spawn(move || -> () {
            let _keep = &h;
            panic!("SystemExit");
        });
        let joined = raising.join();
        threadkit::reset_excepthook();
        assert!(joined.is_err());
        assert_eq!(
            Arc::strong_count(&held),
            1,
            "the raising thread kept its target"
        );
        drop((thread, raising));
    }

    #[test]
    fn test_repr_daemon() {
        // Rust form: `Debug` always shows the flag (Python's repr only says `daemon`).
        let t = Builder::new().daemon(false).build(|| ());
        assert!(format!("{t:?}").contains("daemon: false"), "{t:?}");
        t.set_daemon(true).unwrap();
        assert!(format!("{t:?}").contains("daemon: true"), "{t:?}");
    }

    #[test]
    fn test_daemon_param() {
        // The default is the creating thread's flag: this harness thread is a dummy thread,
        // a daemon (from the real main thread: see `cpython_threading_exit.rs`).
        let t = Thread::new(|| ());
        assert_eq!(t.is_daemon(), current_thread().is_daemon());
        assert!(!Builder::new().daemon(false).build(|| ()).is_daemon());
        assert!(Builder::new().daemon(true).build(|| ()).is_daemon());
        // Created by a non-daemon thread: not a daemon; by a daemon thread: a daemon.
        for daemon in [false, true] {
            let creator = Builder::new()
                .daemon(daemon)
                .spawn(|| Thread::new(|| ()).is_daemon())
                .unwrap();
            assert_eq!(creator.into_output().unwrap(), daemon);
        }
    }

    #[test]
    fn test_main_thread() {
        // The part that needs the real main thread is in `cpython_threading_exit.rs`.
        let main = main_thread();
        assert_eq!(main.name(), "MainThread");
        assert!(main.is_alive());
        assert!(!main.is_daemon());
        assert_eq!(main, main_thread());
        let t = Thread::spawn(|| (main_thread().ident(), current_thread().ident()));
        let (main_ident, its_ident) = t.into_output().unwrap();
        assert_eq!(main_ident, main.ident());
        assert_ne!(main_ident, its_ident);
    }

    #[test]
    fn test_repr_stopped() {
        // "stopped" shows up in the `Debug` of a thread that ended, without join or
        // is_alive.
        let started = Arc::new(Lock::new());
        let finish = Arc::new(Lock::new());
        started.acquire();
        finish.acquire();
        let (s, f) = (started.clone(), finish.clone());
        let t = Thread::spawn(move || {
            s.release().unwrap();
            assert!(f.acquire_timeout(HANG_GUARD));
        });
        assert!(started.acquire_timeout(HANG_GUARD));
        assert!(format!("{t:?}").contains("started"), "{t:?}");
        finish.release().unwrap();
        wait_until("saw `stopped` in the thread's Debug", || {
            format!("{t:?}").contains("stopped")
        });
        t.join().unwrap();
    }

    #[test]
    fn test_BoundedSemaphore_limit() {
        // A BoundedSemaphore refuses to be released too often, whichever threads acquired
        // and released it. Rust form: `Err(ReleaseError::TooManyReleases)`, not ValueError.
        for limit in 1..10 {
            let bs = Arc::new(BoundedSemaphore::new(limit));
            let run_all = |f: fn(&BoundedSemaphore)| {
                let threads: Vec<_> = (0..limit)
                    .map(|_| {
                        let bs = bs.clone();
                        Thread::spawn(move || f(&bs))
                    })
                    .collect();
                for t in threads {
                    t.join().unwrap();
                }
            };
            run_all(|bs| bs.acquire());
            assert_eq!(bs.available(), 0);
            run_all(|bs| bs.release().unwrap());
            assert_eq!(bs.release(), Err(ReleaseError::TooManyReleases));
        }
    }

    #[test]
    fn test_leak_without_join() {
        // bpo-37788: a thread that is never joined still ends and leaves the registry.
        let done = Arc::new(Event::new());
        let d = done.clone();
        let handle = Thread::spawn(move || d.set()).handle();
        // The `Thread` was dropped unjoined.
        assert!(done.wait_timeout(HANG_GUARD));
        wait_until("saw the unjoined thread unregistered", || {
            !enumerate().contains(&handle)
        });
        assert_eq!(handle.join_timeout(HANG_GUARD), Ok(()));
    }
}

/// `ThreadingExceptionTests`: the `RuntimeError` cases, as typed errors.
mod threading_exception_tests {
    use super::*;

    #[test]
    fn test_start_thread_again() {
        let thread = Thread::new(|| ());
        thread.start().unwrap();
        assert!(matches!(thread.start(), Err(StartError::AlreadyStarted)));
        thread.join().unwrap();
    }

    #[test]
    fn test_joining_current_thread() {
        let t = Thread::spawn(|| current_thread().join());
        assert_eq!(t.into_output().unwrap(), Err(JoinError::CurrentThread));
    }

    #[test]
    fn test_joining_inactive_thread() {
        let thread = Thread::new(|| ());
        assert_eq!(thread.join(), Err(JoinError::NotStarted));
    }

    #[test]
    fn test_daemonize_active_thread() {
        let thread = Thread::new(|| ());
        thread.start().unwrap();
        assert!(matches!(
            thread.set_daemon(true),
            Err(StartError::AlreadyStarted)
        ));
        thread.join().unwrap();
    }

    #[test]
    fn test_releasing_unacquired_lock() {
        let lock = Lock::new();
        assert_eq!(lock.release(), Err(ReleaseError::Unlocked));
    }
}

/// `ExceptHookTests`: the custom hook (the tests of what the default hook writes on stderr
/// are in `cpython_threading_exit.rs`).
mod excepthook_tests {
    use super::*;

    #[test]
    fn test_custom_excepthook() {
        let _hook = hook_lock();
        let seen: Arc<Mutex<Vec<ExceptHookArgs>>> = Arc::default();
        let s = seen.clone();
        threadkit::set_excepthook(move |args| s.lock().unwrap().push(args.clone()));
        let thread = Builder::new()
            .name("ThreadRunFail")
            .spawn(|| -> () { panic!("run failed") })
            .unwrap();
        // The hook has run by the time `join` returns.
        let err = thread.join().unwrap_err();
        threadkit::reset_excepthook();
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        let args = &seen[0];
        // Rust form: the exception is a `Panic` (message and location).
        assert_eq!(args.panic.message(), "run failed");
        assert_eq!(Some(&args.panic), err.panic());
        assert!(
            args.panic
                .location()
                .is_some_and(|l| l.contains("cpython_threading.rs")),
            "{:?}",
            args.panic
        );
        assert_eq!(args.thread, thread.handle());
    }
}

/// `TimerTests`.
mod timer_tests {
    use super::*;

    #[test]
    fn test_init_immutable_default_args() {
        // Issue 17435: one timer's arguments never leak into another's. Rust form: each
        // timer owns its closure and what it captured.
        let callback_args: Arc<Mutex<Vec<Vec<&str>>>> = Arc::default();
        let callback_event = Arc::new(Event::new());
        let spy = |args: Vec<&'static str>| {
            let (log, event) = (callback_args.clone(), callback_event.clone());
            move || {
                log.lock().unwrap().push(args);
                event.set();
            }
        };
        let timer1 = Timer::new(Duration::from_millis(10), spy(vec![]));
        timer1.start().unwrap();
        assert!(callback_event.wait_timeout(HANG_GUARD));
        callback_event.clear();
        let timer2 = Timer::new(Duration::from_millis(10), spy(vec![]));
        timer2.start().unwrap();
        assert!(callback_event.wait_timeout(HANG_GUARD));
        let no_args: Vec<&str> = Vec::new();
        assert_eq!(*callback_args.lock().unwrap(), [no_args.clone(), no_args]);
        timer1.join().unwrap();
        timer2.join().unwrap();
        assert!(timer1.has_fired() && timer2.has_fired());
    }
}

/// `MiscTestCase`: the operating system's name of threads.
#[cfg(target_os = "linux")]
mod misc_tests {
    use super::*;

    /// Starts a thread named `name`; returns its threadkit name and its OS name.
    fn names_of(name: &str) -> (String, String) {
        Builder::new()
            .name(name)
            .spawn(|| (current_thread().name(), os_thread_name()))
            .unwrap()
            .into_output()
            .unwrap()
    }

    #[test]
    fn test_set_name() {
        // The thread's name is given to the operating system, truncated to its limit (on
        // Linux, 15 bytes).
        let long = "x".repeat(25);
        let tests = [
            // A short ASCII name.
            ("CustomName", "CustomName"),
            // A short non-ASCII name.
            ("namé€", "namé€"),
            // A long ASCII name, at the limit: not truncated.
            (&long[..15], &long[..15]),
            // A longer ASCII name: truncated.
            (&long[..], &long[..15]),
        ];
        for (name, expected) in tests {
            let (threadkit_name, os_name) = names_of(name);
            assert_eq!(threadkit_name, name);
            assert_eq!(os_name, expected, "OS name of a thread named {name:?}");
        }
    }

    #[test]
    fn test_set_name_embedded_null() {
        // The embedded null case of `test_set_name`: the OS name is truncated at the first
        // NUL; threadkit's name is kept whole.
        let (threadkit_name, os_name) = names_of("embed\0null");
        assert_eq!(threadkit_name, "embed\0null");
        assert_eq!(os_name, "embed");
    }

    #[test]
    fn test_change_name() {
        // Renaming a running thread. Rust form (documented difference): only threadkit's
        // name changes; the operating system's name stays the one given at start.
        let t = Builder::new().name("name").spawn(|| {
            let name1 = os_thread_name();
            current_thread().set_name("new name");
            (name1, current_thread().name(), os_thread_name())
        });
        let (name1, new_name, name2) = t.unwrap().into_output().unwrap();
        assert_eq!(name1, "name");
        assert_eq!(new_name, "new name");
        assert_eq!(name2, "name");
    }
}

/// `BaseLocalTest` (`Lib/test/test_threading_local.py`).
mod local_tests {
    use super::*;
    use std::sync::LazyLock;

    /// Each of `n` threads in turn stores a value in `local`; returns how many of the values
    /// are gone once every thread has been joined. With `strict`, each value must go away
    /// once its thread has ended, before the next thread starts.
    fn local_refs(n: usize, strict: bool) -> usize {
        let local: Arc<Local<Option<Arc<()>>>> = Arc::new(Local::new(|| None));
        let mut weaklist: Vec<Weak<()>> = Vec::new();
        for _ in 0..n {
            let l = local.clone();
            let t = Thread::spawn(move || {
                let weak = Arc::new(());
                let w = Arc::downgrade(&weak);
                l.set(Some(weak));
                w
            });
            let weak = t.into_output().unwrap();
            if strict {
                wait_until("saw the ended thread's value dropped", || {
                    weak.upgrade().is_none()
                });
            }
            weaklist.push(weak);
        }
        assert_eq!(weaklist.len(), n);
        weaklist.iter().filter(|w| w.upgrade().is_none()).count()
    }

    #[test]
    fn test_local_refs() {
        // A thread's values die with the thread. CPython accepts that the last thread's
        // value lingers (`_threading_local` keeps it).
        for n in [20, 50, 100] {
            let dead = local_refs(n, false);
            assert!(dead == n || dead == n - 1, "{dead} of {n} values dropped");
        }
    }

    #[test]
    fn test_local_refs_dropped_at_thread_end() {
        // The strict form of `test_local_refs`, what CPython's C `_thread._local` does: each
        // value is dropped when its thread ends, without waiting for another thread to use
        // the `Local`.
        for n in [20, 50] {
            assert_eq!(local_refs(n, true), n);
        }
    }

    #[test]
    fn test_derived() {
        // Issue 3088: a thread switch inside the initializer (Python: a subclass's
        // `__init__`) does not mix up the threads' values.
        let local = Arc::new(Local::new(|| {
            std::thread::sleep(Duration::from_millis(10));
            usize::MAX
        }));
        let threads: Vec<_> = (0..10)
            .map(|i| {
                let local = local.clone();
                Thread::spawn(move || {
                    local.set(i);
                    assert_eq!(local.with(|x| *x), i);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    }

    #[test]
    fn test_derived_cycle_dealloc() {
        // bpo-6990: new locals, possibly at the address of a dropped one, start empty in a
        // thread that had a value in the dropped one.
        let e1 = Arc::new(Event::new());
        let e2 = Arc::new(Event::new());
        let locals: Arc<Mutex<Vec<Local<Option<&'static str>>>>> = Arc::default();
        let (t_e1, t_e2, t_locals) = (e1.clone(), e2.clone(), locals.clone());
        let t = Thread::spawn(move || {
            let old = Local::new(|| None);
            old.set(Some("bar"));
            drop(old);
            t_e1.set();
            assert!(t_e2.wait_timeout(HANG_GUARD));
            let locals = t_locals.lock().unwrap();
            locals
                .iter()
                .all(|local| !local.is_set() && local.with(|foo| foo.is_none()))
        });
        assert!(e1.wait_timeout(HANG_GUARD));
        locals
            .lock()
            .unwrap()
            .extend((0..10).map(|_| Local::new(|| None)));
        e2.set();
        assert!(t.into_output().unwrap());
    }

    #[test]
    fn test_threading_local() {
        // `_test_one_class`: a value set in one thread is not seen by another.
        let obj: Arc<Local<Option<&'static str>>> = Arc::new(Local::new(|| None));
        let e1 = Arc::new(Event::new());
        let e2 = Arc::new(Event::new());
        let (o, t_e1, t_e2) = (obj.clone(), e1.clone(), e2.clone());
        let t1 = Thread::spawn(move || {
            o.set(Some("foo"));
            t_e1.set();
            assert!(t_e2.wait_timeout(HANG_GUARD));
            o.with(|x| *x)
        });
        assert!(e1.wait_timeout(HANG_GUARD));
        let o = obj.clone();
        // Python: reading `obj.x` raises AttributeError. Rust form: no value yet, and the
        // initializer's value on first use.
        let t2 = Thread::spawn(move || (o.is_set(), o.with(|x| *x)));
        assert_eq!(t2.into_output().unwrap(), (false, None));
        // The test is done; let t1 end.
        e2.set();
        assert_eq!(t1.into_output().unwrap(), Some("foo"));
    }

    /// A `Local` whose initializer asks whether the `Local` has a value yet.
    static ASKS_ITSELF: LazyLock<Local<bool>> =
        LazyLock::new(|| Local::new(|| ASKS_ITSELF.is_set()));

    /// A `Local` whose initializer reads the `Local`'s value.
    static READS_ITSELF: LazyLock<Local<usize>> =
        LazyLock::new(|| Local::new(|| READS_ITSELF.with(|n| *n) + 1));

    #[test]
    fn test_doctest_init_uses_own_local() {
        // The `_threading_local` doctest (run by `test_threading_local.py`): a subclass's
        // `__init__` uses the local object itself. Rust form: the initializer may use the
        // `Local`; in it, the thread has no value yet.
        let t = Thread::spawn(|| ASKS_ITSELF.with(|was_set| *was_set));
        assert!(!t.into_output().unwrap());
        assert!(!ASKS_ITSELF.with(|was_set| *was_set));
    }

    #[test]
    fn test_doctest_init_reads_own_local() {
        // The same doctest: reading an attribute `__init__` has not set yet raises
        // AttributeError. Rust form: reading the value from inside the initializer is
        // refused with a panic (the thread's exception), not an endless recursion.
        let _hook = hook_lock();
        threadkit::set_excepthook(|_| {});
        let t = Thread::spawn(|| READS_ITSELF.with(|n| *n));
        let joined = t.join();
        threadkit::reset_excepthook();
        assert!(joined.is_err());
    }
}
