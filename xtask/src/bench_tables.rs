//! Timing tables made from criterion benchmarks: the bench runs, criterion
//! saves each benchmark's estimates under `target/criterion/`, and the table
//! shows every implementation's median beside the chapter's baseline.
//!
//! The benchmark ids are the contract: a chapter's table lists them, and the
//! check fails when the committed table lacks one.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use serde::Deserialize;

use crate::tables::{COMMAND, check_footer, cpu_model, table_rows};
use crate::{display_path, generated_marker};

/// One chapter's benchmark table.
#[derive(Debug, Clone, Copy)]
pub struct BenchTable {
    /// The chapter, as `cargo xtask tables CHAPTER` names it (`ch03`).
    pub chapter: &'static str,
    /// The table file, relative to the repository root.
    pub file: &'static str,
    /// The `[[bench]]` target that measures it.
    pub bench: &'static str,
    /// The criterion group every id starts with.
    pub group: &'static str,
    /// Per workload: its id, the implementations measured, and the one the
    /// others are divided by.
    pub workloads: &'static [Workload],
}

/// One workload of a benchmark table.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    /// The id's middle part (`spawn_many`).
    pub id: &'static str,
    /// The ids' last parts, in table order (`naive`, `own`, `tokio_current_thread`).
    pub implementations: &'static [&'static str],
    /// The implementation every row is compared with.
    pub baseline: &'static str,
}

impl BenchTable {
    /// Every benchmark id of the table, as criterion prints it.
    pub fn ids(&self) -> Vec<String> {
        self.workloads
            .iter()
            .flat_map(|workload| {
                workload.implementations.iter().map(move |implementation| {
                    format!("{}/{}/{implementation}", self.group, workload.id)
                })
            })
            .collect()
    }
}

/// Chapter 2: each bit trick (the baseline) against the plain way of doing the same.
pub const CH02: BenchTable = BenchTable {
    chapter: "ch02",
    file: "src/generated/ch02-timings.md",
    bench: "ch02_bit_level_basics",
    group: "ch02_bits",
    workloads: &[
        Workload {
            id: "count_ones",
            implementations: &["builtin", "kernighan", "naive_loop"],
            baseline: "builtin",
        },
        Workload {
            id: "modify_bit",
            implementations: &["branchless", "if_else"],
            baseline: "branchless",
        },
        Workload {
            id: "unpaired",
            implementations: &["xor_fold", "hash_map"],
            baseline: "xor_fold",
        },
        Workload {
            id: "ready_set",
            implementations: &["take_all", "scan_flags"],
            baseline: "take_all",
        },
        Workload {
            id: "task_state",
            implementations: &["atomic_word", "mutex_flags"],
            baseline: "atomic_word",
        },
    ],
};

/// Chapter 3: the executor built in the chapter against tokio's current-thread runtime.
pub const CH03: BenchTable = BenchTable {
    chapter: "ch03",
    file: "src/generated/ch03-timings.md",
    bench: "ch03_executor",
    group: "ch03_executor",
    workloads: &[
        Workload {
            id: "spawn_many",
            implementations: &["naive", "own", "tokio_current_thread"],
            baseline: "tokio_current_thread",
        },
        Workload {
            id: "ping_pong",
            implementations: &["naive", "own", "tokio_current_thread"],
            baseline: "tokio_current_thread",
        },
        Workload {
            id: "timers",
            implementations: &["naive", "own", "tokio_current_thread"],
            baseline: "tokio_current_thread",
        },
    ],
};

/// Every chapter's benchmark table.
pub const TABLES: &[BenchTable] = &[CH02, CH03];

const HEADER: &str = "| Workload | Implementation | Median time | ÷ baseline |";
const ALIGNMENT: &str = "|:--|:--|--:|--:|";

