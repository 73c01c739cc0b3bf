//! Runs `threadkit tour --fast` and checks each section's guaranteed lines: the ones the
//! seeds' programs print in an order that does not depend on scheduling.

use std::collections::HashMap;
use std::process::Command;

/// Runs the tour (or one program) and returns its sections: name -> messages without
/// timestamps.
fn tour(args: &[&str]) -> HashMap<String, Vec<String>> {
    let out = Command::new(env!("CARGO_BIN_EXE_threadkit"))
        .args(["tour", "--fast"])
        .args(args)
        .output()
        .expect("threadkit runs");
    assert!(
        out.status.success(),
        "tour failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut sections = HashMap::new();
    let mut current: Option<(String, Vec<String>)> = None;
    for line in text.lines() {
        if let Some(header) = line.strip_prefix("=== ") {
            if let Some((name, lines)) = current.take() {
                sections.insert(name, lines);
            }
            let name = header
                .rsplit_once('[')
                .unwrap()
                .1
                .split(']')
                .next()
                .unwrap();
            current = Some((name.to_owned(), Vec::new()));
        } else if let Some((_, lines)) = current.as_mut() {
            match line.split_once(": ") {
                Some((time, message)) if time.len() == 8 && time.as_bytes()[2] == b':' => {
                    lines.push(message.to_owned())
                }
                _ if !line.is_empty() => lines.push(line.to_owned()),
                _ => {}
            }
        }
    }
    if let Some((name, lines)) = current {
        sections.insert(name, lines);
    }
    sections
}

fn position(lines: &[String], wanted: &str) -> usize {
    lines
        .iter()
        .position(|l| l == wanted)
        .unwrap_or_else(|| panic!("{wanted:?} missing from {lines:#?}"))
}

/// Asserts `first` comes before `second`.
fn before(lines: &[String], first: &str, second: &str) {
    assert!(
        position(lines, first) < position(lines, second),
        "{first:?} before {second:?}"
    );
}

#[test]
fn thread_sections_print_their_guaranteed_lines() {
    let s = tour(&[]);

    let single = &s["single-thread"];
    before(
        single,
        "Main    : before creating thread",
        "Main    : before running thread",
    );
    before(
        single,
        "Main    : before running thread",
        "Thread 1: starting",
    );
    before(
        single,
        "Main    : wait for the thread to finish",
        "Main    : all done",
    );
    // No join: main is done before the thread finishes, and the process still waits for it.
    before(single, "Main    : all done", "Thread 1: finishing");

    let joined = &s["single-thread-join"];
    before(joined, "Thread 1: finishing", "Main    : all done");

    let daemon = &s["daemon-thread"];
    position(daemon, "Thread 1: starting");
    position(daemon, "Main    : all done");
    assert!(
        !daemon.contains(&"Thread 1: finishing".to_owned()),
        "daemon's last line is missing"
    );

    let daemon_joined = &s["daemon-thread-join"];
    before(daemon_joined, "Thread 1: finishing", "Main    : all done");

    let many = &s["multiple-threads"];
    for i in 0..3 {
        before(
            many,
            &format!("Main    : create and start thread {i}."),
            &format!("Thread {i}: starting"),
        );
        before(
            many,
            &format!("Thread {i}: finishing"),
            &format!("Main    : thread {i} done"),
        );
        before(
            many,
            &format!("Main    : before joining thread {i}."),
            &format!("Main    : thread {i} done"),
        );
    }
}

#[test]
fn list_names_every_program_and_one_can_be_run_alone() {
    let out = Command::new(env!("CARGO_BIN_EXE_threadkit"))
        .args(["tour", "--list"])
        .output()
        .unwrap();
    let listing = String::from_utf8(out.stdout).unwrap();
    for name in ["single-thread", "daemon-thread", "multiple-threads"] {
        assert!(listing.contains(name), "{name} listed");
    }
    let s = tour(&["daemon-thread-join"]);
    assert_eq!(s.len(), 1);
    position(&s["daemon-thread-join"], "Thread 1: finishing");
}

#[test]
fn unknown_program_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_threadkit"))
        .args(["tour", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--list"));
}

#[test]
fn sync_sections_print_their_guaranteed_lines() {
    let s = tour(&[
        "race-condition",
        "race-fixed",
        "deadlock",
        "lock-pipeline",
        "event-pipeline",
        "timer",
        "semaphore",
        "barrier",
    ]);
    let race = &s["race-condition"];
    position(race, "Testing update. Starting value is 0.");
    position(race, "Testing update. Ending value is 1.");
    let fixed = &s["race-fixed"];
    position(fixed, "Testing update. Ending value is 2.");

    let deadlock = &s["deadlock"];
    before(
        deadlock,
        "Main    : acquire it again (Python would hang here forever)",
        "Main    : deadlock: still waiting after 0.5s, giving up",
    );
    assert!(
        deadlock
            .iter()
            .any(|l| l.starts_with("[threadkit] threadkit: deadlock found")
                && l.contains("which it already holds")),
        "the Lock acquired twice is reported: {deadlock:#?}"
    );
    assert!(
        deadlock
            .iter()
            .any(|l| l.contains("2 threads wait for each other")),
        "the opposite orders are reported: {deadlock:#?}"
    );
    position(deadlock, "Main    : RLock acquired 2 times");
    position(
        deadlock,
        "Main    : RLock released as many times: locked = false",
    );

    let pipeline = &s["lock-pipeline"];
    let produced: Vec<_> = pipeline
        .iter()
        .filter_map(|l| l.strip_prefix("Producer got message: "))
        .collect();
    let stored: Vec<_> = pipeline
        .iter()
        .filter_map(|l| l.strip_prefix("Consumer storing message: "))
        .collect();
    assert_eq!(produced.len(), 10);
    assert_eq!(produced, stored, "every message consumed, in order");
    assert_eq!(pipeline.len(), 20, "the seed's lines and no others");

    let event = &s["event-pipeline"];
    check_queue_pipeline(
        event,
        "Producer received EXIT event. Exiting",
        "Consumer received EXIT event. Exiting",
        "  (queue size=",
    );

    let timer = &s["timer"];
    position(timer, "Timer 1: fired");
    position(timer, "Main    : cancelling timer 2: cancelled = true");
    position(
        timer,
        "Main    : timer 1 fired = true, timer 2 fired = false",
    );
    assert!(!timer.iter().any(|l| l.starts_with("Timer 2: fired")));

    let sem = &s["semaphore"];
    assert_eq!(sem.iter().filter(|l| l.ends_with(": done")).count(), 5);
    position(sem, "Main    : at most 2 workers were inside at once");

    let barrier = &s["barrier"];
    for i in 0..3 {
        before(
            barrier,
            &format!("Thread {i}: waiting at the barrier"),
            "Barrier : all 3 arrived, releasing",
        );
    }
    let passed = barrier
        .iter()
        .filter(|l| l.contains(": passed (arrival index"))
        .count();
    assert_eq!(passed, 3);
    let release = position(barrier, "Barrier : all 3 arrived, releasing");
    assert!(barrier.iter().position(|l| l.contains(": passed")).unwrap() > release);
}

/// The seeds' Queue + Event pipelines: the producer stops after the event, both say so, the
/// messages are stored in the order produced, at most the producer's last put is left
/// behind (the seeds' own race), and `maxsize=10` bounds every reported size.
fn check_queue_pipeline(lines: &[String], producer_exit: &str, consumer_exit: &str, size: &str) {
    before(lines, "Main: about to set event", producer_exit);
    position(lines, consumer_exit);
    let produced: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("Producer got message: "))
        .collect();
    let stored: Vec<(&str, usize)> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("Consumer storing message: "))
        .map(|l| {
            let (message, size) = l.split_once(size).expect("a size");
            (message, size.trim_end_matches(')').parse().unwrap())
        })
        .collect();
    assert!(!stored.is_empty());
    let stored_messages: Vec<&str> = stored.iter().map(|&(m, _)| m).collect();
    assert_eq!(stored_messages, produced[..stored.len()], "stored in order");
    assert!(
        produced.len() - stored.len() <= 1,
        "at most the last put is left"
    );
    assert!(
        stored.iter().all(|&(_, size)| size <= 10),
        "maxsize=10 bounds the size"
    );
}

