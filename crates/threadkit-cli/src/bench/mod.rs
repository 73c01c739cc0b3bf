//! `threadkit bench`: every workload run by threadkit and each peer on identical work in the
//! same invocation, several interleaved rounds, median ns per operation and ours / peer.

pub(crate) mod alloc;
mod cpu;
mod diagnostics;
mod executor;
mod memory;
mod processes;
pub(crate) mod python;
mod queue;
mod report;
mod stats;
mod stop;
mod sync;
pub(crate) mod threads;
mod workload;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;
use workload::Workload;

/// Arguments of `threadkit bench`.
#[derive(clap::Args)]
pub(crate) struct BenchArgs {
    /// Tiny sizes and 3 rounds: a smoke test (CI runs it).
    #[arg(long)]
    quick: bool,
    /// Run only workloads whose name contains this (repeatable). Check mode's rate (schedules
    /// per second, run unless a filter leaves it out) is `check-mode-schedules`.
    #[arg(long)]
    filter: Vec<String>,
    /// Rounds per implementation (interleaved: ours, peer, ours, peer...).
    #[arg(long, default_value_t = 7)]
    rounds: usize,
    /// Write one JSON record per (workload, implementation) here.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
    /// Draw a bar chart of the ratios here.
    #[arg(long)]
    svg: Option<std::path::PathBuf>,
    /// Skip CPython even if python3 is on the PATH.
    #[arg(long)]
    no_python: bool,
    /// List the workloads and exit.
    #[arg(long)]
    list: bool,
    /// Keep N busy-looping processes running meanwhile: wake-up costs differ on a loaded
    /// machine.
    #[arg(long, value_name = "N", default_value_t = 0)]
    load: usize,
    /// Run the selected workloads in N separate processes and report each row's distribution
    /// over them (min / median / max): shows results that depend on the process (bimodal).
    #[arg(long, value_name = "N")]
    processes: Option<usize>,
}

fn all_workloads() -> Vec<Workload> {
    let mut all = sync::workloads();
    all.extend(queue::workloads());
    all.extend(executor::workloads());
    all.extend(threads::workloads());
    all.extend(diagnostics::workloads());
    all.extend(stop::workloads());
    all
}

