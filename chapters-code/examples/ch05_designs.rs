//! The source articles' designs against the local creature service, each
//! beside the best it can do with the latencies the service draws: one by
//! one, gathered, as completed (first and last result), fixed chunks of 4
//! against `buffer_unordered(4)` under a slow tail, and 1 000 gathered
//! requests.
//!
//! ```console
//! cargo run --release -p chapters-code --example ch05_designs
//! cargo run --release -p chapters-code --example ch05_designs -- --json
//! ```

use std::process::ExitCode;
use std::time::{Duration, Instant};

use chapters_code::ch01_concurrency_vs_parallelism::milliseconds;
use chapters_code::ch05_gather::fetch::{
    as_completed, fetch_gathered, fetch_in_chunks, fetch_in_window,
    fetch_one_by_one,
};
use chapters_code::ch05_gather::ideal::{
    DESIGN_ROWS, chunks_bound, draws, slow_tail, window_bound,
};
use chapters_code::creature_service::{
    CreatureClient, CreatureService, Latency, ServiceConfig, dataset,
};
use chapters_code::measured::{
    MeasuredCell, MeasuredRow, MeasuredTable, measure_runs_timed,
    output_requested, summarise,
};
use futures::StreamExt;

const USAGE: &str = "usage: ch05_designs [--json]";
const RUNS: usize = 3;
const FEW: usize = 12;
const FIXED: Duration = Duration::from_millis(50);
const TAILED: usize = 24;
const WINDOW: usize = 4;
const MANY: usize = 1000;
const MANY_LATENCY: Duration = Duration::from_millis(20);

#[derive(Clone, Copy)]
enum Design {
    OneByOne,
    Gathered,
    FirstAsCompleted,
    LastAsCompleted,
    Chunks,
    Window,
    /// Gathered again after one gather has opened every connection.
    GatheredWarm,
}

/// Runs `design` on `names` against a fresh service (so its latencies are
/// drawn from the start of the seed), timing only the requests.
fn time_design(
    runtime: &tokio::runtime::Runtime,
    latency: &Latency,
    design: Design,
    names: &[&str],
) -> Duration {
    runtime.block_on(async {
        let config = ServiceConfig::default().with_latency(latency.clone());
        let service = CreatureService::start(config).await.expect("a service");
        let client =
            CreatureClient::new(service.addr(), Duration::from_secs(60))
                .expect("a client");
        if let Design::GatheredWarm = design {
            fetch_gathered(&client, names).await.expect("a warm-up");
        }
        let start = Instant::now();
        let fetched = match design {
            Design::GatheredWarm => {
                fetch_gathered(&client, names).await.map(|v| v.len())
            }
            Design::OneByOne => {
                fetch_one_by_one(&client, names).await.map(|v| v.len())
            }
            Design::Gathered => {
                fetch_gathered(&client, names).await.map(|v| v.len())
            }
            Design::FirstAsCompleted | Design::LastAsCompleted => {
                let mut pending = as_completed(&client, names);
                let mut count = 0;
                let mut first = None;
                while let Some((_, outcome)) = pending.next().await {
                    outcome.expect("the service answers");
                    first.get_or_insert_with(|| start.elapsed());
                    count += 1;
                }
                if let (Design::FirstAsCompleted, Some(first)) = (design, first)
                {
                    assert_eq!(count, names.len());
                    service.shutdown().await.expect("a clean stop");
                    return first;
                }
                Ok(count)
            }
            Design::Chunks => fetch_in_chunks(&client, names, WINDOW)
                .await
                .map(|v| v.len()),
            Design::Window => fetch_in_window(&client, names, WINDOW)
                .await
                .map(|v| v.len()),
        };
        let took = start.elapsed();
        assert_eq!(fetched.expect("the service answers"), names.len());
        service.shutdown().await.expect("a clean stop");
        took
    })
}

fn main() -> ExitCode {
    let Some(json) = output_requested("ch05_designs", USAGE) else {
        return ExitCode::SUCCESS;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let creatures = dataset::shipped();
    let names: Vec<&str> = creatures
        .iter()
        .cycle()
        .take(MANY)
        .map(|creature| creature.name.as_str())
        .collect();
    let fixed = Latency::Fixed(FIXED);
    let tail = slow_tail();
    let tail_draws = draws(&tail, TAILED);
    let few_draws = draws(&tail, FEW);
    let ms = milliseconds;
    let cases: [(Design, &Latency, &[&str], f64); 6] = [
        (
            Design::OneByOne,
            &fixed,
            &names[..FEW],
            ms(FIXED * FEW as u32),
        ),
        (Design::Gathered, &fixed, &names[..FEW], ms(FIXED)),
        (
            Design::FirstAsCompleted,
            &tail,
            &names[..FEW],
            ms(few_draws.iter().copied().min().unwrap_or_default()),
        ),
        (
            Design::LastAsCompleted,
            &tail,
            &names[..FEW],
            ms(few_draws.iter().copied().max().unwrap_or_default()),
        ),
        (
            Design::Chunks,
            &tail,
            &names[..TAILED],
            ms(chunks_bound(&tail_draws, WINDOW)),
        ),
        (
            Design::Window,
            &tail,
            &names[..TAILED],
            ms(window_bound(&tail_draws, WINDOW)),
        ),
    ];
    let many = Latency::Fixed(MANY_LATENCY);
    let mut rows = Vec::new();
    let cells = cases
        .into_iter()
        .map(|(design, latency, names, bound_ms)| {
            (
                measure_runs_timed(RUNS, || {
                    time_design(&runtime, latency, design, names)
                }),
                bound_ms,
            )
        })
        .chain([
            (
                measure_runs_timed(RUNS, || {
                    time_design(&runtime, &many, Design::Gathered, &names)
                }),
                ms(MANY_LATENCY),
            ),
            (
                measure_runs_timed(RUNS, || {
                    time_design(&runtime, &many, Design::GatheredWarm, &names)
                }),
                ms(MANY_LATENCY),
            ),
        ]);
    for ((id, label), (runs, bound_ms)) in DESIGN_ROWS.into_iter().zip(cells) {
        let median = summarise(&runs).map_or(0.0, |s| s.median);
        eprintln!("{id} … {median:.1} ms (bound {bound_ms:.1} ms)");
        rows.push(MeasuredRow {
            id: id.to_owned(),
            label: label.to_owned(),
            cells: vec![MeasuredCell { bound_ms, runs }],
        });
    }
    let table = MeasuredTable {
        row_header: "Design".to_owned(),
        columns: vec!["Time".to_owned()],
        scenario: format!(
            "{FEW} creatures at a fixed {:.0} ms, or drawn around {:.0} ms \
             with a slow tail (15% of requests 5× slower; {TAILED} \
             creatures for the chunks and the window), and {MANY} at \
             {:.0} ms, each against a fresh service over loopback on a \
             multi-thread runtime; bound: the best the design can do with \
             the latencies the service drew",
            ms(FIXED),
            ms(FIXED),
            ms(MANY_LATENCY)
        ),
        rows,
    };
    table.print(json)
}
