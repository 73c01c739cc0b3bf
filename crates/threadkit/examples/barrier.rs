//! Threads meeting at a barrier, with an action run once per round by the last to arrive.
//!
//! Run: `cargo run -p threadkit --example barrier`

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use threadkit::{Barrier, Thread};

fn main() {
    let rounds = Arc::new(AtomicUsize::new(0));
    let r = Arc::clone(&rounds);
    let barrier = Arc::new(
        Barrier::with_action(3, move || {
            r.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap(),
    );
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let b = Arc::clone(&barrier);
            Thread::spawn(move || {
                for _ in 0..5 {
                    b.wait().unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    println!("{} rounds completed", rounds.load(Ordering::SeqCst));
    assert_eq!(rounds.load(Ordering::SeqCst), 5);
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main();
    }
}
