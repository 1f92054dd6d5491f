//! Timelines: SVG pictures of which job ran when, on which thread, recorded
//! from real runs of the chapters' scenarios.
//!
//! Each picture is a Gantt chart drawn with plotters' SVG backend: one lane per
//! thread, one bar per [`Segment`](chapters_code::timeline::Segment) (a whole
//! blocking job, or one poll of a task), coloured and labelled by job. Bars too
//! narrow for their label (a poll lasts microseconds) share one label above
//! them, listing their jobs in order. Every picture of a workload uses the same
//! time axis, so the pictures compare at a glance.
//!
//! A file holds, in order:
//!
//! 1. the generated-file marker, an XML comment (plotters writes no
//!    `<?xml …?>` declaration, so nothing has to precede it);
//! 2. a comment listing what was recorded:
//!    `<!-- recorded jobs: 0, 1, 2; lanes: main, rayon 0 -->`;
//! 3. the SVG document.
//!
//! Timings differ between runs, so the check mode verifies structure, not
//! pixels: every expected file exists, starts with the marker and the summary,
//! holds one complete `<svg>` document with a size and a footnote naming the
//! machine and the date, labels every recorded lane and draws a bar in the
//! colour of every job.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail, ensure};
use chapters_code::ch01_concurrency_vs_parallelism::{
    Scenario, Variant, Workload, available_cores, calibrate_count_to, record_scenario,
};
use chapters_code::ch03_event_loop_internals::timelines::record_timers;
use chapters_code::timeline::Timeline;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::tables::cpu_model;
use crate::{Mode, display_path, generated_marker};

/// The command that regenerates every timeline.
pub const COMMAND: &str = "cargo xtask timelines";

/// How many jobs each of chapter 1's scenarios runs.
pub const CH01_JOBS: usize = 5;
const CH01_SLEEP: Duration = Duration::from_millis(100);
const CH01_CPU_JOB: Duration = Duration::from_millis(100);

/// Chapter 1's pictures: the variants whose shapes the chapter discusses, on
/// both workloads.
pub const CH01_TIMELINES: [(Variant, Workload); 10] = [
    (Variant::Sequential, Workload::SleepBound),
    (Variant::Sequential, Workload::CpuBound),
    (Variant::Threads, Workload::SleepBound),
    (Variant::Threads, Workload::CpuBound),
    (Variant::TokioTasks, Workload::SleepBound),
    (Variant::TokioTasks, Workload::CpuBound),
    (Variant::TokioCurrentThread, Workload::SleepBound),
    (Variant::TokioCurrentThread, Workload::CpuBound),
    (Variant::Rayon, Workload::SleepBound),
    (Variant::Rayon, Workload::CpuBound),
];

/// Where the picture of `variant` on `workload` lives, relative to the
/// repository root.
///
/// ```
/// use chapters_code::ch01_concurrency_vs_parallelism::{Variant, Workload};
///
/// assert_eq!(
///     xtask::timelines::ch01_path(Variant::Rayon, Workload::SleepBound),
///     "src/generated/ch01-timeline-rayon-sleep-bound.svg"
/// );
/// ```
pub fn ch01_path(variant: Variant, workload: Workload) -> String {
    format!(
        "src/generated/ch01-timeline-{}-{}.svg",
        variant.id(),
        workload.id()
    )
}

/// Chapter 3's deadlines, one sleeping task each, in job order.
pub const CH03_DEADLINES: [Duration; 5] = [
    Duration::from_millis(20),
    Duration::from_millis(40),
    Duration::from_millis(60),
    Duration::from_millis(80),
    Duration::from_millis(100),
];
/// How long chapter 3's task that never yields counts for.
const CH03_BUSY: Duration = Duration::from_millis(50);

/// Chapter 3's pictures, by name: the sleepers alone, and behind a task that
/// counts without yielding (one more job).
pub const CH03_TIMELINES: [(&str, bool); 2] =
    [("timers", false), ("timers-behind-a-busy-task", true)];

