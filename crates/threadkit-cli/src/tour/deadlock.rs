//! The seeds' deadlock ("when two acquire operations are run without a release operation")
//! shown with a timeout instead of hanging forever, and its cure, `RLock`.

use super::log::log;
use std::time::Duration;
use threadkit::{Lock, RLock};

pub(crate) fn deadlock() {
    let lock = Lock::new();
    log!("Main    : acquire the Lock once");
    lock.acquire();
    log!("Main    : acquire it again (Python would hang here forever)");
    if lock.acquire_timeout(Duration::from_millis(500)) {
        log!("Main    : acquired twice?!");
    } else {
        log!("Main    : deadlock: still waiting after 0.5s, giving up");
    }
    lock.release().expect("held");

    let rlock = RLock::new();
    log!("Main    : the cure: an RLock can be acquired again by its owner");
    rlock.acquire();
    rlock.acquire();
    log!("Main    : RLock acquired {} times", rlock.recursion_count());
    rlock.release().expect("owner");
    rlock.release().expect("owner");
    log!(
        "Main    : RLock released as many times: locked = {}",
        rlock.locked()
    );
}
