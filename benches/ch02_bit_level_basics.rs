//! Chapter 2's bit tricks against their obvious alternatives; the ids and
//! routines are declared in `chapters-code/src/ch02_bit_level_basics/benchmarks.rs`.
//!
//! ```console
//! cargo bench --bench ch02_bit_level_basics
//! ```

mod support;

use chapters_code::ch02_bit_level_basics::benchmarks::BENCH;
use criterion::{Criterion, criterion_group, criterion_main};

fn bits(c: &mut Criterion) {
    support::run_suite(c, &BENCH);
}

criterion_group! {
    name = benches;
    // Twenty samples need far fewer resamples than criterion's default 100 000.
    config = Criterion::default().nresamples(10_000);
    targets = bits
}
criterion_main!(benches);