/// Where chapter 3's picture `name` lives, relative to the repository root.
pub fn ch03_path(name: &str) -> String {
    format!("src/generated/ch03-timeline-{name}.svg")
}

/// Every timeline file and how many jobs it must show.
fn expected_files() -> Vec<(String, usize)> {
    let ch01 = CH01_TIMELINES
        .iter()
        .map(|&(variant, workload)| (ch01_path(variant, workload), CH01_JOBS));
    let ch03 = CH03_TIMELINES
        .iter()
        .map(|&(name, busy)| (ch03_path(name), CH03_DEADLINES.len() + usize::from(busy)));
    ch01.chain(ch03).collect()
}

/// Records and draws every timeline ([`Mode::Write`]) or checks the committed
/// ones.
pub fn generate(root: &Path, mode: Mode) -> Result<()> {
    match mode {
        Mode::Check => check_all(root),
        Mode::Write => {
            let started = Instant::now();
            let footnote = format!(
                "{FOOTNOTE_START}{} cores ({}), {} · {COMMAND}",
                available_cores(),
                cpu_model(),
                chrono::Local::now().date_naive()
            );
            let drawn = write_ch01(root, &footnote)? + write_ch03(root, &footnote)?;
            println!(
                "recorded and drew {drawn} timelines in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
    }
}

fn check_all(root: &Path) -> Result<()> {
    let problems: Vec<String> = expected_files()
        .into_iter()
        .filter_map(|(relative, jobs)| {
            check_file(&root.join(&relative), jobs)
                .err()
                .map(|error| format!("  {relative}: {error:#}"))
        })
        .collect();
    ensure!(
        problems.is_empty(),
        "timelines are missing or malformed: run `{COMMAND}` and commit the result\n{}",
        problems.join("\n")
    );
    Ok(())
}

fn check_file(path: &Path, jobs: usize) -> Result<()> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => bail!("missing"),
        Err(error) => return Err(error).context("reading the file"),
    };
    check_svg(&text, jobs)
}

/// Draws a recorded timeline, checks the drawing and writes it.
fn write_picture(
    root: &Path,
    relative: &str,
    title: &str,
    footnote: &str,
    timeline: &Timeline,
    axis_end: Duration,
    jobs: usize,
) -> Result<()> {
    let text = render_svg(title, footnote, timeline, axis_end)
        .with_context(|| format!("drawing {relative}"))?;
    check_svg(&text, jobs)
        .with_context(|| format!("{relative} as just drawn does not pass its own check"))?;
    let path = root.join(relative);
    std::fs::write(&path, text)
        .with_context(|| format!("writing {}", display_path(root, &path)))?;
    println!("wrote {relative}");
    Ok(())
}

fn write_ch01(root: &Path, footnote: &str) -> Result<usize> {
    eprintln!(
        "calibrating the counting job to about {} ms",
        CH01_CPU_JOB.as_millis()
    );
    let calibration = calibrate_count_to(CH01_CPU_JOB);
    let scenario = Scenario {
        jobs: CH01_JOBS,
        sleep: CH01_SLEEP,
        cpu_iterations: calibration.iterations,
    };
    let recorded: Vec<(Variant, Workload, Timeline)> = CH01_TIMELINES
        .iter()
        .map(|&(variant, workload)| {
            let timeline = record_scenario(variant, workload, &scenario);
            eprintln!(
                "recorded {} {}: done at {:.0} ms, lanes: {}",
                variant.id(),
                workload.id(),
                milliseconds(timeline.end()),
                timeline.lanes().join(", ")
            );
            (variant, workload, timeline)
        })
        .collect();

    for (variant, workload, timeline) in &recorded {
        let axis_end = shared_axis_end(
            recorded
                .iter()
                .filter(|(_, other, _)| other == workload)
                .map(|(_, _, timeline)| timeline),
        );
        let what = match workload {
            Workload::SleepBound => format!("each sleeping {} ms", CH01_SLEEP.as_millis()),
            Workload::CpuBound => format!(
                "each counting for about {:.0} ms",
                milliseconds(calibration.one_job)
            ),
        };
        let title = format!(
            "{}: {CH01_JOBS} jobs {what}, all done at {:.0} ms",
            variant.label().replace('`', ""),
            milliseconds(timeline.end())
        );
        let relative = ch01_path(*variant, *workload);
        write_picture(
            root, &relative, &title, footnote, timeline, axis_end, CH01_JOBS,
        )?;
    }
    Ok(recorded.len())
}

