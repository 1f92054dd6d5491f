//! Chapter 3's executors against tokio's current-thread runtime; the ids and
//! routines are declared in `chapters-code/src/ch03_event_loop_internals/workloads.rs`.
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

mod support;

use chapters_code::ch03_event_loop_internals::workloads::{BENCH, DEFAULT_MALLOC_ENV};
use criterion::{Criterion, criterion_group, criterion_main};

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
    if std::env::var_os(DEFAULT_MALLOC_ENV).is_none() {
        keep_freed_memory();
    }
    support::run_suite(c, &BENCH);
}

criterion_group! {
    name = benches;
    config = Criterion::default().nresamples(20_000);
    targets = executors
}
criterion_main!(benches);
