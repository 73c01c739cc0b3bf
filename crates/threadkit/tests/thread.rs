//! Threads: Python's `threading.Thread` semantics and the module functions.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;
use threadkit::{
    active_count, current_thread, enumerate, get_ident, get_native_id, main_thread, Event,
    JoinError, Local, StartError, Thread, WaitError,
};

const HANG_GUARD: Duration = Duration::from_secs(60);

#[test]
fn output_is_delivered_to_owner() {
    let t = Thread::spawn(|| String::from("result"));
    assert_eq!(t.into_output().unwrap(), "result");
}

#[test]
fn second_start_is_an_error() {
    let t = Thread::new(|| 1);
    t.start().unwrap();
    assert!(matches!(t.start(), Err(StartError::AlreadyStarted)));
    assert_eq!(t.into_output().unwrap(), 1);
}

#[test]
fn join_before_start_is_an_error() {
    let t = Thread::new(|| ());
    assert_eq!(t.join(), Err(JoinError::NotStarted));
    assert_eq!(
        t.join_timeout(Duration::from_millis(1)),
        Err(WaitError::Failed(JoinError::NotStarted))
    );
}

#[test]
fn joining_the_current_thread_is_an_error_not_a_hang() {
    let t = Thread::spawn(|| current_thread().join());
    assert_eq!(t.into_output().unwrap(), Err(JoinError::CurrentThread));
}

#[test]
fn join_timeout_reports_whether_finished() {
    let release = Arc::new(Event::new());
    let r = release.clone();
    let t = Thread::spawn(move || r.wait());
    assert!(t
        .join_timeout(Duration::from_millis(5))
        .unwrap_err()
        .is_timeout());
    assert!(t.is_alive());
    release.set();
    assert_eq!(t.join_timeout(HANG_GUARD), Ok(()));
    assert!(!t.is_alive());
}

#[test]
fn many_threads_join_the_same_thread_many_times() {
    let release = Arc::new(Event::new());
    let r = release.clone();
    let target = Thread::spawn(move || {
        r.wait();
    });
    let joiners: Vec<_> = (0..4)
        .map(|_| {
            let h = target.handle();
            Thread::spawn(move || {
                h.join().unwrap();
                h.join().unwrap();
                h.is_alive()
            })
        })
        .collect();
    release.set();
    for j in joiners {
        assert!(!j.into_output().unwrap());
    }
    target.join().unwrap();
}

#[test]
fn panic_is_delivered_to_every_joiner_with_its_message() {
    threadkit::set_excepthook(|_| {});
    let t = Thread::builder()
        .name("doomed")
        .spawn(|| -> u8 { panic!("bad input {}", 3) })
        .unwrap();
    let h = t.handle();
    let other = Thread::spawn(move || h.join());
    let err = other.into_output().unwrap().unwrap_err();
    assert_eq!(err.panic().unwrap().message(), "bad input 3");
    let err = t.into_output().unwrap_err();
    assert_eq!(err.panic().unwrap().message(), "bad input 3");
    threadkit::reset_excepthook();
}

#[test]
fn names_default_to_thread_n_and_can_change() {
    let a = Thread::new(|| ());
    let b = Thread::new(|| ());
    let na: u64 = a.name().strip_prefix("Thread-").unwrap().parse().unwrap();
    let nb: u64 = b.name().strip_prefix("Thread-").unwrap().parse().unwrap();
    assert!(nb > na);
    b.set_name("renamed");
    assert_eq!(b.name(), "renamed");
}

#[test]
fn os_thread_gets_the_name() {
    let t = Thread::builder()
        .name("os-named")
        .spawn(|| std::thread::current().name().map(str::to_owned))
        .unwrap();
    assert_eq!(t.into_output().unwrap().as_deref(), Some("os-named"));
}

