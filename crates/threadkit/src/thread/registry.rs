//! The registry of live threads: idents, the current thread, the main thread, `enumerate`.
//!
//! # Design
//!
//! Each thread gets a threadkit ident the first time it asks (a thread-local read after that,
//! cheap enough for `RLock`'s owner check). Ident 1 is reserved for the main thread, so the
//! main thread's handle can be built from any thread. The live list holds the main thread,
//! every started threadkit thread until it finishes, and every foreign thread that called
//! `current_thread` until it exits (its thread-local slot's destructor removes it).

use super::handle::{Origin, ThreadHandle};
use crate::facade::{AtomicU64, Ordering};
use crate::sync::Mutex;
use std::cell::{Cell, RefCell};
use std::sync::{Arc, OnceLock};

const MAIN_IDENT: u64 = 1;

const_static! {
    static NEXT_IDENT: AtomicU64 = AtomicU64::new(MAIN_IDENT + 1);
}
const_static! {
    static NAME_COUNTER: AtomicU64 = AtomicU64::new(1);
}
const_static! {
    static LIVE: Mutex<Vec<ThreadHandle>> = Mutex::new_internal(Vec::new());
}
static MAIN: OnceLock<ThreadHandle> = OnceLock::new();

/// The thread-local slot holding the current thread's handle; a foreign thread's handle is
/// marked finished and unregistered when its thread exits.
struct CurrentSlot(RefCell<Option<ThreadHandle>>);

impl Drop for CurrentSlot {
    fn drop(&mut self) {
        if let Some(handle) = self.0.get_mut().take() {
            forget(&handle);
        }
    }
}

/// A foreign thread's handle is marked finished and unregistered when the thread stops being
/// it (a threadkit thread's, when its body ends).
fn forget(handle: &ThreadHandle) {
    if handle.origin() == Origin::Foreign {
        unregister(handle);
        handle.finish(None);
    }
}

thread_local! {
    static IDENT: Cell<u64> = const { Cell::new(0) };
    static NATIVE_ID: Cell<u64> = const { Cell::new(0) };
    static CURRENT: CurrentSlot = const { CurrentSlot(RefCell::new(None)) };
}

/// A fresh default name: `Thread-N` or `Dummy-N`, numbered like Python (one shared counter).
pub(crate) fn next_name(prefix: &str) -> Arc<str> {
    let n = crate::check::name_number(crate::check::Named::Thread).map_or_else(
        || NAME_COUNTER.fetch_add(1, Ordering::Relaxed),
        |n| n as u64,
    );
    Arc::from(format!("{prefix}-{n}"))
}

/// The calling OS thread stops being the threadkit thread it was (check mode's workers run
/// one threadkit thread after another): `current_thread` makes or finds its next handle.
#[cfg(all(feature = "check", not(loom)))]
pub(crate) fn forget_current_thread() {
    if let Ok(Some(handle)) = CURRENT.try_with(|slot| slot.0.borrow_mut().take()) {
        forget(&handle);
    }
}

/// The calling thread's threadkit ident (never 0).
#[inline]
pub(crate) fn current_ident() -> u64 {
    IDENT.with(|cell| match cell.get() {
        0 => {
            let id = if is_main_thread() {
                MAIN_IDENT
            } else {
                NEXT_IDENT.fetch_add(1, Ordering::Relaxed)
            };
            cell.set(id);
            id
        }
        id => id,
    })
}

/// The operating system's id of the calling thread.
pub(crate) fn current_native_id() -> u64 {
    NATIVE_ID.with(|cell| match cell.get() {
        0 => {
            let id = os_thread_id();
            cell.set(id);
            id
        }
        id => id,
    })
}

#[cfg(target_os = "linux")]
fn os_thread_id() -> u64 {
    // SAFETY: gettid has no preconditions and cannot fail.
    let tid = unsafe { libc::gettid() };
    u64::from(tid.unsigned_abs()) // a thread id is positive
}

#[cfg(not(target_os = "linux"))]
fn os_thread_id() -> u64 {
    current_ident()
}

#[cfg(target_os = "linux")]
fn main_native_id() -> u64 {
    u64::from(std::process::id())
}

#[cfg(not(target_os = "linux"))]
fn main_native_id() -> u64 {
    MAIN_IDENT
}

