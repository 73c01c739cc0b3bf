//! The harness's outputs: the terminal table, `--json`, `--svg`.

use super::stats::{ratio, Summary};
use serde_json::json;
use std::fmt::Write as _;

/// One (workload, implementation) measurement.
pub(crate) struct Row {
    pub(crate) workload: &'static str,
    pub(crate) implementation: String,
    pub(crate) summary: Summary,
    /// Median CPU time of the whole process per operation (every thread, spinning included).
    pub(crate) cpu: Option<f64>,
    pub(crate) threads: usize,
    pub(crate) ops: u64,
    /// ours / this implementation, for every row but threadkit's own first one.
    pub(crate) ratio: Option<f64>,
}

/// Builds a workload's rows: the first summary is ours, the rest are peers.
pub(crate) fn rows_of(
    workload: &'static str,
    threads: usize,
    measured: Vec<(String, Summary, Option<f64>, u64)>,
) -> Vec<Row> {
    let ours = measured[0].1;
    measured
        .into_iter()
        .enumerate()
        .map(|(i, (implementation, summary, cpu, ops))| Row {
            workload,
            implementation,
            summary,
            cpu,
            threads,
            ops,
            ratio: (i > 0).then(|| ratio(&ours, &summary)),
        })
        .collect()
}

pub(crate) fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<24} {:<28} {:>12} {:>22} {:>10} {:>12}",
        "workload", "implementation", "ns/op", "spread (min..max)", "ours/peer", "cpu ns/op"
    );
    let mut last = "";
    for r in rows {
        let name = if r.workload == last { "" } else { r.workload };
        last = r.workload;
        let ratio = r
            .ratio
            .map_or_else(|| "—".to_owned(), |x| format!("{x:.2}"));
        let spread = format!("{}..{}", fmt_ns(r.summary.min), fmt_ns(r.summary.max));
        let cpu = r.cpu.map_or_else(|| "—".to_owned(), fmt_ns);
        let _ = writeln!(
            out,
            "{:<24} {:<28} {:>12} {:>22} {:>10} {:>12}",
            name,
            r.implementation,
            fmt_ns(r.summary.median),
            spread,
            ratio,
            cpu
        );
    }
    out
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 100.0 {
        format!("{ns:.0}")
    } else {
        format!("{ns:.1}")
    }
}

pub(crate) fn json(rows: &[Row]) -> String {
    let records: Vec<_> = rows
        .iter()
        .map(|r| {
            json!({
                "workload": r.workload,
                "implementation": r.implementation,
                "ns_per_op": r.summary.median,
                "min": r.summary.min,
                "max": r.summary.max,
                "cpu_ns_per_op": r.cpu,
                "threads": r.threads,
                "ops": r.ops,
                "ratio_ours_over_this": r.ratio,
            })
        })
        .collect();
    serde_json::to_string_pretty(&records).expect("plain values serialize")
}

/// A horizontal bar chart of every ours/peer ratio, with the 1.0 line marked.
pub(crate) fn svg(rows: &[Row]) -> String {
    let bars: Vec<(String, f64)> = rows
        .iter()
        .filter_map(|r| {
            r.ratio
                .map(|x| (format!("{} vs {}", r.workload, r.implementation), x))
        })
        .collect();
    let (label_w, bar_w, row_h) = (420.0, 400.0, 22.0);
    let max = bars.iter().map(|b| b.1).fold(2.0_f64, f64::max).min(50.0);
    let scale = bar_w / max;
    let height = row_h * bars.len() as f64 + 60.0;
    let width = label_w + bar_w + 80.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"monospace\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"10\" y=\"18\" font-size=\"14\">threadkit time / peer time (below 1.0: threadkit faster)</text>\n"
    );
    for (i, (label, x)) in bars.iter().enumerate() {
        let y = 30.0 + row_h * i as f64;
        let color = if *x <= 1.0 { "#2a9d8f" } else { "#e76f51" };
        let w = (x.min(max) * scale).max(1.0);
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{label_w}\" y=\"{}\" width=\"{w:.1}\" height=\"{}\" fill=\"{color}\"/><text x=\"{}\" y=\"{}\">{x:.2}</text>",
            label_w - 8.0,
            y + 14.0,
            escape(label),
            y + 3.0,
            row_h - 6.0,
            label_w + w + 6.0,
            y + 14.0
        );
    }
    let one = label_w + scale;
    let _ = writeln!(
        s,
        "<line x1=\"{one}\" y1=\"26\" x2=\"{one}\" y2=\"{}\" stroke=\"black\" stroke-dasharray=\"4\"/>\n</svg>",
        height - 20.0
    );
    s
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
