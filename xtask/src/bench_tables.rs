//! Timing tables made from a chapter's criterion benchmark. Each declared id
//! runs on its own (`cargo bench --bench B -- --exact ID`), so that the CPU
//! time other processes used meanwhile can be read for that id alone; an id
//! measured while the machine was busy runs again. Every attempt's samples
//! (criterion's `sample.json`: iterations and total time per sample) are kept.
//!
//! The table shows each implementation's median time per iteration, the
//! range of its samples, and its ratio to the workload's baseline.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail, ensure};
use chapters_code::measured::{BUSY_CORES, BenchDeclaration, CpuMeter, summarise_values};
use serde::{Deserialize, Serialize};

use crate::data::DataFile;
use crate::generated_marker;
use crate::tables::{RENDER, Unit, median_and_range};

/// How often an id measured on a busy machine is measured again.
const MAX_ATTEMPTS: usize = 3;

/// Everything measured of one benchmark.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchData {
    /// The `[[bench]]` target.
    pub bench: String,
    /// The criterion group.
    pub group: String,
    /// The workloads, in table order.
    pub workloads: Vec<WorkloadData>,
}

/// One workload's implementations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkloadData {
    /// The id's middle part.
    pub id: String,
    /// The implementation the others are divided by.
    pub baseline: String,
    /// The implementations, in table order.
    pub implementations: Vec<ImplementationData>,
}

/// One implementation's attempts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImplementationData {
    /// The id's last part.
    pub id: String,
    /// Every attempt, in the order they ran.
    pub attempts: Vec<Attempt>,
}

/// One run of the benchmark for one id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// Cores' worth of CPU time other processes used meanwhile.
    pub others_busy_cores: f64,
    /// The time of one iteration in each of criterion's samples, in nanoseconds.
    pub iteration_ns: Vec<f64>,
}

impl ImplementationData {
    /// The attempt the table shows: the one measured on the quietest machine.
    pub fn quietest(&self) -> Option<&Attempt> {
        self.attempts
            .iter()
            .min_by(|a, b| a.others_busy_cores.total_cmp(&b.others_busy_cores))
    }

    /// The median time of one iteration of the quietest attempt, in nanoseconds.
    fn median_ns(&self) -> Option<f64> {
        let mut samples = self.quietest()?.iteration_ns.clone();
        summarise_values(&mut samples).map(|summary| summary.median)
    }
}

/// Where the bench runs keep criterion's results, apart from a developer's own.
fn criterion_home(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("xtask-criterion")
}

/// Runs every id of `bench` on its own and collects the samples.
pub fn measure(root: &Path, bench: &dyn BenchDeclaration) -> Result<BenchData> {
    let home = criterion_home(root);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let total = bench.ids().len();
    let mut done = 0;
    let mut workloads = Vec::new();
    for workload in bench.workloads() {
        let mut implementations = Vec::new();
        for implementation in &workload.implementations {
            done += 1;
            let id = format!("{}/{}/{implementation}", bench.group(), workload.id);
            let mut attempts = Vec::new();
            while attempts.len() < MAX_ATTEMPTS {
                let saved = home.join(&id).join("new/sample.json");
                let _ = std::fs::remove_file(&saved);
                let meter = CpuMeter::start();
                // Criterion reports on both streams; the progress line below says
                // what matters, and the whole report is shown when the run fails.
                let output = Command::new(&cargo)
                    .current_dir(root)
                    .args(["bench", "--quiet", "--bench", bench.bench(), "--"])
                    .args(["--exact", &id, "--noplot"])
                    .env("CRITERION_HOME", &home)
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .output()
                    .with_context(|| format!("running `{cargo} bench`: is cargo on PATH?"))?;
                ensure!(
                    output.status.success(),
                    "`cargo bench --bench {} -- --exact {id}` failed ({}):\n{}",
                    bench.bench(),
                    output.status,
                    String::from_utf8_lossy(&output.stderr)
                );
                let attempt = Attempt {
                    others_busy_cores: meter.others_busy_cores(),
                    iteration_ns: read_samples(&saved)?,
                };
                let quiet = attempt.others_busy_cores <= BUSY_CORES;
                let mut samples = attempt.iteration_ns.clone();
                let median = summarise_values(&mut samples).map_or(0.0, |s| s.median);
                eprintln!(
                    "[{done}/{total}] {id}: {} per iteration, other processes {:.2} cores{}",
                    Unit::for_ms(median / 1e6).format(median / 1e6),
                    attempt.others_busy_cores,
                    if quiet { "" } else { ": busy, measuring again" }
                );
                attempts.push(attempt);
                if quiet {
                    break;
                }
            }
            implementations.push(ImplementationData {
                id: implementation.to_string(),
                attempts,
            });
        }
        workloads.push(WorkloadData {
            id: workload.id.to_owned(),
            baseline: workload.baseline.to_owned(),
            implementations,
        });
    }
    Ok(BenchData {
        bench: bench.bench().to_owned(),
        group: bench.group().to_owned(),
        workloads,
    })
}

