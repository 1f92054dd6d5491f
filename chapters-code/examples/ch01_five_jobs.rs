//! The five-jobs experiment: five jobs that sleep and five jobs that count, run
//! sequentially, on threads, on rayon, as tokio tasks (multi-thread and
//! current-thread runtimes), with `spawn_blocking` and as smol tasks. Prints
//! each variant's time beside the best time it could reach on this machine.
//!
//! ```console
//! cargo run --release -p chapters-code --example ch01_five_jobs
//! cargo run --release -p chapters-code --example ch01_five_jobs -- --json --jobs 8
//! ```

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use chapters_code::ch01_concurrency_vs_parallelism::{
    Pools, Scenario, Variant, Workload, calibrate_count_to, milliseconds,
    time_variant,
};
use chapters_code::measured::{
    MeasuredCell, MeasuredRow, MeasuredTable, Run, measure_runs_timed,
    summarise,
};

const USAGE: &str = "\
usage: ch01_five_jobs [--json] [--jobs N] [--sleep-ms N] [--cpu-ms N]

  --json        print one JSON document on stdout (progress goes to stderr)
  --jobs N      how many jobs each variant runs (default 5)
  --sleep-ms N  how long each sleep-bound job waits (default 200)
  --cpu-ms N    about how long one CPU-bound job computes (default 200)";

/// Each variant and workload runs this many times on a quiet machine; the
/// median is kept.
const RUNS: usize = 3;

/// What the command line asked for.
#[derive(Debug)]
struct Options {
    json: bool,
    jobs: usize,
    sleep: Duration,
    cpu_job: Duration,
}

enum Command {
    Run(Options),
    Help,
}

fn parse_args(
    args: impl IntoIterator<Item = String>,
) -> Result<Command, String> {
    let mut options = Options {
        json: false,
        jobs: 5,
        sleep: Duration::from_millis(200),
        cpu_job: Duration::from_millis(200),
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => options.json = true,
            "--jobs" => options.jobs = positive_number(&arg, args.next())?,
            "--sleep-ms" => {
                options.sleep =
                    Duration::from_millis(positive_number(&arg, args.next())?)
            }
            "--cpu-ms" => {
                options.cpu_job =
                    Duration::from_millis(positive_number(&arg, args.next())?)
            }
            "-h" | "--help" => return Ok(Command::Help),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Command::Run(options))
}

fn positive_number<N>(flag: &str, value: Option<String>) -> Result<N, String>
where
    N: std::str::FromStr + Default + PartialEq,
{
    let value =
        value.ok_or_else(|| format!("`{flag}` needs a number after it"))?;
    match value.parse::<N>() {
        Ok(number) if number != N::default() => Ok(number),
        _ => Err(format!(
            "`{flag} {value}`: expected a whole number above zero"
        )),
    }
}

/// Counts measurements on stderr, so a long run shows it is alive.
struct Progress {
    done: usize,
    total: usize,
}

impl Progress {
    fn report(&mut self, variant: Variant, workload: Workload, runs: &[Run]) {
        self.done += 1;
        let width = self.total.to_string().len();
        let busy = runs.iter().filter(|run| !run.is_quiet()).count();
        eprintln!(
            "[{:>width$}/{}] {} · {} … {:.2} s{}",
            self.done,
            self.total,
            variant.id(),
            workload.id(),
            summarise(runs).map_or(0.0, |summary| summary.median) / 1000.0,
            if busy > 0 {
                format!(" ({busy} runs repeated: the machine was busy)")
            } else {
                String::new()
            },
        );
    }
}

// ANCHOR: measure_median
fn measure(
    variant: Variant,
    workload: Workload,
    scenario: &Scenario,
    bound: Duration,
    progress: &mut Progress,
) -> MeasuredCell {
    // A run during which other processes kept the machine busy is repeated.
    let runs =
        measure_runs_timed(RUNS, || time_variant(variant, workload, scenario));
    progress.report(variant, workload, &runs);
    MeasuredCell {
        bound_ms: milliseconds(bound),
        runs,
    }
}
// ANCHOR_END: measure_median

// ANCHOR: main
fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Run(options)) => options,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            eprintln!("ch01_five_jobs: {problem}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };

    // The bounds follow the pools as `RAYON_NUM_THREADS` and `SMOL_THREADS`
    // sized them.
    let pools = Pools::in_use();
    let calibration = calibrate_count_to(options.cpu_job);
    let scenario = Scenario {
        jobs: options.jobs,
        sleep: options.sleep,
        cpu_iterations: calibration.iterations,
    };
    let mut progress = Progress {
        done: 0,
        total: Variant::ALL.len() * Workload::ALL.len(),
    };

    let rows = Variant::ALL
        .into_iter()
        .map(|variant| MeasuredRow {
            id: variant.id().to_owned(),
            label: variant.label().to_owned(),
            cells: vec![
                measure(
                    variant,
                    Workload::SleepBound,
                    &scenario,
                    variant.sleep_bound(scenario.jobs, &pools, scenario.sleep),
                    &mut progress,
                ),
                measure(
                    variant,
                    Workload::CpuBound,
                    &scenario,
                    variant.cpu_bound(
                        scenario.jobs,
                        &pools,
                        calibration.one_job,
                    ),
                    &mut progress,
                ),
            ],
        })
        .collect();

    let table = MeasuredTable {
        row_header: "Variant".to_owned(),
        columns: vec!["Sleep-bound".to_owned(), "CPU-bound".to_owned()],
        scenario: format!(
            "{} jobs, each sleeping {:.0} ms or counting for about {:.0} ms; \
             bound: the best this variant can do on {}",
            scenario.jobs,
            milliseconds(scenario.sleep),
            milliseconds(calibration.one_job),
            pools.describe()
        ),
        rows,
    };
    let output = if options.json {
        table.to_json()
    } else {
        render_table(&table, pools.cores)
    };
    // A closed pipe (`| head`) is not worth a panic.
    let _ = std::io::stdout().write_all(output.as_bytes());
    ExitCode::SUCCESS
}
// ANCHOR_END: main

fn render_table(table: &MeasuredTable, cores: usize) -> String {
    // Labels are markdown; a terminal shows backticks literally.
    let plain = |label: &str| label.replace('`', "");
    let mut text = format!("{} · {cores} cores\n\n", table.scenario);
    let label_width = table
        .rows
        .iter()
        .map(|row| plain(&row.label).chars().count())
        .max()
        .unwrap_or(0)
        .max("variant".len());
    text += &format!(
        "{:<label_width$}  {:>9}  {:>9}  {:>9}  {:>9}\n",
        "variant", "sleep", "(bound)", "cpu", "(bound)"
    );
    for row in &table.rows {
        text += &format!("{:<label_width$}", plain(&row.label));
        for cell in &row.cells {
            let median =
                summarise(&cell.runs).map_or(0.0, |summary| summary.median);
            text += &format!(
                "  {:>7.2} s  {:>7.2} s",
                median / 1000.0,
                cell.bound_ms / 1000.0
            );
        }
        text.push('\n');
    }
    text
}