/// Runs the table's bench and writes the table.
pub fn write(root: &Path, table: &BenchTable) -> Result<()> {
    let results = target_dir(root).join("criterion");
    // Stale estimates of a previous run must not end up in the table.
    let _ = std::fs::remove_dir_all(results.join(table.group));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("measuring with `cargo bench --bench {}`", table.bench);
    let status = Command::new(&cargo)
        .current_dir(root)
        .args(["bench", "--quiet", "--bench", table.bench])
        .status()
        .with_context(|| format!("running `{cargo} bench`: is cargo on PATH?"))?;
    ensure!(
        status.success(),
        "`cargo bench --bench {}` failed ({status})",
        table.bench
    );
    let medians = read_medians(&results)?;
    let text = render(
        table,
        &medians,
        &cpu_model(),
        &chrono::Local::now().date_naive().to_string(),
    )?;
    check(table, &text).context("the table just rendered does not pass its own check")?;
    let path = root.join(table.file);
    std::fs::write(&path, text)
        .with_context(|| format!("writing {}", display_path(root, &path)))?;
    println!("wrote {}", table.file);
    Ok(())
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

#[derive(Deserialize)]
struct SavedBenchmark {
    full_id: String,
}

#[derive(Deserialize)]
struct SavedEstimates {
    median: SavedEstimate,
}

#[derive(Deserialize)]
struct SavedEstimate {
    point_estimate: f64,
}

/// The median time in nanoseconds of every benchmark saved under `results`,
/// by full id. Criterion keeps each benchmark's latest run in
/// `…/new/benchmark.json` (its id) and `…/new/estimates.json` (its figures).
pub fn read_medians(results: &Path) -> Result<HashMap<String, f64>> {
    let mut medians = HashMap::new();
    let mut folders = vec![results.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path
                .file_name()
                .is_some_and(|name| name == "benchmark.json")
                && path.parent().is_some_and(|parent| parent.ends_with("new"))
            {
                let read = |file: &Path| {
                    std::fs::read_to_string(file)
                        .with_context(|| format!("reading {}", file.display()))
                };
                let benchmark: SavedBenchmark = serde_json::from_str(&read(&path)?)
                    .with_context(|| format!("reading {}", path.display()))?;
                let estimates_path = path.with_file_name("estimates.json");
                let estimates: SavedEstimates = serde_json::from_str(&read(&estimates_path)?)
                    .with_context(|| format!("reading {}", estimates_path.display()))?;
                medians.insert(benchmark.full_id, estimates.median.point_estimate);
            }
        }
    }
    Ok(medians)
}

/// A duration in nanoseconds in the unit that suits it.
fn human(nanoseconds: f64) -> String {
    match nanoseconds {
        n if n >= 1e9 => format!("{:.2} s", n / 1e9),
        n if n >= 1e6 => format!("{:.2} ms", n / 1e6),
        n if n >= 1e3 => format!("{:.2} µs", n / 1e3),
        n => format!("{n:.1} ns"),
    }
}