/// Criterion's `…/new/sample.json`: per sample, the iterations run and
/// their total time in nanoseconds. Returns the time of one iteration in each.
fn read_samples(path: &Path) -> Result<Vec<f64>> {
    #[derive(Deserialize)]
    struct Saved {
        iters: Vec<f64>,
        times: Vec<f64>,
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading criterion's samples {}", path.display()))?;
    let saved: Saved = serde_json::from_str(&text)
        .with_context(|| format!("reading criterion's samples {}", path.display()))?;
    ensure!(
        !saved.iters.is_empty() && saved.iters.len() == saved.times.len(),
        "{}: no samples, or iterations and times of different lengths",
        path.display()
    );
    Ok(saved
        .iters
        .iter()
        .zip(&saved.times)
        .map(|(iterations, time)| time / iterations)
        .collect())
}

/// The data names exactly the ids the chapter declares, in order, and every
/// implementation has samples.
pub fn check_ids(bench: &dyn BenchDeclaration, data: &BenchData) -> Result<()> {
    ensure!(
        data.bench == bench.bench() && data.group == bench.group(),
        "measured `{}` (group `{}`), the chapter declares `{}` (group `{}`)",
        data.bench,
        data.group,
        bench.bench(),
        bench.group()
    );
    let declared = bench.ids();
    let found: Vec<String> = data
        .workloads
        .iter()
        .flat_map(|workload| {
            workload.implementations.iter().map(move |implementation| {
                format!("{}/{}/{}", data.group, workload.id, implementation.id)
            })
        })
        .collect();
    if let Some(missing) = declared.iter().find(|id| !found.contains(id)) {
        bail!("no measurement of `{missing}`, which the chapter declares");
    }
    ensure!(
        found == declared,
        "the ids are {found:?}, the chapter declares {declared:?}"
    );
    for (workload, declared) in data.workloads.iter().zip(bench.workloads()) {
        ensure!(
            workload.baseline == declared.baseline,
            "workload `{}` is divided by `{}`, the chapter declares `{}`",
            workload.id,
            workload.baseline,
            declared.baseline
        );
        for implementation in &workload.implementations {
            ensure!(
                implementation.median_ns().is_some(),
                "`{}/{}` has no samples",
                workload.id,
                implementation.id
            );
        }
    }
    Ok(())
}

/// The table as markdown.
pub fn render(file: &DataFile<BenchData>) -> Result<String> {
    let data = &file.data;
    let mut text = String::new();
    let _ = writeln!(text, "{}\n", generated_marker(RENDER));
    let _ = writeln!(
        text,
        "| Workload | Implementation | Median (range) | ÷ baseline |\n|:--|:--|--:|--:|"
    );
    let mut samples = 0;
    let mut repeated = 0;
    for workload in &data.workloads {
        let baseline = workload
            .implementations
            .iter()
            .find(|implementation| implementation.id == workload.baseline)
            .and_then(ImplementationData::median_ns)
            .with_context(|| format!("workload `{}` has no baseline samples", workload.id))?;
        for implementation in &workload.implementations {
            let attempt = implementation
                .quietest()
                .with_context(|| format!("`{}` has no attempt", implementation.id))?;
            let mut values: Vec<f64> = attempt.iteration_ns.iter().map(|ns| ns / 1e6).collect();
            let summary = summarise_values(&mut values)
                .with_context(|| format!("`{}` has no samples", implementation.id))?;
            samples = samples.max(summary.kept);
            repeated += usize::from(implementation.attempts.len() > 1);
            let _ = writeln!(
                text,
                "| `{}` | `{}` | {} | {:.2}× |",
                workload.id,
                implementation.id,
                median_and_range(summary.median, summary.min, summary.max),
                summary.median * 1e6 / baseline
            );
        }
    }
    let mut baselines: Vec<String> = data
        .workloads
        .iter()
        .map(|workload| format!("`{}`", workload.baseline))
        .collect();
    baselines.dedup();
    let _ = writeln!(
        text,
        "\n*Measured on {}, {} build: the median time of one iteration over criterion's samples \
         (up to {samples} per id) of `cargo bench --bench {}`, each id run on its own, \
         fastest–slowest sample in brackets; ids measured while other processes used more \
         than {BUSY_CORES} cores were measured again ({repeated} of {}). ÷ baseline divides \
         each median by its workload's baseline ({}). Reproduce with `{}`.*",
        file.machine.describe(),
        file.profile,
        data.bench,
        data.workloads
            .iter()
            .map(|workload| workload.implementations.len())
            .sum::<usize>(),
        baselines.join(", "),
        file.measured_by
    );
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::Machine;
    use chapters_code::ch03_event_loop_internals::workloads::BENCH;

    fn sample() -> BenchData {
        let workloads = BENCH
            .workloads()
            .into_iter()
            .map(|workload| WorkloadData {
                id: workload.id.to_owned(),
                baseline: workload.baseline.to_owned(),
                implementations: workload
                    .implementations
                    .iter()
                    .enumerate()
                    .map(|(index, id)| ImplementationData {
                        id: id.to_string(),
                        attempts: vec![
                            Attempt {
                                others_busy_cores: 1.5,
                                iteration_ns: vec![9_000.0],
                            },
                            Attempt {
                                others_busy_cores: 0.0,
                                iteration_ns: vec![1_000.0 * (index as f64 + 1.0), 900.0, 5_000.0],
                            },
                        ],
                    })
                    .collect(),
            })
            .collect();
        BenchData {
            bench: "ch03_executor".into(),
            group: "ch03_executor".into(),
            workloads,
        }
    }

    fn machine() -> Machine {
        Machine {
            cores: 2,
            cpu_model: "Test CPU".into(),
            os: "Test OS".into(),
            rustc: "rustc 1.95.0".into(),
            crates: Default::default(),
            date: "2026-12-01".into(),
        }
    }

    #[test]
    fn the_quietest_attempt_is_shown_against_its_baseline() {
        let file = DataFile::new("cargo xtask tables ch03", RENDER, machine(), sample());
        let text = render(&file).unwrap();
        assert!(
            text.contains("| `spawn_many` | `own` | 2.00 µs (0.90–5.00) | 0.67× |"),
            "{text}"
        );
        assert!(
            text.contains(
                "| `spawn_many` | `tokio_current_thread` | 3.00 µs (0.90–5.00) | 1.00× |"
            ),
            "{text}"
        );
        assert!(text.contains("were measured again (9 of 9)"), "{text}");
    }

    #[test]
    fn a_missing_or_foreign_id_is_named() {
        check_ids(&BENCH, &sample()).unwrap();
        let mut missing = sample();
        missing.workloads[1].implementations.remove(1);
        let error = check_ids(&BENCH, &missing).unwrap_err().to_string();
        assert_eq!(
            error,
            "no measurement of `ch03_executor/ping_pong/own`, which the chapter declares"
        );
        let mut foreign = sample();
        foreign.workloads[2].implementations[0].id = "mine".into();
        let error = check_ids(&BENCH, &foreign).unwrap_err().to_string();
        assert!(error.contains("ch03_executor/timers/naive"), "{error}");
    }

    #[test]
    fn saved_criterion_samples_are_read_per_iteration() {
        let folder = std::env::temp_dir().join(format!("bench-samples-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join("sample.json");
        std::fs::write(
            &path,
            r#"{"sampling_mode":"Linear","iters":[1.0,2.0],"times":[1500.0,2000.0]}"#,
        )
        .unwrap();
        let samples = read_samples(&path).unwrap();
        std::fs::remove_dir_all(&folder).unwrap();
        assert_eq!(samples, [1500.0, 1000.0]);
    }
}