fn write_ch03(root: &Path, footnote: &str) -> Result<usize> {
    eprintln!(
        "calibrating chapter 3's counting task to about {} ms",
        CH03_BUSY.as_millis()
    );
    let busy = calibrate_count_to(CH03_BUSY);
    let recorded: Vec<(&str, bool, Timeline)> = CH03_TIMELINES
        .iter()
        .map(|&(name, with_busy)| {
            let timeline = record_timers(&CH03_DEADLINES, with_busy.then_some(busy.iterations));
            eprintln!(
                "recorded ch03 {name}: done at {:.0} ms",
                milliseconds(timeline.end())
            );
            (name, with_busy, timeline)
        })
        .collect();
    let axis_end = shared_axis_end(recorded.iter().map(|(_, _, timeline)| timeline));
    let sleepers = CH03_DEADLINES.len();
    let deadlines: Vec<String> = CH03_DEADLINES
        .iter()
        .map(|deadline| deadline.as_millis().to_string())
        .collect();
    for (name, with_busy, timeline) in &recorded {
        let busy_part = if *with_busy {
            format!(
                ", then task {sleepers} counts for about {:.0} ms without yielding",
                milliseconds(busy.one_job)
            )
        } else {
            String::new()
        };
        let title = format!(
            "Tuned executor: tasks 0–{} sleep until {} ms{busy_part}; done at {:.0} ms",
            sleepers - 1,
            deadlines.join(", "),
            milliseconds(timeline.end())
        );
        let jobs = sleepers + usize::from(*with_busy);
        write_picture(
            root,
            &ch03_path(name),
            &title,
            footnote,
            timeline,
            axis_end,
            jobs,
        )?;
    }
    Ok(recorded.len())
}

/// The end of a time axis shared by several timelines: the next multiple of
/// 50 ms after the latest end, so that no bar touches the chart's edge.
fn shared_axis_end<'a>(timelines: impl Iterator<Item = &'a Timeline>) -> Duration {
    const STEP_MS: u128 = 50;
    let latest = timelines.map(Timeline::end).max().unwrap_or_default();
    let axis_ms = (latest.as_millis() / STEP_MS + 1) * STEP_MS;
    Duration::from_millis(u64::try_from(axis_ms).unwrap_or(u64::MAX))
}

fn milliseconds(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

const FONT: &str = "sans-serif";
const WIDTH: u32 = 860;
const LANE_HEIGHT: u32 = 42;
/// Caption, time axis, footnote and margins.
const CHROME_HEIGHT: u32 = 130;
const FOOTNOTE_HEIGHT: u32 = 22;
const LANE_LABEL_WIDTH: u32 = 160;
/// The y axis counts lanes in hundredths: plotters' custom tick marks need a
/// range whose values it can format, which rules out `f64`.
const LANE_UNITS: i32 = 100;
/// Where a bar sits inside its lane, in [`LANE_UNITS`] from the lane's bottom;
/// the space above holds the labels of bars too narrow for one.
const BAR_BOTTOM: i32 = 12;
const BAR_TOP: i32 = 60;
const SHARED_LABEL_BOTTOM: i32 = 66;
/// A poll of a few microseconds still shows as a sliver this wide.
const MIN_BAR_PIXELS: f64 = 2.0;
const LABEL_FONT_SIZE: u32 = 13;
/// The naive width of one label character at [`LABEL_FONT_SIZE`], in pixels:
/// an SVG is measured by the browser, not here, so estimate generously.
const LABEL_CHAR_PIXELS: f64 = 8.0;
const STRIPE: RGBColor = RGBColor(0xF2, 0xF2, 0xF2);

/// Okabe and Ito's palette, readable with every common colour-vision
/// deficiency; black is left out, it is the label colour.
const JOB_COLOURS: [RGBColor; 7] = [
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xF0, 0xE4, 0x42),
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
];

