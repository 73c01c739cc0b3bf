//! The `downloader` example of `crates/threadkit/examples`, written with the Rust peers
//! (rayon's pool, crossbeam-channel, `catch_unwind`), to compare length and shape: rayon has
//! no futures, so each task sends its URL and outcome on a channel, and a panic must be caught
//! by hand (an uncaught panic in a rayon spawn aborts the process).
//!
//! Run: `cargo run -p threadkit-cli --example peers_downloader`

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

const URLS: [&str; 5] = [
    "http://www.foxnews.com/",
    "http://www.cnn.com/",
    "http://europe.wsj.com/",
    "http://www.bbc.co.uk/",
    "http://nonexistent-subdomain.python.org/",
];

/// Stands in for the network: a page of a size fixed by the URL, after a short wait.
fn load_url(url: &str, timeout: Duration) -> Vec<u8> {
    std::thread::sleep(timeout.min(Duration::from_millis(url.len() as u64)));
    if url.contains("nonexistent") {
        panic!("<urlopen error [Errno -2] Name or service not known>");
    }
    vec![b'x'; url.len() * 1000]
}

fn main() {
    let mut report = Vec::new();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(5)
        .build()
        .unwrap();
    let (tx, rx) = crossbeam_channel::unbounded();
    pool.scope(|s| {
        for url in URLS {
            let tx = tx.clone();
            s.spawn(move |_| {
                let load = || load_url(url, Duration::from_secs(60));
                tx.send((url, catch_unwind(AssertUnwindSafe(load))))
                    .unwrap();
            });
        }
    });
    drop(tx);
    for (url, outcome) in rx {
        match outcome {
            Ok(data) => report.push(format!("{url:?} page is {} bytes", data.len())),
            Err(exc) => {
                let message = exc
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| exc.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                report.push(format!("{url:?} generated an exception: {message}"));
            }
        }
    }
    report.sort();
    for line in &report {
        println!("{line}");
    }
    assert_eq!(report.len(), URLS.len());
    assert_eq!(report.iter().filter(|l| l.contains("exception")).count(), 1);
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main();
    }
}
