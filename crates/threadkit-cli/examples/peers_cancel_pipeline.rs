//! The `cancel_pipeline` example of `crates/threadkit/examples`, written with the Rust peers
//! (crossbeam-channel, std threads, an `AtomicBool`), to compare length and shape: a channel
//! has no shutdown, so the stop is a shared flag every stage polls, and the reader learns of
//! it only between sends (a send blocked on a full channel waits for a parser to make room).
//!
//! Run: `cargo run -p threadkit-cli --example peers_cancel_pipeline`

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn main() {
    let (line_tx, line_rx) = crossbeam_channel::bounded::<String>(64);
    let (parsed_tx, parsed_rx) = crossbeam_channel::bounded::<u64>(64);
    let stop = Arc::new(AtomicBool::new(false));

    let reader = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut sent = 0u64;
            for i in 0..100_000u64 {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let line = if i == 5_000 {
                    "oops".to_owned()
                } else {
                    i.to_string()
                };
                if line_tx.send(line).is_err() {
                    break; // every parser is gone
                }
                sent += 1;
            }
            sent // dropping `line_tx` ends the input
        })
    };
    let parsers: Vec<_> = (0..3)
        .map(|_| {
            let (line_rx, parsed_tx) = (line_rx.clone(), parsed_tx.clone());
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for line in &line_rx {
                    if stop.load(Ordering::SeqCst) {
                        // Keep draining so the reader's blocked send can finish.
                        continue;
                    }
                    match line.parse::<u64>() {
                        Ok(n) => {
                            if parsed_tx.send(n).is_err() {
                                break;
                            }
                        }
                        Err(_) => {
                            eprintln!("bad record {line:?}: stopping the pipeline");
                            stop.store(true, Ordering::SeqCst);
                            return true;
                        }
                    }
                }
                false
            })
        })
        .collect();
    drop((line_rx, parsed_tx));
    let writer = std::thread::spawn(move || {
        parsed_rx
            .iter()
            .fold((0u64, 0u64), |(n, sum), x| (n + 1, sum + x))
    });

    let sent = reader.join().unwrap();
    let stopped = parsers
        .into_iter()
        .map(|p| p.join().unwrap())
        .filter(|&found_bad| found_bad)
        .count();
    let (written, _sum) = writer.join().unwrap();
    println!("sent {sent}, written {written}, stopped by {stopped} parser");
    assert_eq!(stopped, 1, "one parser found the bad record");
    assert!(written < sent, "the bad record is not written");
    assert!(
        written >= 5_000,
        "every record before the bad one was written"
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main();
    }
}
