//! The article's producer/consumer `Pipeline` built from two Locks, then its next step: the
//! `Pipeline` as a `queue.Queue(maxsize=10)` subclass, stopped by an `Event`.
//!
//! ```python
//! class Pipeline:
//!     def __init__(self):
//!         self.message = 0
//!         self.producer_lock = threading.Lock()
//!         self.consumer_lock = threading.Lock()
//!         self.consumer_lock.acquire()
//!     def get_message(self, name):
//!         self.consumer_lock.acquire()
//!         message = self.message
//!         self.producer_lock.release()
//!         return message
//!     def set_message(self, message, name):
//!         self.producer_lock.acquire()
//!         self.message = message
//!         self.consumer_lock.release()
//! ```

use super::log::{log, nap};
use std::sync::Arc;
use threadkit::{Event, Lock, Mutex, Queue, ThreadPoolExecutor};

/// `None` is the seeds' `SENTINEL`.
type Message = Option<u32>;

struct Pipeline {
    message: Mutex<Message>,
    producer_lock: Lock,
    consumer_lock: Lock,
}

impl Pipeline {
    fn new() -> Self {
        let pipeline = Pipeline {
            message: Mutex::new(Some(0)),
            producer_lock: Lock::new(),
            consumer_lock: Lock::new(),
        };
        pipeline.consumer_lock.acquire();
        pipeline
    }

    fn get_message(&self) -> Message {
        self.consumer_lock.acquire();
        let message = *self.message.lock();
        // Released by the consumer though the producer acquired it: Python's Lock allows it.
        self.producer_lock.release().expect("the producer holds it");
        message
    }

    fn set_message(&self, message: Message) {
        self.producer_lock.acquire();
        *self.message.lock() = message;
        self.consumer_lock
            .release()
            .expect("the consumer waits on it");
    }
}

/// `random.randint(1, 101)` without a dependency: a small xorshift seeded from the clock.
pub(crate) fn random_message(state: &mut u64) -> u32 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    (*state % 101) as u32 + 1
}

fn seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.subsec_nanos());
    u64::from(nanos) | 1
}

fn consumer(pipeline: &Pipeline) {
    while let Some(message) = pipeline.get_message() {
        log!("Consumer storing message: {message}");
    }
}

/// The seed as written: a producer and a consumer submitted to a two-worker pool, the
/// pipeline ended by the `SENTINEL`.
pub(crate) fn lock_pipeline() {
    let pipeline = Arc::new(Pipeline::new());
    let executor = ThreadPoolExecutor::new(2).expect("2 workers");
    let p = Arc::clone(&pipeline);
    executor
        .submit(move || {
            let mut rng = seed();
            for _ in 0..10 {
                let message = random_message(&mut rng);
                log!("Producer got message: {message}");
                p.set_message(Some(message));
            }
            p.set_message(None); // Send a sentinel message to tell consumer we're done
        })
        .expect("pool running");
    let p = Arc::clone(&pipeline);
    executor.submit(move || consumer(&p)).expect("pool running");
} // the end of the `with` block: the executor waits for both

/// The article's next step: the `Pipeline` becomes a `queue.Queue(maxsize=10)` and an
/// `Event` stops the producer.
///
/// ```python
/// class Pipeline(queue.Queue):
///     def __init__(self):
///         super().__init__(maxsize=10)
///
/// def producer(pipeline, event):
///     while not event.is_set():
///         message = random.randint(1, 101)
///         logging.info("Producer got message: %s", message)
///         pipeline.set_message(message, "Producer")
///     logging.info("Producer received EXIT event. Exiting")
///
/// def consumer(pipeline, event):
///     while not event.is_set() or not pipeline.empty():
///         message = pipeline.get_message("Consumer")
///         logging.info("Consumer storing message: %s  (queue size=%s)", message, pipeline.qsize())
///     logging.info("Consumer received EXIT event. Exiting")
/// ```
///
/// Its consumer can block forever in `get()` when it checks the loop condition just before
/// the producer's last look at the event (CPython hangs then too); this port bounds that
/// `get` and says so in a line labelled as threadkit's.
pub(crate) fn event_pipeline() {
    let pipeline = Queue::new(10);
    let event = Arc::new(Event::new());
    let executor = ThreadPoolExecutor::new(2).expect("2 workers");
    let (queue, e) = (pipeline.clone(), Arc::clone(&event));
    executor
        .submit(move || {
            let mut rng = seed();
            while !e.is_set() {
                let message = random_message(&mut rng);
                log!("Producer got message: {message}");
                queue.put(message).expect("not shut down");
            }
            log!("Producer received EXIT event. Exiting");
        })
        .expect("pool running");
    let (queue, e) = (pipeline.clone(), Arc::clone(&event));
    executor
        .submit(move || {
            while !e.is_set() || !queue.empty() {
                match queue.get_timeout(SEED_RACE_GUARD) {
                    Ok(message) => log!(
                        "Consumer storing message: {message}  (queue size={})",
                        queue.qsize()
                    ),
                    Err(_) => log!("{SEED_RACE_NOTE}"),
                }
            }
            log!("Consumer received EXIT event. Exiting");
        })
        .expect("pool running");
    nap(0.1);
    log!("Main: about to set event");
    event.set();
}

/// How long the Queue pipelines' consumers wait in `get` before saying the seed would hang.
pub(crate) const SEED_RACE_GUARD: std::time::Duration = std::time::Duration::from_secs(1);

/// What they say then: a line of threadkit's own, labelled as such.
pub(crate) const SEED_RACE_NOTE: &str =
    "[threadkit] Consumer: get() would have hung here forever (the seed's race)";
