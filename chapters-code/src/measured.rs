//! Measurements as data: what the chapters' examples and benchmarks measure,
//! in the form `cargo xtask` keeps under `src/generated/` and renders tables
//! and timelines from.
//!
//! Wall-clock figures on a shared machine move when something else runs, so
//! every run is kept with the CPU time other processes used during it
//! ([`CpuMeter`]), and a run measured while the machine was busy is repeated
//! ([`measure_runs`]).

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::timeline::Segment;

/// A timing table measured by a chapter example: rows of cells, each cell the
/// runs of one scenario beside the best time it could take.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeasuredTable {
    /// The header of the label column (`Variant`).
    pub row_header: String,
    /// One header per measured column (`Sleep-bound`, `CPU-bound`).
    pub columns: Vec<String>,
    /// What was measured, in one sentence for the footnote
    /// (`5 jobs, each sleeping 200 ms or counting for about 198 ms`).
    pub scenario: String,
    /// The rows, in table order.
    pub rows: Vec<MeasuredRow>,
}

/// One row of a [`MeasuredTable`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeasuredRow {
    /// A stable key (`tokio-current-thread`).
    pub id: String,
    /// The label readers see, in markdown.
    pub label: String,
    /// One cell per column.
    pub cells: Vec<MeasuredCell>,
}

/// The runs of one scenario and its lower bound.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeasuredCell {
    /// The best this scenario can do on the machine, in milliseconds.
    pub bound_ms: f64,
    /// Every run, in the order they ran.
    pub runs: Vec<Run>,
}

/// One timed run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Wall-clock time, in milliseconds.
    pub ms: f64,
    /// Cores' worth of CPU time other processes used meanwhile (see [`CpuMeter`]).
    pub others_busy_cores: f64,
}

/// Above this many cores' worth of other processes' CPU time, a run counts as
/// measured on a busy machine: [`measure_runs`] repeats it and tables leave it
/// out of the median when quieter runs exist.
pub const BUSY_CORES: f64 = 0.25;

impl Run {
    /// Whether the machine was quiet enough during the run.
    pub fn is_quiet(&self) -> bool {
        self.others_busy_cores <= BUSY_CORES
    }
}

/// Times `run` `wanted` times, and again for every run measured while other
/// processes kept the machine busy, up to `wanted` extra runs. Every run is
/// returned, busy ones included, so the data shows what happened.
///
/// ```
/// use std::time::Duration;
/// use chapters_code::measured::measure_runs;
///
/// let runs = measure_runs(3, || std::thread::sleep(Duration::from_millis(2)));
/// assert!((3..=6).contains(&runs.len()));
/// assert!(runs.iter().all(|run| run.ms >= 2.0));
/// ```
pub fn measure_runs(wanted: usize, mut run: impl FnMut()) -> Vec<Run> {
    measure_runs_timed(wanted, || {
        let start = Instant::now();
        run();
        start.elapsed()
    })
}

/// As [`measure_runs`], for a run that times itself (leaving set-up out).
pub fn measure_runs_timed(
    wanted: usize,
    mut run: impl FnMut() -> Duration,
) -> Vec<Run> {
    let mut runs = Vec::new();
    while runs.iter().filter(|run: &&Run| run.is_quiet()).count() < wanted
        && runs.len() < 2 * wanted
    {
        let meter = CpuMeter::start();
        let took = run();
        runs.push(Run {
            ms: crate::ch01_concurrency_vs_parallelism::milliseconds(took),
            others_busy_cores: meter.others_busy_cores(),
        });
    }
    runs
}

/// The median, minimum and maximum of the quiet runs, or of every run when
/// none was quiet; `None` for no runs.
///
/// ```
/// use chapters_code::measured::{Run, summarise};
///
/// let run = |ms, busy| Run { ms, others_busy_cores: busy };
/// let summary = summarise(&[run(10.0, 0.0), run(30.0, 1.5), run(12.0, 0.1), run(11.0, 0.0)]).unwrap();
/// assert_eq!((summary.median, summary.min, summary.max, summary.kept), (11.0, 10.0, 12.0, 3));
/// ```
pub fn summarise(runs: &[Run]) -> Option<Summary> {
    let mut kept: Vec<f64> = runs
        .iter()
        .filter(|run| run.is_quiet())
        .map(|run| run.ms)
        .collect();
    if kept.is_empty() {
        kept = runs.iter().map(|run| run.ms).collect();
    }
    summarise_values(&mut kept)
}

