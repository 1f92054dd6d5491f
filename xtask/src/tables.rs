//! Timing tables: each chapter's example is run in release mode and its JSON
//! figures become a markdown table the chapter includes.
//!
//! The figures differ from run to run and machine to machine, so the check mode
//! verifies structure and completeness (a row per variant the code defines,
//! consistent ratios, the machine named), not the numbers.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, ensure};
use chapters_code::ch01_concurrency_vs_parallelism::{Timing, TimingReport, Variant};

use crate::{Mode, bench_tables, display_path, generated_marker};

/// The command that regenerates every table.
pub const COMMAND: &str = "cargo xtask tables";

/// Chapter 1's table, relative to the repository root.
pub const CH01_TABLE: &str = "src/generated/ch01-timings.md";

/// The example that measures chapter 1.
pub const CH01_EXAMPLE: &str = "ch01_five_jobs";

const CH01_HEADER: &str = "| Variant | Sleep-bound | Bound | Ratio | CPU-bound | Bound | Ratio |";
const CH01_ALIGNMENT: &str = "|:--|--:|--:|--:|--:|--:|--:|";

/// Checks every committed table ([`Mode::Check`]), or measures and writes
/// them all ([`Mode::Write`], see [`write`]).
pub fn generate(root: &Path, mode: Mode) -> Result<()> {
    match mode {
        Mode::Write => write(root, None),
        Mode::Check => {
            let table = root.join(CH01_TABLE);
            let text = std::fs::read_to_string(&table).with_context(|| {
                format!("reading {CH01_TABLE}: run `{COMMAND}` and commit the result")
            })?;
            check_ch01(&text).with_context(|| {
                format!("checking {CH01_TABLE}: run `{COMMAND}` and commit the result")
            })?;
            for table in bench_tables::TABLES {
                let command = format!("{COMMAND} {}", table.chapter);
                let text = std::fs::read_to_string(root.join(table.file)).with_context(|| {
                    format!(
                        "reading {}: run `{command}` and commit the result",
                        table.file
                    )
                })?;
                bench_tables::check(table, &text).with_context(|| {
                    format!(
                        "checking {}: run `{command}` and commit the result",
                        table.file
                    )
                })?;
            }
            Ok(())
        }
    }
}

/// Measures and writes the tables of one chapter (`ch01`, `ch03`, …) or, with
/// `None`, of every chapter. An unknown chapter lists the ones with tables.
pub fn write(root: &Path, chapter: Option<&str>) -> Result<()> {
    let wanted = |name: &str| chapter.is_none_or(|chapter| chapter == name);
    let known: Vec<&str> = std::iter::once("ch01")
        .chain(bench_tables::TABLES.iter().map(|table| table.chapter))
        .collect();
    if let Some(chapter) = chapter {
        ensure!(
            known.contains(&chapter),
            "no timing table for `{chapter}`: the chapters with tables are {}",
            known.join(", ")
        );
    }
    if wanted("ch01") {
        write_ch01(root)?;
    }
    for table in bench_tables::TABLES
        .iter()
        .filter(|table| wanted(table.chapter))
    {
        bench_tables::write(root, table)?;
    }
    Ok(())
}

fn write_ch01(root: &Path) -> Result<()> {
    let table = root.join(CH01_TABLE);
    let run = run_example(root, CH01_EXAMPLE)?;
    let run: TimingReport = serde_json::from_str(&run)
        .with_context(|| format!("reading the JSON printed by example {CH01_EXAMPLE}"))?;
    let text = render_ch01(
        &run,
        &cpu_model(),
        &chrono::Local::now().date_naive().to_string(),
    );
    check_ch01(&text).context("the table just rendered does not pass its own check")?;
    std::fs::write(&table, text)
        .with_context(|| format!("writing {}", display_path(root, &table)))?;
    println!("wrote {CH01_TABLE}");
    Ok(())
}

