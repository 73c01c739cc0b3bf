//! The seeds' logging format (`HH:MM:SS: message`) and their sleeps, shortened by `--fast`.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

static FAST: AtomicBool = AtomicBool::new(false);

/// Makes every `nap` 20 times shorter (used by tests).
pub(crate) fn set_fast(fast: bool) {
    FAST.store(fast, Ordering::Relaxed);
}

/// Whether `--fast` was given.
pub(crate) fn is_fast() -> bool {
    FAST.load(Ordering::Relaxed)
}

/// Prints `HH:MM:SS: message` as one whole line, like Python's
/// `logging.basicConfig(format="%(asctime)s: %(message)s", datefmt="%H:%M:%S")`.
pub(crate) fn log_line(message: std::fmt::Arguments<'_>) {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
    let line = format!("{h:02}:{m:02}:{s:02}: {message}\n");
    let _ = std::io::stdout().lock().write_all(line.as_bytes());
}

/// `logging.info(...)` in the ported programs.
macro_rules! log {
    ($($arg:tt)*) => { $crate::tour::log::log_line(format_args!($($arg)*)) };
}
pub(crate) use log;

/// `time.sleep(seconds)`, 20 times shorter under `--fast`.
pub(crate) fn nap(seconds: f64) {
    let scale = if FAST.load(Ordering::Relaxed) {
        0.05
    } else {
        1.0
    };
    std::thread::sleep(Duration::from_secs_f64(seconds * scale));
}
