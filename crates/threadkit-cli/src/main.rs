//! `threadkit`: the tour of the seed programs and the benchmark harness.

mod bench;
mod checked;
mod tour;

use clap::{Parser, Subcommand};

/// Counts allocations per thread, for `threadkit bench`'s memory report.
#[global_allocator]
static ALLOCATOR: bench::alloc::Counting = bench::alloc::Counting;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "threadkit",
    version,
    about = "Python's threading system, rebuilt in Rust"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the seed notes' programs, ported, each as a titled section.
    Tour(tour::TourArgs),
    /// Measure every primitive side by side with its Rust peers and CPython.
    Bench(bench::BenchArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Tour(args) => tour::main(&args),
        Command::Bench(args) => bench::main(&args),
    }
}
