//! Issue 10, defect 14: with no lock poisoning, every public type is `UnwindSafe` and
//! `RefUnwindSafe` (as std's `Mutex` / `Barrier` and crossbeam's channel ends are), so it can
//! be used across `catch_unwind` without `AssertUnwindSafe`. This file only has to compile.

use std::panic::{RefUnwindSafe, UnwindSafe};
use threadkit::*;

fn both<T: UnwindSafe + RefUnwindSafe + ?Sized>() {}

/// A type that is neither, to show the bounds below do not come from `T`.
struct NotUnwindSafe(std::marker::PhantomData<(std::cell::Cell<u8>, &'static mut u8)>);

#[test]
fn every_public_type_is_unwind_safe() {
    // Threads.
    both::<Thread<NotUnwindSafe>>();
    both::<ThreadHandle>();
    both::<Builder>();
    both::<Local<std::cell::Cell<u8>>>();
    both::<ExceptHookArgs>();
    both::<Panic>();
    both::<StartError>();
    both::<JoinError>();
    // Synchronization.
    both::<Lock>();
    both::<LockGuard<'static>>();
    both::<RLock>();
    both::<RLockGuard<'static>>();
    both::<Mutex<std::cell::Cell<u8>>>();
    both::<MutexGuard<'static, u8>>();
    both::<Condition>();
    both::<Condition<Lock>>();
    both::<ConditionGuard<'static, RLock>>();
    both::<Semaphore>();
    both::<BoundedSemaphore>();
    both::<SemaphoreGuard<'static>>();
    both::<Event>();
    both::<Barrier>();
    both::<Timer>();
    both::<BrokenBarrierError>();
    both::<ZeroPartiesError>();
    both::<ReleaseError>();
    both::<NotOwnedError>();
    // Queues.
    both::<Queue<NotUnwindSafe>>();
    both::<LifoQueue<NotUnwindSafe>>();
    both::<PriorityQueue<u8>>();
    both::<SimpleQueue<NotUnwindSafe>>();
    both::<Iter<'static, NotUnwindSafe>>();
    both::<PutError<u8>>();
    both::<GetError>();
    both::<TaskDoneError>();
    // Executor.
    both::<ThreadPoolExecutor>();
    both::<ExecutorBuilder>();
    both::<Future<NotUnwindSafe>>();
    both::<Map<NotUnwindSafe>>();
    both::<MapOptions>();
    both::<AsCompleted<u8, &'static Future<u8>>>();
    both::<AsCompleted<NotUnwindSafe, Future<NotUnwindSafe>>>();
    both::<DoneAndNotDone<&'static Future<u8>>>();
    both::<DoneAndNotDone<Future<NotUnwindSafe>>>();
    both::<FutureError>();
    both::<SubmitError<fn()>>();
    both::<TimeoutError>();
    both::<InvalidMaxWorkers>();
    both::<UnretrievedFailure>();
    both::<ReturnWhen>();
}