fn job_colour(job: usize) -> RGBColor {
    JOB_COLOURS[job % JOB_COLOURS.len()]
}

/// How plotters writes a colour into the SVG.
fn job_colour_hex(job: usize) -> String {
    let RGBColor(red, green, blue) = job_colour(job);
    format!("#{red:02X}{green:02X}{blue:02X}")
}

/// Black on light bars, white on dark ones.
fn label_colour(job: usize) -> RGBColor {
    let RGBColor(red, green, blue) = job_colour(job);
    let luma = 0.299 * f64::from(red) + 0.587 * f64::from(green) + 0.114 * f64::from(blue);
    if luma > 120.0 { BLACK } else { WHITE }
}

fn label_pixels(label: &str) -> f64 {
    label.chars().count() as f64 * LABEL_CHAR_PIXELS
}

/// How the footnote naming the machine, the date and the command begins.
pub const FOOTNOTE_START: &str = "recorded on ";

/// Draws `timeline` as a Gantt chart titled `title`, its time axis running
/// from zero to `axis_end`, with `footnote` (which starts with
/// [`FOOTNOTE_START`]) under it, and returns the file's text: marker, summary
/// line, SVG document.
pub fn render_svg(
    title: &str,
    footnote: &str,
    timeline: &Timeline,
    axis_end: Duration,
) -> Result<String> {
    let lanes = timeline.lanes();
    ensure!(!lanes.is_empty(), "nothing was recorded for “{title}”");
    let summary = summary_line(&timeline.jobs(), &lanes)?;
    let mut svg = String::new();
    draw_chart(&mut svg, title, footnote, timeline, &lanes, axis_end)
        .map_err(|error| anyhow!("plotters failed: {error}"))?;
    Ok(format!("{}\n{summary}\n{svg}", generated_marker(COMMAND)))
}

const SUMMARY_START: &str = "<!-- recorded jobs: ";
const SUMMARY_LANES: &str = "; lanes: ";
const SUMMARY_END: &str = " -->";

fn summary_line(jobs: &[usize], lanes: &[&str]) -> Result<String> {
    for lane in lanes {
        ensure!(
            !lane.is_empty() && !lane.contains([',', ';']) && !lane.contains("--"),
            "lane `{lane}` cannot be listed in the summary comment: name the thread without `,`, `;` or `--`"
        );
    }
    let jobs: Vec<String> = jobs.iter().map(usize::to_string).collect();
    Ok(format!(
        "{SUMMARY_START}{}{SUMMARY_LANES}{}{SUMMARY_END}",
        jobs.join(", "),
        lanes.join(", ")
    ))
}

fn parse_summary(line: &str) -> Option<(Vec<usize>, Vec<&str>)> {
    let listed = line
        .strip_prefix(SUMMARY_START)?
        .strip_suffix(SUMMARY_END)?;
    let (jobs, lanes) = listed.split_once(SUMMARY_LANES)?;
    let jobs = jobs
        .split(", ")
        .map(|job| job.parse().ok())
        .collect::<Option<Vec<usize>>>()?;
    let lanes: Vec<&str> = lanes.split(", ").collect();
    (!jobs.is_empty() && lanes.iter().all(|lane| !lane.is_empty())).then_some((jobs, lanes))
}

type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

