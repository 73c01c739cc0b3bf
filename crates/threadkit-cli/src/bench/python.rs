//! Runs the CPython versions of the workloads (`python/bench.py`, embedded in the binary).

use std::path::PathBuf;
use std::process::Command;

const SCRIPT: &str = include_str!("python/bench.py");

/// The CPython interpreter, if `python3` is on the PATH; with its version string.
pub(crate) fn find() -> Option<String> {
    let out = Command::new("python3").arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn script_path() -> std::io::Result<PathBuf> {
    let path = std::env::temp_dir().join(format!("threadkit-bench-{}.py", std::process::id()));
    std::fs::write(&path, SCRIPT)?;
    Ok(path)
}

/// Samples (ns/op) and checksum of one CPython workload.
pub(crate) fn run(workload: &str, ops: u64, rounds: usize) -> Result<(Vec<f64>, u64), String> {
    let path = script_path().map_err(|e| e.to_string())?;
    let out = Command::new("python3")
        .arg(&path)
        .args([workload, &ops.to_string(), &rounds.to_string()])
        .output()
        .map_err(|e| e.to_string());
    let _ = std::fs::remove_file(&path);
    let out = out?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let value: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("bad output from bench.py: {e}"))?;
    let samples = value["samples"]
        .as_array()
        .ok_or("no samples")?
        .iter()
        .filter_map(serde_json::Value::as_f64)
        .collect();
    let checksum = value["checksum"].as_u64().ok_or("no checksum")?;
    Ok((samples, checksum))
}
