//! Chapter 7's contended counter behind each kind of lock; the ids and
//! routines are declared in `chapters-code/src/ch07_semaphores/contention.rs`.
//!
//! ```console
//! cargo bench --bench ch07_semaphores
//! ```

mod support;

use chapters_code::ch07_semaphores::contention::BENCH;
use criterion::{Criterion, criterion_group, criterion_main};

fn contended_counter(c: &mut Criterion) {
    support::run_suite(c, &BENCH);
}

criterion_group! {
    name = benches;
    config = Criterion::default().nresamples(10_000);
    targets = contended_counter
}
criterion_main!(benches);