fn draw_chart(
    svg: &mut String,
    title: &str,
    footnote: &str,
    timeline: &Timeline,
    lanes: &[&str],
    axis_end: Duration,
) -> DrawResult {
    let lane_count = lanes.len();
    let lanes_high = i32::try_from(lane_count)?;
    let height = CHROME_HEIGHT + LANE_HEIGHT * u32::try_from(lane_count)?;
    let root = SVGBackend::with_string(svg, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;

    let axis_ms = milliseconds(axis_end);
    // Lane 0 is drawn at the top; plotters' y axis grows upwards.
    let lane_bottom = |lane: usize| (lanes_high - 1 - lane as i32) * LANE_UNITS;
    let lane_centres = (0..lanes_high)
        .map(|lane| lane * LANE_UNITS + LANE_UNITS / 2)
        .collect();
    let (chart_area, footnote_area) = root.split_vertically(height - FOOTNOTE_HEIGHT);
    let mut chart = ChartBuilder::on(&chart_area)
        .caption(title, (FONT, 18))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(LANE_LABEL_WIDTH)
        .build_cartesian_2d(
            0.0..axis_ms,
            (0..lanes_high * LANE_UNITS).with_key_points(lane_centres),
        )?;

    chart.draw_series((0..lane_count).filter(|lane| lane % 2 == 1).map(|lane| {
        let bottom = lane_bottom(lane);
        Rectangle::new(
            [(0.0, bottom), (axis_ms, bottom + LANE_UNITS)],
            STRIPE.filled(),
        )
    }))?;
    let lane_name = |y: &i32| {
        usize::try_from(lanes_high - 1 - y / LANE_UNITS)
            .ok()
            .and_then(|from_top| lanes.get(from_top))
            .map_or_else(String::new, |lane| (*lane).to_owned())
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc("milliseconds since the recording started")
        .x_label_formatter(&|ms| format!("{ms:.0}"))
        .y_label_formatter(&lane_name)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 14))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.12))
        .draw()?;

    let (x_pixels, _) = chart.plotting_area().get_pixel_range();
    let pixels_per_ms = f64::from(x_pixels.end - x_pixels.start) / axis_ms;
    let bars: Vec<Bar> = timeline
        .segments()
        .iter()
        .map(|segment| {
            let lane = lanes
                .iter()
                .position(|lane| *lane == segment.lane)
                .unwrap_or_default();
            let start = milliseconds(segment.start);
            let end = milliseconds(segment.end).max(start + MIN_BAR_PIXELS / pixels_per_ms);
            Bar {
                lane,
                job: segment.job,
                start,
                end,
                fits_label: (end - start) * pixels_per_ms
                    >= label_pixels(&segment.job.to_string()) + 4.0,
            }
        })
        .collect();

    chart.draw_series(bars.iter().map(|bar| {
        let bottom = lane_bottom(bar.lane);
        Rectangle::new(
            [
                (bar.start, bottom + BAR_BOTTOM),
                (bar.end, bottom + BAR_TOP),
            ],
            job_colour(bar.job).filled(),
        )
    }))?;
    // A white edge separates bars that touch; slivers would vanish under it.
    chart.draw_series(
        bars.iter()
            .filter(|bar| (bar.end - bar.start) * pixels_per_ms >= 6.0)
            .map(|bar| {
                let bottom = lane_bottom(bar.lane);
                Rectangle::new(
                    [
                        (bar.start, bottom + BAR_BOTTOM),
                        (bar.end, bottom + BAR_TOP),
                    ],
                    WHITE.stroke_width(1),
                )
            }),
    )?;

    let centred = Pos::new(HPos::Center, VPos::Center);
    chart.draw_series(bars.iter().filter(|bar| bar.fits_label).map(|bar| {
        let style = (FONT, LABEL_FONT_SIZE)
            .into_font()
            .color(&label_colour(bar.job))
            .pos(centred);
        let middle = (
            (bar.start + bar.end) / 2.0,
            lane_bottom(bar.lane) + (BAR_BOTTOM + BAR_TOP) / 2,
        );
        Text::new(bar.job.to_string(), middle, style)
    }))?;

    let right_edge_ms = axis_ms;
    chart.draw_series(
        shared_labels(&bars, lane_count, pixels_per_ms)
            .into_iter()
            .map(|label| {
                let width_ms = label_pixels(&label.text) / pixels_per_ms;
                // A label that would run off the chart ends at its last bar instead.
                let (x, h_pos) = if label.start + width_ms > right_edge_ms {
                    (label.end, HPos::Right)
                } else {
                    (label.start, HPos::Left)
                };
                let style = (FONT, LABEL_FONT_SIZE)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(h_pos, VPos::Bottom));
                let y = lane_bottom(label.lane) + SHARED_LABEL_BOTTOM;
                Text::new(label.text, (x, y), style)
            }),
    )?;

    let bottom_right = (
        i32::try_from(WIDTH)? - 12,
        i32::try_from(FOOTNOTE_HEIGHT)? - 6,
    );
    footnote_area.draw(&Text::new(
        footnote,
        bottom_right,
        (FONT, 12)
            .into_font()
            .color(&BLACK.mix(0.6))
            .pos(Pos::new(HPos::Right, VPos::Bottom)),
    ))?;
    root.present()?;
    Ok(())
}

