//! Runs `threadkit bench --quick --json` and validates the records: every workload present,
//! every field well-formed, ours first, ratios consistent with the medians.
//! (The harness itself refuses to report a workload whose implementations disagree on their
//! checksum, so a successful run also proves they all did the same work.)

use std::process::Command;

#[test]
fn quick_run_writes_valid_json() {
    let dir = std::env::temp_dir().join(format!("threadkit-bench-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (json_path, svg_path) = (dir.join("bench.json"), dir.join("bench.svg"));
    let out = Command::new(env!("CARGO_BIN_EXE_threadkit"))
        .args(["bench", "--quick", "--json"])
        .arg(&json_path)
        .arg("--svg")
        .arg(&svg_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "bench failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("ours/peer"));

    let records: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    let records = records.as_array().unwrap();
    let listing = Command::new(env!("CARGO_BIN_EXE_threadkit"))
        .args(["bench", "--list"])
        .output()
        .unwrap();
    let names: Vec<String> = String::from_utf8(listing.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().to_owned())
        .collect();
    assert!(names.len() >= 8, "{names:?}");
    for name in &names {
        let mine: Vec<_> = records
            .iter()
            .filter(|r| r["workload"] == name.as_str())
            .collect();
        assert!(
            mine.len() >= 2,
            "{name} has threadkit and at least one peer"
        );
        let ours = mine[0];
        assert!(
            ours["implementation"]
                .as_str()
                .unwrap()
                .starts_with("threadkit"),
            "{name}: ours first"
        );
        assert!(ours["ratio_ours_over_this"].is_null());
        for r in &mine {
            let (median, min, max) = (
                r["ns_per_op"].as_f64().unwrap(),
                r["min"].as_f64().unwrap(),
                r["max"].as_f64().unwrap(),
            );
            assert!(min > 0.0 && min <= median && median <= max, "{r}");
            assert!(r["threads"].as_u64().unwrap() >= 1);
            assert!(r["ops"].as_u64().unwrap() >= 1);
        }
        for r in &mine[1..] {
            let expected = ours["ns_per_op"].as_f64().unwrap() / r["ns_per_op"].as_f64().unwrap();
            let ratio = r["ratio_ours_over_this"].as_f64().unwrap();
            assert!((ratio - expected).abs() < 1e-9 * expected.max(1.0), "{r}");
        }
    }
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unknown_filter_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_threadkit"))
        .args(["bench", "--quick", "--filter", "no-such-workload"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
