//! Chapter 1's five-jobs table as criterion benchmarks, scaled down: five
//! 10 ms sleeps and five ~10 ms counting jobs per iteration, every variant.
//!
//! ```console
//! cargo bench --bench ch01_concurrency_vs_parallelism
//! ```
//!
//! Each iteration builds its runtime or pool outside the timed region (see
//! `time_variant`), so the figures are the jobs' own wall-clock time. The
//! `ch01_rayon_split` group shows why whole jobs cannot beat
//! `ceil(jobs / cores)` rounds while finer pieces of the same work can.

use std::hint::black_box;
use std::time::Duration;

use chapters_code::ch01_concurrency_vs_parallelism::{
    Scenario, Variant, Workload, calibrate_count_to, count_to, run_on_rayon, time_variant,
};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, criterion_group, criterion_main};

const JOBS: usize = 5;
const SLEEP: Duration = Duration::from_millis(10);
const CPU_JOB: Duration = Duration::from_millis(10);
/// The same total work as five whole jobs, cut into this many pieces.
const SLICES: usize = 50;

fn short_group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    // Iterations take tens of milliseconds: a few per sample are plenty.
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_millis(800));
    group
}

fn bench_variants(c: &mut Criterion, group_name: &str, workload: Workload, scenario: &Scenario) {
    let mut group = short_group(c, group_name);
    for variant in Variant::ALL {
        group.bench_function(variant.id(), |bencher| {
            bencher.iter_custom(|iterations| {
                (0..iterations)
                    .map(|_| time_variant(variant, workload, scenario))
                    .sum()
            });
        });
    }
    group.finish();
}

fn five_jobs(c: &mut Criterion) {
    let calibration = calibrate_count_to(CPU_JOB);
    let scenario = Scenario {
        jobs: JOBS,
        sleep: SLEEP,
        cpu_iterations: calibration.iterations,
    };
    bench_variants(c, "ch01_sleep_bound", Workload::SleepBound, &scenario);
    bench_variants(c, "ch01_cpu_bound", Workload::CpuBound, &scenario);

    let mut group = short_group(c, "ch01_rayon_split");
    let total = calibration.iterations * JOBS as u64;
    group.bench_function("whole-jobs", |bencher| {
        bencher.iter(|| run_on_rayon(JOBS, |_| count_to(black_box(total / JOBS as u64))));
    });
    group.bench_function("fifty-slices", |bencher| {
        bencher.iter(|| run_on_rayon(SLICES, |_| count_to(black_box(total / SLICES as u64))));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // Ten samples need far fewer resamples than criterion's default 100 000.
    config = Criterion::default().nresamples(10_000);
    targets = five_jobs
}
criterion_main!(benches);
