//! What `cargo bench --bench ch04_async_code_smells` measures: the
//! composite's four versions on a scenario twenty times shorter than the
//! table's, on one multi-thread runtime built once, so that criterion's
//! samples show the same ratios in a fraction of the time.

use std::hint::black_box;
use std::time::Duration;

use super::composite::{Scenario, Version};
use crate::measured::{
    BenchImplementation, BenchSuite, BenchWorkload, Routine, Sampling,
};

/// The runtime and the scaled scenario every routine uses.
pub struct Scaled {
    runtime: tokio::runtime::Runtime,
    scenario: Scenario,
}

/// The table's scenario with every wait divided by twenty.
pub fn scaled() -> Scaled {
    let report = Scenario::REPORT;
    Scaled {
        runtime: tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a multi-thread tokio runtime"),
        scenario: Scenario {
            orders: report.orders,
            order_wait: report.order_wait / 20,
            rate_wait: report.rate_wait / 20,
            discount_wait: report.discount_wait / 20,
            tax_table_wait: report.tax_table_wait / 20,
        },
    }
}

// An iteration lasts 10 to 70 ms, mostly waiting: few, flat samples.
const SAMPLING: Sampling = Sampling {
    samples: 10,
    warm_up: Duration::from_millis(300),
    measurement: Duration::from_secs(2),
    flat: true,
};

macro_rules! version {
    ($id:literal, $version:ident) => {
        BenchImplementation {
            id: $id,
            routine: Routine::Iter(|scaled| {
                let report = Version::$version.report(scaled.scenario);
                black_box(scaled.runtime.block_on(report));
            }),
        }
    };
}

/// The chapter's benchmark, ids and routines.
pub const BENCH: BenchSuite<Scaled> = BenchSuite {
    bench: "ch04_async_code_smells",
    group: "ch04_composite",
    fixture: scaled,
    workloads: &[BenchWorkload {
        id: "report",
        baseline: "done_right",
        sampling: SAMPLING,
        implementations: &[
            version!("bad_habits", BadHabits),
            version!("orders_gathered", OrdersGathered),
            version!("sources_joined", SourcesJoined),
            version!("done_right", DoneRight),
        ],
    }],
};
