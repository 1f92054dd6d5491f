//! Chapter 5's gathered timer waits, each arrangement on both runtimes; the
//! ids and routines are declared in `chapters-code/src/ch05_gather/benchmarks.rs`.
//!
//! ```console
//! cargo bench --bench ch05_gather
//! ```

mod support;

use chapters_code::ch05_gather::benchmarks::BENCH;
use criterion::{Criterion, criterion_group, criterion_main};

fn gathered_waits(c: &mut Criterion) {
    support::run_suite(c, &BENCH);
}

criterion_group! {
    name = benches;
    // Ten samples need far fewer resamples than criterion's default 100 000.
    config = Criterion::default().nresamples(10_000);
    targets = gathered_waits
}
criterion_main!(benches);
