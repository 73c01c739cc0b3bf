//! Rules every Python-style queue follows (ported from CPython's `Lib/test/test_queue.py`
//! where they apply), generated for each kind by `queue_rules!`.

/// Generates the shared rules as tests for the queue type `$Q`.
#[macro_export]
macro_rules! queue_rules {
    ($Q:ident) => {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        use std::time::Duration;
        use threadkit::{GetError, PutError, TaskDoneError, Thread};

        const HANG_GUARD: Duration = Duration::from_secs(60);

        #[test]
        fn maxsize_full_empty_qsize() {
            let q = $Q::new(2);
            assert_eq!(q.maxsize(), 2);
            assert!(q.empty() && !q.full());
            q.put(1).unwrap();
            q.put(2).unwrap();
            assert!(q.full() && !q.empty());
            assert_eq!(q.qsize(), 2);
            let unbounded = $Q::<u32>::new(0);
            assert_eq!(unbounded.maxsize(), 0);
            for i in 0..1000 {
                unbounded.put_nowait(i).unwrap();
            }
            assert!(!unbounded.full());
        }

        #[test]
        fn failed_puts_hand_the_item_back() {
            let q = $Q::new(1);
            q.put(String::from("kept")).unwrap();
            match q.put_nowait(String::from("nowait")) {
                Err(PutError::Full(item)) => assert_eq!(item, "nowait"),
                other => panic!("{other:?}"),
            }
            match q.put_timeout(String::from("timeout"), Duration::from_millis(2)) {
                Err(PutError::Full(item)) => assert_eq!(item, "timeout"),
                other => panic!("{other:?}"),
            }
            q.shutdown();
            match q.put(String::from("late")) {
                Err(PutError::ShutDown(item)) => assert_eq!(item, "late"),
                other => panic!("{other:?}"),
            }
            assert_eq!(q.get().unwrap(), "kept");
        }

        #[test]
        fn get_forms_on_empty() {
            let q = $Q::<u8>::new(0);
            assert_eq!(q.get_nowait(), Err(GetError::Empty));
            assert_eq!(
                q.get_timeout(Duration::from_millis(2)),
                Err(GetError::Empty)
            );
            assert_eq!(
                q.get_deadline(std::time::Instant::now()),
                Err(GetError::Empty)
            );
        }

        #[test]
        fn blocked_get_wakes_on_put() {
            let q = $Q::new(0);
            let q2 = q.clone();
            let t = Thread::spawn(move || q2.get_timeout(HANG_GUARD));
            q.put(7).unwrap();
            assert_eq!(t.into_output().unwrap(), Ok(7));
        }

        #[test]
        fn blocked_put_wakes_on_get() {
            let q = $Q::new(1);
            q.put(1).unwrap();
            let q2 = q.clone();
            let t = Thread::spawn(move || q2.put_timeout(2, HANG_GUARD).is_ok());
            assert_eq!(q.get_timeout(HANG_GUARD), Ok(1));
            assert!(t.into_output().unwrap());
            assert_eq!(q.get(), Ok(2));
        }

        #[test]
        fn task_done_and_join() {
            let q = $Q::new(0);
            assert_eq!(q.task_done(), Err(TaskDoneError));
            for i in 0..10 {
                q.put(i).unwrap();
            }
            assert_eq!(q.unfinished_tasks(), 10);
            assert!(!q.join_timeout(Duration::from_millis(2)));
            let processed = Arc::new(AtomicUsize::new(0));
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    let (q, processed) = (q.clone(), processed.clone());
                    Thread::spawn(move || {
                        for item in &q {
                            let _ = item;
                            processed.fetch_add(1, Ordering::SeqCst);
                            q.task_done().unwrap();
                        }
                    })
                })
                .collect();
            q.join();
            assert_eq!(
                processed.load(Ordering::SeqCst),
                10,
                "join returned after all were done"
            );
            assert_eq!(q.unfinished_tasks(), 0);
            assert_eq!(q.task_done(), Err(TaskDoneError));
            q.shutdown();
            for w in workers {
                w.join_timeout(HANG_GUARD).unwrap();
            }
        }

        #[test]
        fn shutdown_graceful_drains_then_errors() {
            let q = $Q::new(0);
            q.put(1).unwrap();
            q.put(2).unwrap();
            q.shutdown();
            assert!(q.is_shutdown());
            let mut got = vec![q.get().unwrap(), q.get_nowait().unwrap()];
            got.sort_unstable();
            assert_eq!(got, [1, 2]);
            assert_eq!(q.get(), Err(GetError::ShutDown));
            assert_eq!(q.get_nowait(), Err(GetError::ShutDown));
            assert_eq!(
                q.get_timeout(Duration::from_millis(1)),
                Err(GetError::ShutDown)
            );
        }

        #[test]
        fn shutdown_immediate_drops_items_and_releases_join() {
            let q = $Q::new(0);
            let item = Arc::new(());
            for _ in 0..3 {
                q.put(Arc::clone(&item)).unwrap();
            }
            q.shutdown_immediate();
            assert_eq!(Arc::strong_count(&item), 1, "remaining items were dropped");
            assert_eq!(q.get(), Err(GetError::ShutDown));
            assert!(q.join_timeout(HANG_GUARD), "dropped items count as done");
            assert_eq!(q.unfinished_tasks(), 0);
        }

        #[test]
        fn shutdown_wakes_blocked_getters_and_putters() {
            for immediate in [false, true] {
                let q = $Q::<u32>::new(1);
                let getters: Vec<_> = (0..2)
                    .map(|_| {
                        let q = q.clone();
                        Thread::spawn(move || q.get_timeout(HANG_GUARD))
                    })
                    .collect();
                if immediate {
                    q.shutdown_immediate()
                } else {
                    q.shutdown()
                };
                for g in getters {
                    assert_eq!(g.into_output().unwrap(), Err(GetError::ShutDown));
                }
                let q = $Q::new(1);
                q.put(0).unwrap();
                let q2 = q.clone();
                let putter = Thread::spawn(move || q2.put_timeout(1, HANG_GUARD));
                while q.qsize() == 0 {}
                if immediate {
                    q.shutdown_immediate()
                } else {
                    q.shutdown()
                };
                assert!(matches!(
                    putter.into_output().unwrap(),
                    Err(PutError::ShutDown(1))
                ));
            }
        }

        #[test]
        fn iteration_ends_at_shutdown_without_losing_items() {
            let q = $Q::new(4);
            let consumer = {
                let q = q.clone();
                Thread::spawn(move || q.into_iter().count())
            };
            for i in 0..100 {
                q.put(i).unwrap();
            }
            q.shutdown();
            assert_eq!(consumer.into_output().unwrap(), 100);
        }

        #[test]
        fn debug_does_not_need_item_debug() {
            #[derive(PartialEq, Eq, PartialOrd, Ord)]
            struct Opaque(u8);
            let q = $Q::new(0);
            let _ = q.put_nowait(Opaque(1)).map_err(|e| format!("{e:?}"));
            assert!(format!("{q:?}").contains("qsize: 1"));
            let _ = q.get().map(|o| o.0);
        }
    };
}

