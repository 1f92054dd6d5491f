//! Per-task overhead: 100, 10 000 and 100 000 timer waits of 100 ms, gathered
//! with `join_all`, `FuturesUnordered`, `JoinSet` and spawned tasks on a
//! current-thread and a multi-thread tokio runtime, and with `join_all` of
//! smol timers. The ideal is one wait.
//!
//! ```console
//! cargo run --release -p chapters-code --example ch05_overhead
//! cargo run --release -p chapters-code --example ch05_overhead -- --json
//! ```

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use chapters_code::ch01_concurrency_vs_parallelism::milliseconds;
use chapters_code::ch05_gather::overhead::{
    Arrangement, Flavor, smol_gather_waits, time_gather_waits,
};
use chapters_code::ch05_gather::overhead_rows;
use chapters_code::measured::{
    MeasuredCell, MeasuredRow, MeasuredTable, measure_runs_timed,
    output_requested, summarise,
};

const USAGE: &str = "usage: ch05_overhead [--json]";
const WAIT: Duration = Duration::from_millis(100);
const COUNTS: [usize; 3] = [100, 10_000, 100_000];
const RUNS: usize = 3;

fn main() -> ExitCode {
    let Some(json) = output_requested("ch05_overhead", USAGE) else {
        return ExitCode::SUCCESS;
    };
    let mut rows = Vec::new();
    let mut tokio_rows = Flavor::ALL.iter().flat_map(|flavor| {
        Arrangement::ALL
            .iter()
            .map(move |arrangement| (*flavor, *arrangement))
    });
    for (id, label) in overhead_rows() {
        let time: Box<dyn Fn(usize) -> Duration> = match tokio_rows.next() {
            Some((flavor, arrangement)) => Box::new(move |n| {
                time_gather_waits(flavor, arrangement, n, WAIT)
            }),
            None => Box::new(|n| smol_gather_waits(n, WAIT)),
        };
        let cells: Vec<MeasuredCell> = COUNTS
            .iter()
            .map(|&n| {
                let runs = measure_runs_timed(RUNS, || time(n));
                let median = summarise(&runs).map_or(0.0, |s| s.median);
                eprintln!("{id} · {n} waits … {median:.1} ms");
                MeasuredCell {
                    bound_ms: milliseconds(WAIT),
                    runs,
                }
            })
            .collect();
        // What each of the most waits cost beyond the ideal.
        let most =
            summarise(&cells[COUNTS.len() - 1].runs).map_or(0.0, |s| s.median);
        let per_task_us = (most - milliseconds(WAIT)).max(0.0) * 1000.0
            / COUNTS[COUNTS.len() - 1] as f64;
        rows.push(MeasuredRow {
            id: id.to_owned(),
            label: format!("{label} · {per_task_us:.2} µs a task"),
            cells,
        });
    }
    let table = MeasuredTable {
        row_header: "Gathered with".to_owned(),
        columns: COUNTS
            .iter()
            .map(|n| format!("{} waits", thousands(*n)))
            .collect(),
        scenario: format!(
            "every wait is a {:.0} ms timer, all started at once; bound: one \
             wait; µs a task: the time beyond the bound at {} waits, divided \
             by their number",
            milliseconds(WAIT),
            thousands(COUNTS[COUNTS.len() - 1])
        ),
        rows,
    };
    let output = if json {
        table.to_json()
    } else {
        render(&table)
    };
    let _ = std::io::stdout().write_all(output.as_bytes());
    ExitCode::SUCCESS
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(digit);
    }
    out
}

fn render(table: &MeasuredTable) -> String {
    let mut text = format!("{}\n\n", table.scenario);
    for row in &table.rows {
        text += &row.label.replace('`', "");
        for cell in &row.cells {
            let median = summarise(&cell.runs).map_or(0.0, |s| s.median);
            text +=
                &format!("  {median:>8.1} ms ({:.2}×)", median / cell.bound_ms);
        }
        text.push('\n');
    }
    text
}
