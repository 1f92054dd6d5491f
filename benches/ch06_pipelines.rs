//! Chapter 6's per-message channel cost, items one by one against batches;
//! the ids and routines are declared in
//! `chapters-code/src/ch06_pipelines/benchmarks.rs`.
//!
//! ```console
//! cargo bench --bench ch06_pipelines
//! ```

mod support;

use chapters_code::ch06_pipelines::benchmarks::BENCH;
use criterion::{Criterion, criterion_group, criterion_main};

fn channel_messages(c: &mut Criterion) {
    support::run_suite(c, &BENCH);
}

criterion_group! {
    name = benches;
    // Ten samples need far fewer resamples than criterion's default 100 000.
    config = Criterion::default().nresamples(10_000);
    targets = channel_messages
}
criterion_main!(benches);
