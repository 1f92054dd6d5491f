//! Timing tables: each chapter declares its tables in
//! `chapters_code::registry`; `cargo xtask tables` measures them in release
//! builds, keeps every run in `src/generated/{name}.json`, and renders
//! `src/generated/{name}.md` from that data alone.
//!
//! - A table measured by an example: the example prints a
//!   [`MeasuredTable`] (`--json`), a median, a range and a bound per cell.
//! - A table made from a criterion benchmark: see [`crate::bench_tables`].
//!
//! `cargo xtask tables --render` renders again from the committed data;
//! `--check` (what `cargo test` runs) fails when a rendered table differs
//! from what its data renders to, or when the data lacks an id its chapter
//! declares.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail, ensure};
use chapters_code::measured::{BUSY_CORES, MeasuredTable, summarise};
use chapters_code::registry::{TableSource, TableSpec};

use crate::bench_tables::{self, BenchData};
use crate::chapters::{Book, Chapter};
use crate::cli::Generate;
use crate::data::{self, DataFile};
use crate::machine::Machine;
use crate::output::Outputs;
use crate::{Mode, generated_marker};

/// The command that measures every table.
pub const COMMAND: &str = "cargo xtask tables";

/// The command that renders every table from its data.
pub const RENDER: &str = "cargo xtask tables --render";

/// `cargo xtask tables [CHAPTER] [--render | --check]`.
pub fn run(book: &Book, args: &Generate) -> Result<()> {
    data::generate(
        book,
        args,
        "timing table",
        |chapter| measure_chapter(&book.root, chapter),
        render_chapters,
    )
}

/// Checks every committed table against its data (what `cargo test` runs).
pub fn check(book: &Book) -> Result<()> {
    data::check(book, render_chapters)
}

/// The data file of a table, relative to the repository root.
pub fn data_path(spec: &TableSpec) -> String {
    format!("src/generated/{}.json", spec.name)
}

/// The rendered table, relative to the repository root.
pub fn table_path(spec: &TableSpec) -> String {
    format!("src/generated/{}.md", spec.name)
}

fn measure_command(chapter: &Chapter) -> String {
    format!("{COMMAND} {}", chapter.key)
}

fn tables_of(chapter: &Chapter) -> &'static [TableSpec] {
    chapter.material().map_or(&[], |material| material.tables)
}

/// Measures every table of `chapter` and writes its data; returns whether
/// it has any.
fn measure_chapter(root: &Path, chapter: &Chapter) -> Result<bool> {
    let tables = tables_of(chapter);
    for spec in tables {
        let machine = Machine::this_one(root)?;
        let measured_by = measure_command(chapter);
        let json = match spec.source {
            TableSource::Example { example, row_ids } => {
                let table = measure_example(root, example)?;
                check_rows(&table, &row_ids())
                    .with_context(|| format!("example {example} printed a table"))?;
                DataFile::new(&measured_by, RENDER, machine, table).to_json()?
            }
            TableSource::Bench(bench) => {
                let data = bench_tables::measure(root, bench)?;
                DataFile::new(&measured_by, RENDER, machine, data).to_json()?
            }
        };
        Outputs::new(root, Mode::Write, &measured_by).put(&data_path(spec), json)?;
    }
    Ok(!tables.is_empty())
}

