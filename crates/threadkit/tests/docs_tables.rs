//! The README's mapping tables ("Python to threadkit", "Coming from std, parking_lot,
//! crossbeam, threadpool, rayon") are the crate documentation's, with the links taken out:
//! one source, checked here, so the two never drift apart.

use std::path::Path;

/// `[text](path)` and `[text]` become `text`.
fn unlink(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else {
            out.push_str(&rest[open..]);
            return out;
        };
        out.push_str(&after[..close]);
        rest = &after[close + 1..];
        if rest.starts_with('(') {
            let end = rest.find(')').expect("a link's target ends");
            rest = &rest[end + 1..];
        }
    }
    out.push_str(rest);
    out
}

/// The table rows under the `heading` (a line of its own), up to the next heading.
fn table(lines: impl Iterator<Item = String>, heading: &str) -> Vec<String> {
    lines
        .skip_while(|l| l.trim_start_matches('#').trim() != heading)
        .skip(1)
        .take_while(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with('|'))
        .collect()
}

#[test]
fn readme_tables_are_the_crate_docs_tables_without_links() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    let readme = std::fs::read_to_string(root.join("../../README.md")).unwrap();
    let doc_lines = || {
        lib.lines()
            .filter_map(|l| l.strip_prefix("//!"))
            .map(|l| l.strip_prefix(' ').unwrap_or(l).to_owned())
    };
    for heading in [
        "Python to threadkit",
        "Coming from std, parking_lot, crossbeam, threadpool, rayon",
    ] {
        let docs: Vec<String> = table(doc_lines(), heading)
            .iter()
            .map(|l| unlink(l))
            .collect();
        let ours = table(readme.lines().map(str::to_owned), heading);
        assert!(docs.len() > 10, "{heading}: the crate docs have the table");
        for (i, (d, r)) in docs.iter().zip(&ours).enumerate() {
            assert_eq!(d, r, "{heading}: row {i} differs");
        }
        assert_eq!(docs.len(), ours.len(), "{heading}: row counts differ");
    }
}

#[test]
fn unlink_keeps_the_text() {
    assert_eq!(unlink("[`Lock`] and [`a`](B::a)"), "`Lock` and `a`");
    assert_eq!(unlink("`move \\|\\| f(1)`"), "`move \\|\\| f(1)`");
}
