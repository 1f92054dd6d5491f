//! Chapter 6, *Pipelines*: a producer, stages and consumers joined by
//! channels, with backpressure, a CPU stage on rayon, graceful shutdown and
//! every item accounted for.
//!
//! - [`producers`]: paced producers — the drifting sleep loop, the
//!   schedule, the interval.
//! - [`designs`]: the source article's designs and the right ones, each
//!   returning when every result reached its consumer.
//! - [`cpu_stage`]: the CPU stage on rayon, bridged with a oneshot, and
//!   the wrong version on the async thread.
//! - [`no_loss`]: a batched three-stage pipeline with failures, a crashing
//!   worker, an early stop and shutdown, where every item gets a fate.
//! - The exercise: [`produce_until`], a paced producer that stops on
//!   shutdown and reports what it never sent.
//! - [`timelines`], [`benchmarks`], [`MATERIAL`]: the pictures, the
//!   criterion suite and the two tables.

pub mod benchmarks;
pub mod cpu_stage;
pub mod designs;
mod exercise;
pub mod no_loss;
pub mod producers;
pub mod timelines;

pub use exercise::produce_until;

use crate::registry::{ChapterMaterial, TableSource, TableSpec, TimelineSpec};

/// What the chapter publishes: the designs' totals and latencies (the
/// `ch06_designs` example), the producers' drift (the `ch06_producers`
/// example), the timelines and the channel benchmark.
pub const MATERIAL: ChapterMaterial = ChapterMaterial {
    key: "ch06",
    tables: &[
        TableSpec {
            name: "ch06-designs",
            source: TableSource::Example {
                example: "ch06_designs",
                row_ids: design_ids,
            },
        },
        TableSpec {
            name: "ch06-producers",
            source: TableSource::Example {
                example: "ch06_producers",
                row_ids: producer_ids,
            },
        },
    ],
    timelines: Some(TimelineSpec {
        pictures: timelines::picture_names,
        record: timelines::record_pictures,
    }),
    benches: &[&benchmarks::BENCH],
};

/// The designs table's rows, (id, label), in order.
pub const DESIGN_ROWS: [(&str, &str); 5] = [
    ("collect-then-gather", "collect everything, then `join_all`"),
    ("polling-consumer", "consumer polling a queue every 50 ms"),
    ("bounded-workers", "bounded `mpsc`, 32 workers"),
    ("stream", "`Stream` with `buffer_unordered(32)`"),
    ("three-stages", "fetch, parse on rayon, consume"),
];

/// The producers table's rows, (id, label), in order.
pub const PRODUCER_ROWS: [(&str, &str); 3] = [
    ("sleep-loop", "`sleep(period)` in a loop"),
    ("schedule", "`sleep_until(start + (i + 1) × period)`"),
    ("interval", "`interval_at(start + period, period)`"),
];

/// What the designs table measures of each design, (id, label), in the
/// order of its rows: one row per design and measure, so that the table
/// stays four columns wide.
pub const DESIGN_MEASURES: [(&str, &str); 4] = [
    ("total", "total"),
    ("mean", "mean latency"),
    ("p99", "p99 latency"),
    ("max", "max latency"),
];

/// The designs table's row ids, `design/measure` in table order
/// (`bounded-workers/mean`).
///
/// ```
/// let ids = chapters_code::ch06_pipelines::design_ids();
/// assert_eq!(ids.len(), 20);
/// assert_eq!(ids[0], "collect-then-gather/total");
/// assert_eq!(ids[9], "bounded-workers/mean");
/// ```
pub fn design_ids() -> Vec<String> {
    DESIGN_ROWS
        .iter()
        .flat_map(|(design, _)| {
            DESIGN_MEASURES
                .iter()
                .map(move |(measure, _)| format!("{design}/{measure}"))
        })
        .collect()
}

/// The producers table's row ids.
pub fn producer_ids() -> Vec<String> {
    PRODUCER_ROWS
        .iter()
        .map(|(id, _)| (*id).to_owned())
        .collect()
}

/// Mean, 99th percentile (nearest rank) and maximum of `values`, sorted
/// in place; zeros for none.
///
/// ```
/// use chapters_code::ch06_pipelines::mean_p99_max;
///
/// let mut values: Vec<f64> = (1..=200).map(f64::from).collect();
/// assert_eq!(mean_p99_max(&mut values), (100.5, 198.0, 200.0));
/// ```
pub fn mean_p99_max(values: &mut [f64]) -> (f64, f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    values.sort_by(f64::total_cmp);
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let rank = (values.len() * 99).div_ceil(100);
    (mean, values[rank - 1], values[values.len() - 1])
}
