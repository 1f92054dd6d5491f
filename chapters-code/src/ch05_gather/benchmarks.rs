//! What `cargo bench --bench ch05_gather` measures: 10 000 one-millisecond
//! timer waits gathered each way the chapter compares, on a current-thread
//! and on a multi-thread runtime (each built once), so that criterion's
//! samples show the per-task overhead the overhead table reports.

use std::hint::black_box;
use std::time::Duration;

use super::overhead::{Arrangement, Flavor, gather_waits};
use crate::measured::{
    BenchImplementation, BenchSuite, BenchWorkload, Routine, Sampling,
};

/// How many waits one iteration gathers.
const WAITS: usize = 10_000;
const WAIT: Duration = Duration::from_millis(1);

/// One runtime of each flavour.
pub struct Runtimes {
    current_thread: tokio::runtime::Runtime,
    multi_thread: tokio::runtime::Runtime,
}

/// Builds both runtimes.
pub fn runtimes() -> Runtimes {
    Runtimes {
        current_thread: Flavor::CurrentThread.runtime(),
        multi_thread: Flavor::MultiThread.runtime(),
    }
}

const SAMPLING: Sampling = Sampling {
    samples: 10,
    warm_up: Duration::from_millis(300),
    measurement: Duration::from_secs(2),
    flat: true,
};

macro_rules! arrangement {
    ($id:literal, $arrangement:ident, $runtime:ident) => {
        BenchImplementation {
            id: $id,
            routine: Routine::Iter(|runtimes| {
                let waits =
                    gather_waits(Arrangement::$arrangement, WAITS, WAIT);
                black_box(runtimes.$runtime.block_on(waits));
            }),
        }
    };
}

macro_rules! every_arrangement {
    ($runtime:ident) => {
        &[
            arrangement!("join_all", JoinAll, $runtime),
            arrangement!(
                "unconstrained_join_all",
                UnconstrainedJoinAll,
                $runtime
            ),
            arrangement!("futures_unordered", FuturesUnordered, $runtime),
            arrangement!("join_set", JoinSet, $runtime),
            arrangement!("spawned", Spawned, $runtime),
        ]
    };
}

/// The chapter's benchmark, ids and routines.
pub const BENCH: BenchSuite<Runtimes> = BenchSuite {
    bench: "ch05_gather",
    group: "ch05_gather_10k_waits",
    fixture: runtimes,
    workloads: &[
        BenchWorkload {
            id: "current_thread",
            baseline: "unconstrained_join_all",
            sampling: SAMPLING,
            implementations: every_arrangement!(current_thread),
        },
        BenchWorkload {
            id: "multi_thread",
            baseline: "unconstrained_join_all",
            sampling: SAMPLING,
            implementations: every_arrangement!(multi_thread),
        },
    ],
};
