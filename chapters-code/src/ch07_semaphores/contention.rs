//! What `cargo bench --bench ch07_semaphores` measures: a shared counter
//! incremented by tasks on a multi-thread runtime, behind std's `Mutex`,
//! tokio's `Mutex`, or no lock at all (an `AtomicU64`, the floor), by one
//! task and by four at once. The lock is held for one addition, never
//! across an `.await`: the case where std's mutex is the right one.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::measured::{
    BenchImplementation, BenchSuite, BenchWorkload, Routine, Sampling,
};

/// How many increments each task makes in one iteration.
pub const INCREMENTS: u64 = 10_000;

/// The runtime every iteration runs on: two workers, so that four tasks
/// really do contend.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a tokio runtime")
}

/// A shared counter, behind each kind of lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counter {
    /// An `AtomicU64`: no lock.
    Atomic,
    /// `std::sync::Mutex<u64>`.
    StdMutex,
    /// `tokio::sync::Mutex<u64>`.
    TokioMutex,
}

/// One counter behind each kind of lock; a run uses one of the three.
#[derive(Debug, Default)]
pub struct Shared {
    atomic: AtomicU64,
    std_mutex: std::sync::Mutex<u64>,
    tokio_mutex: tokio::sync::Mutex<u64>,
}

impl Shared {
    // ANCHOR: contention
    /// Adds one to the counter behind `counter`.
    pub async fn add_one(&self, counter: Counter) {
        match counter {
            Counter::Atomic => {
                self.atomic.fetch_add(1, Ordering::Relaxed);
            }
            Counter::StdMutex => {
                *self.std_mutex.lock().expect("never poisoned") += 1;
            }
            Counter::TokioMutex => *self.tokio_mutex.lock().await += 1,
        }
    }
    // ANCHOR_END: contention

    /// The sum of the three counters.
    pub async fn total(&self) -> u64 {
        let locked = *self.std_mutex.lock().expect("never poisoned");
        self.atomic.load(Ordering::Relaxed)
            + locked
            + *self.tokio_mutex.lock().await
    }
}

/// `tasks` tasks each add one to a shared counter `INCREMENTS` times;
/// returns the count.
pub async fn increment(counter: Counter, tasks: u64) -> u64 {
    let shared = Arc::new(Shared::default());
    let workers: Vec<_> = (0..tasks)
        .map(|_| {
            let shared = Arc::clone(&shared);
            tokio::spawn(async move {
                for _ in 0..INCREMENTS {
                    shared.add_one(counter).await;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("a worker never panics");
    }
    shared.total().await
}

const SAMPLING: Sampling = Sampling {
    samples: 20,
    warm_up: Duration::from_millis(300),
    measurement: Duration::from_secs(1),
    flat: false,
};

macro_rules! counter {
    ($id:literal, $counter:ident, $tasks:literal) => {
        BenchImplementation {
            id: $id,
            routine: Routine::Iter(|runtime: &tokio::runtime::Runtime| {
                let count = increment(Counter::$counter, black_box($tasks));
                black_box(runtime.block_on(count));
            }),
        }
    };
}

/// The chapter's benchmark: each counter with one task (no contention) and
/// with four tasks on two workers; std's mutex is the baseline.
pub const BENCH: BenchSuite<tokio::runtime::Runtime> = BenchSuite {
    bench: "ch07_semaphores",
    group: "ch07_counter",
    fixture: runtime,
    workloads: &[
        BenchWorkload {
            id: "one_task",
            baseline: "std_mutex",
            sampling: SAMPLING,
            implementations: &[
                counter!("atomic", Atomic, 1),
                counter!("std_mutex", StdMutex, 1),
                counter!("tokio_mutex", TokioMutex, 1),
            ],
        },
        BenchWorkload {
            id: "four_tasks",
            baseline: "std_mutex",
            sampling: SAMPLING,
            implementations: &[
                counter!("atomic", Atomic, 4),
                counter!("std_mutex", StdMutex, 4),
                counter!("tokio_mutex", TokioMutex, 4),
            ],
        },
    ],
};
