//! The source talk's fragile service (ten requests in flight at most),
//! sent twenty requests at once: behind a semaphore of 8 and of 10, with no
//! limit, and through `buffer_unordered(8)`. Each row beside its bound (one
//! latency per round of requests), its label giving how many requests were
//! answered and refused in every run.
//!
//! ```console
//! cargo run --release -p chapters-code --example ch07_limits
//! cargo run --release -p chapters-code --example ch07_limits -- --json
//! ```

use std::process::ExitCode;
use std::time::{Duration, Instant};

use chapters_code::ch01_concurrency_vs_parallelism::milliseconds;
use chapters_code::ch07_semaphores::limit::{
    REQUESTS, SERVICE_LIMIT, Tally, fetch_all, fetch_all_limited,
    fetch_in_window, names, start_fragile_service,
};
use chapters_code::ch07_semaphores::{LIMIT_ROWS, ideal_time};
use chapters_code::creature_service::CreatureClient;
use chapters_code::measured::{
    MeasuredCell, MeasuredRow, MeasuredTable, measure_runs_timed,
    output_requested, summarise,
};
use tokio::sync::Semaphore;

const USAGE: &str = "usage: ch07_limits [--json]";
const RUNS: usize = 5;
const LATENCY: Duration = Duration::from_millis(100);

/// Runs row `id` against a fresh fragile service, timing only the
/// requests; returns the time and what came back.
fn run_row(
    runtime: &tokio::runtime::Runtime,
    id: &str,
    limit: Option<usize>,
) -> (Duration, Tally) {
    runtime.block_on(async {
        let service = start_fragile_service(LATENCY).await.expect("a service");
        let client =
            CreatureClient::new(service.addr(), Duration::from_secs(60))
                .expect("a client");
        let names = names(REQUESTS);
        let start = Instant::now();
        let outcomes = match (id, limit) {
            ("buffer-unordered-8", Some(window)) => {
                fetch_in_window(&client, &names, window).await
            }
            (_, Some(permits)) => {
                let permits = Semaphore::new(permits);
                fetch_all_limited(&client, &names, &permits).await
            }
            (_, None) => fetch_all(&client, &names).await,
        };
        let took = start.elapsed();
        let tally = Tally::of(&outcomes);
        let stats = service.shutdown().await.expect("a clean stop");
        assert_eq!(tally.other, 0, "{id}: {tally:?}");
        assert_eq!(stats.limit_violations as usize, tally.overloaded, "{id}");
        (took, tally)
    })
}

/// `7` when every run gave 7, `6–8` when they differed.
fn range(values: impl IntoIterator<Item = usize>) -> String {
    let values: Vec<usize> = values.into_iter().collect();
    let (min, max) = (values.iter().min(), values.iter().max());
    match (min, max) {
        (Some(min), Some(max)) if min == max => min.to_string(),
        (Some(min), Some(max)) => format!("{min}–{max}"),
        _ => "no run".to_owned(),
    }
}

fn main() -> ExitCode {
    let Some(json) = output_requested("ch07_limits", USAGE) else {
        return ExitCode::SUCCESS;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mut rows = Vec::new();
    for (id, limit) in LIMIT_ROWS {
        let mut tallies = Vec::new();
        let runs = measure_runs_timed(RUNS, || {
            let (took, tally) = run_row(&runtime, id, limit);
            tallies.push(tally);
            took
        });
        let bound_ms = milliseconds(ideal_time(REQUESTS, limit, LATENCY));
        let how = match (id, limit) {
            ("buffer-unordered-8", Some(window)) => {
                format!("`buffer_unordered({window})`")
            }
            (_, Some(permits)) => format!("`Semaphore::new({permits})`"),
            (_, None) => "no limit".to_owned(),
        };
        let completed = range(tallies.iter().map(|t| t.completed));
        let refused = range(tallies.iter().map(|t| t.overloaded));
        let median = summarise(&runs).map_or(0.0, |s| s.median);
        eprintln!(
            "{id} … {median:.1} ms (bound {bound_ms:.1} ms), {completed} \
             answered, {refused} refused"
        );
        rows.push(MeasuredRow {
            id: id.to_owned(),
            label: format!("{how} · {completed} answered, {refused} refused"),
            cells: vec![MeasuredCell { bound_ms, runs }],
        });
    }
    let table = MeasuredTable {
        row_header: "Limit".to_owned(),
        columns: vec!["Time for all".to_owned()],
        scenario: format!(
            "{REQUESTS} requests gathered at once against a fresh service \
             that answers after {:.0} ms and refuses with 503 any request \
             beyond {SERVICE_LIMIT} in flight, over loopback on a \
             multi-thread runtime; answered and refused: the counts of \
             every run; bound: one latency per round of requests the limit \
             allows",
            milliseconds(LATENCY)
        ),
        rows,
    };
    table.print(json)
}