#[test]
fn the_whole_tour_shortens_the_long_programs_and_labels_its_own() {
    let out = Command::new(env!("CARGO_BIN_EXE_threadkit"))
        .args(["tour", "--fast"])
        .output()
        .expect("threadkit runs");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let notes = text
        .lines()
        .filter(|l| l.starts_with("[threadkit] ... ") && l.contains("lines not shown"))
        .count();
    assert!(notes <= 2, "only the two Queue pipelines are shortened");
    assert!(text.lines().count() < 2_000, "the tour stays readable");
    for own in ["executor-failure", "deadlock", "queue-shutdown", "gil"] {
        assert!(
            text.lines()
                .any(|l| l.contains("threadkit's own: ") && l.ends_with(&format!("[{own}] ==="))),
            "{own} is labelled as threadkit's own"
        );
    }
}

#[test]
fn queue_sections_print_their_guaranteed_lines() {
    let s = tour(&["queue-event", "queue-shutdown"]);
    check_queue_pipeline(
        &s["queue-event"],
        "Producer received event. Exiting",
        "Consumer received event. Exiting",
        " (size=",
    );

    let clean = &s["queue-shutdown"];
    before(
        clean,
        "Main: about to set event",
        "Main: producers done, shutting the queue down",
    );
    let summary = clean
        .iter()
        .find(|l| l.starts_with("Main: produced "))
        .unwrap();
    let numbers: Vec<u64> = summary
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .map(|w| w.parse().unwrap())
        .collect();
    assert_eq!(numbers[0], numbers[1], "consumed all: {summary}");
    assert!(numbers[0] > 0);
    assert_eq!(
        &numbers[2..],
        [0, 0],
        "no duplicates, none missing: {summary}"
    );
    assert_eq!(
        clean
            .iter()
            .filter(|l| l.contains("queue shut down and drained"))
            .count(),
        2
    );
}

