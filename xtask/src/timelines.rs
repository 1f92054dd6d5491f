//! Timelines: SVG pictures of which job ran when, on which thread, recorded
//! from real runs of the chapters' scenarios.
//!
//! A chapter declares its pictures in `chapters_code::registry`
//! ([`TimelineSpec`]). `cargo xtask timelines` records them in a release
//! build (through the `record_timelines` example), keeps what was recorded
//! in `src/generated/chNN-timelines.json`, and draws each picture from that
//! data alone: `--render` draws again without recording, and `--check` (what
//! `cargo test` runs) fails when a committed picture differs from what its
//! data draws.
//!
//! Each picture is a Gantt chart drawn with plotters' SVG backend: one lane per
//! thread, one bar per segment (a whole blocking job, or one poll of a task),
//! coloured and labelled by job. Bars too narrow for their label (a poll lasts
//! microseconds) share one label above them, listing their jobs in order.
//! Pictures of one axis group share a time axis, so they compare at a glance.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, ensure};
use chapters_code::measured::RecordedPicture;
use chapters_code::registry::TimelineSpec;
use chapters_code::timeline::{Segment, Timeline};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::chapters::{Book, Chapter};
use crate::cli::Generate;
use crate::data::{self, DataFile};
use crate::machine::Machine;
use crate::output::Outputs;
use crate::tables::run_release_example;
use crate::{Mode, generated_marker};

/// The command that records every timeline.
pub const COMMAND: &str = "cargo xtask timelines";

/// The command that draws every timeline from its data.
pub const RENDER: &str = "cargo xtask timelines --render";

/// The example that records a chapter's scenarios in an optimised build.
const RECORDER: &str = "record_timelines";

/// `cargo xtask timelines [CHAPTER] [--render | --check]`.
pub fn run(book: &Book, args: &Generate) -> Result<()> {
    let record = |chapter: &Chapter| match spec_of(chapter) {
        Some(spec) => record_chapter(&book.root, chapter, &spec).map(|()| true),
        None => Ok(false),
    };
    data::generate(book, args, "timelines", record, draw_chapters)
}

/// Checks every committed timeline against its data (what `cargo test` runs).
pub fn check(book: &Book) -> Result<()> {
    data::check(book, draw_chapters)
}

fn spec_of(chapter: &Chapter) -> Option<TimelineSpec> {
    chapter.material().and_then(|material| material.timelines)
}

/// A chapter's timeline data, relative to the repository root.
pub fn data_path(chapter: &Chapter) -> String {
    format!("src/generated/{}-timelines.json", chapter.key)
}

/// Where a chapter's picture `name` is drawn, relative to the repository root.
///
/// ```
/// let book = xtask::chapters::Book::load(&xtask::repository_root().unwrap()).unwrap();
/// assert_eq!(
///     xtask::timelines::picture_path(book.find("ch01").unwrap(), "rayon-sleep-bound"),
///     "src/generated/ch01-timeline-rayon-sleep-bound.svg"
/// );
/// ```
pub fn picture_path(chapter: &Chapter, name: &str) -> String {
    format!("src/generated/{}-timeline-{name}.svg", chapter.key)
}

fn measure_command(chapter: &Chapter) -> String {
    format!("{COMMAND} {}", chapter.key)
}

/// Records a chapter's pictures in a release build and writes their data.
fn record_chapter(root: &Path, chapter: &Chapter, spec: &TimelineSpec) -> Result<()> {
    let printed = run_release_example(root, RECORDER, &[&chapter.key])?;
    let pictures: Vec<RecordedPicture> = serde_json::from_str(&printed)
        .with_context(|| format!("reading the JSON printed by example {RECORDER}"))?;
    check_pictures(spec, &pictures)
        .with_context(|| format!("example {RECORDER} recorded {}", chapter.key))?;
    let measured_by = measure_command(chapter);
    let file = DataFile::new(&measured_by, RENDER, Machine::this_one(root)?, pictures);
    Outputs::new(root, Mode::Write, &measured_by).put(&data_path(chapter), file.to_json()?)
}

