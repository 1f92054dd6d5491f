//! Runs a chapter's [`BenchSuite`]: one criterion group, one benchmark per
//! declared workload and implementation, so every id the book's tables and
//! pages name is defined once, in the chapter's code.

use chapters_code::measured::{BenchSuite, Routine};
use criterion::{BenchmarkId, Criterion, SamplingMode};

/// Benchmarks every implementation of every workload of `suite`, on one
/// fixture built before the first.
pub fn run_suite<F>(c: &mut Criterion, suite: &BenchSuite<F>) {
    let fixture = (suite.fixture)();
    let mut group = c.benchmark_group(suite.group);
    for workload in suite.workloads {
        let sampling = workload.sampling;
        group
            .sample_size(sampling.samples)
            .warm_up_time(sampling.warm_up)
            .measurement_time(sampling.measurement)
            .sampling_mode(if sampling.flat {
                SamplingMode::Flat
            } else {
                SamplingMode::Auto
            });
        for implementation in workload.implementations {
            let id = BenchmarkId::new(workload.id, implementation.id);
            group.bench_function(id, |bencher| match implementation.routine {
                Routine::Iter(run) => bencher.iter(|| run(&fixture)),
                Routine::Timed(run) => {
                    bencher.iter_custom(|iterations| (0..iterations).map(|_| run(&fixture)).sum())
                }
            });
        }
    }
    group.finish();
}
