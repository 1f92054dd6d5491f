//! Timing one variant on one workload, with the runtime or pool it needs built
//! before the clock starts.

use std::future::Future;
use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use tokio::runtime::{Builder, Runtime};

use super::jobs::{blocking_sleep, count_to, smol_sleep, tokio_sleep};
use super::runners::{
    run_on_rayon, run_on_threads, run_sequential, run_smol_tasks,
    run_spawn_blocking, run_tokio_tasks,
};
use super::variants::{Variant, tokio_workers};

/// What the five jobs do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Workload {
    /// Each job waits ([`Scenario::sleep`]): I/O-bound work in miniature.
    SleepBound,
    /// Each job counts to [`Scenario::cpu_iterations`]: pure computation.
    CpuBound,
}

impl Workload {
    /// Both workloads, in the order of the timing table's columns.
    pub const ALL: [Workload; 2] = [Workload::SleepBound, Workload::CpuBound];

    /// A stable kebab-case name: `sleep-bound` or `cpu-bound`.
    ///
    /// ```
    /// use chapters_code::ch01_concurrency_vs_parallelism::Workload;
    ///
    /// assert_eq!(Workload::CpuBound.id(), "cpu-bound");
    /// ```
    pub fn id(self) -> &'static str {
        match self {
            Workload::SleepBound => "sleep-bound",
            Workload::CpuBound => "cpu-bound",
        }
    }
}

/// The size of the experiment: how many jobs, and how big each one is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// How many jobs run (the source talk uses five).
    pub jobs: usize,
    /// How long each sleep-bound job waits.
    pub sleep: Duration,
    /// How far each CPU-bound job counts (see [`calibrate_count_to`]).
    pub cpu_iterations: u64,
}

/// The number of cores the program may use, as the standard library sees it
/// (at least one).
///
/// ```
/// use chapters_code::ch01_concurrency_vs_parallelism::available_cores;
///
/// assert!(available_cores() >= 1);
/// ```
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

// ANCHOR: time_variant
/// Runs `scenario.jobs` jobs of `workload` the way `variant` does, and returns
/// the wall-clock time they took.
///
/// The runtime or pool is built (and rayon's and smol's lazily started threads
/// woken) *before* the clock starts, so the figure is the jobs' own time. Panics
/// if a job returns a wrong result.
///
/// ```
/// use std::time::Duration;
/// use chapters_code::ch01_concurrency_vs_parallelism::{time_variant, Scenario, Variant, Workload};
///
/// let scenario = Scenario { jobs: 2, sleep: Duration::from_millis(1), cpu_iterations: 1_000 };
/// let took = time_variant(Variant::Threads, Workload::SleepBound, &scenario);
/// assert!(took >= Duration::from_millis(1));
/// ```
pub fn time_variant(
    variant: Variant,
    workload: Workload,
    scenario: &Scenario,
) -> Duration {
    let Scenario {
        jobs,
        sleep,
        cpu_iterations,
    } = *scenario;
    match workload {
        Workload::SleepBound => {
            let (took, finished) = time_sleeps(variant, jobs, sleep);
            assert_eq!(
                finished.len(),
                jobs,
                "{} lost a sleep job",
                variant.id()
            );
            took
        }
        Workload::CpuBound => {
            let (took, counts) = time_counting(variant, jobs, cpu_iterations);
            assert_eq!(
                counts,
                vec![cpu_iterations; jobs],
                "{} miscounted",
                variant.id()
            );
            took
        }
    }
}

// ANCHOR_END: time_variant

fn time_sleeps(
    variant: Variant,
    jobs: usize,
    sleep: Duration,
) -> (Duration, Vec<()>) {
    match variant {
        Variant::Sequential => {
            timed(|| run_sequential(jobs, |_| blocking_sleep(sleep)))
        }
        Variant::Threads => {
            timed(|| run_on_threads(jobs, |_| blocking_sleep(sleep)))
        }
        // ANCHOR: rayon_sleeps
        Variant::Rayon => {
            wake_rayon_workers();
            timed(|| run_on_rayon(jobs, |_| blocking_sleep(sleep)))
        }
        // ANCHOR_END: rayon_sleeps
        Variant::TokioTasks => timed_on(
            &multi_thread_runtime(),
            run_tokio_tasks(jobs, |_| tokio_sleep(sleep)),
        ),
        Variant::TokioCurrentThread => timed_on(
            &current_thread_runtime(),
            run_tokio_tasks(jobs, |_| tokio_sleep(sleep)),
        ),
        Variant::SpawnBlocking => timed_on(
            &multi_thread_runtime(),
            run_spawn_blocking(jobs, move |_| blocking_sleep(sleep)),
        ),
        Variant::Smol => {
            wake_smol_executor();
            timed_on_smol(run_smol_tasks(jobs, |_| smol_sleep(sleep)))
        }
    }
}

// ANCHOR: time_counting
fn time_counting(
    variant: Variant,
    jobs: usize,
    n: u64,
) -> (Duration, Vec<u64>) {
    match variant {
        Variant::Sequential => timed(|| run_sequential(jobs, |_| count_to(n))),
        Variant::Threads => timed(|| run_on_threads(jobs, |_| count_to(n))),
        Variant::Rayon => {
            wake_rayon_workers();
            timed(|| run_on_rayon(jobs, |_| count_to(n)))
        }
        // An async block that never awaits: the task holds its worker until
        // it is done.
        Variant::TokioTasks => timed_on(
            &multi_thread_runtime(),
            run_tokio_tasks(jobs, |_| async move { count_to(n) }),
        ),
        Variant::TokioCurrentThread => timed_on(
            &current_thread_runtime(),
            run_tokio_tasks(jobs, |_| async move { count_to(n) }),
        ),
        Variant::SpawnBlocking => timed_on(
            &multi_thread_runtime(),
            run_spawn_blocking(jobs, move |_| count_to(n)),
        ),
        Variant::Smol => {
            wake_smol_executor();
            timed_on_smol(run_smol_tasks(jobs, |_| async move { count_to(n) }))
        }
    }
}
// ANCHOR_END: time_counting

