//! The chapter's pipeline designs on the real clock, each beside the ideal:
//! 250 items 10 ms apart, 250 ms of (simulated I/O) work each, and for the
//! three-stage design a CPU stage on rayon. Per design: the total time and
//! each item's latency from being produced to its result being consumed
//! (mean, 99th percentile, maximum).
//!
//! ```console
//! cargo run --release -p chapters-code --example ch06_designs
//! cargo run --release -p chapters-code --example ch06_designs -- --json
//! ```

use std::process::ExitCode;
use std::time::{Duration, Instant};

use chapters_code::ch01_concurrency_vs_parallelism::milliseconds;
use chapters_code::ch06_pipelines::cpu_stage::crunch;
use chapters_code::ch06_pipelines::designs::{
    Delivery, bounded_workers, collect_then_gather, polling_consumer,
    stream_pipeline, three_stages,
};
use chapters_code::ch06_pipelines::producers::{Item, on_schedule};
use chapters_code::ch06_pipelines::{
    DESIGN_MEASURES, DESIGN_ROWS, mean_p99_max,
};
use chapters_code::measured::{
    CpuMeter, MeasuredCell, MeasuredRow, MeasuredTable, Run, output_requested,
    summarise,
};

const USAGE: &str = "usage: ch06_designs [--json]";
const RUNS: usize = 3;
const ITEMS: u64 = 250;
const PERIOD: Duration = Duration::from_millis(10);
const WORK: Duration = Duration::from_millis(250);
const POLL: Duration = Duration::from_millis(50);
const WORKERS: usize = 32;
/// The CPU stage's work per item, about.
const CPU: Duration = Duration::from_millis(2);

/// Rounds of [`crunch`] that take about [`CPU`], and their median time.
fn calibrate() -> (u64, Duration) {
    let time = |rounds| {
        let start = Instant::now();
        crunch(7, rounds);
        start.elapsed()
    };
    let probe = 1_000_000;
    let rounds = (probe as f64 * CPU.as_secs_f64()
        / time(probe).as_secs_f64().max(1e-9)) as u64;
    let mut times: Vec<Duration> = (0..21).map(|_| time(rounds)).collect();
    times.sort();
    (rounds, times[times.len() / 2])
}

/// One run of design `index`: its total and its items' latencies.
fn run_design(
    runtime: &tokio::runtime::Runtime,
    index: usize,
    rounds: u64,
) -> (Duration, Vec<Delivery>) {
    runtime.block_on(async {
        let start = tokio::time::Instant::now();
        let items = on_schedule(ITEMS, PERIOD);
        let parse = move |item: Item| {
            crunch(item.id, rounds);
            item
        };
        let delivered = match index {
            0 => collect_then_gather(items, WORK).await,
            1 => polling_consumer(items, WORK, POLL).await,
            2 => bounded_workers(items, WORK, WORKERS, WORKERS).await,
            3 => stream_pipeline(items, WORK, WORKERS).await,
            _ => three_stages(items, WORK, parse, WORKERS, WORKERS).await,
        };
        let took = start.elapsed();
        let mut ids: Vec<u64> = delivered.iter().map(|d| d.id).collect();
        ids.sort_unstable();
        assert_eq!(ids, (0..ITEMS).collect::<Vec<_>>(), "every item once");
        (took, delivered)
    })
}

fn main() -> ExitCode {
    let Some(json) = output_requested("ch06_designs", USAGE) else {
        return ExitCode::SUCCESS;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let (rounds, cpu) = calibrate();
    let ms = milliseconds;
    let producer = PERIOD * ITEMS as u32;
    let mut rows = Vec::new();
    for (index, (id, label)) in DESIGN_ROWS.into_iter().enumerate() {
        let work = if index == 4 { WORK + cpu } else { WORK };
        let bounds = [ms(producer + work), ms(work), ms(work), ms(work)];
        let mut columns: [Vec<Run>; 4] = Default::default();
        let mut quiet = 0;
        while quiet < RUNS && columns[0].len() < 2 * RUNS {
            let meter = CpuMeter::start();
            let (took, delivered) = run_design(&runtime, index, rounds);
            let others_busy_cores = meter.others_busy_cores();
            let mut latencies: Vec<f64> =
                delivered.iter().map(|d| ms(d.latency())).collect();
            let (mean, p99, max) = mean_p99_max(&mut latencies);
            for (column, value) in
                columns.iter_mut().zip([ms(took), mean, p99, max])
            {
                column.push(Run {
                    ms: value,
                    others_busy_cores,
                });
            }
            quiet += usize::from(columns[0].last().is_some_and(Run::is_quiet));
        }
        let median = |runs: &[Run]| summarise(runs).map_or(0.0, |s| s.median);
        eprintln!(
            "{id} … total {:.2} ms (ideal {:.2}), mean latency {:.3} ms \
             (ideal {:.3}), p99 {:.2}, max {:.2}",
            median(&columns[0]),
            bounds[0],
            median(&columns[1]),
            bounds[1],
            median(&columns[2]),
            median(&columns[3]),
        );
        for (((measure, what), runs), bound_ms) in
            DESIGN_MEASURES.into_iter().zip(columns).zip(bounds)
        {
            rows.push(MeasuredRow {
                id: format!("{id}/{measure}"),
                label: format!("{label} · {what}"),
                cells: vec![MeasuredCell { bound_ms, runs }],
            });
        }
    }
    let table = MeasuredTable {
        row_header: "Design · measure".to_owned(),
        columns: vec!["Time".to_owned()],
        scenario: format!(
            "{ITEMS} items {:.0} ms apart from a drift-free producer, \
             {:.0} ms of simulated I/O each (a tokio sleep), 32 workers or \
             32 at once where the design has a limit, on a multi-thread \
             runtime; the three stages add a CPU stage on rayon of {:.2} \
             ms per item; latency: from an item being produced to its \
             result being consumed; bound: the producer's time plus one \
             item's work (total) and one item's work (latencies)",
            ms(PERIOD),
            ms(WORK),
            ms(cpu),
        ),
        rows,
    };
    table.print(json)
}