/// The median, minimum and maximum of `values` (sorted in place).
pub fn summarise_values(values: &mut [f64]) -> Option<Summary> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    let median = if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    };
    Some(Summary {
        median,
        min: values[0],
        max: values[values.len() - 1],
        kept: values.len(),
    })
}

/// What a table shows of a set of runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// The middle value.
    pub median: f64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
    /// How many values were summarised.
    pub kept: usize,
}

/// Measures how much CPU time *other* processes used over an interval, from
/// the kernel's counters: all CPUs' busy time in `/proc/stat`, minus this
/// process's own time and its waited-for children's in `/proc/self/stat`.
/// Both count in the same clock ticks, so no tick rate is needed. Where the
/// files do not exist (not Linux), it reports zero.
#[derive(Clone, Copy, Debug)]
pub struct CpuMeter {
    start: CpuCounters,
}

#[derive(Clone, Copy, Debug, Default)]
struct CpuCounters {
    all_busy: u64,
    all_total: u64,
    cpus: u64,
    own: u64,
}

impl CpuMeter {
    /// Starts measuring.
    pub fn start() -> Self {
        Self {
            start: CpuCounters::read(),
        }
    }

    /// Cores' worth of CPU time other processes used since [`start`](Self::start):
    /// 1.0 means one core was kept busy the whole time.
    pub fn others_busy_cores(&self) -> f64 {
        let now = CpuCounters::read();
        let total = now.all_total.saturating_sub(self.start.all_total);
        if total == 0 || now.cpus == 0 {
            return 0.0;
        }
        let busy = now.all_busy.saturating_sub(self.start.all_busy);
        let own = now.own.saturating_sub(self.start.own);
        let elapsed_ticks = total as f64 / now.cpus as f64;
        (busy.saturating_sub(own) as f64 / elapsed_ticks).max(0.0)
    }
}

impl CpuCounters {
    fn read() -> Self {
        let mut counters = CpuCounters::default();
        if let Ok(stat) = std::fs::read_to_string("/proc/stat") {
            for line in stat.lines() {
                let mut fields = line.split_whitespace();
                let Some(name) = fields.next() else { continue };
                let ticks: Vec<u64> =
                    fields.filter_map(|field| field.parse().ok()).collect();
                if name == "cpu" && ticks.len() >= 5 {
                    // user nice system idle iowait irq softirq steal (guest time
                    // is already counted in user).
                    let idle = ticks[3] + ticks[4];
                    let total: u64 = ticks.iter().take(8).sum();
                    counters.all_total = total;
                    counters.all_busy = total - idle;
                } else if name.starts_with("cpu") {
                    counters.cpus += 1;
                }
            }
        }
        if let Ok(stat) = std::fs::read_to_string("/proc/self/stat") {
            // The command name (field 2) may hold spaces; fields after its `)`
            // start at field 3. utime, stime, cutime, cstime are fields 14–17.
            if let Some((_, rest)) = stat.rsplit_once(')') {
                let fields: Vec<u64> = rest
                    .split_whitespace()
                    .skip(11)
                    .take(4)
                    .filter_map(|field| field.parse().ok())
                    .collect();
                counters.own = fields.iter().sum();
            }
        }
        counters
    }
}

