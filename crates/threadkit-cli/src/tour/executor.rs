//! The seeds' `ThreadPoolExecutor`: `map` over three inputs with three workers, the `submit`
//! form, and the seeds' pitfall fixed: a task's failure is not hidden.
//!
//! ```python
//! with concurrent.futures.ThreadPoolExecutor(max_workers=3) as executor:
//!     executor.map(thread_function, range(3))
//!
//! with concurrent.futures.ThreadPoolExecutor(max_workers=2) as executor:
//!     for index in range(2):
//!         executor.submit(thread_function, index)
//! ```

use super::log::{log, nap};
use threadkit::{FutureError, ThreadPoolExecutor};

fn thread_function(name: u32) {
    log!("Thread {name}: starting");
    nap(2.0);
    log!("Thread {name}: finishing");
}

pub(crate) fn executor_map() {
    {
        let executor = ThreadPoolExecutor::new(3).expect("3 workers");
        let results = executor.map(thread_function, 0..3).expect("pool running");
        results.for_each(drop);
    } // the end of the `with` block: the executor waits for its workers
}

pub(crate) fn executor_submit() {
    {
        let executor = ThreadPoolExecutor::new(2).expect("2 workers");
        for index in 0..2 {
            executor
                .submit(move || thread_function(index))
                .expect("pool running");
        }
    } // the end of the `with` block
}

/// The seeds warn: "if you call a function that takes no parameters, but you pass it
/// parameters in .map(), the thread will throw an exception. Unfortunately, ThreadPoolExecutor
/// will hide that exception, and the program terminates with no output." Here the task
/// panics, and the failure is delivered by `result()`.
pub(crate) fn executor_failure() {
    let executor = ThreadPoolExecutor::new(2).expect("2 workers");
    let ok = executor.submit(|| 40 + 2).expect("pool running");
    let bad = executor
        .submit(|| -> u32 {
            let args: Vec<u32> = vec![1];
            // The seeds' mistake, Rust-style: using an argument that is not there.
            args[3]
        })
        .expect("pool running");
    log!("Main    : good task result = {:?}", ok.result());
    match bad.result() {
        Err(FutureError::Panicked(p)) => {
            log!("Main    : failed task result = panic: {}", p.message())
        }
        other => log!("Main    : failed task result = {other:?}"),
    }
    log!(
        "Main    : the worker survived: {:?}",
        executor.submit(|| "still working").expect("pool").result()
    );
}