pub(crate) fn main(args: &BenchArgs) -> ExitCode {
    // Every case runs with diagnostics off unless it turns them on itself (`diagnosed`).
    threadkit::set_diagnostics(false);
    let selected: Vec<Workload> = all_workloads()
        .into_iter()
        .filter(|w| {
            args.filter.is_empty() || args.filter.iter().any(|f| w.name.contains(f.as_str()))
        })
        .collect();
    let check_mode =
        args.filter.is_empty() || args.filter.iter().any(|f| CHECK_MODE.contains(f.as_str()));
    if args.list {
        for w in &selected {
            println!("{:<24} {} ({} thread(s))", w.name, w.about, w.threads);
        }
        return ExitCode::SUCCESS;
    }
    if selected.is_empty() && !check_mode {
        eprintln!(
            "no workload matches {:?}; `threadkit bench --list` lists them",
            args.filter
        );
        return ExitCode::from(2);
    }
    if let Some(n) = args.processes {
        // The children run the same selection, without CPython (it has no process modes).
        let mut child_args = vec!["--no-python".to_owned(), "--rounds".to_owned()];
        child_args.push(args.rounds.to_string());
        if args.quick {
            child_args.push("--quick".to_owned());
        }
        for f in &args.filter {
            child_args.extend(["--filter".to_owned(), f.clone()]);
        }
        if args.load > 0 {
            child_args.extend(["--load".to_owned(), args.load.to_string()]);
        }
        return match processes::run(n.max(1), &child_args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    let python = if args.no_python { None } else { python::find() };
    match &python {
        Some(version) => println!("CPython: {version} (its figures join the table)"),
        None => println!("CPython: python3 not found (or --no-python): CPython figures skipped"),
    }
    let rounds = if args.quick { 3 } else { args.rounds.max(1) };
    let _load = match cpu::Load::start(args.load) {
        Ok(load) => load,
        Err(e) => {
            eprintln!("cannot start the background load: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.load > 0 {
        println!("background load: {} busy process(es)", args.load);
    }
    let progress = std::io::stderr().is_terminal();
    let mut rows = Vec::new();
    for (i, workload) in selected.iter().enumerate() {
        if progress {
            eprint!("\r\x1b[K[{}/{}] {}", i + 1, selected.len(), workload.name);
        }
        let measured = measure(workload, rounds, args.quick, python.is_some());
        if let Some(teardown) = workload.teardown {
            teardown();
        }
        match measured {
            Ok(measured) => rows.extend(report::rows_of(workload.name, workload.threads, measured)),
            Err(why) => {
                eprintln!("\nworkload {} is broken: {why}", workload.name);
                return ExitCode::FAILURE;
            }
        }
    }
    if progress {
        eprint!("\r\x1b[K");
    }
    if !rows.is_empty() {
        println!("{}", report::table(&rows));
    }
    if selected.iter().any(|w| w.name.starts_with("executor")) {
        println!("memory per pending task, beyond the closure (bytes allocated by the submitter):");
        for m in memory::measure() {
            println!("  {:<46} {:>8.1}", m.implementation, m.bytes_per_task);
        }
    }
    if selected.iter().any(|w| w.name.starts_with("stop")) {
        let samples = if args.quick { 10 } else { 200 };
        println!("stop latency, request_stop to join returning ({samples} samples each):");
        for (kind, p50, p99) in stop::latencies(samples) {
            println!(
                "  {kind:<20} p50 {:>8.1} µs   p99 {:>8.1} µs",
                p50.as_secs_f64() * 1e6,
                p99.as_secs_f64() * 1e6
            );
        }
        let took = stop::shutdown(10_000, if args.quick { 1 } else { 5 });
        println!(
            "shutdown(cancel_futures, stop_running), 2 running + 10,000 queued tasks: {:.3} ms",
            took.as_secs_f64() * 1e3
        );
    }
    for (path, text) in [
        (&args.json, report::json(&rows)),
        (&args.svg, report::svg(&rows)),
    ] {
        if let Some(path) = path {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    if check_mode && args.processes.is_none() {
        if let Some(why) = crate::checked::unavailable() {
            println!("check mode's rate: skipped ({why})");
        } else if let Err(why) = check_mode_rate(args.quick) {
            eprintln!("{CHECK_MODE}: {why}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// The name `--filter` and `--list` know check mode's rate by.
const CHECK_MODE: &str = "check-mode-schedules";

/// Check mode's schedules per second (issue 14's target: 10,000 on the 2-thread FakeDatabase
/// test), measured by threadkit's example `check_rate`, built with the feature (see
/// `crate::checked`).
fn check_mode_rate(quick: bool) -> Result<(), String> {
    let schedules = if quick { "500" } else { "10000" };
    let out = crate::checked::output("check_rate", &["--schedules", schedules])?;
    if !out.status.success() {
        return Err(format!(
            "the example failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    println!("check mode, the locked FakeDatabase (2 threads), schedules per second (example check_rate, --features check):");
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        println!("  {line}");
    }
    Ok(())
}

/// Operations per round for a workload.
fn ops_for(workload: &Workload, quick: bool) -> u64 {
    if quick {
        (workload.ops / 200).max(10)
    } else {
        workload.ops
    }
}

/// CPython runs 20 times fewer operations (it is that much slower); ns/op stays comparable.
const PYTHON_DIVISOR: u64 = 20;

/// Per implementation: its name, wall ns/op, CPU ns/op (none for CPython), and ops per round.
type Measured = Vec<(String, stats::Summary, Option<f64>, u64)>;

fn measure(
    workload: &Workload,
    rounds: usize,
    quick: bool,
    python: bool,
) -> Result<Measured, String> {
    let ops = ops_for(workload, quick);
    // Warm-up, and the checksum every implementation must reproduce.
    let expected = (workload.cases[0].run)(ops);
    for case in &workload.cases[1..] {
        let got = (case.run)(ops);
        if got != expected {
            return Err(format!(
                "{} computed {got}, {} computed {expected}",
                case.implementation, workload.cases[0].implementation
            ));
        }
    }
    let mut samples = vec![Vec::with_capacity(rounds); workload.cases.len()];
    let mut cpu_samples = vec![Vec::with_capacity(rounds); workload.cases.len()];
    for _ in 0..rounds {
        for ((case, out), cpu_out) in workload
            .cases
            .iter()
            .zip(&mut samples)
            .zip(&mut cpu_samples)
        {
            let cpu_start = cpu::process_time();
            let start = Instant::now();
            let got = (case.run)(ops);
            let elapsed = start.elapsed();
            cpu_out.push((cpu::process_time() - cpu_start).as_nanos() as f64 / ops as f64);
            if got != expected {
                return Err(format!(
                    "{} computed {got}, expected {expected}",
                    case.implementation
                ));
            }
            out.push(elapsed.as_nanos() as f64 / ops as f64);
        }
    }
    let mut measured: Measured = workload
        .cases
        .iter()
        .zip(samples.iter().zip(&cpu_samples))
        .map(|(case, (s, cpu))| {
            (
                case.implementation.to_owned(),
                stats::Summary::of(s).expect("rounds >= 1"),
                stats::Summary::of(cpu).map(|c| c.median),
                ops,
            )
        })
        .collect();
    if let (true, Some(name)) = (python, workload.python) {
        let py_ops = (ops / PYTHON_DIVISOR).max(2);
        let (py_samples, checksum) = python::run(name, py_ops, rounds)?;
        let want = (workload.cases[0].run)(py_ops);
        if checksum != want {
            return Err(format!(
                "CPython computed {checksum}, threadkit computed {want} for {py_ops} ops"
            ));
        }
        let summary = stats::Summary::of(&py_samples).ok_or("CPython gave no samples")?;
        measured.push(("CPython threading".to_owned(), summary, None, py_ops));
    }
    Ok(measured)
}
