//! Stopping work, which Python cannot do: a running pipeline stopped with nothing lost, a pool
//! of long tasks shut down without waiting for them, and TaskGroup-style scopes (of threads,
//! then of pool tasks that borrow their inputs) where one task fails and its siblings stop.

use super::log::log;
use std::sync::Arc;
use std::time::Duration;
use threadkit::{
    FutureError, JoinError, PutError, Queue, ScopeOptions, ShutdownOptions, Thread,
    ThreadPoolExecutor,
};

pub(crate) fn stopping() {
    pipeline();
    pool();
    task_group();
    pool_task_group();
}

/// A producer and two consumers, stopped mid-stream: every item produced is consumed, left in
/// the queue, or handed back to the producer by its refused `put`.
fn pipeline() {
    log!("Main    : a producer and two consumers run; main stops all three mid-stream");
    let q: Arc<Queue<u32>> = Arc::new(Queue::new(4));
    let p = Arc::clone(&q);
    let producer = Thread::builder()
        .name("producer")
        .spawn(move || {
            let (mut put, mut handed_back) = (0, None);
            for n in 0.. {
                match p.put(n) {
                    Ok(()) => put += 1,
                    Err(PutError::Stopped(item)) => {
                        handed_back = Some(item);
                        break;
                    }
                    Err(_) => break,
                }
            }
            (put, handed_back)
        })
        .expect("thread started");
    let consumers: Vec<_> = (0..2)
        .map(|i| {
            let q = Arc::clone(&q);
            Thread::builder()
                .name(format!("consumer-{i}"))
                .spawn(move || {
                    let mut got = 0u32;
                    while q.get().is_ok() {
                        got += 1;
                        std::thread::sleep(Duration::from_micros(200)); // work, not a wait
                    }
                    got
                })
                .expect("thread started")
        })
        .collect();
    threadkit::sleep(Duration::from_millis(20));
    producer.request_stop();
    for c in &consumers {
        c.request_stop();
    }
    let (put, handed_back) = producer.into_output().expect("stopped cleanly");
    let consumed: u32 = consumers
        .into_iter()
        .map(|c| c.into_output().expect("stopped cleanly"))
        .sum();
    let left = u32::try_from(q.qsize()).unwrap_or(u32::MAX);
    log!("Main    : producer put {put} items; its refused put handed back item {handed_back:?}");
    log!("Main    : consumers got {consumed}, {left} left in the queue");
    log!(
        "Main    : nothing lost: {put} put = {consumed} got + {left} left: {}",
        put == consumed + left
    );
}

/// Two long tasks running, ten queued: a shutdown that cancels the queue and stops the running.
fn pool() {
    log!("Main    : a pool of 2 runs two hour-long tasks, 10 more wait; shutdown stops them");
    let pool = ThreadPoolExecutor::new(2).expect("workers");
    let long: Vec<_> = (0..2)
        .map(|_| {
            pool.submit(|| threadkit::sleep(Duration::from_secs(3600)))
                .expect("submitted")
        })
        .collect();
    while !long.iter().all(threadkit::Future::running) {
        std::thread::yield_now();
    }
    let waiting: Vec<_> = (0..10)
        .map(|i| pool.submit(move || i).expect("submitted"))
        .collect();
    pool.shutdown_with(
        ShutdownOptions::new()
            .cancel_futures(true)
            .stop_running(true),
    );
    let stopped = long
        .iter()
        .filter(|f| f.result() == Err(FutureError::Stopped))
        .count();
    let cancelled = waiting.iter().filter(|f| f.cancelled()).count();
    log!(
        "Main    : shut down: {stopped} running tasks stopped, {cancelled} waiting tasks cancelled"
    );
}

/// Python 3.11's `asyncio.TaskGroup`, for threads: one task fails, its siblings stop, the
/// failure comes back.
fn task_group() {
    log!("Main    : a scope of three tasks (TaskGroup): one fails, the others stop");
    let requests: Queue<&str> = Queue::new(0);
    let mut downloaded = None;
    let mut waiting = None;
    let failure = threadkit::scope_with(ScopeOptions::fail_fast(), |s| {
        let slow = s.spawn(|| threadkit::sleep(Duration::from_secs(3600)));
        let idle = s.spawn(|| requests.get());
        s.spawn(|| panic!("download 3 failed"));
        downloaded = Some(slow.join());
        waiting = Some(idle.join());
    })
    .expect_err("a task failed");
    log!(
        "Main    : the scope failed: {}",
        failure.panics()[0].message()
    );
    log!(
        "Main    : the sleeping task: {}",
        match downloaded {
            Some(Err(JoinError::Stopped)) => "stopped",
            _ => "not stopped?",
        }
    );
    log!(
        "Main    : the task waiting on a queue: {}",
        match waiting {
            Some(Ok(Err(threadkit::GetError::Stopped))) => "stopped (its get returned Stopped)",
            _ => "not stopped?",
        }
    );
}

/// The same on a thread pool: tasks that borrow the caller's inputs (no `Arc`, no `'static`);
/// one fails, the running siblings stop, the ones not started never run, and the scope returns
/// only when every task is gone.
fn pool_task_group() {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    log!("Main    : a pool scope of 8 tasks borrowing the URLs: task 3 fails, the others stop");
    let urls: Vec<String> = (0..8).map(|i| format!("https://example.com/{i}")).collect();
    let pool = ThreadPoolExecutor::new(2).expect("2 workers");
    let (started, finished) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let slow_started = threadkit::Event::new();
    let mut slow = None;
    let failure = pool
        .scope(|s| {
            let futures: Vec<_> = urls
                .iter()
                .enumerate()
                .map(|(i, url)| {
                    let (started, finished, slow_started) = (&started, &finished, &slow_started);
                    s.submit(move || {
                        started.fetch_add(1, SeqCst);
                        if i == 0 {
                            slow_started.set();
                            threadkit::sleep(Duration::from_secs(3600)); // a slow download
                        }
                        if i == 3 {
                            panic!("download {url} failed");
                        }
                        finished.fetch_add(1, SeqCst);
                        url.len()
                    })
                    .expect("the pool runs")
                })
                .collect();
            slow_started.wait();
            // Waiting for a scope's own task is not cut short by the stop: the task ends by it.
            slow = Some(futures.into_iter().next().expect("8 tasks").into_result());
        })
        .expect_err("a task failed");
    log!(
        "Main    : the pool scope failed: {}",
        failure.panics()[0].message()
    );
    log!(
        "Main    : the slow download: {}",
        if slow == Some(Err(FutureError::Stopped)) {
            "stopped"
        } else {
            "not stopped?"
        }
    );
    // Every task that started finished, failed (task 3) or was stopped (task 0); the others
    // never ran, and none is still running: the scope returned after all of them.
    let (started, finished) = (started.load(SeqCst), finished.load(SeqCst));
    log!(
        "Main    : every task accounted for: {}",
        started == finished + 2 && started <= urls.len()
    );
}
