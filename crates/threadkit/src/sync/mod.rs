//! Synchronization primitives: Python's `Lock`, `RLock`, `Condition`, `Semaphore`,
//! `BoundedSemaphore`, `Event`, `Barrier` and `Timer`, one file each, all built on the shared
//! waiting mechanism in `crate::wait`.

mod error;
mod event;
mod lock;
mod mutex;

pub use error::{NotOwnedError, ReleaseError};
pub use event::Event;
pub use lock::{Lock, LockGuard};
pub use mutex::{Mutex, MutexGuard};
