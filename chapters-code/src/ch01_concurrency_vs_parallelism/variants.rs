//! The rows of the chapter's timing table and the best time each row can
//! possibly reach.

use std::time::Duration;

use super::timing::available_cores;

/// How many threads tokio's blocking pool may start by default; `spawn_blocking`
/// jobs beyond that wait for a free thread.
pub const TOKIO_MAX_BLOCKING_THREADS: usize = 512;

// ANCHOR: pools
/// The threads the variants hand their jobs to, and the cores under them: what
/// a bound is computed from. Environment variables resize two of the pools, so
/// a bound is only a bound when it reads the pools actually used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pools {
    /// The cores this process may run on at the same instant.
    pub cores: usize,
    /// Workers of the rayon pool the jobs run on (`RAYON_NUM_THREADS`).
    pub rayon_workers: usize,
    /// Workers of the chapter's multi-thread tokio runtime.
    pub tokio_workers: usize,
    /// Threads of smol's global executor (`SMOL_THREADS`).
    pub smol_threads: usize,
}

impl Pools {
    /// The pools this process uses right now: rayon's current pool (the
    /// global one, or the pool a caller is `install`ed in), the tokio runtime
    /// the chapter builds, and smol's global executor as smol sizes it.
    pub fn in_use() -> Pools {
        Pools {
            cores: available_cores(),
            rayon_workers: rayon::current_num_threads(),
            tokio_workers: tokio_workers(),
            smol_threads: smol_threads(std::env::var("SMOL_THREADS").ok()),
        }
    }
}
// ANCHOR_END: pools

impl Pools {
    /// The pools every variable left unset gives on `cores` cores: one rayon
    /// and one tokio worker per core, one smol thread.
    ///
    /// ```
    /// use chapters_code::ch01_concurrency_vs_parallelism::Pools;
    ///
    /// assert_eq!(Pools::one_worker_per_core(8).rayon_workers, 8);
    /// assert_eq!(Pools::one_worker_per_core(8).smol_threads, 1);
    /// ```
    pub fn one_worker_per_core(cores: usize) -> Pools {
        Pools {
            cores,
            rayon_workers: cores,
            tokio_workers: cores,
            smol_threads: 1,
        }
    }

    /// The pools in words, for a table's footnote.
    ///
    /// ```
    /// use chapters_code::ch01_concurrency_vs_parallelism::Pools;
    ///
    /// assert_eq!(
    ///     Pools::one_worker_per_core(2).describe(),
    ///     "2 cores with rayon's 2 workers, tokio's 2 workers and smol's 1 thread"
    /// );
    /// ```
    pub fn describe(&self) -> String {
        let count = |count: usize, what: &str| {
            format!("{count} {what}{}", if count == 1 { "" } else { "s" })
        };
        format!(
            "{} with rayon's {}, tokio's {} and smol's {}",
            count(self.cores, "core"),
            count(self.rayon_workers, "worker"),
            count(self.tokio_workers, "worker"),
            count(self.smol_threads, "thread"),
        )
    }
}

/// How many workers the chapter gives its multi-thread tokio runtime: one per
/// core. Set explicitly, so `TOKIO_WORKER_THREADS` does not change it.
pub fn tokio_workers() -> usize {
    available_cores()
}

