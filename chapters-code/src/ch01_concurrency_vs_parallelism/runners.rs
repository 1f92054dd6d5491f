//! Ways to run `jobs` copies of a job. Each runner takes the job as a closure
//! of the job's index, so the same runner serves sleeps, counting loops and
//! the tests' instrumented jobs, and returns the results in job order.

use std::future::Future;
use std::panic;
use std::sync::Arc;
use std::thread;

use rayon::ThreadPool;
use rayon::prelude::*;
use tokio::task::JoinHandle;

// ANCHOR: sequential_runner
/// Runs the jobs one after another on the calling thread.
///
/// ```
/// use chapters_code::ch01_concurrency_vs_parallelism::run_sequential;
///
/// assert_eq!(run_sequential(3, |job| job * 10), [0, 10, 20]);
/// ```
pub fn run_sequential<T>(jobs: usize, job: impl FnMut(usize) -> T) -> Vec<T> {
    (0..jobs).map(job).collect()
}
// ANCHOR_END: sequential_runner

// ANCHOR: threads_runner
/// Starts one OS thread per job with [`std::thread::scope`] and waits for all
/// of them. The OS time-slices the threads over the cores, so the jobs overlap
/// whether they wait or compute.
///
/// A scoped thread may borrow from the caller: `job` needs to be `Sync`, not
/// `'static`. A panicking job panics the caller with the job's own message.
///
/// ```
/// use chapters_code::ch01_concurrency_vs_parallelism::run_on_threads;
///
/// let names = ["pizza", "salad"];
/// assert_eq!(run_on_threads(2, |job| names[job].len()), [5, 5]);
/// ```
pub fn run_on_threads<T: Send>(
    jobs: usize,
    job: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    let job = &job;
    thread::scope(|scope| {
        let handles: Vec<_> = (0..jobs)
            .map(|index| scope.spawn(move || job(index)))
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| panic::resume_unwind(panic))
            })
            .collect()
    })
}
// ANCHOR_END: threads_runner

// ANCHOR: rayon_runner
/// Hands the jobs to rayon's global pool, which has one worker per core: at
/// most that many jobs run at once, and a job that blocks keeps its worker.
///
/// ```
/// use chapters_code::ch01_concurrency_vs_parallelism::{count_to, run_on_rayon};
///
/// assert_eq!(run_on_rayon(3, |job| count_to(job as u64)), [0, 1, 2]);
/// ```
pub fn run_on_rayon<T: Send>(
    jobs: usize,
    job: impl Fn(usize) -> T + Sync + Send,
) -> Vec<T> {
    (0..jobs).into_par_iter().map(job).collect()
}

/// Like [`run_on_rayon`], but on `pool` instead of the global pool, so a test
/// can fix the number of workers whatever the machine.
///
/// ```
/// use chapters_code::ch01_concurrency_vs_parallelism::run_on_rayon_pool;
///
/// let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
/// assert_eq!(run_on_rayon_pool(&pool, 3, |job| job + 1), [1, 2, 3]);
/// ```
pub fn run_on_rayon_pool<T: Send>(
    pool: &ThreadPool,
    jobs: usize,
    job: impl Fn(usize) -> T + Sync + Send,
) -> Vec<T> {
    pool.install(|| run_on_rayon(jobs, job))
}
// ANCHOR_END: rayon_runner

// ANCHOR: await_one_by_one_runner
/// Awaits the jobs one after another. `async` alone adds no concurrency: each
/// job starts only when the previous one has finished, exactly like
/// [`run_sequential`].
///
/// ```
/// use chapters_code::ch01_concurrency_vs_parallelism::await_one_by_one;
///
/// let doubled = futures::executor::block_on(await_one_by_one(3, |job| async move { job * 2 }));
/// assert_eq!(doubled, [0, 2, 4]);
/// ```
pub async fn await_one_by_one<T, F>(
    jobs: usize,
    mut job: impl FnMut(usize) -> F,
) -> Vec<T>
where
    F: Future<Output = T>,
{
    let mut results = Vec::with_capacity(jobs);
    for index in 0..jobs {
        results.push(job(index).await);
    }
    results
}
// ANCHOR_END: await_one_by_one_runner

