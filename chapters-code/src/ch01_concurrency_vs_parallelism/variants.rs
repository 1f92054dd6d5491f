//! The rows of the chapter's timing table and the best time each row can
//! possibly reach.

use std::time::Duration;

/// How many threads tokio's blocking pool may start by default; `spawn_blocking`
/// jobs beyond that wait for a free thread.
pub const TOKIO_MAX_BLOCKING_THREADS: usize = 512;

// ANCHOR: variant_enum
/// One way of running the five jobs: one row of the timing table.
///
/// For the sleep-bound workload each variant uses the sleep that suits it: a
/// blocking [`std::thread::sleep`] where a job owns a thread (sequential,
/// threads, rayon, `spawn_blocking`), an async timer where it is a task (tokio,
/// smol). The CPU-bound workload is the same counting loop everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    /// A plain loop on the calling thread.
    Sequential,
    /// One OS thread per job, with `std::thread::scope`.
    Threads,
    /// `into_par_iter` on rayon's global pool (one worker per core).
    Rayon,
    /// `tokio::spawn` on a multi-thread runtime with one worker per core.
    TokioTasks,
    /// `tokio::spawn` on a current-thread runtime: every task on one thread.
    TokioCurrentThread,
    /// `tokio::task::spawn_blocking`: one blocking-pool thread per job.
    SpawnBlocking,
    /// `smol::spawn` on smol's global executor (one thread by default).
    Smol,
}
// ANCHOR_END: variant_enum

impl Variant {
    /// Every variant, in the order of the timing table's rows.
    pub const ALL: [Variant; 7] = [
        Variant::Sequential,
        Variant::Threads,
        Variant::Rayon,
        Variant::TokioTasks,
        Variant::TokioCurrentThread,
        Variant::SpawnBlocking,
        Variant::Smol,
    ];

