//! The two kinds of job the chapter runs five times: one that waits, one that
//! computes.

use std::hint::black_box;
use std::time::Duration;

// ANCHOR: blocking_sleep_job
/// Waits by blocking the calling thread, like Python's `time.sleep`: the
/// thread can do nothing else until the time is up.
///
/// ```
/// use std::time::Duration;
/// use chapters_code::ch01_concurrency_vs_parallelism::blocking_sleep;
///
/// blocking_sleep(Duration::from_millis(1));
/// ```
pub fn blocking_sleep(duration: Duration) {
    std::thread::sleep(duration);
}
// ANCHOR_END: blocking_sleep_job

// ANCHOR: async_sleep_jobs
/// Waits on tokio's timer, like `await asyncio.sleep(…)`: while the time runs,
/// the task is parked and its thread is free to run other tasks.
///
/// Needs a tokio runtime with the time driver enabled.
///
/// ```
/// use std::time::Duration;
/// use chapters_code::ch01_concurrency_vs_parallelism::tokio_sleep;
///
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
/// runtime.block_on(tokio_sleep(Duration::from_millis(1)));
/// ```
pub async fn tokio_sleep(duration: Duration) {
    tokio::time::sleep(duration).await;
}

/// Waits on smol's timer (from `async-io`), which needs no runtime to be set
/// up first: any executor can poll it.
///
/// ```
/// use std::time::Duration;
/// use chapters_code::ch01_concurrency_vs_parallelism::smol_sleep;
///
/// smol::block_on(smol_sleep(Duration::from_millis(1)));
/// ```
pub async fn smol_sleep(duration: Duration) {
    smol::Timer::after(duration).await;
}
// ANCHOR_END: async_sleep_jobs

// ANCHOR: count_to_job
/// Counts from zero to `n`, one step at a time: pure computation, the Rust
/// twin of the source talk's "count to 100 million" loop.
///
/// `black_box` hides the counter from the optimiser, which would otherwise
/// replace the whole loop with `n`. `inline(never)` keeps one copy of the
/// loop: inlined into each runner, its speed varied by up to 2× with code
/// placement, and every variant must run exactly the same work.
///
/// ```
/// use chapters_code::ch01_concurrency_vs_parallelism::count_to;
///
/// assert_eq!(count_to(1_000), 1_000);
/// ```
#[inline(never)]
pub fn count_to(n: u64) -> u64 {
    let mut count = 0;
    while count < n {
        count = black_box(count + 1);
    }
    count
}
// ANCHOR_END: count_to_job
