//! A bounded concurrent downloader: Python's `ThreadPoolExecutor` example from the
//! `concurrent.futures` docs, line for line. Futures key a map (`future_to_url[future]`), come
//! back as they complete, and a failed download is a value, not a lost exception.
//!
//! Run: `cargo run -p threadkit --example downloader`

use std::collections::HashMap;
use std::time::Duration;
use threadkit::{as_completed, ThreadPoolExecutor};

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
    let executor = ThreadPoolExecutor::new(5).unwrap();
    let future_to_url: HashMap<_, _> = URLS
        .iter()
        .map(|&url| {
            let load = move || load_url(url, Duration::from_secs(60));
            (executor.submit(load).unwrap(), url)
        })
        .collect();
    for future in as_completed(future_to_url.keys(), None) {
        let future = future.unwrap(); // no timeout given: never a timeout
        let url = future_to_url[future];
        match future.result() {
            Ok(data) => report.push(format!("{url:?} page is {} bytes", data.len())),
            Err(exc) => report.push(format!("{url:?} generated an exception: {exc}")),
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
        threadkit::set_unretrieved_hook(|_| {});
        super::main();
        threadkit::reset_unretrieved_hook();
    }
}
