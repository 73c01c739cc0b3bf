//! A thread pool whose failures are never lost: results as they complete, a panic delivered
//! by its future.
//!
//! Run: `cargo run -p threadkit --example pool`

use threadkit::{as_completed, FutureError, ThreadPoolExecutor};

fn main() {
    let pool = ThreadPoolExecutor::new(3).unwrap();
    let futures: Vec<_> = (0..6u64)
        .map(|n| {
            pool.submit(move || {
                if n == 4 {
                    panic!("task {n} failed");
                }
                n * n
            })
            .unwrap()
        })
        .collect();
    let (mut total, mut failures) = (0, 0);
    for future in as_completed(&futures, None) {
        match future.unwrap().result() {
            Ok(square) => total += square,
            Err(FutureError::Panicked(p)) => {
                println!("a task failed: {}", p.message());
                failures += 1;
            }
            Err(other) => panic!("{other}"),
        }
    }
    println!("sum of squares {total}, failures {failures}");
    // 0² + 1² + 2² + 3² + 5²; task 4 failed.
    assert_eq!((total, failures), (1 + 4 + 9 + 25, 1));
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main();
    }
}
