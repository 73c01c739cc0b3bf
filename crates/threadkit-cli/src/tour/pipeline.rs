//! The seeds' producer/consumer `Pipeline` built from two Locks (realpython), and the same
//! pipeline driven by an `Event` that `main` sets to stop the producer.
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
use threadkit::{Event, Lock, Mutex, Thread};

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

fn consumer(pipeline: &Pipeline) -> usize {
    let mut stored = 0;
    while let Some(message) = pipeline.get_message() {
        log!("Consumer storing message: {message}");
        stored += 1;
    }
    stored
}

pub(crate) fn lock_pipeline() {
    let pipeline = Arc::new(Pipeline::new());
    let p = Arc::clone(&pipeline);
    let producer = Thread::spawn(move || {
        let mut rng = seed();
        for _ in 0..10 {
            let message = random_message(&mut rng);
            log!("Producer got message: {message}");
            p.set_message(Some(message));
        }
        p.set_message(None); // SENTINEL
        log!("Producer received EXIT event. Exiting");
    });
    let p = Arc::clone(&pipeline);
    let consumer = Thread::spawn(move || consumer(&p));
    producer.join().expect("producer");
    let stored = consumer.into_output().expect("consumer");
    log!("Main    : consumer stored {stored} messages");
}

pub(crate) fn event_pipeline() {
    let pipeline = Arc::new(Pipeline::new());
    let event = Arc::new(Event::new());
    let (p, e) = (Arc::clone(&pipeline), Arc::clone(&event));
    let producer = Thread::spawn(move || {
        let mut rng = seed();
        let mut produced = 0;
        while !e.is_set() {
            let message = random_message(&mut rng);
            log!("Producer got message: {message}");
            p.set_message(Some(message));
            produced += 1;
            nap(0.01);
        }
        log!("Producer received event. Exiting");
        p.set_message(None);
        produced
    });
    let p = Arc::clone(&pipeline);
    let consumer = Thread::spawn(move || consumer(&p));
    nap(0.1);
    log!("Main: about to set event");
    event.set();
    let produced = producer.into_output().expect("producer");
    let stored = consumer.into_output().expect("consumer");
    log!("Main    : produced {produced}, consumed {stored}");
}
