//! What `cargo bench --bench ch01_concurrency_vs_parallelism` measures: the
//! five-jobs table scaled down (five 10 ms sleeps and five ~10 ms counting
//! jobs per iteration, every variant), and `rayon_split`, which shows why
//! whole jobs cannot beat `ceil(jobs / cores)` rounds while finer pieces of
//! the same work can.
//!
//! Each iteration builds its runtime or pool outside the timed region (see
//! [`time_variant`]), so the figures are the jobs' own wall-clock time.

use std::hint::black_box;
use std::time::Duration;

use super::{
    Scenario, Variant, Workload, calibrate_count_to, count_to, run_on_rayon,
    time_variant,
};
use crate::measured::{
    BenchImplementation, BenchSuite, BenchWorkload, Routine, Sampling,
};

const JOBS: usize = 5;
/// The same total work as five whole jobs, cut into this many pieces.
const SLICES: usize = 50;

/// The scenario every routine runs, calibrated once per bench run.
pub struct Scaled {
    scenario: Scenario,
}

/// Calibrates the counting job to about 10 ms on this machine.
pub fn scaled() -> Scaled {
    let calibration = calibrate_count_to(Duration::from_millis(10));
    Scaled {
        scenario: Scenario {
            jobs: JOBS,
            sleep: Duration::from_millis(10),
            cpu_iterations: calibration.iterations,
        },
    }
}

// Iterations take tens of milliseconds: a few per sample are plenty.
const SAMPLING: Sampling = Sampling {
    samples: 10,
    warm_up: Duration::from_millis(100),
    measurement: Duration::from_millis(800),
    flat: true,
};

macro_rules! every_variant {
    ($workload:expr) => {
        &[
            every_variant!(@one Sequential, $workload),
            every_variant!(@one Threads, $workload),
            every_variant!(@one Rayon, $workload),
            every_variant!(@one TokioTasks, $workload),
            every_variant!(@one TokioCurrentThread, $workload),
            every_variant!(@one SpawnBlocking, $workload),
            every_variant!(@one Smol, $workload),
        ]
    };
    (@one $variant:ident, $workload:expr) => {
        BenchImplementation {
            id: Variant::$variant.id(),
            routine: Routine::Timed(|scaled| {
                time_variant(Variant::$variant, $workload, &scaled.scenario)
            }),
        }
    };
}

/// The chapter's benchmark, ids and routines.
pub const BENCH: BenchSuite<Scaled> = BenchSuite {
    bench: "ch01_concurrency_vs_parallelism",
    group: "ch01_five_jobs",
    fixture: scaled,
    workloads: &[
        BenchWorkload {
            id: "sleep_bound",
            baseline: "sequential",
            sampling: SAMPLING,
            implementations: every_variant!(Workload::SleepBound),
        },
        BenchWorkload {
            id: "cpu_bound",
            baseline: "sequential",
            sampling: SAMPLING,
            implementations: every_variant!(Workload::CpuBound),
        },
        BenchWorkload {
            id: "rayon_split",
            baseline: "whole_jobs",
            sampling: SAMPLING,
            implementations: &[
                BenchImplementation {
                    id: "whole_jobs",
                    routine: Routine::Iter(|scaled| {
                        let each = scaled.scenario.cpu_iterations;
                        black_box(run_on_rayon(JOBS, |_| {
                            count_to(black_box(each))
                        }));
                    }),
                },
                BenchImplementation {
                    id: "fifty_slices",
                    routine: Routine::Iter(|scaled| {
                        let each = scaled.scenario.cpu_iterations * JOBS as u64
                            / SLICES as u64;
                        black_box(run_on_rayon(SLICES, |_| {
                            count_to(black_box(each))
                        }));
                    }),
                },
            ],
        },
    ],
};