/// Serializes the tests of one binary that replace the process-wide unretrieved-failure hook,
/// so one test's hook is never swapped out by another's while it runs.
#[allow(dead_code)]
pub(crate) fn hook_guard() -> std::sync::MutexGuard<'static, ()> {
    static HOOK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    HOOK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Waits until the thread with `native_id` sleeps in the kernel's futex wait, where every
/// threadkit wait ends up. Used instead of a sleep where a test needs "these threads are
/// blocked" (CPython's `wait_threads_blocked`).
///
/// A guarantee only with the caller's help: the thread must announce itself (an atomic store
/// the caller has seen) immediately before the threadkit call, with nothing in between that
/// can block (no lock, no allocation). Then a futex sleep seen afterwards can only be inside
/// that call. Linux reports the syscall a thread is blocked in through `/proc`; elsewhere this
/// falls back to a sleep.
#[allow(dead_code)]
pub(crate) fn wait_until_blocked(native_id: u64) {
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    const FUTEX: &str = "202";
    #[cfg(all(target_os = "linux", target_arch = "aarch64"))]
    const FUTEX: &str = "98";
    #[cfg(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    {
        let path = format!("/proc/self/task/{native_id}/syscall");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            match std::fs::read_to_string(&path) {
                Ok(s) if s.split_whitespace().next() == Some(FUTEX) => return,
                // Readable but elsewhere: not blocked yet.
                Ok(_) => {}
                // No such file: the thread is gone, or /proc is not readable here.
                Err(_) => break,
            }
            assert!(
                std::time::Instant::now() < deadline,
                "thread {native_id} never blocked (hang guard)"
            );
            std::thread::yield_now();
        }
    }
    let _ = native_id;
    std::thread::sleep(std::time::Duration::from_millis(100));
}
