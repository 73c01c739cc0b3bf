//! The seeds' first programs: one thread with and without `join()`, daemon threads, and
//! several threads whose finishing order varies from run to run.
//!
//! Python original (realpython "An Intro to Threading in Python"):
//!
//! ```python
//! def thread_function(name):
//!     logging.info("Thread %s: starting", name)
//!     time.sleep(2)
//!     logging.info("Thread %s: finishing", name)
//! ```

use super::log::{log, nap};
use threadkit::Thread;

fn thread_function(name: u32) {
    log!("Thread {name}: starting");
    nap(2.0);
    log!("Thread {name}: finishing");
}

/// `x = threading.Thread(target=thread_function, args=(1,)); x.start()`, `x.join()` left out:
/// `main` ends first, and the process waits for the non-daemon thread anyway.
pub(crate) fn single_thread() {
    log!("Main    : before creating thread");
    let x = Thread::new(|| thread_function(1));
    log!("Main    : before running thread");
    x.start().expect("start");
    log!("Main    : wait for the thread to finish");
    // x.join()
    log!("Main    : all done");
}

/// The same program with `x.join()` uncommented.
pub(crate) fn single_thread_join() {
    log!("Main    : before creating thread");
    let x = Thread::new(|| thread_function(1));
    log!("Main    : before running thread");
    x.start().expect("start");
    log!("Main    : wait for the thread to finish");
    x.join().expect("join");
    log!("Main    : all done");
}

/// `daemon=True`: the process does not wait, so `Thread 1: finishing` never appears.
pub(crate) fn daemon_thread() {
    log!("Main    : before creating thread");
    let x = Thread::builder().daemon(true).build(|| thread_function(1));
    log!("Main    : before running thread");
    x.start().expect("start");
    log!("Main    : wait for the thread to finish");
    // x.join()
    log!("Main    : all done");
}

/// A daemon thread joined: `join()` waits for either kind of thread.
pub(crate) fn daemon_thread_join() {
    log!("Main    : before creating thread");
    let x = Thread::builder().daemon(true).build(|| thread_function(1));
    log!("Main    : before running thread");
    x.start().expect("start");
    log!("Main    : wait for the thread to finish");
    x.join().expect("join");
    log!("Main    : all done");
}

/// Three threads started in order; the order they finish in is up to the OS.
pub(crate) fn multiple_threads() {
    let mut threads = Vec::new();
    for index in 0..3 {
        log!("Main    : create and start thread {index}.");
        let x = Thread::spawn(move || thread_function(index));
        threads.push(x);
    }
    for (index, thread) in threads.iter().enumerate() {
        log!("Main    : before joining thread {index}.");
        thread.join().expect("join");
        log!("Main    : thread {index} done");
    }
}