/// Runs a chapter example in release mode with `--json`, showing its progress,
/// and returns what it printed on stdout.
fn run_example(root: &Path, example: &str) -> Result<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!(
        "measuring with `cargo run --release -p chapters-code --example {example} -- --json`"
    );
    let output = Command::new(&cargo)
        .current_dir(root)
        .args([
            "run",
            "--release",
            "--quiet",
            "-p",
            "chapters-code",
            "--example",
            example,
            "--",
            "--json",
        ])
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running `{cargo}`: is cargo on PATH?"))?;
    ensure!(
        output.status.success(),
        "example {example} failed ({})",
        output.status
    );
    String::from_utf8(output.stdout)
        .with_context(|| format!("example {example} printed non-UTF-8 output"))
}

/// The CPU model as the OS names it, for the table's measured-on line.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|line| {
                let (_, model) = line.strip_prefix("model name")?.split_once(':')?;
                Some(model.trim().to_string())
            })
        })
        .unwrap_or_else(|| format!("unknown {} CPU", std::env::consts::ARCH))
}

fn seconds(ms: f64) -> String {
    format!("{:.3} s", ms / 1000.0)
}

fn ratio(figure: &Timing) -> String {
    format!("{:.2}×", figure.measured_ms / figure.bound_ms)
}

/// Chapter 1's table as markdown.
pub fn render_ch01(run: &TimingReport, cpu_model: &str, date: &str) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "{}\n", generated_marker(COMMAND));
    let _ = writeln!(text, "{CH01_HEADER}\n{CH01_ALIGNMENT}");
    for row in &run.rows {
        let _ = writeln!(
            text,
            "| {} | {} | {} | {} | {} | {} | {} |",
            row.label,
            seconds(row.sleep.measured_ms),
            seconds(row.sleep.bound_ms),
            ratio(&row.sleep),
            seconds(row.cpu.measured_ms),
            seconds(row.cpu.bound_ms),
            ratio(&row.cpu),
        );
    }
    let _ = writeln!(
        text,
        "\n*Measured on {} cores ({cpu_model}), {date}: {} jobs, each sleeping {:.0} ms or counting for about {:.0} ms. \
         Bound: the best this variant can do on this machine; ratio: measured ÷ bound. \
         Reproduce with `{COMMAND}`.*",
        run.cores, run.jobs, run.sleep_job_ms, run.cpu_job_ms
    );
    text
}

/// Checks chapter 1's table: generated marker, header, one well-formed row per
/// [`Variant`] in order, and the line naming machine, date and command.
pub fn check_ch01(text: &str) -> Result<()> {
    let rows = table_rows(text, CH01_HEADER, CH01_ALIGNMENT)?;
    let labels: Vec<&str> = rows
        .iter()
        .map(|(_, row)| row.split('|').nth(1).unwrap_or("").trim())
        .collect();
    for variant in Variant::ALL {
        ensure!(
            labels.contains(&variant.label()),
            "no row for variant `{}` (label `{}`)",
            variant.id(),
            variant.label()
        );
    }
    let expected: Vec<&str> = Variant::ALL.iter().map(|variant| variant.label()).collect();
    ensure!(
        labels == expected,
        "rows should be, in order: {expected:?}; found {labels:?}"
    );

    for (line, row) in rows {
        check_ch01_row(row).with_context(|| format!("line {line}: `{row}`"))?;
    }
    check_footer(text, COMMAND)?;
    Ok(())
}

/// A generated table's data rows, after checking the generated-file marker
/// on line 1, the header and the alignment row: `(line number, row)`.
pub(crate) fn table_rows<'a>(
    text: &'a str,
    header: &str,
    alignment: &str,
) -> Result<Vec<(usize, &'a str)>> {
    ensure!(
        text.lines().next() == Some(generated_marker(COMMAND).as_str()),
        "line 1 is not the generated-file marker `{}`",
        generated_marker(COMMAND)
    );
    let table: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line))
        .filter(|(_, line)| line.starts_with('|'))
        .collect();
    ensure!(table.len() >= 2, "no markdown table found");
    ensure!(
        table[0].1 == header,
        "line {}: header should be `{header}`",
        table[0].0
    );
    ensure!(
        table[1].1 == alignment,
        "line {}: alignment row should be `{alignment}`",
        table[1].0
    );
    Ok(table[2..].to_vec())
}

