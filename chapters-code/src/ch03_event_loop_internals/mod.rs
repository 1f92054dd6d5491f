//! Chapter 3, *Event loop internals*: from the source talk's generator loop
//! to an executor that keeps up with tokio's current-thread runtime.
//!
//! One module per step of the chapter:
//!
//! 1. [`generator_loop`]: the talk's loop over resumable tasks (a `ready`
//!    list and a `next` list), with the tasks written as state machines.
//! 2. [`hand_written_future`]: the same task as a `Future`, by hand and as an
//!    `async fn`; [`exercise`] writes its `yield_now`, and a `join` of two
//!    futures.
//! 3. [`block_on`]: one future, a thread-parking waker.
//! 4. [`never_woken`]: what happens to a future that returns `Pending`
//!    without arranging a wake-up.
//! 5. [`naive_executor`]: the executor a learner writes first.
//! 6. [`tuned_executor`]: one allocation per task, chapter 2's state word,
//!    a local run queue, a raw waker, join handles that carry panics;
//!    [`pinning`]: why the future in a task must never move.
//! 7. [`timers`]: a thread per sleep, then a heap of deadlines.
//! 8. [`one_slot_channel`] and [`workloads`]: what the benchmarks run.
//! 9. [`timelines`]: the timers recorded as pictures (`cargo xtask timelines`).
//! 10. [`questions`]: what the chapter's predict-the-outcome questions run.
//!
//! [`log::Log`] records what the example tasks "print".

// Every `unsafe` block in the chapter says why it is sound; clippy checks.
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod block_on;
pub mod exercise;
pub mod generator_loop;
pub mod hand_written_future;
pub mod log;
pub mod naive_executor;
pub mod never_woken;
pub mod one_slot_channel;
pub mod pinning;
pub mod questions;
pub mod timelines;
pub mod timers;
pub mod tuned_executor;
pub mod workloads;

use crate::registry::{ChapterMaterial, TableSource, TableSpec, TimelineSpec};

/// What the chapter publishes: the executors' criterion benchmark and the
/// table made from it, and the timers' timelines.
pub const MATERIAL: ChapterMaterial = ChapterMaterial {
    key: "ch03",
    tables: &[TableSpec {
        name: "ch03-timings",
        source: TableSource::Bench(&workloads::BENCH),
    }],
    timelines: Some(TimelineSpec {
        pictures: timelines::picture_names,
        record: timelines::record_pictures,
    }),
    benches: &[&workloads::BENCH],
};
