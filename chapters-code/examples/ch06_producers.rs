//! The paced producers on the real clock: 200 items 10 ms apart, paced by a
//! `sleep` in a loop, by `sleep_until` on a schedule, and by an `interval`,
//! each beside the ideal of 200 periods.
//!
//! ```console
//! cargo run --release -p chapters-code --example ch06_producers
//! cargo run --release -p chapters-code --example ch06_producers -- --json
//! ```

use std::process::ExitCode;
use std::time::{Duration, Instant};

use chapters_code::ch01_concurrency_vs_parallelism::milliseconds;
use chapters_code::ch06_pipelines::PRODUCER_ROWS;
use chapters_code::ch06_pipelines::producers::Pacing;
use chapters_code::measured::{
    MeasuredCell, MeasuredRow, MeasuredTable, measure_runs_timed,
    output_requested, summarise,
};
use futures::StreamExt;

const USAGE: &str = "usage: ch06_producers [--json]";
const RUNS: usize = 3;
const ITEMS: u64 = 200;
const PERIOD: Duration = Duration::from_millis(10);

fn main() -> ExitCode {
    let Some(json) = output_requested("ch06_producers", USAGE) else {
        return ExitCode::SUCCESS;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let bound_ms = milliseconds(PERIOD * ITEMS as u32);
    let mut rows = Vec::new();
    for ((id, label), pacing) in PRODUCER_ROWS.into_iter().zip(Pacing::ALL) {
        let runs = measure_runs_timed(RUNS, || {
            runtime.block_on(async {
                let start = Instant::now();
                let count = pacing.items(ITEMS, PERIOD).count().await;
                assert_eq!(count as u64, ITEMS);
                start.elapsed()
            })
        });
        let median = summarise(&runs).map_or(0.0, |s| s.median);
        eprintln!("{id} … {median:.2} ms (ideal {bound_ms:.2} ms)");
        rows.push(MeasuredRow {
            id: id.to_owned(),
            label: label.to_owned(),
            cells: vec![MeasuredCell { bound_ms, runs }],
        });
    }
    let table = MeasuredTable {
        row_header: "Producer".to_owned(),
        columns: vec![format!("{ITEMS} items")],
        scenario: format!(
            "{ITEMS} items {:.0} ms apart, produced and taken at once on \
             a multi-thread runtime; bound: {ITEMS} periods",
            milliseconds(PERIOD)
        ),
        rows,
    };
    table.print(json)
}