    /// A stable kebab-case key for the variant, used in JSON and generated
    /// tables.
    ///
    /// ```
    /// use chapters_code::ch01_concurrency_vs_parallelism::Variant;
    ///
    /// assert_eq!(Variant::TokioCurrentThread.id(), "tokio-current-thread");
    /// ```
    pub const fn id(self) -> &'static str {
        match self {
            Variant::Sequential => "sequential",
            Variant::Threads => "threads",
            Variant::Rayon => "rayon",
            Variant::TokioTasks => "tokio-tasks",
            Variant::TokioCurrentThread => "tokio-current-thread",
            Variant::SpawnBlocking => "spawn-blocking",
            Variant::Smol => "smol",
        }
    }

    /// A short label for readers, in markdown (it may contain backticks).
    ///
    /// ```
    /// use chapters_code::ch01_concurrency_vs_parallelism::Variant;
    ///
    /// assert_eq!(Variant::Threads.label(), "`std::thread::scope`");
    /// ```
    pub fn label(self) -> &'static str {
        match self {
            Variant::Sequential => "sequential",
            Variant::Threads => "`std::thread::scope`",
            Variant::Rayon => "rayon `into_par_iter`",
            Variant::TokioTasks => "tokio tasks, multi-thread",
            Variant::TokioCurrentThread => "tokio tasks, current-thread",
            Variant::SpawnBlocking => "tokio `spawn_blocking`",
            Variant::Smol => "smol tasks",
        }
    }

    /// The variant whose [`id`](Self::id) is `id`, if any.
    ///
    /// ```
    /// use chapters_code::ch01_concurrency_vs_parallelism::Variant;
    ///
    /// assert_eq!(Variant::from_id("rayon"), Some(Variant::Rayon));
    /// assert_eq!(Variant::from_id("async-std"), None);
    /// ```
    pub fn from_id(id: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|variant| variant.id() == id)
    }

    // ANCHOR: sleep_bound
    /// The shortest time `jobs` sleeps of `one_sleep` each can take with this
    /// variant on a machine with `cores` cores.
    ///
    /// - **Sequential**: the sleeps follow one another: `jobs × one_sleep`.
    /// - **Rayon**: a blocking sleep holds its worker, and the global pool has
    ///   `cores` workers, so the sleeps run in waves:
    ///   `ceil(jobs / cores) × one_sleep` (three waves for five jobs on two
    ///   cores).
    /// - **Threads**: a sleeping thread uses no core, so every job can sleep at
    ///   once: `one_sleep`.
    /// - **`spawn_blocking`**: as threads, in waves of
    ///   [`TOKIO_MAX_BLOCKING_THREADS`] once there are more jobs than that.
    /// - **Tokio tasks (either runtime) and smol tasks**: a task waiting on a
    ///   timer holds no thread at all: `one_sleep`, however many cores.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chapters_code::ch01_concurrency_vs_parallelism::Variant;
    ///
    /// let two_seconds = Duration::from_secs(2);
    /// assert_eq!(Variant::Rayon.sleep_bound(5, 2, two_seconds), Duration::from_secs(6));
    /// assert_eq!(Variant::Smol.sleep_bound(5, 2, two_seconds), two_seconds);
    /// ```
    pub fn sleep_bound(self, jobs: usize, cores: usize, one_sleep: Duration) -> Duration {
        if jobs == 0 {
            return Duration::ZERO;
        }
        match self {
            Variant::Sequential => times(one_sleep, jobs),
            Variant::Rayon => times(one_sleep, waves(jobs, cores)),
            Variant::SpawnBlocking => times(one_sleep, waves(jobs, TOKIO_MAX_BLOCKING_THREADS)),
            Variant::Threads
            | Variant::TokioTasks
            | Variant::TokioCurrentThread
            | Variant::Smol => one_sleep,
        }
    }
    // ANCHOR_END: sleep_bound

    // ANCHOR: cpu_bound
    /// The shortest time `jobs` CPU-bound jobs of `one_job` each can take with
    /// this variant on a machine with `cores` cores.
    ///
    /// - **One thread does all the work** (sequential, a current-thread tokio
    ///   runtime, smol's default one-thread executor): `jobs × one_job`.
    ///   Being async changes nothing: a task computing never yields.
    /// - **Preemptive OS threads** (threads, `spawn_blocking`): the OS slices
    ///   every runnable thread over all cores, so the total work spreads
    ///   evenly: `jobs × one_job / cores`, but never less than one job, which
    ///   cannot be split.
    /// - **Whole jobs on a fixed pool of `cores` workers** (rayon, a
    ///   multi-thread tokio runtime): a worker keeps its job until it is done,
    ///   so the jobs run in waves: `ceil(jobs / cores) × one_job`. Five jobs on
    ///   two cores take three jobs' time, even though the third wave leaves a
    ///   core idle; only splitting the work finer gets closer to total / cores.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chapters_code::ch01_concurrency_vs_parallelism::Variant;
    ///
    /// let one_job = Duration::from_millis(200);
    /// assert_eq!(Variant::Threads.cpu_bound(5, 2, one_job), Duration::from_millis(500));
    /// assert_eq!(Variant::Rayon.cpu_bound(5, 2, one_job), Duration::from_millis(600));
    /// assert_eq!(Variant::TokioCurrentThread.cpu_bound(5, 2, one_job), Duration::from_millis(1000));
    /// ```
    pub fn cpu_bound(self, jobs: usize, cores: usize, one_job: Duration) -> Duration {
        if jobs == 0 {
            return Duration::ZERO;
        }
        let cores = cores.max(1);
        match self {
            Variant::Sequential | Variant::TokioCurrentThread | Variant::Smol => {
                times(one_job, jobs)
            }
            Variant::Threads | Variant::SpawnBlocking => {
                let spread_over_cores = times(one_job, jobs) / count_u32(cores);
                spread_over_cores.max(one_job)
            }
            Variant::Rayon | Variant::TokioTasks => times(one_job, waves(jobs, cores)),
        }
    }
    // ANCHOR_END: cpu_bound
}

/// How many rounds `jobs` whole jobs need on `workers` workers.
fn waves(jobs: usize, workers: usize) -> usize {
    jobs.div_ceil(workers.max(1))
}

fn times(duration: Duration, count: usize) -> Duration {
    duration.saturating_mul(count_u32(count))
}

fn count_u32(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}
