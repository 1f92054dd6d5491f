//! Chapter 7, *Semaphores and friends*: limiting requests to a fragile
//! service, and the other synchronisation primitives.
//!
//! - [`limit`]: the source talk's fragile service (ten requests in flight
//!   at most) and the ways to stay under its limit: a semaphore, owned
//!   permits for spawned tasks, `buffer_unordered`.
//! - [`rate`]: a limit over time, with `tokio::time::interval`.
//! - [`locks`]: std's and tokio's `Mutex`, tokio's `RwLock`.
//! - [`signals`]: `Notify`, `Barrier`, `watch`, `broadcast`, and waiting for
//!   a condition (std's `Condvar`, `watch::Receiver::wait_for`).
//! - [`laundry`]: chapter 1's deadlocking parents, and the lock order that
//!   fixes them.
//! - [`contention`]: the benchmark of a contended counter under each lock.
//! - The exercise: [`gather_limited`], a gather under a semaphore.
//! - [`timelines`]: the fragile service's requests recorded as timelines.
//! - [`MATERIAL`]: the limits table, the contention table, the timelines.

pub mod contention;
mod exercise;
pub mod laundry;
pub mod limit;
pub mod locks;
pub mod rate;
pub mod signals;
pub mod timelines;

pub use exercise::gather_limited;

use crate::registry::{ChapterMaterial, TableSource, TableSpec, TimelineSpec};

/// The limits table's rows as (id, permits or window; `None`: unbounded),
/// in order.
pub const LIMIT_ROWS: [(&str, Option<usize>); 4] = [
    ("semaphore-8", Some(8)),
    ("semaphore-10", Some(10)),
    ("unbounded", None),
    ("buffer-unordered-8", Some(8)),
];

/// The limits table's row ids, in order.
pub fn limit_ids() -> Vec<String> {
    LIMIT_ROWS.iter().map(|(id, _)| (*id).to_owned()).collect()
}

/// The best `requests` requests of `latency` each can do with at most
/// `limit` in flight (`None`: all at once): one latency per round.
///
/// ```
/// use std::time::Duration;
/// use chapters_code::ch07_semaphores::ideal_time;
///
/// let latency = Duration::from_millis(100);
/// assert_eq!(ideal_time(20, Some(8), latency), latency * 3);
/// assert_eq!(ideal_time(20, None, latency), latency);
/// ```
pub fn ideal_time(
    requests: usize,
    limit: Option<usize>,
    latency: std::time::Duration,
) -> std::time::Duration {
    let rounds = limit.map_or(1, |limit| requests.div_ceil(limit.max(1)));
    latency * u32::try_from(rounds).unwrap_or(u32::MAX)
}

/// What the chapter publishes: the limits against the fragile service (the
/// `ch07_limits` example), the contended counter (the benchmark), and the
/// timelines.
pub const MATERIAL: ChapterMaterial = ChapterMaterial {
    key: "ch07",
    tables: &[
        TableSpec {
            name: "ch07-limits",
            source: TableSource::Example {
                example: "ch07_limits",
                row_ids: limit_ids,
            },
        },
        TableSpec {
            name: "ch07-contention",
            source: TableSource::Bench(&contention::BENCH),
        },
    ],
    timelines: Some(TimelineSpec {
        pictures: timelines::picture_names,
        record: timelines::record_pictures,
    }),
    benches: &[&contention::BENCH],
};