/// Renders (or checks) every table of `chapters` from its data, reporting
/// every problem before failing.
fn render_chapters(root: &Path, chapters: &[&Chapter], mode: Mode) -> Result<()> {
    let mut outputs = Outputs::new(root, mode, RENDER);
    let mut problems = Vec::new();
    for chapter in chapters {
        for spec in tables_of(chapter) {
            match render_table(root, chapter, spec) {
                Ok(text) => outputs.put(&table_path(spec), text)?,
                Err(error) => problems.push(format!("{error:#}")),
            }
        }
    }
    let stale = outputs.finish();
    if let Err(error) = stale {
        problems.push(error.to_string());
    }
    ensure!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

/// Reads a table's data, checks it names every id its chapter declares, and
/// renders it.
fn render_table(root: &Path, chapter: &Chapter, spec: &TableSpec) -> Result<String> {
    let path = data_path(spec);
    let measure = measure_command(chapter);
    match spec.source {
        TableSource::Example { row_ids, .. } => {
            let file: DataFile<MeasuredTable> = data::read(root, &path, &measure)?;
            check_rows(&file.data, &row_ids())
                .with_context(|| format!("{path}: run `{measure}` and commit the result"))?;
            render_measured(&file)
        }
        TableSource::Bench(bench) => {
            let file: DataFile<BenchData> = data::read(root, &path, &measure)?;
            bench_tables::check_ids(bench, &file.data)
                .with_context(|| format!("{path}: run `{measure}` and commit the result"))?;
            bench_tables::render(&file)
        }
    }
}

/// Runs a chapter example in release mode with `--json`, showing its
/// progress, and reads the table it prints.
fn measure_example(root: &Path, example: &str) -> Result<MeasuredTable> {
    let stdout = run_release_example(root, example, &["--json"])?;
    serde_json::from_str(&stdout)
        .with_context(|| format!("reading the JSON printed by example {example}"))
}

/// Runs `cargo run --release -p chapters-code --example NAME -- ARGS` with
/// its progress on stderr, and returns what it printed on stdout.
pub(crate) fn run_release_example(root: &Path, example: &str, args: &[&str]) -> Result<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!(
        "measuring with `cargo run --release -p chapters-code --example {example} -- {}`",
        args.join(" ")
    );
    let output = Command::new(&cargo)
        .current_dir(root)
        .args(["run", "--release", "--quiet", "-p", "chapters-code"])
        .args(["--example", example, "--"])
        .args(args)
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

/// The table has exactly the rows its chapter declares, in order, each with
/// one cell per column and at least one run per cell.
fn check_rows(table: &MeasuredTable, expected: &[impl AsRef<str>]) -> Result<()> {
    let found: Vec<&str> = table.rows.iter().map(|row| row.id.as_str()).collect();
    let expected: Vec<&str> = expected.iter().map(AsRef::as_ref).collect();
    ensure!(
        found == expected,
        "the rows are {found:?}, the chapter declares {expected:?}"
    );
    for row in &table.rows {
        ensure!(
            row.cells.len() == table.columns.len(),
            "row `{}` has {} cells for {} columns",
            row.id,
            row.cells.len(),
            table.columns.len()
        );
        if let Some(column) = row.cells.iter().position(|cell| cell.runs.is_empty()) {
            bail!(
                "row `{}` has no run in column `{}`",
                row.id,
                table.columns[column]
            );
        }
    }
    Ok(())
}

/// A duration in milliseconds in the unit that suits it, and the same unit
/// for a range beside it.
#[derive(Clone, Copy)]
pub(crate) enum Unit {
    Seconds,
    Milliseconds,
    Microseconds,
    Nanoseconds,
}

impl Unit {
    pub(crate) fn for_ms(ms: f64) -> Unit {
        match ms {
            ms if ms >= 1000.0 => Unit::Seconds,
            ms if ms >= 1.0 => Unit::Milliseconds,
            ms if ms >= 0.001 => Unit::Microseconds,
            _ => Unit::Nanoseconds,
        }
    }

    /// `ms` in this unit, without the unit.
    pub(crate) fn number(self, ms: f64) -> String {
        match self {
            Unit::Seconds => format!("{:.3}", ms / 1000.0),
            Unit::Milliseconds => format!("{ms:.2}"),
            Unit::Microseconds => format!("{:.2}", ms * 1000.0),
            Unit::Nanoseconds => format!("{:.1}", ms * 1e6),
        }
    }

    /// `ms` in this unit, with the unit.
    pub(crate) fn format(self, ms: f64) -> String {
        let unit = match self {
            Unit::Seconds => "s",
            Unit::Milliseconds => "ms",
            Unit::Microseconds => "µs",
            Unit::Nanoseconds => "ns",
        };
        format!("{} {unit}", self.number(ms))
    }
}

/// `1.001 s (0.998–1.010)`: the median with its unit, the range in the same unit.
pub(crate) fn median_and_range(median: f64, min: f64, max: f64) -> String {
    in_unit(Unit::for_ms(median), median, min, max)
}

/// [`median_and_range`] in a given unit.
fn in_unit(unit: Unit, median: f64, min: f64, max: f64) -> String {
    format!(
        "{} ({}–{})",
        unit.format(median),
        unit.number(min),
        unit.number(max)
    )
}

/// A table measured by an example, as markdown: per column the median of the
/// quiet runs with their range, the bound, and median ÷ bound.
pub fn render_measured(file: &DataFile<MeasuredTable>) -> Result<String> {
    let table = &file.data;
    let mut text = String::new();
    let _ = writeln!(text, "{}\n", generated_marker(RENDER));
    let mut header = format!("| {} |", table.row_header);
    let mut alignment = String::from("|:--|");
    for column in &table.columns {
        let _ = write!(header, " {column} | Bound | Ratio |");
        alignment.push_str("--:|--:|--:|");
    }
    let _ = writeln!(text, "{header}\n{alignment}");
    // One unit per column, the one its largest figure needs, so that a
    // column reads down without a change of unit.
    let units: Vec<Unit> = (0..table.columns.len())
        .map(|column| {
            let largest = table
                .rows
                .iter()
                .filter_map(|row| row.cells.get(column))
                .flat_map(|cell| cell.runs.iter().map(|run| run.ms).chain([cell.bound_ms]))
                .fold(0.0, f64::max);
            Unit::for_ms(largest)
        })
        .collect();
    let mut runs = 0;
    let mut busy = 0;
    for row in &table.rows {
        let _ = write!(text, "| {} |", row.label);
        for (cell, unit) in row.cells.iter().zip(&units) {
            let summary = summarise(&cell.runs)
                .with_context(|| format!("row `{}` has a cell without runs", row.id))?;
            runs += cell.runs.len();
            busy += cell.runs.iter().filter(|run| !run.is_quiet()).count();
            let _ = write!(
                text,
                " {} | {} | {:.2}× |",
                in_unit(*unit, summary.median, summary.min, summary.max),
                unit.format(cell.bound_ms),
                summary.median / cell.bound_ms
            );
        }
        text.push('\n');
    }
    let _ = writeln!(
        text,
        "\n*Measured on {}, {} build: {}. Each figure is the median of the runs \
         (fastest–slowest in brackets); runs measured while other processes used more \
         than {BUSY_CORES} cores were repeated and left out ({busy} of {runs}). \
         Ratio: median ÷ bound. Reproduce with `{}`.*",
        file.machine.describe(),
        file.profile,
        table.scenario,
        file.measured_by
    );
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chapters_code::measured::{MeasuredCell, MeasuredRow, Run};

    pub(crate) fn machine() -> Machine {
        Machine {
            cores: 2,
            cpu_model: "Test CPU".into(),
            os: "Test OS".into(),
            rustc: "rustc 1.95.0".into(),
            crates: [("tokio".to_string(), "1.48.0".to_string())].into(),
            date: "2026-12-01".into(),
        }
    }

    fn run(ms: f64, busy: f64) -> Run {
        Run {
            ms,
            others_busy_cores: busy,
        }
    }

    fn sample() -> DataFile<MeasuredTable> {
        let table = MeasuredTable {
            row_header: "Variant".into(),
            columns: vec!["Sleep-bound".into()],
            scenario: "5 jobs".into(),
            rows: vec![
                MeasuredRow {
                    id: "sequential".into(),
                    label: "sequential".into(),
                    cells: vec![MeasuredCell {
                        bound_ms: 1000.0,
                        runs: vec![
                            run(1001.0, 0.0),
                            run(1500.0, 1.2),
                            run(1003.0, 0.1),
                            run(1002.0, 0.0),
                        ],
                    }],
                },
                MeasuredRow {
                    id: "threads".into(),
                    label: "`std::thread::scope`".into(),
                    cells: vec![MeasuredCell {
                        bound_ms: 200.0,
                        runs: vec![run(200.4, 0.0)],
                    }],
                },
            ],
        };
        DataFile::new("cargo xtask tables ch01", RENDER, machine(), table)
    }

    #[test]
    fn busy_runs_are_left_out_of_the_median_and_counted() {
        let text = render_measured(&sample()).unwrap();
        assert!(
            text.contains("| sequential | 1.002 s (1.001–1.003) | 1.000 s | 1.00× |"),
            "{text}"
        );
        assert!(
            text.contains("| `std::thread::scope` | 0.200 s (0.200–0.200) | 0.200 s | 1.00× |"),
            "{text}"
        );
        assert!(
            text.contains("were repeated and left out (1 of 5)"),
            "{text}"
        );
        assert!(
            text.contains("Reproduce with `cargo xtask tables ch01`"),
            "{text}"
        );
        assert!(text.starts_with(&generated_marker(RENDER)));
    }

    #[test]
    fn a_table_must_have_the_rows_its_chapter_declares() {
        let table = sample().data;
        check_rows(&table, &["sequential", "threads"]).unwrap();
        let error = check_rows(&table, &["sequential", "threads", "rayon"]).unwrap_err();
        assert!(
            error.to_string().contains("the chapter declares"),
            "{error}"
        );
    }

    #[test]
    fn a_changed_figure_fails_the_check_naming_the_table_and_the_render_command() {
        let book = Book::load(&crate::repository_root().unwrap()).unwrap();
        check(&book).unwrap();
        let chapter = book.find("ch01").unwrap();
        let spec = &tables_of(chapter)[0];
        let copy = std::env::temp_dir().join(format!("xtask-tables-{}", std::process::id()));
        std::fs::create_dir_all(copy.join("src/generated")).unwrap();
        for table in tables_of(chapter) {
            for path in [data_path(table), table_path(table)] {
                std::fs::copy(book.root.join(&path), copy.join(&path)).unwrap();
            }
        }
        let mut file: DataFile<MeasuredTable> = data::read(&copy, &data_path(spec), "-").unwrap();
        for run in &mut file.data.rows[0].cells[0].runs {
            run.ms *= 2.0;
        }
        std::fs::write(copy.join(data_path(spec)), file.to_json().unwrap()).unwrap();
        let error = render_chapters(&copy, &[chapter], Mode::Check).unwrap_err();
        render_chapters(&copy, &[chapter], Mode::Write).unwrap();
        let fixed = render_chapters(&copy, &[chapter], Mode::Check);
        std::fs::remove_dir_all(&copy).unwrap();
        assert_eq!(
            error.to_string(),
            format!(
                "stale or missing: {}: run `{RENDER}` and commit the result",
                table_path(spec)
            )
        );
        fixed.expect("rendering again fixes it, without measuring");
    }
}
