//! Synchronization primitives: Python's `Lock`, `RLock`, `Condition`, `Semaphore`,
//! `BoundedSemaphore`, `Event`, `Barrier` and `Timer`, one file each, all built on the shared
//! waiting mechanism in `crate::wait`. `Mutex<T>` is the data-owning form of `Lock`, `Condvar`
//! the condition over it, and the internal `Monitor<T>` (a mutex with its condvar) serves
//! barriers, queues and futures.

mod barrier;
mod condition;
mod condvar;
mod error;
mod event;
mod lock;
mod monitor;
mod mutex;
mod rlock;
mod semaphore;
mod timer;

pub use barrier::{Barrier, BrokenBarrierError, ZeroPartiesError};
pub use condition::{Condition, ConditionGuard, ConditionLock};
pub use condvar::Condvar;
pub use error::{NotOwnedError, ReleaseError};
pub use event::Event;
pub use lock::{Lock, LockGuard};
pub use mutex::{Mutex, MutexGuard};
pub use rlock::{RLock, RLockGuard};
pub use semaphore::{BoundedSemaphore, Semaphore, SemaphoreGuard};
pub use timer::Timer;

pub(crate) use monitor::Monitor;
