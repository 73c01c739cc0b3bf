//! The queue module: Python's `Queue`, `LifoQueue`, `PriorityQueue` and `SimpleQueue`, with
//! task tracking and Python 3.13's `shutdown`.
//!
//! - `store`: where items live (`Store`), and the locked stores;
//! - `heap`: `PriorityQueue`'s min-heap, left unchanged when an item's `Ord` panics;
//! - `ring`: the lock-free bounded ring of `Queue(maxsize > 0)`;
//! - `blocks`: the lock-free unbounded queue of `SimpleQueue` (and the executor's tasks);
//! - `fifo`: `Queue`'s choice between the ring and an unbounded deque;
//! - `core`: the shared blocking layer (three forms of put/get, `task_done`/`join`, shutdown);
//! - `kinds`: the three Python queue classes; `simple`: `SimpleQueue`; `error`: their errors.

mod blocks;
mod core;
mod error;
mod fifo;
mod heap;
mod kinds;
mod ring;
mod simple;
mod store;

pub use error::{GetError, PutError, TaskDoneError};
pub use kinds::{Iter, LifoQueue, PriorityQueue, Queue};
pub use simple::SimpleQueue;