impl MeasuredTable {
    /// The table as `cargo xtask tables` reads it: pretty JSON, one line
    /// break at the end.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a table is plain data")
            + "\n"
    }

    /// The table for a terminal: the scenario, then one line per row and
    /// column with the median beside its bound.
    ///
    /// ```
    /// use chapters_code::measured::{MeasuredCell, MeasuredRow, MeasuredTable, Run};
    ///
    /// let table = MeasuredTable {
    ///     row_header: "Design".into(),
    ///     columns: vec!["Total".into()],
    ///     scenario: "two runs".into(),
    ///     rows: vec![MeasuredRow {
    ///         id: "gathered".into(),
    ///         label: "`join_all`".into(),
    ///         cells: vec![MeasuredCell {
    ///             bound_ms: 100.0,
    ///             runs: vec![Run { ms: 101.0, others_busy_cores: 0.0 }],
    ///         }],
    ///     }],
    /// };
    /// assert_eq!(
    ///     table.to_text(),
    ///     "two runs\n\njoin_all · Total: 101.00 ms (bound 100.00 ms, 1.0100×)\n"
    /// );
    /// ```
    pub fn to_text(&self) -> String {
        let mut text = format!("{}\n\n", self.scenario);
        for row in &self.rows {
            // Labels are markdown; a terminal shows backticks literally.
            let label = row.label.replace('`', "");
            for (column, cell) in self.columns.iter().zip(&row.cells) {
                let median = summarise(&cell.runs).map_or(0.0, |s| s.median);
                text += &format!(
                    "{label} · {column}: {median:.2} ms (bound {:.2} ms, \
                     {:.4}×)\n",
                    cell.bound_ms,
                    median / cell.bound_ms
                );
            }
        }
        text
    }

    /// Prints [`to_json`](Self::to_json) or [`to_text`](Self::to_text).
    pub fn print(&self, json: bool) -> std::process::ExitCode {
        use std::io::Write;
        let output = if json { self.to_json() } else { self.to_text() };
        // A closed pipe (`| head`) is not worth a panic.
        let _ = std::io::stdout().write_all(output.as_bytes());
        std::process::ExitCode::SUCCESS
    }
}

/// What a table example's command line asks for: `--json` (what `cargo
/// xtask tables` reads) or nothing (a table for the terminal); `Ok(None)`
/// for `-h`/`--help`, after printing `usage`. Anything else is an error
/// naming the argument, for the caller to print with the usage.
///
/// ```
/// use chapters_code::measured::json_requested;
///
/// let args = |list: &[&str]| list.iter().map(|arg| arg.to_string()).collect::<Vec<_>>();
/// assert_eq!(json_requested(args(&["--json"]), "usage"), Ok(Some(true)));
/// assert_eq!(json_requested(args(&[]), "usage"), Ok(Some(false)));
/// assert_eq!(
///     json_requested(args(&["--csv"]), "usage"),
///     Err("unknown argument `--csv`".to_string())
/// );
/// ```
pub fn json_requested(
    args: impl IntoIterator<Item = String>,
    usage: &str,
) -> Result<Option<bool>, String> {
    let mut json = false;
    for arg in args {
        match arg.as_str() {
            "--json" => json = true,
            "-h" | "--help" => {
                println!("{usage}");
                return Ok(None);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Some(json))
}

/// A table example's command line, read with [`json_requested`] from the
/// process's arguments: `Some(json)` to go on, `None` after `--help`; on a
/// bad argument it prints the problem and `usage` and exits with status 2.
pub fn output_requested(program: &str, usage: &str) -> Option<bool> {
    match json_requested(std::env::args().skip(1), usage) {
        Ok(json) => json,
        Err(problem) => {
            eprintln!("{program}: {problem}\n\n{usage}");
            std::process::exit(2)
        }
    }
}

/// One picture of a chapter's timelines, as recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedPicture {
    /// The picture's name, one of [`TimelineSpec::pictures`](crate::registry::TimelineSpec::pictures).
    pub name: String,
    /// The title drawn above it, with what the run measured.
    pub title: String,
    /// Pictures with the same axis group share one time axis.
    pub axis_group: String,
    /// How many jobs the picture must show (numbered from 0).
    pub jobs: usize,
    /// What ran when, on which thread.
    pub segments: Vec<RecordedSegment>,
}

impl RecordedPicture {
    /// The picture of a recorded `timeline`, with its title, axis group and
    /// the number of jobs it must show.
    pub fn from_timeline(
        name: &str,
        title: String,
        axis_group: &str,
        jobs: usize,
        timeline: &crate::timeline::Timeline,
    ) -> Self {
        Self {
            name: name.to_owned(),
            title,
            axis_group: axis_group.to_owned(),
            jobs,
            segments: timeline
                .segments()
                .iter()
                .map(RecordedSegment::from)
                .collect(),
        }
    }
}

/// A [`Segment`] with its times in whole nanoseconds, for exact data files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedSegment {
    /// The thread.
    pub lane: String,
    /// The job's index.
    pub job: usize,
    /// When the thread entered the job, from the start of the recording.
    pub start_ns: u64,
    /// When it left the job.
    pub end_ns: u64,
}

