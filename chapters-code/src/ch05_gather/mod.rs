//! Chapter 5, *gather and as_completed*: many requests at once, against the
//! local [creature service](crate::creature_service), with the combinators
//! that gather them and what each does to the requests still in flight.
//!
//! - [`fetch`]: the source articles' designs — one by one, gathered, as
//!   completed, in fixed chunks, in a sliding window, as a task group.
//! - [`overhead`]: many timer waits gathered four ways on two runtimes, and
//!   on smol's finer timer.
//! - [`ideal`]: the best each design can do with the latencies the service
//!   draws, for the tables.
//! - The exercise: [`fetch_in_window`], a sliding window in input order.
//! - [`timelines`]: the designs' requests recorded as timelines.
//! - [`MATERIAL`]: the two timing tables and the timelines.

pub mod benchmarks;
mod exercise;
pub mod fetch;
pub mod ideal;
pub mod overhead;
pub mod timelines;

pub use exercise::fetch_in_window;

use crate::registry::{ChapterMaterial, TableSource, TableSpec, TimelineSpec};

/// What the chapter publishes: the designs against the service (the
/// `ch05_designs` example) and the per-task overhead of gathering timer
/// waits (the `ch05_overhead` example), and the timelines.
pub const MATERIAL: ChapterMaterial = ChapterMaterial {
    key: "ch05",
    tables: &[
        TableSpec {
            name: "ch05-designs",
            source: TableSource::Example {
                example: "ch05_designs",
                row_ids: ideal::design_ids,
            },
        },
        TableSpec {
            name: "ch05-overhead",
            source: TableSource::Example {
                example: "ch05_overhead",
                row_ids: overhead_ids,
            },
        },
    ],
    timelines: Some(TimelineSpec {
        pictures: timelines::picture_names,
        record: timelines::record_pictures,
    }),
    benches: &[&benchmarks::BENCH],
};

/// The overhead table's rows: every arrangement on each runtime flavour,
/// then smol's `join_all`.
pub fn overhead_ids() -> Vec<String> {
    overhead_rows()
        .into_iter()
        .map(|(id, _)| id.to_owned())
        .collect()
}

/// The overhead table's rows as (id, label), in order: `None` for the
/// smol row.
pub fn overhead_rows() -> Vec<(&'static str, String)> {
    let ids = [
        "current-thread/join-all",
        "current-thread/unconstrained-join-all",
        "current-thread/futures-unordered",
        "current-thread/join-set",
        "current-thread/spawned",
        "multi-thread/join-all",
        "multi-thread/unconstrained-join-all",
        "multi-thread/futures-unordered",
        "multi-thread/join-set",
        "multi-thread/spawned",
    ];
    let tokio_rows = overhead::Flavor::ALL.iter().flat_map(|flavor| {
        overhead::Arrangement::ALL.iter().map(move |arrangement| {
            format!("{}, {}", arrangement.label(), flavor.id())
        })
    });
    ids.into_iter()
        .zip(tokio_rows)
        .chain([(
            "smol/join-all",
            "`join_all` of smol `Timer`s (`async-io`)".to_owned(),
        )])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::overhead::{Arrangement, Flavor};

    #[test]
    fn overhead_ids_name_each_flavour_and_arrangement_in_order() {
        let expected: Vec<String> = Flavor::ALL
            .iter()
            .flat_map(|flavor| {
                Arrangement::ALL.iter().map(move |arrangement| {
                    format!("{}/{}", flavor.id(), arrangement.id())
                })
            })
            .chain(["smol/join-all".to_owned()])
            .collect();
        assert_eq!(super::overhead_ids(), expected);
    }
}