#[test]
fn daemon_flag_is_inherited_from_the_creator() {
    // Test-harness threads are foreign threads: daemons, like Python's dummy threads.
    assert!(current_thread().is_daemon());
    assert!(Thread::new(|| ()).is_daemon());
    let parent = Thread::builder()
        .daemon(false)
        .spawn(|| Thread::new(|| ()).is_daemon())
        .unwrap();
    assert!(!parent.into_output().unwrap());
    let t = Thread::new(|| ());
    t.set_daemon(false).unwrap();
    assert!(!t.is_daemon());
    t.start().unwrap();
    assert!(matches!(
        t.set_daemon(true),
        Err(StartError::AlreadyStarted)
    ));
    t.join().unwrap();
}

#[test]
fn idents_and_native_ids_are_known_after_start() {
    let t = Thread::new(|| (get_ident(), get_native_id()));
    assert_eq!((t.ident(), t.native_id()), (None, None));
    t.start().unwrap();
    let (ident, native) = (t.ident().unwrap(), t.native_id().unwrap());
    assert_eq!(t.into_output().unwrap(), (ident, native));
    assert_ne!(ident, get_ident());
    assert_ne!(native, get_native_id());
}

#[test]
fn main_thread_is_named_main_thread_and_seen_from_anywhere() {
    let main = main_thread();
    assert_eq!(main.name(), "MainThread");
    assert!(!main.is_daemon());
    assert!(main.is_alive());
    let from_thread = Thread::spawn(main_thread).into_output().unwrap();
    assert_eq!(from_thread, main);
    // The test harness runs tests on other threads.
    assert_ne!(current_thread(), main);
}

#[test]
fn foreign_threads_get_dummy_handles() {
    let (name, daemon, listed) = std::thread::spawn(|| {
        let me = current_thread();
        (me.name(), me.is_daemon(), enumerate().contains(&me))
    })
    .join()
    .unwrap();
    assert!(name.starts_with("Dummy-"), "{name}");
    assert!(daemon);
    assert!(listed);
}

#[test]
fn enumerate_lists_live_threads_only() {
    let release = Arc::new(Event::new());
    let r = release.clone();
    let t = Thread::spawn(move || {
        r.wait();
    });
    assert!(enumerate().contains(&t.handle()));
    assert!(active_count() >= 2);
    release.set();
    t.join().unwrap();
    assert!(!enumerate().contains(&t.handle()));
}

#[test]
fn excepthook_sees_each_panic_once_and_is_replaceable() {
    let seen = Arc::new(StdMutex::new(Vec::new()));
    let s = seen.clone();
    threadkit::set_excepthook(move |args| {
        s.lock()
            .unwrap()
            .push((args.thread.name(), args.panic.message().to_owned()))
    });
    let t = Thread::builder()
        .name("hooked")
        .spawn(|| -> () { panic!("once") })
        .unwrap();
    let _ = t.join();
    let _ = t.join();
    threadkit::reset_excepthook();
    let seen = seen.lock().unwrap();
    let mine: Vec<_> = seen.iter().filter(|(n, _)| n == "hooked").collect();
    assert_eq!(mine, [&("hooked".to_owned(), "once".to_owned())]);
}

#[test]
fn local_values_are_per_thread() {
    let counter = Arc::new(AtomicUsize::new(0));
    let c = counter.clone();
    let local = Arc::new(Local::new(move || c.fetch_add(1, Ordering::SeqCst)));
    let mine = local.with(|v| *v);
    assert_eq!(local.with(|v| *v), mine, "initialised once per thread");
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let l = local.clone();
            Thread::spawn(move || l.with(|v| *v))
        })
        .collect();
    let mut values: Vec<usize> = threads
        .into_iter()
        .map(|t| t.into_output().unwrap())
        .collect();
    values.push(mine);
    values.sort_unstable();
    values.dedup();
    assert_eq!(values.len(), 4, "each thread got its own value");
    assert_eq!(counter.load(Ordering::SeqCst), 4);
}

#[test]
fn stack_size_is_applied() {
    let t = Thread::builder().stack_size(4 << 20).spawn(|| {
        // A deep-ish recursion that needs more than a tiny stack.
        fn depth(n: u32) -> u32 {
            let pad = [n as u8; 512];
            if n == 0 {
                u32::from(pad[0])
            } else {
                depth(n - 1) + 1 + u32::from(pad[1]) - u32::from(pad[1])
            }
        }
        depth(2000)
    });
    assert_eq!(t.unwrap().into_output().unwrap(), 2000);
}