/// Checks the line under a table that names the machine, the date and the
/// command that reproduces it.
pub(crate) fn check_footer(text: &str, command: &str) -> Result<()> {
    let footer = text
        .lines()
        .find(|line| line.starts_with("*Measured on "))
        .context("no `*Measured on …*` line")?;
    ensure!(
        footer.contains(" cores ("),
        "the measured-on line does not name the cores and CPU model"
    );
    ensure!(
        footer.contains(&format!("`{command}`")),
        "the measured-on line does not give the command `{command}`"
    );
    let dated = footer.split_whitespace().any(|word| {
        chrono::NaiveDate::parse_from_str(word.trim_end_matches([':', ',']), "%Y-%m-%d").is_ok()
    });
    ensure!(dated, "the measured-on line has no date (YYYY-MM-DD)");
    Ok(())
}

fn check_ch01_row(row: &str) -> Result<()> {
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    // A row `| a | b |` splits into ["", "a", "b", ""].
    ensure!(
        cells.len() == 9,
        "expected 7 cells, found {}",
        cells.len().saturating_sub(2)
    );
    for (measured, bound, ratio) in [
        (cells[2], cells[3], cells[4]),
        (cells[5], cells[6], cells[7]),
    ] {
        let measured = parse_seconds(measured)?;
        let bound = parse_seconds(bound)?;
        let ratio: f64 = ratio
            .strip_suffix('×')
            .and_then(|r| r.parse().ok())
            .with_context(|| format!("`{ratio}` is not a ratio like `1.05×`"))?;
        ensure!(measured > 0.0 && bound > 0.0, "durations must be positive");
        let expected = measured / bound;
        // Figures are printed rounded to 1 ms, so allow that much error in the ratio.
        let tolerance = 0.006 + expected * 0.0011 / measured.min(bound);
        ensure!(
            (ratio - expected).abs() <= tolerance,
            "ratio {ratio} does not match {measured} s ÷ {bound} s"
        );
    }
    Ok(())
}

fn parse_seconds(cell: &str) -> Result<f64> {
    cell.strip_suffix(" s")
        .and_then(|number| number.parse().ok())
        .with_context(|| format!("`{cell}` is not a duration like `1.234 s`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chapters_code::ch01_concurrency_vs_parallelism::TimingRow;

    fn sample_run() -> TimingReport {
        TimingReport {
            jobs: 5,
            cores: 2,
            sleep_job_ms: 200.0,
            cpu_job_ms: 150.0,
            rows: Variant::ALL
                .iter()
                .map(|&variant| {
                    let sleep = Timing {
                        measured_ms: 212.4,
                        bound_ms: 200.0,
                    };
                    TimingRow::new(
                        variant,
                        sleep,
                        Timing {
                            measured_ms: 801.0,
                            bound_ms: 750.0,
                        },
                    )
                })
                .collect(),
        }
    }

    const CPU: &str = "Test CPU @ 2.0GHz";

    #[test]
    fn a_rendered_table_passes_the_check() {
        let text = render_ch01(&sample_run(), CPU, "2026-11-23");
        check_ch01(&text).unwrap();
        assert!(text.contains("| 0.212 s | 0.200 s | 1.06× |"), "{text}");
    }

    #[test]
    fn a_missing_variant_is_named() {
        let mut run = sample_run();
        let dropped = run.rows.remove(2);
        let error = check_ch01(&render_ch01(&run, CPU, "2026-11-23")).unwrap_err();
        assert!(
            error
                .to_string()
                .contains(&format!("no row for variant `{}`", dropped.variant)),
            "{error}"
        );
    }

    #[test]
    fn an_inconsistent_ratio_names_its_line() {
        let text = render_ch01(&sample_run(), CPU, "2026-11-23").replacen("1.06×", "2.06×", 1);
        let error = format!("{:#}", check_ch01(&text).unwrap_err());
        assert!(
            error.starts_with("line 5:") && error.contains("does not match"),
            "{error}"
        );
    }

    #[test]
    fn a_table_without_marker_or_date_is_refused() {
        let text = render_ch01(&sample_run(), CPU, "2026-11-23");
        let unmarked = text.lines().skip(1).collect::<Vec<_>>().join("\n");
        assert!(
            check_ch01(&unmarked)
                .unwrap_err()
                .to_string()
                .contains("marker")
        );
        let undated = text.replace("2026-11-23", "recently");
        assert!(
            check_ch01(&undated)
                .unwrap_err()
                .to_string()
                .contains("no date")
        );
    }
}
