//! What parallelism costs, measured beside what it buys. Two columns, every
//! variant of the five-jobs table:
//!
//! - **Fifty slices**: the CPU-bound work of the five-jobs table (five jobs
//!   counting for about 200 ms each) cut into fifty jobs a tenth as long. A
//!   pool that ran five whole jobs in `ceil(5 / workers)` waves now finishes
//!   close to `total / cores`.
//! - **Tiny jobs**: five jobs that count to 500, a fraction of a microsecond
//!   each. Starting threads, waking a pool's workers or handing tasks to
//!   another thread costs far more than the work, and the sequential loop
//!   wins.
//!
//! ```console
//! cargo run --release -p chapters-code --example ch01_overhead
//! cargo run --release -p chapters-code --example ch01_overhead -- --json
//! ```

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use chapters_code::ch01_concurrency_vs_parallelism::{
    Pools, Scenario, Variant, Workload, calibrate_count_to, milliseconds,
    time_count, time_variant,
};
use chapters_code::measured::{
    MeasuredCell, MeasuredRow, MeasuredTable, measure_runs_timed,
    output_requested, summarise,
};

const USAGE: &str = "\
usage: ch01_overhead [--json]

  --json   print one JSON document on stdout (progress goes to stderr)";

/// As many jobs as the five-jobs table runs, each about as long.
const WHOLE_JOBS: usize = 5;
const WHOLE_JOB: Duration = Duration::from_millis(200);
/// The whole jobs' work cut into this many slices.
const SLICES: usize = 50;
/// How far each tiny job counts: a fraction of a microsecond of work.
const TINY_COUNT: u64 = 500;
/// Runs per cell.
const SLICE_RUNS: usize = 3;
const TINY_RUNS: usize = 5;
/// A tiny run takes microseconds, where one interruption multiplies a
/// figure: each of its runs is the mean of this many back-to-back runs.
const TINY_REPEATS: u32 = 100;

fn main() -> ExitCode {
    let Some(json) = output_requested("ch01_overhead", USAGE) else {
        return ExitCode::SUCCESS;
    };

    let pools = Pools::in_use();
    let whole = calibrate_count_to(WHOLE_JOB);
    let slice_count = whole.iterations * WHOLE_JOBS as u64 / SLICES as u64;
    let sliced = Scenario {
        jobs: SLICES,
        sleep: Duration::ZERO,
        cpu_iterations: slice_count,
    };
    let one_slice = time_count(slice_count);
    let tiny = Scenario {
        jobs: WHOLE_JOBS,
        sleep: Duration::ZERO,
        cpu_iterations: TINY_COUNT,
    };
    let one_tiny_job = time_count(TINY_COUNT);

    let rows = Variant::ALL
        .into_iter()
        .map(|variant| {
            let slices = measure(variant, &sliced, SLICE_RUNS, 1);
            let tiny_jobs = measure(variant, &tiny, TINY_RUNS, TINY_REPEATS);
            eprintln!(
                "{} · {SLICES} slices … {:.3} s · {WHOLE_JOBS} tiny jobs … {:.1} µs",
                variant.id(),
                median_ms(&slices) / 1e3,
                median_ms(&tiny_jobs) * 1e3,
            );
            MeasuredRow {
                id: variant.id().to_owned(),
                label: variant.label().to_owned(),
                cells: vec![
                    MeasuredCell {
                        bound_ms: milliseconds(variant.cpu_bound(
                            SLICES, &pools, one_slice,
                        )),
                        runs: slices,
                    },
                    MeasuredCell {
                        bound_ms: milliseconds(variant.cpu_bound(
                            WHOLE_JOBS,
                            &pools,
                            one_tiny_job,
                        )),
                        runs: tiny_jobs,
                    },
                ],
            }
        })
        .collect();

    let table = MeasuredTable {
        row_header: "Variant".to_owned(),
        columns: vec![
            format!("{WHOLE_JOBS} jobs' work in {SLICES} slices"),
            format!("{WHOLE_JOBS} tiny jobs"),
        ],
        scenario: format!(
            "the work of {WHOLE_JOBS} jobs counting for about {:.0} ms each, \
             cut into {SLICES} slices of about {:.1} ms; {WHOLE_JOBS} tiny \
             jobs counting to {TINY_COUNT}, about {:.2} µs each alone (each \
             run the mean of {TINY_REPEATS} back to back); bound: \
             the best this variant can do on {}",
            milliseconds(whole.one_job),
            milliseconds(one_slice),
            milliseconds(one_tiny_job) * 1e3,
            pools.describe(),
        ),
        rows,
    };
    let output = if json {
        table.to_json()
    } else {
        render_text(&table)
    };
    // A closed pipe (`| head`) is not worth a panic.
    let _ = std::io::stdout().write_all(output.as_bytes());
    ExitCode::SUCCESS
}

/// Times `scenario`'s CPU-bound jobs the way `variant` runs them, `runs`
/// times on a quiet machine (a busy run is repeated). Each run is the mean of
/// `repeats` runs back to back, each with its runtime or pool set up before
/// its clock starts.
fn measure(
    variant: Variant,
    scenario: &Scenario,
    runs: usize,
    repeats: u32,
) -> Vec<chapters_code::measured::Run> {
    measure_runs_timed(runs, || {
        let total: Duration = (0..repeats)
            .map(|_| time_variant(variant, Workload::CpuBound, scenario))
            .sum();
        total / repeats
    })
}

fn median_ms(runs: &[chapters_code::measured::Run]) -> f64 {
    summarise(runs).map_or(0.0, |summary| summary.median)
}

fn render_text(table: &MeasuredTable) -> String {
    // Labels are markdown; a terminal shows backticks literally.
    let plain = |label: &str| label.replace('`', "");
    let mut text = format!("{}\n\n", table.scenario);
    text += &format!(
        "{:<28}  {:>10}  {:>10}  {:>10}  {:>10}\n",
        "variant", "slices", "(bound)", "tiny", "(bound)"
    );
    for row in &table.rows {
        let [slices, tiny] = &row.cells[..] else {
            continue;
        };
        text += &format!(
            "{:<28}  {:>8.3} s  {:>8.3} s  {:>7.1} µs  {:>7.1} µs\n",
            plain(&row.label),
            median_ms(&slices.runs) / 1e3,
            slices.bound_ms / 1e3,
            median_ms(&tiny.runs) * 1e3,
            tiny.bound_ms * 1e3,
        );
    }
    text
}