/// One segment as drawn, in milliseconds.
struct Bar {
    lane: usize,
    job: usize,
    start: f64,
    end: f64,
    fits_label: bool,
}

/// The label above a run of bars too narrow for their own: their jobs, in
/// order of first appearance.
struct SharedLabel {
    lane: usize,
    text: String,
    start: f64,
    end: f64,
}

fn shared_labels(bars: &[Bar], lane_count: usize, pixels_per_ms: f64) -> Vec<SharedLabel> {
    let gap_ms = LABEL_CHAR_PIXELS / pixels_per_ms;
    let mut labels = Vec::new();
    for lane in 0..lane_count {
        let mut current: Option<(SharedLabel, Vec<usize>)> = None;
        for bar in bars
            .iter()
            .filter(|bar| bar.lane == lane && !bar.fits_label)
        {
            if let Some((label, jobs)) = &mut current {
                let label_end = label.start + label_pixels(&label.text) / pixels_per_ms + gap_ms;
                if bar.start <= label_end {
                    if !jobs.contains(&bar.job) {
                        jobs.push(bar.job);
                        let _ = write!(label.text, " {}", bar.job);
                    }
                    label.end = label.end.max(bar.end);
                    continue;
                }
            }
            if let Some((label, _)) = current.take() {
                labels.push(label);
            }
            let label = SharedLabel {
                lane,
                text: bar.job.to_string(),
                start: bar.start,
                end: bar.end,
            };
            current = Some((label, vec![bar.job]));
        }
        labels.extend(current.map(|(label, _)| label));
    }
    labels
}

/// Checks one timeline file: marker, summary of `jobs` jobs numbered from 0,
/// one complete SVG document with a size, a footnote naming the machine, a
/// label per lane, a bar per job.
pub fn check_svg(text: &str, jobs: usize) -> Result<()> {
    let mut parts = text.splitn(3, '\n');
    let marker = generated_marker(COMMAND);
    ensure!(
        parts.next() == Some(marker.as_str()),
        "line 1 is not the generated-file marker `{marker}`"
    );
    let (recorded_jobs, lanes) = parts.next().and_then(parse_summary).with_context(|| {
        format!("line 2 does not list what was recorded (`{SUMMARY_START}…{SUMMARY_LANES}…{SUMMARY_END}`)")
    })?;
    let expected: Vec<usize> = (0..jobs).collect();
    ensure!(
        recorded_jobs == expected,
        "line 2 lists jobs {recorded_jobs:?}, expected {expected:?}"
    );
    let document = read_svg(parts.next().unwrap_or_default())?;
    ensure!(
        document
            .texts
            .iter()
            .any(|text| text.starts_with(FOOTNOTE_START) && text.ends_with(COMMAND)),
        "no footnote `{FOOTNOTE_START}…` naming the machine, the date and `{COMMAND}`"
    );
    for lane in lanes {
        ensure!(
            document.texts.iter().any(|text| text == lane),
            "no label for lane `{lane}`"
        );
    }
    for job in recorded_jobs {
        let colour = job_colour_hex(job);
        ensure!(
            document.rect_fills.contains(&colour),
            "no bar for job {job} (a `<rect>` filled with {colour})"
        );
    }
    Ok(())
}

/// What the check needs to know of an SVG document.
#[derive(Debug)]
struct SvgDocument {
    texts: Vec<String>,
    rect_fills: Vec<String>,
}