/// The table as markdown, from criterion's medians.
pub fn render(
    table: &BenchTable,
    medians: &HashMap<String, f64>,
    cpu_model: &str,
    date: &str,
) -> Result<String> {
    let mut text = String::new();
    let _ = writeln!(text, "{}\n", generated_marker(COMMAND));
    let _ = writeln!(text, "{HEADER}\n{ALIGNMENT}");
    for workload in table.workloads {
        let median = |implementation: &str| {
            let id = format!("{}/{}/{implementation}", table.group, workload.id);
            medians
                .get(&id)
                .copied()
                .with_context(|| format!("criterion saved no result for `{id}`"))
        };
        let baseline = median(workload.baseline)?;
        for implementation in workload.implementations {
            let time = median(implementation)?;
            let _ = writeln!(
                text,
                "| `{}` | `{implementation}` | {} | {:.2}× |",
                workload.id,
                human(time),
                time / baseline
            );
        }
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let _ = writeln!(
        text,
        "\n*Measured on {cores} cores ({cpu_model}), {date}: criterion medians of `cargo bench --bench {}`; \
         ÷ baseline divides each time by its workload's baseline ({}). Reproduce with `{COMMAND} {}`.*",
        table.bench,
        baselines(table),
        table.chapter
    );
    Ok(text)
}

/// The baselines of a table's workloads, named once each: `` `tokio_current_thread` ``.
fn baselines(table: &BenchTable) -> String {
    let mut names: Vec<String> = table
        .workloads
        .iter()
        .map(|workload| format!("`{}`", workload.baseline))
        .collect();
    names.dedup();
    names.join(", ")
}

/// Checks a committed table: marker, header, one row per benchmark id in
/// order, baselines at 1.00×, and the line naming machine, date and command.
pub fn check(table: &BenchTable, text: &str) -> Result<()> {
    let rows = table_rows(text, HEADER, ALIGNMENT)?;
    let mut found = rows.iter();
    for workload in table.workloads {
        for implementation in workload.implementations {
            let id = format!("{}/{}/{implementation}", table.group, workload.id);
            let Some((line, row)) = found.next() else {
                bail!("no row for benchmark `{id}`");
            };
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            ensure!(cells.len() == 6, "line {line}: expected 4 cells in `{row}`");
            ensure!(
                cells[1] == format!("`{}`", workload.id)
                    && cells[2] == format!("`{implementation}`"),
                "line {line}: expected the row of `{id}`, found `{row}`"
            );
            let unit_ok = ["ns", "µs", "ms", "s"].iter().any(|unit| {
                cells[3]
                    .strip_suffix(unit)
                    .is_some_and(|number| number.trim().parse::<f64>().is_ok_and(|n| n > 0.0))
            });
            ensure!(
                unit_ok,
                "line {line}: `{}` is not a duration like `1.23 ms`",
                cells[3]
            );
            let ratio: f64 = cells[4]
                .strip_suffix('×')
                .and_then(|ratio| ratio.parse().ok())
                .with_context(|| {
                    format!("line {line}: `{}` is not a ratio like `0.85×`", cells[4])
                })?;
            ensure!(ratio > 0.0, "line {line}: ratio must be positive");
            if *implementation == workload.baseline {
                ensure!(
                    ratio == 1.0,
                    "line {line}: the baseline `{id}` must show 1.00×"
                );
            }
        }
    }
    if let Some((line, row)) = found.next() {
        bail!("line {line}: a row no benchmark of the table defines: `{row}`");
    }
    check_footer(text, &format!("{COMMAND} {}", table.chapter))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn medians() -> HashMap<String, f64> {
        CH03.ids()
            .into_iter()
            .enumerate()
            .map(|(index, id)| (id, 1_000.0 * (index as f64 + 1.0)))
            .collect()
    }

    #[test]
    fn a_rendered_table_passes_the_check() {
        let text = render(&CH03, &medians(), "Test CPU", "2026-11-23").unwrap();
        check(&CH03, &text).unwrap();
        assert!(
            text.contains("| `spawn_many` | `own` | 2.00 µs | 0.67× |"),
            "{text}"
        );
    }

    #[test]
    fn a_missing_result_names_its_id() {
        let mut medians = medians();
        medians.remove("ch03_executor/ping_pong/own");
        let error = render(&CH03, &medians, "Test CPU", "2026-11-23").unwrap_err();
        assert_eq!(
            error.to_string(),
            "criterion saved no result for `ch03_executor/ping_pong/own`"
        );
    }

    #[test]
    fn a_missing_or_foreign_row_is_named() {
        let text = render(&CH03, &medians(), "Test CPU", "2026-11-23").unwrap();
        let without = text.replace("| `timers` | `own` |", "| `timers` | `mine` |");
        let error = check(&CH03, &without).unwrap_err().to_string();
        assert!(
            error.contains("expected the row of `ch03_executor/timers/own`"),
            "{error}"
        );
        let shortened: String = text
            .lines()
            .filter(|line| !line.contains("`timers` | `tokio"))
            .map(|line| format!("{line}\n"))
            .collect();
        let error = check(&CH03, &shortened).unwrap_err().to_string();
        assert!(
            error.contains("no row for benchmark `ch03_executor/timers/tokio_current_thread`"),
            "{error}"
        );
    }

    #[test]
    fn saved_criterion_results_are_read_by_id() {
        let results = std::env::temp_dir().join(format!("bench-tables-{}", std::process::id()));
        let saved = results.join("ch03_executor/spawn_many/own/new");
        std::fs::create_dir_all(&saved).unwrap();
        std::fs::write(
            saved.join("benchmark.json"),
            r#"{"group_id":"ch03_executor","full_id":"ch03_executor/spawn_many/own"}"#,
        )
        .unwrap();
        std::fs::write(
            saved.join("estimates.json"),
            r#"{"mean":{"point_estimate":2.0},"median":{"point_estimate":1500.5}}"#,
        )
        .unwrap();
        let medians = read_medians(&results).unwrap();
        std::fs::remove_dir_all(&results).unwrap();
        assert_eq!(medians.get("ch03_executor/spawn_many/own"), Some(&1500.5));
    }
}
