//! Hooks chain: `excepthook()` reads the hook in place (Python: `old = threading.excepthook`)
//! and `set_excepthook` hands back the one it replaced. Its own test binary: the excepthook is
//! process-wide.

use std::sync::{Arc, Mutex};
use threadkit::Thread;

#[test]
fn a_new_hook_can_call_the_one_it_replaced() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = Arc::clone(&seen);
    let _default = threadkit::set_excepthook(move |args| {
        s.lock()
            .unwrap()
            .push(format!("first {}", args.panic.message()))
    });
    let s = Arc::clone(&seen);
    let first = threadkit::excepthook();
    let replaced = threadkit::set_excepthook(move |args| {
        s.lock()
            .unwrap()
            .push(format!("second {}", args.thread.name()));
        first(args);
    });
    let t = Thread::builder()
        .name("failing")
        .spawn(|| -> () { panic!("boom") })
        .unwrap();
    assert!(t.join().is_err());
    assert_eq!(*seen.lock().unwrap(), ["second failing", "first boom"]);
    // What `set_excepthook` handed back is the first hook itself.
    let args = threadkit::ExceptHookArgs {
        thread: threadkit::current_thread(),
        panic: threadkit::Panic::new("direct"),
    };
    replaced(&args);
    threadkit::reset_excepthook();
    assert_eq!(seen.lock().unwrap().last().unwrap(), "first direct");
}
