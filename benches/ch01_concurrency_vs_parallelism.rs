//! Chapter 1's five-jobs table as criterion benchmarks, scaled down; the ids
//! and routines are declared in
//! `chapters-code/src/ch01_concurrency_vs_parallelism/benchmarks.rs`.
//!
//! ```console
//! cargo bench --bench ch01_concurrency_vs_parallelism
//! ```

mod support;

use chapters_code::ch01_concurrency_vs_parallelism::benchmarks::BENCH;
use criterion::{Criterion, criterion_group, criterion_main};

fn five_jobs(c: &mut Criterion) {
    support::run_suite(c, &BENCH);
}

criterion_group! {
    name = benches;
    // Ten samples need far fewer resamples than criterion's default 100 000.
    config = Criterion::default().nresamples(10_000);
    targets = five_jobs
}
criterion_main!(benches);