/// Whether the calling thread is the process's main thread.
pub(crate) fn is_main_thread() -> bool {
    #[cfg(target_os = "linux")]
    {
        current_native_id() == main_native_id()
    }
    #[cfg(not(target_os = "linux"))]
    {
        std::thread::current().name() == Some("main")
    }
}

pub(crate) fn register(handle: &ThreadHandle) {
    LIVE.lock().push(handle.clone());
}

pub(crate) fn unregister(handle: &ThreadHandle) {
    LIVE.lock().retain(|h| !h.same(handle));
}

/// Binds a threadkit-started thread to its handle; called first thing on the new thread.
pub(crate) fn enter(handle: &ThreadHandle) {
    handle.bind_ids(current_ident(), current_native_id());
    let _ = CURRENT.try_with(|slot| {
        let mut current = slot.0.borrow_mut();
        if current.is_none() {
            *current = Some(handle.clone());
        }
    });
    register(handle);
}

/// How the calling thread came to be, if it has a handle already (no adoption).
pub(crate) fn current_origin() -> Option<Origin> {
    CURRENT
        .try_with(|slot| slot.0.borrow().as_ref().map(ThreadHandle::origin))
        .ok()
        .flatten()
}

fn adopt() -> ThreadHandle {
    if is_main_thread() {
        return main_thread();
    }
    let handle = ThreadHandle::new(next_name("Dummy"), true, Origin::Foreign);
    handle.bind_ids(current_ident(), current_native_id());
    register(&handle);
    handle
}

/// The handle of the calling thread (Python: `threading.current_thread()`).
///
/// Works on any thread: threadkit's own, the main thread (`MainThread`), and threads
/// threadkit did not start, which get a `Dummy-N` handle, daemon, like Python's.
///
/// ```
/// use threadkit::{current_thread, Thread};
///
/// let t = Thread::builder().name("named").spawn(|| current_thread().name()).unwrap();
/// assert_eq!(t.into_output().unwrap(), "named");
/// ```
#[must_use]
pub fn current_thread() -> ThreadHandle {
    CURRENT
        .try_with(|slot| {
            if let Some(handle) = &*slot.0.borrow() {
                return handle.clone();
            }
            let handle = adopt();
            *slot.0.borrow_mut() = Some(handle.clone());
            handle
        })
        // During thread-local destruction: an unregistered handle with the right identity.
        .unwrap_or_else(|_| {
            let handle = ThreadHandle::new(next_name("Dummy"), true, Origin::Foreign);
            handle.bind_ids(current_ident(), current_native_id());
            handle
        })
}

/// The main thread's handle, from any thread (Python: `threading.main_thread()`).
///
/// ```
/// let main = threadkit::main_thread();
/// assert_eq!(main.name(), "MainThread");
/// assert!(!main.is_daemon());
/// ```
pub fn main_thread() -> ThreadHandle {
    MAIN.get_or_init(|| {
        let handle = ThreadHandle::new(Arc::from("MainThread"), false, Origin::Main);
        handle.bind_ids(MAIN_IDENT, main_native_id());
        register(&handle);
        handle
    })
    .clone()
}

/// The live threads: the main thread, started threadkit threads that have not finished, and
/// foreign threads that called [`current_thread`] (Python: `threading.enumerate()`).
///
/// ```
/// let live = threadkit::enumerate();
/// assert!(live.contains(&threadkit::main_thread()));
/// ```
pub fn enumerate() -> Vec<ThreadHandle> {
    main_thread();
    LIVE.lock().clone()
}

/// How many threads [`enumerate`] would return (Python: `threading.active_count()`).
///
/// ```
/// assert!(threadkit::active_count() >= 1);
/// ```
pub fn active_count() -> usize {
    main_thread();
    LIVE.lock().len()
}

/// The calling thread's threadkit ident, never reused in this process
/// (Python: `threading.get_ident()`).
///
/// ```
/// assert_eq!(threadkit::get_ident(), threadkit::current_thread().ident().unwrap());
/// ```
#[must_use]
pub fn get_ident() -> u64 {
    current_ident()
}

/// The operating system's id of the calling thread (Python: `threading.get_native_id()`).
///
/// ```
/// assert_eq!(
///     threadkit::get_native_id(),
///     threadkit::current_thread().native_id().unwrap()
/// );
/// ```
#[must_use]
pub fn get_native_id() -> u64 {
    current_native_id()
}