/// The data has exactly the pictures the chapter declares, in order, and
/// each shows every job it must.
fn check_pictures(spec: &TimelineSpec, pictures: &[RecordedPicture]) -> Result<()> {
    let declared = (spec.pictures)();
    let found: Vec<&str> = pictures
        .iter()
        .map(|picture| picture.name.as_str())
        .collect();
    ensure!(
        found == declared,
        "the pictures are {found:?}, the chapter declares {declared:?}"
    );
    for picture in pictures {
        for job in 0..picture.jobs {
            ensure!(
                picture.segments.iter().any(|segment| segment.job == job),
                "picture `{}` shows no segment of job {job}",
                picture.name
            );
        }
    }
    Ok(())
}

/// Draws (or checks) every picture of `chapters` from its data, reporting
/// every problem before failing.
fn draw_chapters(root: &Path, chapters: &[&Chapter], mode: Mode) -> Result<()> {
    let mut outputs = Outputs::new(root, mode, RENDER);
    let mut problems = Vec::new();
    for chapter in chapters {
        let Some(spec) = spec_of(chapter) else {
            continue;
        };
        match draw_chapter(root, chapter, &spec) {
            Ok(pictures) => {
                for (path, svg) in pictures {
                    outputs.put(&path, svg)?;
                }
            }
            Err(error) => problems.push(format!("{error:#}")),
        }
    }
    if let Err(error) = outputs.finish() {
        problems.push(error.to_string());
    }
    ensure!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

/// Every picture of a chapter drawn from its data: `(path, svg)`.
fn draw_chapter(
    root: &Path,
    chapter: &Chapter,
    spec: &TimelineSpec,
) -> Result<Vec<(String, String)>> {
    let path = data_path(chapter);
    let measure = measure_command(chapter);
    let file: DataFile<Vec<RecordedPicture>> = data::read(root, &path, &measure)?;
    check_pictures(spec, &file.data)
        .with_context(|| format!("{path}: run `{measure}` and commit the result"))?;
    let footnote = format!(
        "recorded on {} cores ({}), {}, {} build · {}",
        file.machine.cores,
        file.machine.cpu_model,
        file.machine.date,
        file.profile,
        file.measured_by
    );
    let timelines: Vec<Timeline> = file
        .data
        .iter()
        .map(|picture| {
            Timeline::from_segments(picture.segments.iter().map(Segment::from).collect())
        })
        .collect();
    file.data
        .iter()
        .zip(&timelines)
        .map(|(picture, timeline)| {
            let axis_end = shared_axis_end(
                file.data
                    .iter()
                    .zip(&timelines)
                    .filter(|(other, _)| other.axis_group == picture.axis_group)
                    .map(|(_, timeline)| timeline),
            );
            let svg = render_svg(&picture.title, &footnote, timeline, axis_end)
                .with_context(|| format!("drawing `{}` from {path}", picture.name))?;
            Ok((picture_path(chapter, &picture.name), svg))
        })
        .collect()
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
#[cfg(test)]
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

/// Draws `timeline` as a Gantt chart titled `title`, its time axis running
/// from zero to `axis_end`, with `footnote` under it, and returns the file's
/// text: the generated-file marker (an XML comment: plotters writes no
/// `<?xml …?>` declaration, so nothing has to precede it), then the SVG.
pub fn render_svg(
    title: &str,
    footnote: &str,
    timeline: &Timeline,
    axis_end: Duration,
) -> Result<String> {
    let lanes = timeline.lanes();
    ensure!(!lanes.is_empty(), "nothing was recorded for “{title}”");
    let mut svg = String::new();
    draw_chart(&mut svg, title, footnote, timeline, &lanes, axis_end)
        .map_err(|error| anyhow!("plotters failed: {error}"))?;
    // An XML comment may not hold `--`, so the marker names the command
    // without its `--render` flag: a browser refuses the whole picture else.
    Ok(format!("{}\n{svg}", generated_marker(COMMAND)))
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let footnote =
            format!("recorded on 2 cores (Test CPU), 2026-11-23, release build · {COMMAND}");
        render_svg("sample", &footnote, &sample(), Duration::from_millis(250)).unwrap()
    }

    /// The contents of the `<text>` elements, in order.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .filter_map(|rest| {
                let (_, after) = rest.split_once('>')?;
                Some(after.split_once("</text>")?.0.trim().to_string())
            })
            .collect()
    }

    #[test]
    fn a_picture_names_every_lane_colours_every_job_and_says_where_it_comes_from() {
        let svg = rendered();
        assert_eq!(svg.lines().next(), Some(generated_marker(COMMAND).as_str()));
        for comment in svg.split("<!--").skip(1) {
            let text = comment.split("-->").next().unwrap_or_default();
            assert!(
                !text.contains("--"),
                "an XML comment may not hold `--`: {text}"
            );
        }
        let texts = texts(&svg);
        for lane in ["main", "tokio-rt-worker 1"] {
            assert!(
                texts.iter().any(|text| text == lane),
                "no lane label {lane}: {texts:?}"
            );
        }
        for job in 0..3 {
            let fill = format!("fill=\"{}\"", job_colour_hex(job));
            assert!(svg.contains(&fill), "no bar for job {job}");
        }
        assert!(
            texts.iter().any(|text| text.ends_with(COMMAND)),
            "{texts:?}"
        );
    }

    #[test]
    fn polls_too_narrow_for_a_label_share_one_label() {
        let texts = texts(&rendered());
        assert!(texts.iter().any(|text| text == "0 1 2"), "{texts:?}");
        assert!(
            texts.iter().any(|text| text == "2"),
            "the lone wake-up keeps its own label: {texts:?}"
        );
    }

    #[test]
    fn missing_data_is_named_with_the_command_that_records_it() {
        let root = crate::repository_root().unwrap();
        let book = Book::load(&root).unwrap();
        let chapter = book.find("ch01").unwrap();
        let nowhere = std::env::temp_dir().join("xtask-timelines-test-no-such-root");
        let error = format!(
            "{:#}",
            draw_chapters(&nowhere, &[chapter], Mode::Check).unwrap_err()
        );
        assert_eq!(
            error,
            "src/generated/ch01-timelines.json is missing: run `cargo xtask timelines ch01` and commit the result"
        );
    }

    #[test]
    fn a_picture_the_chapter_does_not_declare_is_refused() {
        let root = crate::repository_root().unwrap();
        let book = Book::load(&root).unwrap();
        let chapter = book.find("ch03").unwrap();
        let spec = spec_of(chapter).unwrap();
        let file: DataFile<Vec<RecordedPicture>> =
            data::read(&root, &data_path(chapter), "-").unwrap();
        check_pictures(&spec, &file.data).unwrap();
        let mut renamed = file.data.clone();
        renamed[0].name = "sleepers".into();
        let error = check_pictures(&spec, &renamed).unwrap_err().to_string();
        assert!(error.contains("the chapter declares"), "{error}");
        let mut lost = file.data.clone();
        lost[1].segments.retain(|segment| segment.job != 5);
        let error = check_pictures(&spec, &lost).unwrap_err().to_string();
        assert_eq!(
            error,
            "picture `timers-behind-a-busy-task` shows no segment of job 5"
        );
    }

    #[test]
    fn every_axis_group_shares_an_axis_rounded_up_to_50_ms() {
        let short = Timeline::from_segments(vec![segment("a", 0, 0, 120)]);
        let long = Timeline::from_segments(vec![segment("a", 0, 0, 301)]);
        assert_eq!(
            shared_axis_end([&short, &long].into_iter()),
            Duration::from_millis(350)
        );
    }
}
