//! A reader → parsers → writer pipeline that stops cleanly on the first bad record: the
//! parser that finds it shuts the input queue down at once (the reader's next put is
//! refused and hands its line back; queued lines are dropped), the other parsers' loops
//! end, and the writer drains what was parsed before the stop. No thread is left blocked,
//! no item is counted twice.
//!
//! Run: `cargo run -p threadkit --example cancel_pipeline`

use threadkit::{PutError, Queue, Thread};

fn main() {
    let lines: Queue<String> = Queue::new(64);
    let parsed: Queue<u64> = Queue::new(64);

    let reader = {
        let lines = lines.clone();
        Thread::spawn(move || {
            let mut sent = 0u64;
            for i in 0..100_000u64 {
                let line = if i == 5_000 {
                    "oops".to_owned()
                } else {
                    i.to_string()
                };
                match lines.put(line) {
                    Ok(()) => sent += 1,
                    Err(PutError::ShutDown(_line)) => break, // stopped: the line comes back
                    Err(e) => panic!("{e}"),
                }
            }
            lines.shutdown(); // end of input (a no-op if a parser stopped it first)
            sent
        })
    };
    let parsers: Vec<_> = (0..3)
        .map(|_| {
            let (lines, parsed) = (lines.clone(), parsed.clone());
            Thread::spawn(move || {
                for line in &lines {
                    match line.parse::<u64>() {
                        Ok(n) => {
                            if parsed.put(n).is_err() {
                                break;
                            }
                        }
                        Err(_) => {
                            eprintln!("bad record {line:?}: stopping the pipeline");
                            lines.shutdown_immediate();
                            return true;
                        }
                    }
                }
                false
            })
        })
        .collect();
    let writer = {
        let parsed = parsed.clone();
        Thread::spawn(move || {
            parsed
                .iter()
                .fold((0u64, 0u64), |(n, sum), x| (n + 1, sum + x))
        })
    };

    let sent = reader.into_output().unwrap();
    let stopped = parsers
        .into_iter()
        .map(|p| p.into_output().unwrap())
        .filter(|&found_bad| found_bad)
        .count();
    parsed.shutdown(); // every parser is done: let the writer finish
    let (written, _sum) = writer.into_output().unwrap();
    println!("sent {sent}, written {written}, stopped by {stopped} parser");
    assert_eq!(stopped, 1, "one parser found the bad record");
    // The bad line is never written, and the queue is FIFO: every line before it was taken
    // by a parser before the stop, and put on for the writer.
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
