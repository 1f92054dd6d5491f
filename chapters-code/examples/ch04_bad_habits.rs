//! The composite of chapter 4: one order report computed with all the bad
//! habits, two steps in between, and done right. Prints each version's time
//! beside the scenario's ideal (its longest single wait), and checks that
//! every version computes the same total.
//!
//! ```console
//! cargo run --release -p chapters-code --example ch04_bad_habits
//! cargo run --release -p chapters-code --example ch04_bad_habits -- --json
//! ```

use std::process::ExitCode;

use chapters_code::ch01_concurrency_vs_parallelism::milliseconds;
use chapters_code::ch04_async_code_smells::composite::{
    Scenario, Version, expected_total,
};
use chapters_code::measured::{
    MeasuredCell, MeasuredRow, MeasuredTable, measure_runs_timed,
    output_requested, summarise,
};

const USAGE: &str = "usage: ch04_bad_habits [--json]";

/// Each version runs this many times on a quiet machine; the median is kept.
const RUNS: usize = 5;

fn main() -> ExitCode {
    let Some(json) = output_requested("ch04_bad_habits", USAGE) else {
        return ExitCode::SUCCESS;
    };
    let scenario = Scenario::REPORT;
    let total = expected_total(&scenario);
    // Built before any clock starts; a current-thread runtime is all the
    // report needs: it waits, it does not compute.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let rows = Version::ALL
        .into_iter()
        .map(|version| {
            let runs = measure_runs_timed(RUNS, || {
                runtime.block_on(async {
                    let start = std::time::Instant::now();
                    let report = version.report(scenario).await;
                    let took = start.elapsed();
                    assert_eq!(
                        report, total,
                        "{version:?} computed another total"
                    );
                    took
                })
            });
            eprintln!(
                "{} … {:.1} ms",
                version.id(),
                summarise(&runs).map_or(0.0, |summary| summary.median)
            );
            MeasuredRow {
                id: version.id().to_owned(),
                label: version.label().to_owned(),
                cells: vec![MeasuredCell {
                    bound_ms: milliseconds(scenario.ideal()),
                    runs,
                }],
            }
        })
        .collect();
    let table = MeasuredTable {
        row_header: "Version".to_owned(),
        columns: vec!["Report".to_owned()],
        scenario: format!(
            "{} orders fetched {:.0} ms each, an exchange rate ({:.0} ms), a \
             discount ({:.0} ms) and a blocking tax-table read ({:.0} ms); \
             every version computed the total {total}; bound: the longest \
             single wait",
            scenario.orders,
            milliseconds(scenario.order_wait),
            milliseconds(scenario.rate_wait),
            milliseconds(scenario.discount_wait),
            milliseconds(scenario.tax_table_wait),
        ),
        rows,
    };
    table.print(json)
}
