//! What a workload costs the machine, not only how long it takes: the process's CPU time
//! (every thread, spinning included), and an optional background load of busy processes.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// CPU time used so far by every thread of this process.
pub(crate) fn process_time() -> Duration {
    clock(libc::CLOCK_PROCESS_CPUTIME_ID)
}

fn clock(id: libc::clockid_t) -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec, and `id` one of the CPU-time clocks Linux
    // always has.
    let rc = unsafe { libc::clock_gettime(id, &mut ts) };
    assert_eq!(rc, 0, "CPU-time clocks are always available on Linux");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Busy-looping processes, killed when dropped. Separate processes, so their CPU time is not
/// counted in [`process_time`].
pub(crate) struct Load(Vec<Child>);

impl Load {
    pub(crate) fn start(processes: usize) -> std::io::Result<Load> {
        let mut load = Load(Vec::with_capacity(processes));
        for _ in 0..processes {
            load.0.push(
                Command::new("sh")
                    .args(["-c", "while :; do :; done"])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .spawn()?,
            );
        }
        Ok(load)
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CPU time of the calling thread only.
    fn thread_time() -> Duration {
        clock(libc::CLOCK_THREAD_CPUTIME_ID)
    }

    #[test]
    fn process_time_includes_other_threads() {
        let before = process_time();
        // Another thread burns 10 ms of its own CPU time; the process's clock has it all.
        std::thread::spawn(|| {
            let mut x = 0u64;
            while thread_time() < Duration::from_millis(10) {
                x = std::hint::black_box(x.wrapping_add(1));
            }
        })
        .join()
        .unwrap();
        assert!(process_time() - before >= Duration::from_millis(10));
    }
}
