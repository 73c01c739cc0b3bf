//! Waiting until a thread is parked, for the integration tests that stop or dump it.

use std::time::{Duration, Instant};
use threadkit::{ThreadHandle, ThreadState};

/// Waits (bounded: a hang guard) until `t` shows in `dump()` as parked in a threadkit wait.
/// The wait records must have been on before the thread parked (release builds start with
/// them off): turn them on before starting it.
pub(crate) fn parked(t: &ThreadHandle) {
    let ident = t.ident();
    let give_up = Instant::now() + Duration::from_secs(60);
    while !threadkit::dump()
        .threads
        .iter()
        .any(|d| d.ident == ident && matches!(d.state, ThreadState::Waiting { .. }))
    {
        assert!(Instant::now() < give_up, "never parked");
        std::thread::sleep(Duration::from_millis(1));
    }
}
