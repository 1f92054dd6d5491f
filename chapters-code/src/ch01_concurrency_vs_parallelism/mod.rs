//! Chapter 1, *Concurrency vs parallelism*: five jobs that wait and five jobs
//! that compute, run seven ways.
//!
//! - Jobs: a blocking sleep ([`blocking_sleep`]), two async sleeps
//!   ([`tokio_sleep`], [`smol_sleep`]) and a counting loop ([`count_to`]).
//! - Runners, generic over the job: [`run_sequential`], [`run_on_threads`],
//!   [`run_on_rayon`] / [`run_on_rayon_pool`], [`await_one_by_one`],
//!   [`run_tokio_tasks`], [`run_spawn_blocking`], [`run_smol_tasks`].
//! - [`Variant`]: one row of the timing table, with the lower bound each can
//!   reach ([`Variant::sleep_bound`], [`Variant::cpu_bound`]) on the
//!   [`Pools`] in use.
//! - [`time_variant`]: runs one variant on one [`Workload`] and times it.
//! - [`ConcurrencyGauge`]: counts jobs in flight, for tests that check overlap
//!   by behaviour rather than by the clock.
//! - [`MATERIAL`]: the table, timelines and benchmark the chapter publishes.
//! - The exercise: [`count_primes_in_parallel`] with [`is_prime`].
//!
//! async-std, the third runtime of the source material, is discontinued
//! upstream; smol is its successor and stands in for it here.

pub mod benchmarks;
mod exercise;
mod gauge;
mod jobs;
mod report;
mod runners;
mod timelines;
mod timing;
mod variants;

pub use exercise::{count_primes_in_parallel, is_prime};
pub use gauge::{ConcurrencyGauge, InFlight, JobThread};
pub use jobs::{blocking_sleep, count_to, smol_sleep, tokio_sleep};
pub use report::milliseconds;
pub use runners::{
    await_one_by_one, run_on_rayon, run_on_rayon_pool, run_on_threads,
    run_sequential, run_smol_tasks, run_spawn_blocking, run_tokio_tasks,
};
pub use timelines::{
    record_awaited_one_by_one, record_pictures, record_scenario,
};
pub use timing::{
    CpuCalibration, Scenario, Workload, available_cores, calibrate_count_to,
    median, time_count, time_variant,
};
pub use variants::{
    Pools, TOKIO_MAX_BLOCKING_THREADS, Variant, smol_threads, tokio_workers,
};

use crate::registry::{ChapterMaterial, TableSource, TableSpec, TimelineSpec};

/// What the chapter publishes: the five-jobs table (measured by the
/// `ch01_five_jobs` example), the overhead table (the same work in fifty
/// slices, and five tiny jobs: the `ch01_overhead` example), a timeline of
/// each scenario the text discusses, and the scaled-down criterion benchmark.
pub const MATERIAL: ChapterMaterial = ChapterMaterial {
    key: "ch01",
    tables: &[
        TableSpec {
            name: "ch01-timings",
            source: TableSource::Example {
                example: "ch01_five_jobs",
                row_ids: variant_ids,
            },
        },
        TableSpec {
            name: "ch01-overhead",
            source: TableSource::Example {
                example: "ch01_overhead",
                row_ids: variant_ids,
            },
        },
    ],
    timelines: Some(TimelineSpec {
        pictures: timelines::picture_names,
        record: record_pictures,
    }),
    benches: &[&benchmarks::BENCH],
};

/// Both tables have one row per variant, in [`Variant::ALL`]'s order.
fn variant_ids() -> Vec<String> {
    Variant::ALL
        .iter()
        .map(|variant| variant.id().to_owned())
        .collect()
}
