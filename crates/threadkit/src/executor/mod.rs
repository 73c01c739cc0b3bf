//! The thread pool of `concurrent.futures`: `ThreadPoolExecutor`, `Future`, `as_completed`,
//! `wait`.
//!
//! - `pool`: the executor, its workers and their queue of tasks;
//! - `queued`: a task in that queue, in the queue's slot when it is small;
//! - `task`: a submitted closure and its future's state, in one allocation;
//! - `state`: the lock-free one-shot state of a task's result, its callbacks and watchers, the
//!   unretrieved-failure check;
//! - `future`: the user's handle on that state;
//! - `map`: ordered results, eager or buffered;
//! - `completion`: `as_completed` and `wait`;
//! - `promise`: standalone futures, completed by hand;
//! - `scope`: executor scopes, whose tasks may borrow from the caller's stack; `live`: a
//!   scope's count of its live closures;
//! - `running`: which scope's task each worker runs, so a scope's stop reaches it;
//! - `report`: where unretrieved failures are reported; `error`: the errors.

mod completion;
mod error;
mod future;
mod live;
mod map;
mod pool;
mod promise;
mod queued;
mod report;
mod running;
mod scope;
mod state;
mod task;

pub use completion::{as_completed, wait, AsCompleted, DoneAndNotDone, ReturnWhen};
pub use error::{FutureError, InvalidMaxWorkers, SubmitError};
pub use future::Future;
pub use map::{Map, MapOptions};
pub(crate) use pool::live_pools;
pub use pool::{ExecutorBuilder, ExecutorStats, ShutdownOptions, ThreadPoolExecutor, WhenFull};
pub use promise::{promise, InvalidStateError, Promise};
pub use report::{reset_unretrieved_hook, set_unretrieved_hook, UnretrievedFailure};
pub use scope::{ScopedFuture, TaskScope};
