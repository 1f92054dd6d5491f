//! What `cargo bench --bench ch06_pipelines` measures: the per-message
//! cost of a bounded `mpsc` channel, 100 000 items sent one by one against
//! the same items in batches, on a current-thread runtime built once.

use std::hint::black_box;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::measured::{
    BenchImplementation, BenchSuite, BenchWorkload, Routine, Sampling,
};

/// How many items one iteration moves.
pub const ITEMS: u64 = 100_000;
/// The channel's capacity, in messages.
const CAPACITY: usize = 16;

/// Moves [`ITEMS`] items through a bounded channel in messages of `batch`
/// items, from a spawned producer to the caller; returns their sum.
///
/// ```
/// use chapters_code::ch06_pipelines::benchmarks::{ITEMS, through_channel};
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let expected = ITEMS * (ITEMS - 1) / 2;
/// assert_eq!(runtime.block_on(through_channel(1)), expected);
/// assert_eq!(runtime.block_on(through_channel(1024)), expected);
/// ```
pub async fn through_channel(batch: u64) -> u64 {
    let (to, mut from) = mpsc::channel::<Vec<u64>>(CAPACITY);
    tokio::spawn(async move {
        let mut next = 0;
        while next < ITEMS {
            let end = ITEMS.min(next + batch);
            if to.send((next..end).collect()).await.is_err() {
                return;
            }
            next = end;
        }
    });
    let mut sum = 0;
    while let Some(batch) = from.recv().await {
        sum += batch.into_iter().sum::<u64>();
    }
    sum
}

/// Moves [`ITEMS`] bare `u64`s one message each: no allocation per item.
pub async fn one_by_one() -> u64 {
    let (to, mut from) = mpsc::channel::<u64>(CAPACITY);
    tokio::spawn(async move {
        for id in 0..ITEMS {
            if to.send(id).await.is_err() {
                return;
            }
        }
    });
    let mut sum = 0;
    while let Some(id) = from.recv().await {
        sum += id;
    }
    sum
}

/// Builds the runtime every routine runs on.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime")
}

const SAMPLING: Sampling = Sampling {
    samples: 10,
    warm_up: Duration::from_millis(300),
    measurement: Duration::from_secs(2),
    flat: true,
};

/// The chapter's benchmark, ids and routines.
pub const BENCH: BenchSuite<tokio::runtime::Runtime> = BenchSuite {
    bench: "ch06_pipelines",
    group: "ch06_pipelines_100k_items",
    fixture: runtime,
    workloads: &[BenchWorkload {
        id: "bounded_mpsc",
        baseline: "one_by_one",
        sampling: SAMPLING,
        implementations: &[
            BenchImplementation {
                id: "one_by_one",
                routine: Routine::Iter(|runtime| {
                    black_box(runtime.block_on(one_by_one()));
                }),
            },
            BenchImplementation {
                id: "batches_of_64",
                routine: Routine::Iter(|runtime| {
                    black_box(runtime.block_on(through_channel(64)));
                }),
            },
            BenchImplementation {
                id: "batches_of_1024",
                routine: Routine::Iter(|runtime| {
                    black_box(runtime.block_on(through_channel(1024)));
                }),
            },
        ],
    }],
};
