//! `--processes N`: the same workloads in N separate processes, reported as a distribution.
//!
//! Some results depend on the process more than on the round: where the threads land, which
//! worker a pool wakes, how warm the allocator is. A median over rounds in one process hides
//! that (one process can sit in the slow mode for all its rounds), so this runs the selected
//! workloads in N child processes (this binary, `bench --json`) and prints, per row, the
//! minimum, median and maximum over the processes of its median ns per operation and of its
//! ratio to ours. A bimodal row shows as a wide range.

use super::stats::Summary;
use std::collections::BTreeMap;
use std::process::Command;

/// One row's medians, one per process.
#[derive(Default)]
struct Spread {
    ns: Vec<f64>,
    ratio: Vec<f64>,
}

/// Runs `bench` with `args` (its own filters and rounds) in `n` child processes and prints
/// the distribution of every row.
pub(crate) fn run(n: usize, args: &[String]) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    let dir = std::env::temp_dir().join(format!("threadkit-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // (workload, implementation) in first-seen order.
    let mut order: Vec<(String, String)> = Vec::new();
    let mut spreads: BTreeMap<(String, String), Spread> = BTreeMap::new();
    for i in 0..n {
        eprint!("\rprocess {} of {n}", i + 1);
        let json = dir.join(format!("run-{i}.json"));
        let status = Command::new(&exe)
            .arg("bench")
            .args(args)
            .arg("--json")
            .arg(&json)
            .stdout(std::process::Stdio::null())
            .status()
            .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
        if !status.success() {
            return Err(format!("process {} failed: {status}", i + 1));
        }
        let text =
            std::fs::read_to_string(&json).map_err(|e| format!("{}: {e}", json.display()))?;
        let records: Vec<serde_json::Value> =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", json.display()))?;
        for r in records {
            let key = (
                r["workload"].as_str().unwrap_or_default().to_owned(),
                r["implementation"].as_str().unwrap_or_default().to_owned(),
            );
            if !spreads.contains_key(&key) {
                order.push(key.clone());
            }
            let spread = spreads.entry(key).or_default();
            if let Some(ns) = r["ns_per_op"].as_f64() {
                spread.ns.push(ns);
            }
            if let Some(ratio) = r["ratio_ours_over_this"].as_f64() {
                spread.ratio.push(ratio);
            }
        }
    }
    eprint!("\r\x1b[K");
    let _ = std::fs::remove_dir_all(&dir);
    println!("{n} processes: the median ns/op of each, and ours/peer, as min / median / max");
    println!(
        "{:<28} {:<36} {:>26} {:>22}",
        "workload", "implementation", "ns/op (min / med / max)", "ours/peer"
    );
    for key in &order {
        let spread = &spreads[key];
        let ns = Summary::of(&spread.ns).map_or_else(String::new, |s| {
            format!("{:.0} / {:.0} / {:.0}", s.min, s.median, s.max)
        });
        let ratio = Summary::of(&spread.ratio).map_or_else(
            || "—".to_owned(),
            |s| format!("{:.2} / {:.2} / {:.2}", s.min, s.median, s.max),
        );
        println!("{:<28} {:<36} {ns:>26} {ratio:>22}", key.0, key.1);
    }
    Ok(())
}