/// Reads `svg` as one `<svg>` element with a width and a height, every tag
/// closed in order, and collects the contents of its `<text>` elements and the
/// fills of its `<rect>` elements.
fn read_svg(svg: &str) -> Result<SvgDocument> {
    let mut document = SvgDocument {
        texts: Vec::new(),
        rect_fills: Vec::new(),
    };
    let mut open: Vec<&str> = Vec::new();
    let mut roots = 0;
    let mut rest = svg;
    loop {
        let Some(tag_start) = rest.find('<') else {
            ensure!(
                open.is_empty() || rest.trim().is_empty(),
                "truncated: text after the last tag"
            );
            break;
        };
        let between = &rest[..tag_start];
        if open.is_empty() {
            ensure!(
                between.trim().is_empty(),
                "text outside the `<svg>` element"
            );
        } else if open.last() == Some(&"text") {
            document.texts.push(unescape(between.trim()));
        }
        rest = &rest[tag_start..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            let end = comment
                .find("-->")
                .context("truncated: a comment is never closed")?;
            rest = &comment[end + 3..];
            continue;
        }
        let tag_end = rest
            .find('>')
            .context("truncated: the last tag is cut off")?;
        let tag = &rest[1..tag_end];
        rest = &rest[tag_end + 1..];
        if let Some(closing) = tag.strip_prefix('/') {
            let closing = closing.trim();
            let opened = open
                .pop()
                .with_context(|| format!("`</{closing}>` closes nothing"))?;
            ensure!(
                opened == closing,
                "`<{opened}>` is closed by `</{closing}>`"
            );
            continue;
        }
        let name = tag
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or_default();
        ensure!(!name.is_empty(), "an empty tag `<{tag}>`");
        if open.is_empty() {
            roots += 1;
            ensure!(
                roots == 1,
                "a second root element `<{name}>`: one `<svg>` document only"
            );
            ensure!(name == "svg", "the root element is `<{name}>`, not `<svg>`");
            for size in ["width", "height"] {
                let value = attribute(tag, size)
                    .with_context(|| format!("the `<svg>` element has no {size}"))?;
                ensure!(
                    value.parse::<f64>().is_ok_and(|pixels| pixels > 0.0),
                    "the `<svg>` element's {size} `{value}` is not a positive number"
                );
            }
        }
        if name == "rect" {
            document
                .rect_fills
                .extend(attribute(tag, "fill").map(str::to_owned));
        }
        if !tag.ends_with('/') {
            open.push(name);
        }
    }
    if let Some(unclosed) = open.last() {
        bail!("truncated: `<{unclosed}>` is never closed");
    }
    ensure!(roots == 1, "no `<svg>` element");
    Ok(document)
}