impl From<&Segment> for RecordedSegment {
    fn from(segment: &Segment) -> Self {
        let ns = |duration: Duration| {
            u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
        };
        Self {
            lane: segment.lane.clone(),
            job: segment.job,
            start_ns: ns(segment.start),
            end_ns: ns(segment.end),
        }
    }
}

impl From<&RecordedSegment> for Segment {
    fn from(segment: &RecordedSegment) -> Self {
        Self {
            lane: segment.lane.clone(),
            job: segment.job,
            start: Duration::from_nanos(segment.start_ns),
            end: Duration::from_nanos(segment.end_ns),
        }
    }
}

/// A chapter's criterion benchmark: the `[[bench]]` target, its group, and
/// every workload with the implementations it compares, each with the routine
/// the bench runs. The ids exist here only: the bench iterates over them, and
/// `cargo xtask tables` reads criterion's results by them.
pub struct BenchSuite<F: 'static> {
    /// The `[[bench]]` target (`ch03_executor`).
    pub bench: &'static str,
    /// The criterion group every id starts with.
    pub group: &'static str,
    /// Builds what every routine works on, once per bench run.
    pub fixture: fn() -> F,
    /// The workloads, in table order.
    pub workloads: &'static [BenchWorkload<F>],
}

/// One workload of a [`BenchSuite`].
pub struct BenchWorkload<F: 'static> {
    /// The id's middle part (`spawn_many`).
    pub id: &'static str,
    /// The implementation every other one is divided by, in tables.
    pub baseline: &'static str,
    /// How criterion samples it.
    pub sampling: Sampling,
    /// The implementations, in table order.
    pub implementations: &'static [BenchImplementation<F>],
}

/// One implementation of a workload: the id's last part and what one iteration does.
pub struct BenchImplementation<F: 'static> {
    /// The id's last part (`tokio_current_thread`).
    pub id: &'static str,
    /// One iteration.
    pub routine: Routine<F>,
}

/// What one benchmark iteration runs.
pub enum Routine<F: 'static> {
    /// Criterion times the call.
    Iter(fn(&F)),
    /// The call times itself (leaving set-up out) and returns the time.
    Timed(fn(&F) -> Duration),
}

/// How criterion samples a workload.
#[derive(Clone, Copy, Debug)]
pub struct Sampling {
    /// Criterion's sample size.
    pub samples: usize,
    /// Warm-up time.
    pub warm_up: Duration,
    /// Measurement time.
    pub measurement: Duration,
    /// Flat sampling (the same iteration count per sample), for long iterations.
    pub flat: bool,
}

/// The ids of one workload, without its routines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkloadIds {
    /// The id's middle part.
    pub id: &'static str,
    /// The implementation the others are divided by.
    pub baseline: &'static str,
    /// The ids' last parts, in table order.
    pub implementations: Vec<&'static str>,
}

/// What the tooling needs of a [`BenchSuite`], whatever its fixture type.
pub trait BenchDeclaration: Sync {
    /// The `[[bench]]` target.
    fn bench(&self) -> &'static str;
    /// The criterion group.
    fn group(&self) -> &'static str;
    /// The workloads' ids, in table order.
    fn workloads(&self) -> Vec<WorkloadIds>;
    /// Every full id (`group/workload/implementation`), in table order.
    fn ids(&self) -> Vec<String> {
        self.workloads()
            .iter()
            .flat_map(|workload| {
                workload.implementations.iter().map(move |implementation| {
                    format!("{}/{}/{implementation}", self.group(), workload.id)
                })
            })
            .collect()
    }
}

impl<F: 'static> BenchDeclaration for BenchSuite<F> {
    fn bench(&self) -> &'static str {
        self.bench
    }

    fn group(&self) -> &'static str {
        self.group
    }

    fn workloads(&self) -> Vec<WorkloadIds> {
        self.workloads
            .iter()
            .map(|workload| WorkloadIds {
                id: workload.id,
                baseline: workload.baseline,
                implementations: workload
                    .implementations
                    .iter()
                    .map(|implementation| implementation.id)
                    .collect(),
            })
            .collect()
    }
}