// ANCHOR: smol_threads
/// How many threads smol's global executor starts, given the value of
/// `SMOL_THREADS`: the number if it parses, else one. This is how smol 2.0
/// reads it (`smol::spawn`), once, when the executor first starts.
///
/// ```
/// use chapters_code::ch01_concurrency_vs_parallelism::smol_threads;
///
/// assert_eq!(smol_threads(None), 1);
/// assert_eq!(smol_threads(Some("4".to_owned())), 4);
/// assert_eq!(smol_threads(Some("four".to_owned())), 1);
/// ```
pub fn smol_threads(smol_threads_variable: Option<String>) -> usize {
    smol_threads_variable
        .and_then(|value| value.parse().ok())
        .unwrap_or(1)
}
// ANCHOR_END: smol_threads

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

    /// How many of this variant's jobs can hold a thread at the same time:
    /// the size of the pool it hands its jobs to, as `pools` describes it.
    ///
    /// ```
    /// use chapters_code::ch01_concurrency_vs_parallelism::{Pools, Variant};
    ///
    /// let pools = Pools::one_worker_per_core(4);
    /// assert_eq!(Variant::Rayon.threads(5, &pools), 4);
    /// assert_eq!(Variant::Threads.threads(5, &pools), 5);
    /// assert_eq!(Variant::Smol.threads(5, &pools), 1);
    /// ```
    // ANCHOR: threads_per_variant
    pub fn threads(self, jobs: usize, pools: &Pools) -> usize {
        let threads = match self {
            Variant::Sequential | Variant::TokioCurrentThread => 1,
            Variant::Threads => jobs,
            Variant::Rayon => pools.rayon_workers,
            Variant::TokioTasks => pools.tokio_workers,
            Variant::SpawnBlocking => jobs.min(TOKIO_MAX_BLOCKING_THREADS),
            Variant::Smol => pools.smol_threads,
        };
        threads.max(1)
    }
    // ANCHOR_END: threads_per_variant

    // ANCHOR: sleep_bound
    /// The shortest time `jobs` sleeps of `one_sleep` each can take with this
    /// variant, on the pools `pools` describes.
    ///
    /// - **A sleep that holds its thread** (sequential, threads, rayon,
    ///   `spawn_blocking`): the sleeps run in waves of as many as the variant
    ///   has threads, `ceil(jobs / threads) × one_sleep`. Three waves for five
    ///   jobs on rayon's two workers, one wave for one thread per job.
    /// - **A task waiting on a timer** (tokio tasks on either runtime, smol
    ///   tasks) holds no thread at all: `one_sleep`, however few threads.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chapters_code::ch01_concurrency_vs_parallelism::{Pools, Variant};
    ///
    /// let two = Pools::one_worker_per_core(2);
    /// let two_seconds = Duration::from_secs(2);
    /// assert_eq!(Variant::Rayon.sleep_bound(5, &two, two_seconds), Duration::from_secs(6));
    /// assert_eq!(Variant::Smol.sleep_bound(5, &two, two_seconds), two_seconds);
    /// ```
    pub fn sleep_bound(
        self,
        jobs: usize,
        pools: &Pools,
        one_sleep: Duration,
    ) -> Duration {
        if jobs == 0 {
            return Duration::ZERO;
        }
        match self {
            Variant::Sequential
            | Variant::Threads
            | Variant::Rayon
            | Variant::SpawnBlocking => {
                let waves = jobs.div_ceil(self.threads(jobs, pools));
                times(one_sleep, waves)
            }
            Variant::TokioTasks
            | Variant::TokioCurrentThread
            | Variant::Smol => one_sleep,
        }
    }
    // ANCHOR_END: sleep_bound

    // ANCHOR: cpu_bound
    /// The shortest time `jobs` CPU-bound jobs of `one_job` each can take with
    /// this variant, on the pools and cores `pools` describes.
    ///
    /// Two limits hold at once, and the bound is the larger:
    ///
    /// - **Waves of whole jobs.** A thread keeps its job until it is done, so
    ///   with `threads` threads the jobs need `ceil(jobs / threads)` rounds:
    ///   five jobs on rayon's two workers take three jobs' time even though
    ///   the third round leaves a core idle, and one thread (sequential, a
    ///   current-thread runtime, smol's default executor) takes all five.
    ///   Being async changes nothing: a task that computes never yields.
    /// - **Cores.** However many threads, the work cannot spread over more
    ///   than `cores` cores: `jobs × one_job / cores`. This is the limit of
    ///   one thread per job (threads, `spawn_blocking`), which the OS
    ///   time-slices over the cores.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chapters_code::ch01_concurrency_vs_parallelism::{Pools, Variant};
    ///
    /// let two = Pools::one_worker_per_core(2);
    /// let one_job = Duration::from_millis(200);
    /// assert_eq!(Variant::Threads.cpu_bound(5, &two, one_job), Duration::from_millis(500));
    /// assert_eq!(Variant::Rayon.cpu_bound(5, &two, one_job), Duration::from_millis(600));
    /// assert_eq!(Variant::TokioCurrentThread.cpu_bound(5, &two, one_job), Duration::from_millis(1000));
    /// ```
    pub fn cpu_bound(
        self,
        jobs: usize,
        pools: &Pools,
        one_job: Duration,
    ) -> Duration {
        if jobs == 0 {
            return Duration::ZERO;
        }
        let waves = jobs.div_ceil(self.threads(jobs, pools));
        let in_waves = times(one_job, waves);
        let over_cores = times(one_job, jobs) / count_u32(pools.cores.max(1));
        in_waves.max(over_cores)
    }
    // ANCHOR_END: cpu_bound
}

fn times(duration: Duration, count: usize) -> Duration {
    duration.saturating_mul(count_u32(count))
}

fn count_u32(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}
