//! Issue 12's bar for the three programs a new user wrote: each threadkit example is no longer
//! than the same program written with std + crossbeam + rayon + parking_lot (the `peers_*`
//! examples of this crate, which run the same work and check the same results).
//!
//! Length is counted in code lines: not blank, not a comment, outside the `#[cfg(test)]`
//! module that runs the example as a test.

use std::path::Path;

fn code_lines(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .take_while(|line| line.trim() != "#[cfg(test)]")
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .count()
}

#[test]
fn threadkit_examples_are_no_longer_than_the_peers_versions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for name in ["downloader", "bank", "cancel_pipeline"] {
        let ours = code_lines(&root.join(format!("../threadkit/examples/{name}.rs")));
        let peers = code_lines(&root.join(format!("examples/peers_{name}.rs")));
        println!("{name}: threadkit {ours} lines, peers {peers} lines");
        assert!(
            ours <= peers,
            "{name}: threadkit {ours} lines > peers {peers} lines"
        );
    }
}
