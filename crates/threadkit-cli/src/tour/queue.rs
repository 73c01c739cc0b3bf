//! The seeds' producer/consumer with `queue.Queue(maxsize=10)` and an `Event`, then the same
//! pipeline ended cleanly by `shutdown`, with several producers and consumers.
//!
//! ```python
//! def producer(queue, event):
//!     while not event.is_set():
//!         message = random.randint(1, 101)
//!         logging.info("Producer got message: %s", message)
//!         queue.put(message)
//!     logging.info("Producer received event. Exiting")
//!
//! def consumer(queue, event):
//!     while not event.is_set() or not queue.empty():
//!         message = queue.get()
//!         logging.info("Consumer storing message: %s (size=%d)", message, queue.qsize())
//!     logging.info("Consumer received event. Exiting")
//! ```

use super::log::{log, nap};
use super::pipeline::{random_message, SEED_RACE_GUARD, SEED_RACE_NOTE};
use std::collections::HashSet;
use std::sync::Arc;
use threadkit::{Event, Queue, Thread, ThreadPoolExecutor};

/// The seed as written. Its consumer can block forever in `get()` when it checks the loop
/// condition just before the producer's last look at the event (CPython hangs then too);
/// this port bounds that `get` and says so in a line labelled as threadkit's. The
/// `queue-shutdown` program removes the race for good.
pub(crate) fn queue_event_pipeline() {
    let pipeline = Queue::new(10);
    let event = Arc::new(Event::new());
    let executor = ThreadPoolExecutor::new(2).expect("2 workers");
    {
        let (queue, event) = (pipeline.clone(), Arc::clone(&event));
        executor
            .submit(move || {
                let mut rng = 0x9E37_79B9_7F4A_7C15;
                while !event.is_set() {
                    let message = random_message(&mut rng);
                    log!("Producer got message: {message}");
                    queue.put(message).expect("not shut down");
                }
                log!("Producer received event. Exiting");
            })
            .expect("pool running");
    }
    {
        let (queue, event) = (pipeline.clone(), Arc::clone(&event));
        executor
            .submit(move || {
                while !event.is_set() || !queue.empty() {
                    match queue.get_timeout(SEED_RACE_GUARD) {
                        Ok(message) => {
                            log!(
                                "Consumer storing message: {message} (size={})",
                                queue.qsize()
                            )
                        }
                        Err(_) => log!("{SEED_RACE_NOTE}"),
                    }
                }
                log!("Consumer received event. Exiting");
            })
            .expect("pool running");
    }
    nap(0.1);
    log!("Main: about to set event");
    event.set();
} // the end of the `with` block: the executor waits for both

/// Three producers, two consumers: producers stop at the event, `main` shuts the queue down
/// once they are done, and the consumers' `for message in &queue` loops end by themselves
/// after draining it. Every message is consumed exactly once.
pub(crate) fn queue_shutdown_pipeline() {
    let pipeline = Queue::new(10);
    let event = Arc::new(Event::new());
    let producers: Vec<_> = (0..3u64)
        .map(|p| {
            let (queue, event) = (pipeline.clone(), Arc::clone(&event));
            Thread::spawn(move || {
                let mut sent = Vec::new();
                let mut n = 0;
                while !event.is_set() {
                    let id = p * 1_000_000 + n;
                    queue.put(id).expect("not shut down yet");
                    sent.push(id);
                    n += 1;
                    nap(0.001);
                }
                log!(
                    "Producer {p}: received event after {} messages. Exiting",
                    sent.len()
                );
                sent
            })
        })
        .collect();
    let consumers: Vec<_> = (0..2)
        .map(|c| {
            let queue = pipeline.clone();
            Thread::spawn(move || {
                let got: Vec<u64> = queue.iter().collect(); // ends at shutdown, once drained
                log!(
                    "Consumer {c}: queue shut down and drained after {} messages. Exiting",
                    got.len()
                );
                got
            })
        })
        .collect();
    nap(0.1);
    log!("Main: about to set event");
    event.set();
    let produced: Vec<u64> = producers
        .into_iter()
        .flat_map(|p| p.into_output().expect("producer"))
        .collect();
    log!("Main: producers done, shutting the queue down");
    pipeline.shutdown();
    let consumed: Vec<u64> = consumers
        .into_iter()
        .flat_map(|c| c.into_output().expect("consumer"))
        .collect();
    let unique: HashSet<u64> = consumed.iter().copied().collect();
    let missing = produced.iter().filter(|id| !unique.contains(id)).count();
    log!(
        "Main: produced {}, consumed {}, duplicates {}, missing {}",
        produced.len(),
        consumed.len(),
        consumed.len() - unique.len(),
        missing
    );
}
