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
    Scenario, Timing, TimingReport, TimingRow, Variant, Workload, available_cores,
    calibrate_count_to, median, milliseconds, time_variant,
};

const USAGE: &str = "\
usage: ch01_five_jobs [--json] [--jobs N] [--sleep-ms N] [--cpu-ms N]

  --json        print one JSON document on stdout (progress goes to stderr)
  --jobs N      how many jobs each variant runs (default 5)
  --sleep-ms N  how long each sleep-bound job waits (default 200)
  --cpu-ms N    about how long one CPU-bound job computes (default 200)";

/// Each variant and workload runs this many times; the median is kept.
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

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
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
                options.sleep = Duration::from_millis(positive_number(&arg, args.next())?)
            }
            "--cpu-ms" => {
                options.cpu_job = Duration::from_millis(positive_number(&arg, args.next())?)
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
    let value = value.ok_or_else(|| format!("`{flag}` needs a number after it"))?;
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
    fn report(&mut self, variant: Variant, workload: Workload, took: Duration) {
        self.done += 1;
        let width = self.total.to_string().len();
        eprintln!(
            "[{:>width$}/{}] {} · {} … {:.2} s",
            self.done,
            self.total,
            variant.id(),
            workload.id(),
            took.as_secs_f64(),
        );
    }
}

// ANCHOR: measure_median
fn measure(
    variant: Variant,
    workload: Workload,
    scenario: &Scenario,
    progress: &mut Progress,
) -> Duration {
    let runs: Vec<Duration> = (0..RUNS)
        .map(|_| time_variant(variant, workload, scenario))
        .collect();
    let took = median(&runs);
    progress.report(variant, workload, took);
    took
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

    let cores = available_cores();
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
        .map(|variant| {
            let slept = measure(variant, Workload::SleepBound, &scenario, &mut progress);
            let counted = measure(variant, Workload::CpuBound, &scenario, &mut progress);
            TimingRow::new(
                variant,
                Timing::new(
                    slept,
                    variant.sleep_bound(scenario.jobs, cores, scenario.sleep),
                ),
                Timing::new(
                    counted,
                    variant.cpu_bound(scenario.jobs, cores, calibration.one_job),
                ),
            )
        })
        .collect();

    let report = TimingReport {
        jobs: scenario.jobs,
        cores,
        sleep_job_ms: milliseconds(scenario.sleep),
        cpu_job_ms: milliseconds(calibration.one_job),
        rows,
    };
    let output = if options.json {
        serde_json::to_string_pretty(&report).expect("a report is plain data") + "\n"
    } else {
        render_table(&report)
    };
    // A closed pipe (`| head`) is not worth a panic.
    let _ = std::io::stdout().write_all(output.as_bytes());
    ExitCode::SUCCESS
}
// ANCHOR_END: main

fn render_table(report: &TimingReport) -> String {
    // Labels are markdown; a terminal shows backticks literally.
    let plain = |label: &str| label.replace('`', "");
    let mut table = format!(
        "{} jobs on {} cores · one sleep {:.0} ms · one CPU job {:.1} ms\n\n",
        report.jobs, report.cores, report.sleep_job_ms, report.cpu_job_ms
    );
    let label_width = report
        .rows
        .iter()
        .map(|row| plain(&row.label).chars().count())
        .max()
        .unwrap_or(0)
        .max("variant".len());
    table += &format!(
        "{:<label_width$}  {:>9}  {:>9}  {:>9}  {:>9}\n",
        "variant", "sleep", "(ideal)", "cpu", "(ideal)"
    );
    for row in &report.rows {
        table += &format!(
            "{:<label_width$}  {:>7.2} s  {:>7.2} s  {:>7.2} s  {:>7.2} s\n",
            plain(&row.label),
            row.sleep.measured_ms / 1000.0,
            row.sleep.bound_ms / 1000.0,
            row.cpu.measured_ms / 1000.0,
            row.cpu.bound_ms / 1000.0,
        );
    }
    table
}
