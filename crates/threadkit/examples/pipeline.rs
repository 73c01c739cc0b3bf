//! A producer/consumer pipeline that ends without races: producers put, `main` shuts the
//! queue down when they are done, consumers' `for` loops end once it is drained.
//!
//! Run: `cargo run -p threadkit --example pipeline`

use threadkit::{Queue, Thread};

fn main() {
    let queue = Queue::new(16);
    let producers: Vec<_> = (0..3u32)
        .map(|p| {
            let q = queue.clone();
            Thread::spawn(move || (0..100).for_each(|i| q.put(p * 1000 + i).unwrap()))
        })
        .collect();
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let q = queue.clone();
            Thread::spawn(move || q.iter().count())
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    queue.shutdown();
    let consumed: usize = consumers
        .into_iter()
        .map(|c| c.into_output().unwrap())
        .sum();
    println!("consumed {consumed} of 300 messages");
    assert_eq!(consumed, 300);
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main();
    }
}