// ANCHOR: runtimes
/// A multi-thread tokio runtime with one worker per core, the timer enabled.
fn multi_thread_runtime() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(tokio_workers())
        .enable_time()
        .build()
        .expect("building a multi-thread tokio runtime")
}

/// A tokio runtime that runs every task on the thread calling `block_on`.
fn current_thread_runtime() -> Runtime {
    Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("building a current-thread tokio runtime")
}
// ANCHOR_END: runtimes

// Rayon's global pool and smol's executor thread start on first use; without
// these the first measurement would include spawning them.
fn wake_rayon_workers() {
    rayon::broadcast(|_| ());
}

fn wake_smol_executor() {
    smol::block_on(smol::spawn(smol_sleep(Duration::from_millis(1))));
}

fn timed<T>(run: impl FnOnce() -> T) -> (Duration, T) {
    let start = Instant::now();
    let output = run();
    (start.elapsed(), output)
}

// ANCHOR: timed_on
fn timed_on<T>(
    runtime: &Runtime,
    run: impl Future<Output = T>,
) -> (Duration, T) {
    runtime.block_on(async {
        let start = Instant::now();
        let output = run.await;
        (start.elapsed(), output)
    })
}
// ANCHOR_END: timed_on

fn timed_on_smol<T>(run: impl Future<Output = T>) -> (Duration, T) {
    smol::block_on(async {
        let start = Instant::now();
        let output = run.await;
        (start.elapsed(), output)
    })
}

/// How far [`count_to`] must count to take about a given time on this machine,
/// and how long that count actually took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuCalibration {
    /// The argument for [`count_to`].
    pub iterations: u64,
    /// The fastest of five runs of `count_to(iterations)`, one at a time.
    pub one_job: Duration,
}

/// Finds how far [`count_to`] must count to take about `target` on this
/// machine: counts further and further until a run is long enough to measure,
/// scales to the target, then measures the result and rescales until it is
/// within 5 % of the target. Each measurement is the fastest of five runs,
/// since interruptions only ever make a run slower.
///
/// ```
/// use std::time::Duration;
/// use chapters_code::ch01_concurrency_vs_parallelism::calibrate_count_to;
///
/// let calibration = calibrate_count_to(Duration::from_millis(1));
/// assert!(calibration.iterations >= 1);
/// ```
pub fn calibrate_count_to(target: Duration) -> CpuCalibration {
    const RUNS: usize = 5;
    const MAX_RESCALES: usize = 4;
    let long_enough = target / 10;
    let mut iterations: u64 = 1 << 12;
    let mut took = fastest_count(iterations, RUNS);
    while took < long_enough && iterations < u64::MAX / 4 {
        iterations *= 4;
        took = fastest_count(iterations, RUNS);
    }
    // A core that was idle counts at half speed for a while, which can throw a
    // single scaling step far off: measure at full size and correct.
    for _ in 0..MAX_RESCALES {
        let scale = target.as_secs_f64() / took.as_secs_f64().max(1e-9);
        // `as` saturates: a huge scale gives u64::MAX rather than wrapping.
        iterations = ((iterations as f64 * scale) as u64).max(1);
        took = fastest_count(iterations, RUNS);
        if took.abs_diff(target) <= target / 20 {
            break;
        }
    }
    CpuCalibration {
        iterations,
        one_job: took,
    }
}

/// How long `count_to(n)` takes on this machine, one job alone: the fastest
/// of five runs, since interruptions only ever make a run slower. A short
/// count is repeated back to back and the time divided, so that reading the
/// clock (tens of nanoseconds) does not inflate a job of a few hundred.
///
/// ```
/// use chapters_code::ch01_concurrency_vs_parallelism::time_count;
///
/// assert!(time_count(1_000) < std::time::Duration::from_secs(1));
/// ```
pub fn time_count(n: u64) -> Duration {
    // About a million steps per timing, however short one count is.
    let repeats = (1_000_000 / n.max(1)).max(1);
    let all = (0..5)
        .map(|_| timed(|| (0..repeats).map(|_| count_to(n)).sum::<u64>()).0)
        .min()
        .unwrap_or_default();
    all / u32::try_from(repeats).unwrap_or(u32::MAX)
}

fn fastest_count(n: u64, runs: usize) -> Duration {
    (0..runs)
        .map(|_| timed(|| count_to(n)).0)
        .min()
        .unwrap_or_default()
}

/// The median of `samples`: the middle one, or the mean of the two middle
/// ones. One slow outlier (a page fault, another process) cannot move it.
///
/// # Panics
///
/// If `samples` is empty.
///
/// ```
/// use std::time::Duration;
/// use chapters_code::ch01_concurrency_vs_parallelism::median;
///
/// let ms = Duration::from_millis;
/// assert_eq!(median(&[ms(900), ms(200), ms(210)]), ms(210));
/// assert_eq!(median(&[ms(1), ms(3)]), ms(2));
/// ```
pub fn median(samples: &[Duration]) -> Duration {
    assert!(!samples.is_empty(), "the median of no samples");
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let middle = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[middle]
    } else {
        (sorted[middle - 1] + sorted[middle]) / 2
    }
}
