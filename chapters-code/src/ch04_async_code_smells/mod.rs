//! Chapter 4, *Async code smells*: seven habits that make async code slow or
//! wrong, each as the bad version and the fix, and a composite that puts
//! them together.
//!
//! - [`smells`]: the seven smells, in the chapter's order.
//! - [`composite`]: an order report computed with all the bad habits, two
//!   steps in between, and done right; the `ch04_bad_habits` example times
//!   each [`Version`](composite::Version) against the scenario's ideal.
//! - [`exercise`]: gather quotes with a task group, in order.

pub mod benchmarks;
pub mod composite;
pub mod exercise;
pub mod smells;
pub mod timelines;

use crate::registry::{ChapterMaterial, TableSource, TableSpec, TimelineSpec};

/// What the chapter publishes: the composite's table, measured by the
/// `ch04_bad_habits` example, and its timelines.
pub const MATERIAL: ChapterMaterial = ChapterMaterial {
    key: "ch04",
    tables: &[TableSpec {
        name: "ch04-bad-habits",
        source: TableSource::Example {
            example: "ch04_bad_habits",
            row_ids: version_ids,
        },
    }],
    timelines: Some(TimelineSpec {
        pictures: timelines::picture_names,
        record: timelines::record_pictures,
    }),
    benches: &[&benchmarks::BENCH],
};

/// One row per version, in [`Version::ALL`](composite::Version::ALL)'s order.
fn version_ids() -> Vec<String> {
    composite::Version::ALL
        .iter()
        .map(|version| version.id().to_owned())
        .collect()
}