/// Issue 10, defect 3: a thread threadkit did not start cannot be joined (Python 3.13:
/// `RuntimeError: cannot join a dummy thread`): an error, never a wait.
#[test]
fn joining_a_dummy_thread_is_an_error() {
    let dummy = std::thread::spawn(threadkit::current_thread)
        .join()
        .unwrap();
    assert!(dummy.name().starts_with("Dummy-"));
    assert_eq!(dummy.join(), Err(threadkit::JoinError::DummyThread));
    assert_eq!(
        dummy.join_timeout(std::time::Duration::from_secs(1)),
        Err(WaitError::Failed(threadkit::JoinError::DummyThread))
    );
}

/// Issue 10, defect 10: a name containing NUL starts (the OS name is cut at the NUL, as in
/// CPython; threadkit keeps the whole name), and so does a pool whose prefix contains one; an
/// empty name gets the default `Thread-N`.
#[test]
fn names_with_nul_start_and_empty_names_get_the_default() {
    let t = threadkit::Builder::new()
        .name("left\0right")
        .spawn(|| std::thread::current().name().map(str::to_owned))
        .unwrap();
    assert_eq!(t.name(), "left\0right");
    assert_eq!(t.into_output().unwrap().as_deref(), Some("left"));
    let t = threadkit::Builder::new().name("\0").spawn(|| 1).unwrap();
    assert_eq!(t.into_output().unwrap(), 1);
    let t = threadkit::Builder::new().name("").build(|| ());
    assert!(t.name().starts_with("Thread-"), "{}", t.name());
    let pool = threadkit::ThreadPoolExecutor::builder()
        .thread_name_prefix("pre\0fix")
        .build()
        .unwrap();
    let f = pool.submit(|| threadkit::current_thread().name()).unwrap();
    assert_eq!(
        f.result_timeout(std::time::Duration::from_secs(60)),
        Ok("pre\0fix_0".to_owned())
    );
}

/// Issue 10, defect 11: an initializer that reads its own `Local` gets a panic that says so,
/// never a stack overflow; the `Local` still works afterwards.
#[test]
fn a_local_initializer_reading_its_own_local_panics_cleanly() {
    use std::sync::OnceLock;
    let cell: Arc<OnceLock<Arc<Local<u32>>>> = Arc::new(OnceLock::new());
    let recursive = {
        let cell = Arc::clone(&cell);
        Arc::new(Local::new(move || cell.get().unwrap().with(|v| *v + 1)))
    };
    cell.set(Arc::clone(&recursive)).unwrap();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| recursive.with(|v| *v)));
    let message = outcome.unwrap_err();
    let message = message
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| message.downcast_ref::<&str>().copied())
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("initializer"), "{message}");
    assert!(!recursive.is_set());
    recursive.set(5);
    assert_eq!(recursive.with(|v| *v), 5);
}

/// Issue 10, defect 11: a finished thread's `Local` values are dropped when it ends (before
/// `join` returns), not when its slot is reused or the `Local` dropped; a panicking `Drop`
/// among them is reported, and the others are still dropped.
#[test]
fn a_finished_threads_local_values_are_dropped_when_it_ends() {
    struct Counted(Arc<AtomicUsize>, bool);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
            if self.1 {
                panic!("local value drop on purpose");
            }
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let d = Arc::clone(&drops);
    let a = Arc::new(Local::new(move || Counted(Arc::clone(&d), false)));
    let d = Arc::clone(&drops);
    let b = Arc::new(Local::new(move || Counted(Arc::clone(&d), false)));
    let (a2, b2, d) = (Arc::clone(&a), Arc::clone(&b), Arc::clone(&drops));
    let t = Thread::spawn(move || {
        a2.with(|_| ());
        b2.set(Counted(d, true));
    });
    let _ = t.join();
    assert_eq!(
        drops.load(Ordering::SeqCst),
        2,
        "both values dropped by join"
    );
    drop((a, b));
    assert_eq!(drops.load(Ordering::SeqCst), 2, "and only once");
}
