//! `dump_on_sigquit()`: the JVM's answer to "what is it doing?". `kill -QUIT <pid>` (or
//! Ctrl-\ in a terminal) prints [`dump`](super::dump) on stderr, and the process goes on.
//!
//! The signal handler itself only wakes a thread (`signal-hook` does that part, with the
//! async-signal-safe self-pipe); the dump is taken on that thread, where it may lock and
//! allocate. That thread never wakes any other, so the "all threads are asleep" check counts
//! it as asleep.

use std::sync::Mutex;

static INSTALLED: Mutex<bool> = Mutex::new(false);

/// From now on, SIGQUIT prints [`dump`](crate::dump) on stderr instead of ending the process
/// (as the JVM does). Idempotent. `THREADKIT_DUMP_ON_SIGQUIT=1` does the same when the first
/// threadkit thread starts. Needs the `sigquit` feature (Unix only).
///
/// # Errors
///
/// The handler could not be installed or its thread not started.
///
/// ```
/// threadkit::dump_on_sigquit().unwrap();
/// // `kill -QUIT <pid>` now prints the dump; the program goes on.
/// ```
pub fn dump_on_sigquit() -> std::io::Result<()> {
    let mut installed = super::record::lock(&INSTALLED);
    if *installed {
        return Ok(());
    }
    let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGQUIT])?;
    std::thread::Builder::new()
        .name("threadkit-sigquit".into())
        .spawn(move || {
            super::asleep::external_sleeper();
            for _ in signals.forever() {
                eprint!("threadkit: SIGQUIT\n{}", super::dump());
            }
        })?;
    *installed = true;
    Ok(())
}

/// `THREADKIT_DUMP_ON_SIGQUIT=1`.
pub(super) fn apply_environment() {
    if matches!(
        std::env::var("THREADKIT_DUMP_ON_SIGQUIT").as_deref(),
        Ok("1" | "on" | "true")
    ) {
        if let Err(e) = dump_on_sigquit() {
            eprintln!("threadkit: THREADKIT_DUMP_ON_SIGQUIT: {e}");
        }
    }
}
