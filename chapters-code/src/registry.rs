//! What each chapter publishes beyond its pages: timing tables, timelines and
//! benchmarks. The book's tooling (`cargo xtask`, the benches, the checks)
//! iterates over [`CHAPTERS`] and names no chapter itself, so a new chapter
//! adds one line here and keeps everything else in its own module.

use crate::measured::{BenchDeclaration, RecordedPicture};

/// Everything generated from one chapter's code.
#[derive(Clone, Copy)]
pub struct ChapterMaterial {
    /// The `chNN` that starts the chapter's page name in `SUMMARY.md`.
    pub key: &'static str,
    /// The chapter's timing tables, each kept as data and rendered to markdown.
    pub tables: &'static [TableSpec],
    /// The chapter's timelines, if it draws any.
    pub timelines: Option<TimelineSpec>,
    /// The chapter's criterion benchmarks (a table may render one of them).
    pub benches: &'static [&'static dyn BenchDeclaration],
}

/// One timing table: measured into `src/generated/{name}.json`, rendered into
/// `src/generated/{name}.md`.
#[derive(Clone, Copy)]
pub struct TableSpec {
    /// The files' stem (`ch01-timings`).
    pub name: &'static str,
    /// What measures it.
    pub source: TableSource,
}

/// How a table is measured.
#[derive(Clone, Copy)]
pub enum TableSource {
    /// An example of `chapters-code`, run in release mode with `--json`,
    /// prints a [`MeasuredTable`](crate::measured::MeasuredTable).
    Example {
        /// The example's name (`ch01_five_jobs`).
        example: &'static str,
        /// The row ids the table must have, in order.
        row_ids: fn() -> Vec<String>,
    },
    /// The per-sample times criterion saves for every id of a benchmark.
    Bench(&'static dyn BenchDeclaration),
}

/// A chapter's timelines: pictures recorded together (they may share a
/// calibration and a time axis) into `src/generated/{key}-timelines.json`,
/// each drawn into `src/generated/{key}-timeline-{name}.svg`.
#[derive(Clone, Copy)]
pub struct TimelineSpec {
    /// Every picture's name, in the order `record` returns them.
    pub pictures: fn() -> Vec<String>,
    /// Runs the scenarios (in an optimised build: `cargo xtask timelines`
    /// calls it through the `record_timelines` example) and returns one
    /// picture per name.
    pub record: fn() -> Vec<RecordedPicture>,
}

/// Every chapter with generated material, in book order.
pub const CHAPTERS: &[ChapterMaterial] = &[
    crate::ch01_concurrency_vs_parallelism::MATERIAL,
    crate::ch02_bit_level_basics::MATERIAL,
    crate::ch03_event_loop_internals::MATERIAL,
    crate::ch04_async_code_smells::MATERIAL,
    crate::ch05_gather::MATERIAL,
    crate::ch06_pipelines::MATERIAL,
    crate::ch07_semaphores::MATERIAL,
    crate::ch08_fork_safety::MATERIAL,
];

/// The material of the chapter whose key is `key` (`ch03`), if it has any.
///
/// ```
/// let material = chapters_code::registry::chapter("ch03").unwrap();
/// assert_eq!(material.benches[0].bench(), "ch03_executor");
/// assert!(chapters_code::registry::chapter("ch99").is_none());
/// ```
pub fn chapter(key: &str) -> Option<&'static ChapterMaterial> {
    CHAPTERS.iter().find(|material| material.key == key)
}

/// Every benchmark id the chapters declare (`ch03_executor/spawn_many/own`),
/// for checking the filters the book shows on `cargo bench` lines.
pub fn bench_ids() -> Vec<String> {
    CHAPTERS
        .iter()
        .flat_map(|material| material.benches)
        .flat_map(|bench| bench.ids())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chapter_keys_are_unique_and_in_book_order() {
        let keys: Vec<&str> =
            CHAPTERS.iter().map(|material| material.key).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(keys, sorted);
    }

    #[test]
    fn every_benchmark_id_is_unique_and_every_baseline_is_measured() {
        let ids = bench_ids();
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "{ids:?}");
        for bench in CHAPTERS.iter().flat_map(|material| material.benches) {
            for workload in bench.workloads() {
                assert!(
                    workload.implementations.contains(&workload.baseline),
                    "{}/{}: the baseline `{}` is not one of the implementations",
                    bench.group(),
                    workload.id,
                    workload.baseline
                );
            }
        }
    }

    #[test]
    fn table_and_timeline_names_start_with_their_chapter() {
        for material in CHAPTERS {
            for table in material.tables {
                assert!(table.name.starts_with(material.key), "{}", table.name);
            }
            if let Some(timelines) = material.timelines {
                let names = (timelines.pictures)();
                assert!(
                    !names.is_empty(),
                    "{} declares no picture",
                    material.key
                );
            }
        }
    }
}
