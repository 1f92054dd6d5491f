//! Chapter 4's composite, bad habits against done right; the ids and
//! routines are declared in
//! `chapters-code/src/ch04_async_code_smells/benchmarks.rs`.
//!
//! ```console
//! cargo bench --bench ch04_async_code_smells
//! ```

mod support;

use chapters_code::ch04_async_code_smells::benchmarks::BENCH;
use criterion::{Criterion, criterion_group, criterion_main};

fn composite(c: &mut Criterion) {
    support::run_suite(c, &BENCH);
}

criterion_group! {
    name = benches;
    // Ten samples need far fewer resamples than criterion's default 100 000.
    config = Criterion::default().nresamples(10_000);
    targets = composite
}
criterion_main!(benches);