// ANCHOR: tokio_tasks_runner
/// Spawns one tokio task per job, then awaits their handles in order. The
/// tasks run concurrently from the moment they are spawned; how many run *in
/// parallel* depends on the runtime: one at a time on a current-thread
/// runtime, up to `worker_threads` on a multi-thread runtime.
///
/// Must be awaited inside a tokio runtime.
///
/// ```
/// use chapters_code::ch01_concurrency_vs_parallelism::run_tokio_tasks;
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let squares = runtime.block_on(run_tokio_tasks(3, |job| async move { job * job }));
/// assert_eq!(squares, [0, 1, 4]);
/// ```
pub async fn run_tokio_tasks<T, F>(
    jobs: usize,
    job: impl Fn(usize) -> F,
) -> Vec<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    // ANCHOR: tokio_tasks_runner_slide
    let handles: Vec<JoinHandle<T>> =
        (0..jobs).map(|index| tokio::spawn(job(index))).collect();
    join_in_order(handles).await
    // ANCHOR_END: tokio_tasks_runner_slide
}
// ANCHOR_END: tokio_tasks_runner

// ANCHOR: spawn_blocking_runner
/// Runs each job on tokio's blocking pool with `spawn_blocking`: one pool
/// thread per job (up to 512 by default), so blocking or computing jobs overlap
/// like OS threads while the async workers stay free.
///
/// Must be awaited inside a tokio runtime.
///
/// ```
/// use std::time::Duration;
/// use chapters_code::ch01_concurrency_vs_parallelism::{blocking_sleep, run_spawn_blocking};
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let done = runtime.block_on(run_spawn_blocking(2, |job| {
///     blocking_sleep(Duration::from_millis(1));
///     job
/// }));
/// assert_eq!(done, [0, 1]);
/// ```
pub async fn run_spawn_blocking<T, J>(jobs: usize, job: J) -> Vec<T>
where
    J: Fn(usize) -> T + Send + Sync + 'static,
    T: Send + 'static,
{
    // Every pool thread needs its own handle on the job, and may outlive
    // this call.
    let job = Arc::new(job);
    let handles: Vec<JoinHandle<T>> = (0..jobs)
        .map(|index| {
            let job = Arc::clone(&job);
            tokio::task::spawn_blocking(move || job(index))
        })
        .collect();
    join_in_order(handles).await
}
// ANCHOR_END: spawn_blocking_runner

// ANCHOR: join_in_order
async fn join_in_order<T>(handles: Vec<JoinHandle<T>>) -> Vec<T> {
    let mut results = Vec::with_capacity(handles.len());
    for handle in handles {
        // Re-raise a task's panic with its own message, not a JoinError.
        let result = handle
            .await
            .unwrap_or_else(|error| panic::resume_unwind(error.into_panic()));
        results.push(result);
    }
    results
}
// ANCHOR_END: join_in_order

// ANCHOR: smol_tasks_runner
/// Spawns one task per job on smol's global executor, then awaits them in
/// order.
///
/// That executor runs on **one** background thread (`smol-1`) unless the
/// `SMOL_THREADS` environment variable asks for more, so by default smol
/// tasks overlap their waits but never their computations.
///
/// ```
/// use chapters_code::ch01_concurrency_vs_parallelism::run_smol_tasks;
///
/// let lengths = smol::block_on(run_smol_tasks(2, |job| async move { job + 10 }));
/// assert_eq!(lengths, [10, 11]);
/// ```
pub async fn run_smol_tasks<T, F>(
    jobs: usize,
    job: impl Fn(usize) -> F,
) -> Vec<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let tasks: Vec<smol::Task<T>> =
        (0..jobs).map(|index| smol::spawn(job(index))).collect();
    let mut results = Vec::with_capacity(jobs);
    for task in tasks {
        results.push(task.await);
    }
    results
}
// ANCHOR_END: smol_tasks_runner