#[test]
fn executor_and_gil_sections_print_their_guaranteed_lines() {
    let s = tour(&["executor-map", "executor-submit", "executor-failure", "gil"]);
    let map = &s["executor-map"];
    for i in 0..3 {
        before(
            map,
            &format!("Thread {i}: starting"),
            &format!("Thread {i}: finishing"),
        );
    }
    assert_eq!(map.len(), 6, "the seed's lines and no others: {map:#?}");
    let submit = &s["executor-submit"];
    for i in 0..2 {
        before(
            submit,
            &format!("Thread {i}: starting"),
            &format!("Thread {i}: finishing"),
        );
    }
    assert_eq!(
        submit.len(),
        4,
        "the seed's lines and no others: {submit:#?}"
    );
    let failure = &s["executor-failure"];
    position(failure, "Main    : good task result = Ok(42)");
    position(
        failure,
        "Main    : failed task result = panic: index out of bounds: the len is 1 but the index is 3",
    );
    position(
        failure,
        "Main    : the worker survived: Ok(\"still working\")",
    );
    let gil = &s["gil"];
    assert!(gil.iter().any(|l| l.starts_with("Main    : sequential: ")));
    assert!(gil
        .iter()
        .any(|l| l.starts_with("Main    : threadkit speedup: ")));
    assert!(
        gil.iter().any(|l| l.starts_with("CPython : ")),
        "CPython measured or said to be absent"
    );
}

#[test]
fn the_stopping_section_loses_nothing_and_stops_everything() {
    let s = tour(&["stopping"]);
    let lines = &s["stopping"];
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Main    : nothing lost:") && l.ends_with(": true")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(
            |l| l.starts_with("Main    : producer put") && l.contains("handed back item Some(")
        ),
        "the producer's refused put handed its item back: {lines:#?}"
    );
    position(
        lines,
        "Main    : shut down: 2 running tasks stopped, 10 waiting tasks cancelled",
    );
    before(
        lines,
        "Main    : the scope failed: download 3 failed",
        "Main    : the sleeping task: stopped",
    );
    position(
        lines,
        "Main    : the task waiting on a queue: stopped (its get returned Stopped)",
    );
    before(
        lines,
        "Main    : the pool scope failed: download https://example.com/3 failed",
        "Main    : the slow download: stopped",
    );
    position(lines, "Main    : every task accounted for: true");
}

/// Check mode's program (threadkit's example built with the `check` feature, apart): both
/// races found and replayed exactly, with the seed's log lines of the losing interleaving,
/// and the Lock fix through every schedule of an exhaustive search.
#[test]
fn the_finding_the_race_section_finds_replays_and_exhausts() {
    let s = tour(&["finding-the-race"]);
    let lines = &s["finding-the-race"];
    let count = |pred: &dyn Fn(&str) -> bool| lines.iter().filter(|l| pred(l)).count();
    assert_eq!(
        count(&|l| l.starts_with("[check] threadkit check: schedule ")
            && l.ends_with("an update was lost")),
        2,
        "{lines:#?}"
    );
    assert_eq!(
        count(&|l| {
            l
            == "[check] the replay is the failing schedule: the same steps; 100 more replays, identical: 100 of 100"
        }),
        2,
        "{lines:#?}"
    );
    assert_eq!(count(&|l| l == "Testing update. Ending value is 1."), 2);
    before(
        lines,
        "Thread 0: starting update",
        "Testing update. Ending value is 1.",
    );
    assert_eq!(
        count(&|l| l.starts_with("[check] exhaustive: ")
            && l.ends_with("every one passed; the space was exhausted: true")),
        1,
        "{lines:#?}"
    );
    position(lines, "[check] random: 10000 schedules, every one passed");
}
