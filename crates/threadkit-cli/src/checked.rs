//! Check mode's programs, for the tour ("finding-the-race") and the bench (schedules per
//! second): threadkit's examples built with its `check` feature.
//!
//! This binary cannot turn the feature on for itself: cargo unifies a package's features
//! across everything built with it, and the bench must measure threadkit as it ships, without
//! check mode's scheduling points. So these programs are threadkit's examples, built by cargo
//! with `--features check` in a target directory of their own (`check-mode` inside the usual
//! one: building them never rebuilds, nor waits for, this binary's build). The first run builds
//! them, about a minute on 2 cores; the command is printed, to run by hand too.

use std::path::PathBuf;
use std::process::{Command, ExitStatus, Output};

/// The workspace this binary was built from (its manifest).
fn workspace_manifest() -> Result<PathBuf, String> {
    let manifest = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml"));
    if manifest.is_file() {
        Ok(manifest)
    } else {
        Err(format!(
            "check mode's programs build from threadkit's sources, not found at {}",
            manifest.display()
        ))
    }
}

/// The command that builds and runs threadkit's example `name` with check mode on.
fn example(name: &str, args: &[&str]) -> Result<Command, String> {
    let manifest = workspace_manifest()?;
    // A relative CARGO_TARGET_DIR is the workspace's (where cargo was run, as a rule), not
    // this process's working directory (a test's is its package's).
    let root = manifest.with_file_name("");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), |dir| root.join(dir))
        .join("check-mode");
    let mut cmd = Command::new(cargo());
    cmd.args(["run", "--release", "--quiet", "--manifest-path"])
        .arg(&manifest)
        .args(["-p", "threadkit", "--features", "check", "--example", name])
        .arg("--target-dir")
        .arg(target)
        .arg("--")
        .args(args);
    Ok(cmd)
}

/// The cargo that built this binary (when run by cargo), or the one on the PATH.
fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// Why check mode's programs cannot run here (no sources, no cargo), if they cannot.
pub(crate) fn unavailable() -> Option<String> {
    if let Err(why) = workspace_manifest() {
        return Some(why);
    }
    match Command::new(cargo()).arg("--version").output() {
        Ok(out) if out.status.success() => None,
        _ => Some("cargo is not available to build them".to_owned()),
    }
}

/// How to run it by hand, from the workspace.
fn by_hand(name: &str, args: &[&str]) -> String {
    let mut line = format!("cargo run --release -p threadkit --features check --example {name}");
    if !args.is_empty() {
        line.push_str(" -- ");
        line.push_str(&args.join(" "));
    }
    line
}

/// Runs example `name` with its output going where this program's goes.
pub(crate) fn run(name: &str, args: &[&str]) -> Result<ExitStatus, String> {
    println!(
        "[threadkit] check mode, built apart: {}",
        by_hand(name, args)
    );
    example(name, args)?
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))
}

/// Runs example `name` and returns its output.
pub(crate) fn output(name: &str, args: &[&str]) -> Result<Output, String> {
    example(name, args)?
        .output()
        .map_err(|e| format!("cannot run cargo ({}): {e}", by_hand(name, args)))
}