/// The value of attribute `name` in the text of a tag, if present.
fn attribute<'tag>(tag: &'tag str, name: &str) -> Option<&'tag str> {
    let pattern = format!(" {name}=\"");
    let start = tag.find(&pattern)? + pattern.len();
    let length = tag[start..].find('"')?;
    Some(&tag[start..start + length])
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chapters_code::timeline::Segment;

    fn segment(lane: &str, job: usize, start_ms: u64, end_ms: u64) -> Segment {
        Segment {
            lane: lane.to_owned(),
            job,
            start: Duration::from_millis(start_ms),
            end: Duration::from_millis(end_ms),
        }
    }

    /// Two wide jobs on one lane; three one-millisecond polls and their wake-ups on another.
    fn sample() -> Timeline {
        Timeline::from_segments(vec![
            segment("main", 0, 0, 100),
            segment("main", 1, 100, 200),
            segment("tokio-rt-worker 1", 0, 0, 0),
            segment("tokio-rt-worker 1", 1, 0, 0),
            segment("tokio-rt-worker 1", 2, 0, 1),
            segment("tokio-rt-worker 1", 2, 150, 150),
        ])
    }

    fn rendered() -> String {
        let footnote = format!("recorded on 2 cores (Test CPU), 2026-11-23 · {COMMAND}");
        render_svg("sample", &footnote, &sample(), Duration::from_millis(250)).unwrap()
    }

    fn check_error(text: &str) -> String {
        format!("{:#}", check_svg(text, 3).unwrap_err())
    }

    #[test]
    fn a_rendered_timeline_passes_the_check() {
        let text = rendered();
        check_svg(&text, 3).unwrap();
        let lines: Vec<&str> = text.lines().take(3).collect();
        assert_eq!(lines[0], generated_marker(COMMAND));
        assert_eq!(
            lines[1],
            "<!-- recorded jobs: 0, 1, 2; lanes: main, tokio-rt-worker 1 -->"
        );
        assert!(lines[2].starts_with("<svg "), "{}", lines[2]);
    }

    #[test]
    fn polls_too_narrow_for_a_label_share_one_label() {
        let document = read_svg(rendered().splitn(3, '\n').nth(2).unwrap()).unwrap();
        assert!(
            document.texts.iter().any(|text| text == "0 1 2"),
            "{:?}",
            document.texts
        );
        assert!(
            document.texts.iter().any(|text| text == "2"),
            "the lone wake-up keeps its own label: {:?}",
            document.texts
        );
    }

    #[test]
    fn a_missing_file_is_named_with_the_command_that_makes_it() {
        let nowhere = std::env::temp_dir().join("xtask-timelines-test-no-such-root");
        let error = format!("{:#}", generate(&nowhere, Mode::Check).unwrap_err());
        assert!(
            error.contains("run `cargo xtask timelines` and commit the result"),
            "{error}"
        );
        assert!(
            error.contains("src/generated/ch01-timeline-tokio-tasks-cpu-bound.svg: missing"),
            "{error}"
        );
    }

    #[test]
    fn a_file_without_the_marker_is_refused() {
        let text = rendered();
        let unmarked = text.split_once('\n').unwrap().1;
        assert!(check_error(unmarked).contains("line 1 is not the generated-file marker"));
    }

    #[test]
    fn a_truncated_file_is_refused() {
        let text = rendered();
        let error = check_error(&text[..text.len() / 2]);
        assert!(error.starts_with("truncated"), "{error}");
        let error = check_error(text.trim_end().strip_suffix("</svg>").unwrap());
        assert_eq!(error, "truncated: `<svg>` is never closed");
    }

    #[test]
    fn a_lane_without_a_label_is_named() {
        let text = rendered().replace("\nmain\n", "\n\n");
        assert_eq!(check_error(&text), "no label for lane `main`");
    }

    #[test]
    fn a_job_without_a_bar_is_named() {
        let colour = job_colour_hex(2);
        let text = rendered().replace(&format!("fill=\"{colour}\""), "fill=\"#000000\"");
        assert!(
            check_error(&text).starts_with("no bar for job 2"),
            "{}",
            check_error(&text)
        );
    }

    #[test]
    fn a_picture_without_its_footnote_is_refused() {
        let text = rendered().replace("recorded on 2 cores", "made on 2 cores");
        assert!(check_error(&text).starts_with("no footnote"));
    }

    #[test]
    fn a_wrong_summary_or_a_second_root_is_refused() {
        let text = rendered();
        let fewer_jobs = text.replacen("jobs: 0, 1, 2;", "jobs: 0, 1;", 1);
        assert!(check_error(&fewer_jobs).starts_with("line 2 lists jobs [0, 1]"));
        let no_summary = text.replacen("<!-- recorded jobs:", "<!-- jobs:", 1);
        assert!(check_error(&no_summary).starts_with("line 2 does not list"));
        let two_roots = format!("{text}<svg width=\"1\" height=\"1\"></svg>\n");
        assert!(check_error(&two_roots).starts_with("a second root element"));
    }

    #[test]
    fn every_workload_shares_an_axis_rounded_up_to_50_ms() {
        let short = Timeline::from_segments(vec![segment("a", 0, 0, 120)]);
        let long = Timeline::from_segments(vec![segment("a", 0, 0, 301)]);
        assert_eq!(
            shared_axis_end([&short, &long].into_iter()),
            Duration::from_millis(350)
        );
    }
}
