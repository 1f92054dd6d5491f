//! Chapter 3's executors against tokio's current-thread runtime, on three
//! workloads, each run by the learner's first executor (`naive`), the tuned
//! one (`own`) and tokio (`tokio_current_thread`):
//!
//! - `spawn_many`: spawn 10 000 trivial tasks, then await every handle;
//! - `ping_pong`: two tasks hand a value back and forth 10 000 times through
//!   the chapter's one-slot channel;
//! - `timers`: 1 000 tasks sleep until deadlines 5 µs apart (in a scrambled
//!   order), on the real clock: one iteration lasts about 5 ms, most of it
//!   waiting, so the figure shows how late each timer fires, not CPU work.
//!
//! ```console
//! cargo bench --bench ch03_executor
//! ```
//!
//! Each executor (and tokio's runtime) is built once and reused by every
//! iteration, as a server would. And the process asks glibc to keep freed
//! memory instead of returning it to the OS: without that, every iteration
//! of `spawn_many` frees its ~10 000 tasks, glibc trims the top of the heap,
//! and the next iteration pays for page faults on fresh pages. Whether it
//! does depends on what ran before (another benchmark's leftovers can keep
//! the heap from shrinking), so the figures swung with the order and the
//! filter the benchmarks ran with. `CH03_DEFAULT_MALLOC=1` skips the tuning.

use std::hint::black_box;
use std::time::Duration;

use chapters_code::ch03_event_loop_internals::naive_executor::NaiveExecutor;
use chapters_code::ch03_event_loop_internals::tuned_executor::Executor;
use chapters_code::ch03_event_loop_internals::workloads::{
    ping_pong_naive, ping_pong_own, ping_pong_tokio, spawn_many_naive, spawn_many_own,
    spawn_many_tokio, timers_naive, timers_own, timers_tokio, tokio_current_thread,
};
use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};

const SPAWNED_TASKS: u64 = 10_000;
const PING_PONG_ROUNDS: u64 = 10_000;
const SLEEPS: u32 = 1_000;
const STAGGER: Duration = Duration::from_micros(5);

/// Stops glibc from giving freed heap memory back to the OS between
/// iterations (and from serving mid-sized blocks with `mmap`), so that every
/// iteration starts from the same warm heap.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory() {
    use std::ffi::c_int;
    unsafe extern "C" {
        fn mallopt(param: c_int, value: c_int) -> c_int;
    }
    const M_TRIM_THRESHOLD: c_int = -1;
    const M_MMAP_THRESHOLD: c_int = -3;
    // SAFETY: `mallopt` only changes tuning parameters of glibc's allocator
    // and takes the allocator's lock to do so; the values are in range.
    let set = unsafe {
        mallopt(M_TRIM_THRESHOLD, 512 << 20) == 1 && mallopt(M_MMAP_THRESHOLD, 16 << 20) == 1
    };
    assert!(set, "glibc refused the malloc tuning");
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory() {}

fn executors(c: &mut Criterion) {
    if std::env::var_os("CH03_NO_MALLOPT").is_none() {
        keep_freed_memory();
    }
    let naive = NaiveExecutor::new();
    let own = Executor::new();
    let tokio = tokio_current_thread();

    let mut group = c.benchmark_group("ch03_executor");
    group
        .sample_size(40)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));

    group.bench_function(BenchmarkId::new("spawn_many", "naive"), |b| {
        b.iter(|| spawn_many_naive(&naive, black_box(SPAWNED_TASKS)));
    });
    group.bench_function(BenchmarkId::new("spawn_many", "own"), |b| {
        b.iter(|| spawn_many_own(&own, black_box(SPAWNED_TASKS)));
    });
    group.bench_function(
        BenchmarkId::new("spawn_many", "tokio_current_thread"),
        |b| {
            b.iter(|| spawn_many_tokio(&tokio, black_box(SPAWNED_TASKS)));
        },
    );

    group.bench_function(BenchmarkId::new("ping_pong", "naive"), |b| {
        b.iter(|| ping_pong_naive(&naive, black_box(PING_PONG_ROUNDS)));
    });
    group.bench_function(BenchmarkId::new("ping_pong", "own"), |b| {
        b.iter(|| ping_pong_own(&own, black_box(PING_PONG_ROUNDS)));
    });
    group.bench_function(BenchmarkId::new("ping_pong", "tokio_current_thread"), |b| {
        b.iter(|| ping_pong_tokio(&tokio, black_box(PING_PONG_ROUNDS)));
    });

    // An iteration is mostly waiting for the clock: few, flat samples.
    group
        .sample_size(20)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(2));
    group.bench_function(BenchmarkId::new("timers", "naive"), |b| {
        b.iter(|| timers_naive(&naive, black_box(SLEEPS), STAGGER));
    });
    group.bench_function(BenchmarkId::new("timers", "own"), |b| {
        b.iter(|| timers_own(&own, black_box(SLEEPS), STAGGER));
    });
    group.bench_function(BenchmarkId::new("timers", "tokio_current_thread"), |b| {
        b.iter(|| timers_tokio(&tokio, black_box(SLEEPS), STAGGER));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().nresamples(20_000);
    targets = executors
}
criterion_main!(benches);
