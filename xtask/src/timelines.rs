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
//! coloured by job, with a legend of the job colours under it. A bar wide
//! enough carries its job number; a poll lasts microseconds, so it is drawn a
//! few pixels wide, and polls that crowd together share the bar's height in
//! stripes instead of labels. A title too long for one line wraps. Pictures
//! of one axis group share a time axis, so they compare at a glance.

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
/// Space around the chart, and left and right of the title.
const MARGIN: u32 = 12;
const TITLE_FONT_SIZE: u32 = 18;
/// The naive width of one title character at [`TITLE_FONT_SIZE`], in pixels
/// (plotters writes the font a fifth smaller): generous, since the browser
/// measures the text, not this code.
const TITLE_CHAR_PIXELS: f64 = 8.0;
const TITLE_LINE_HEIGHT: u32 = 22;
const LANE_HEIGHT: u32 = 42;
const X_LABEL_AREA_HEIGHT: u32 = 44;
/// One row of job colours under the time axis.
const LEGEND_HEIGHT: u32 = 24;
const LEGEND_SWATCH_PIXELS: i32 = 12;
const FOOTNOTE_HEIGHT: u32 = 22;
const LANE_LABEL_WIDTH: u32 = 160;
/// The y axis counts lanes in hundredths: plotters' custom tick marks need a
/// range whose values it can format, which rules out `f64`.
const LANE_UNITS: i32 = 100;
/// Where a bar sits inside its lane, in [`LANE_UNITS`] from the lane's bottom;
/// the space above holds the labels of lone bars too narrow for one.
const BAR_BOTTOM: i32 = 12;
const BAR_TOP: i32 = 60;
const LABEL_ABOVE_BOTTOM: i32 = 66;
/// A poll of a few microseconds still shows as a bar this wide.
const MIN_BAR_PIXELS: f64 = 5.0;
/// Polls that crowd share the bar's height in at most this many stripes.
const MAX_STRIPES: usize = 8;
const LABEL_FONT_SIZE: u32 = 13;
/// The naive width of one label character at [`LABEL_FONT_SIZE`], in pixels:
/// an SVG is measured by the browser, not here, so estimate generously.
const LABEL_CHAR_PIXELS: f64 = 8.0;
/// The least space between a label and the next bar or label.
const LABEL_GAP_PIXELS: f64 = 4.0;
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

/// How many title characters fit on one line of the picture.
fn title_line_chars() -> usize {
    (f64::from(WIDTH - 2 * MARGIN) / TITLE_CHAR_PIXELS) as usize
}

/// `title` broken between words into lines that fit the picture's width; a
/// single word longer than a line gets a line of its own.
fn title_lines(title: &str) -> Vec<String> {
    let fits = title_line_chars();
    let mut lines: Vec<String> = Vec::new();
    for word in title.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= fits => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
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
    let title_lines = title_lines(title);
    let title_height = MARGIN + TITLE_LINE_HEIGHT * u32::try_from(title_lines.len())?;
    let chart_height = 2 * MARGIN + LANE_HEIGHT * u32::try_from(lane_count)? + X_LABEL_AREA_HEIGHT;
    // The plot starts after the margin and the lane labels; the legend
    // lines up with it, in as many rows as its entries need.
    let legend_left = i32::try_from(MARGIN + LANE_LABEL_WIDTH)?;
    let legend = legend_rows(&timeline.jobs(), legend_left);
    let legend_height = LEGEND_HEIGHT * u32::try_from(legend.len())?;
    let height = title_height + chart_height + legend_height + FOOTNOTE_HEIGHT;
    let root = SVGBackend::with_string(svg, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let (title_area, rest) = root.split_vertically(title_height);
    let (chart_area, rest) = rest.split_vertically(chart_height);
    let (legend_area, footnote_area) = rest.split_vertically(legend_height);

    let title_style = (FONT, TITLE_FONT_SIZE)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Top));
    for (line, text) in title_lines.iter().enumerate() {
        let y = MARGIN + TITLE_LINE_HEIGHT * u32::try_from(line)?;
        let at = (i32::try_from(WIDTH / 2)?, i32::try_from(y)?);
        title_area.draw(&Text::new(text.as_str(), at, title_style.clone()))?;
    }

    let axis_ms = milliseconds(axis_end);
    // Lane 0 is drawn at the top; plotters' y axis grows upwards.
    let lane_bottom = |lane: usize| (lanes_high - 1 - lane as i32) * LANE_UNITS;
    let lane_centres = (0..lanes_high)
        .map(|lane| lane * LANE_UNITS + LANE_UNITS / 2)
        .collect();
    let mut chart = ChartBuilder::on(&chart_area)
        .margin(MARGIN)
        .x_label_area_size(X_LABEL_AREA_HEIGHT)
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
    let bars = lay_out_bars(timeline, lanes, pixels_per_ms);
    let bar_rectangle = |bar: &Bar, style: ShapeStyle| {
        let bottom = lane_bottom(bar.lane);
        let (low, high) = bar.band();
        Rectangle::new([(bar.start, bottom + low), (bar.end, bottom + high)], style)
    };

    // Slivers are drawn last, so that a bar they overlap cannot hide them.
    let (wide, slivers): (Vec<&Bar>, Vec<&Bar>) = bars.iter().partition(|bar| bar.wide);
    chart.draw_series(
        wide.iter()
            .map(|bar| bar_rectangle(bar, job_colour(bar.job).filled())),
    )?;
    // A white edge separates wide bars that touch.
    chart.draw_series(
        wide.iter()
            .map(|bar| bar_rectangle(bar, WHITE.stroke_width(1))),
    )?;
    chart.draw_series(
        slivers
            .iter()
            .map(|bar| bar_rectangle(bar, job_colour(bar.job).filled())),
    )?;

    let centred = Pos::new(HPos::Center, VPos::Center);
    chart.draw_series(
        bars.iter()
            .filter(|bar| bar.label == Label::Inside)
            .map(|bar| {
                let style = (FONT, LABEL_FONT_SIZE)
                    .into_font()
                    .color(&label_colour(bar.job))
                    .pos(centred);
                let middle = (
                    (bar.start + bar.end) / 2.0,
                    lane_bottom(bar.lane) + (BAR_BOTTOM + BAR_TOP) / 2,
                );
                Text::new(bar.job.to_string(), middle, style)
            }),
    )?;
    chart.draw_series(
        bars.iter()
            .filter(|bar| bar.label == Label::Above)
            .map(|bar| {
                let text = bar.job.to_string();
                // A label that would run off the chart ends at its bar instead.
                let (x, h_pos) = if bar.start + label_pixels(&text) / pixels_per_ms > axis_ms {
                    (bar.end, HPos::Right)
                } else {
                    (bar.start, HPos::Left)
                };
                let style = (FONT, LABEL_FONT_SIZE)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(h_pos, VPos::Bottom));
                Text::new(text, (x, lane_bottom(bar.lane) + LABEL_ABOVE_BOTTOM), style)
            }),
    )?;

    draw_legend(&legend_area, &legend, legend_left)?;
    let bottom_right = (
        i32::try_from(WIDTH - MARGIN)?,
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

/// The legend's entries: one swatch per colour, naming every job drawn in
/// it (`job 0, 7` once the palette repeats), in rows that fit the picture's
/// width from `left` (the plot's left edge).
fn legend_rows(jobs: &[usize], left: i32) -> Vec<Vec<(usize, String)>> {
    let mut by_colour: Vec<(usize, Vec<usize>)> = Vec::new();
    for &job in jobs {
        let colour = job % JOB_COLOURS.len();
        match by_colour.iter_mut().find(|(shared, _)| *shared == colour) {
            Some((_, same)) => same.push(job),
            None => by_colour.push((colour, vec![job])),
        }
    }
    let right = i32::try_from(WIDTH).unwrap_or(i32::MAX) - 12;
    let mut rows: Vec<Vec<(usize, String)>> = vec![Vec::new()];
    let mut x = left;
    for (colour, same) in by_colour {
        let names: Vec<String> = same.iter().map(usize::to_string).collect();
        let text = format!("job {}", names.join(", "));
        let width = legend_entry_pixels(&text);
        if x + width > right && rows.last().is_some_and(|row| !row.is_empty()) {
            rows.push(Vec::new());
            x = left;
        }
        x += width;
        rows.last_mut()
            .expect("rows starts non-empty")
            .push((colour, text));
    }
    rows
}

/// A legend entry's width: swatch, gap, label, gap (whole pixels: the
/// estimate of a short label is a whole number).
fn legend_entry_pixels(text: &str) -> i32 {
    LEGEND_SWATCH_PIXELS + 4 + label_pixels(text) as i32 + 8
}

/// Draws the legend's rows: what identifies the polls too narrow for a label.
fn draw_legend(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    rows: &[Vec<(usize, String)>],
    left: i32,
) -> DrawResult {
    let style = (FONT, LABEL_FONT_SIZE)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let half = LEGEND_SWATCH_PIXELS / 2;
    for (row, entries) in rows.iter().enumerate() {
        let middle = i32::try_from(LEGEND_HEIGHT)? * (2 * i32::try_from(row)? + 1) / 2;
        let mut x = left;
        for (colour, text) in entries {
            area.draw(&Rectangle::new(
                [
                    (x, middle - half),
                    (x + LEGEND_SWATCH_PIXELS, middle + half),
                ],
                JOB_COLOURS[*colour].filled(),
            ))?;
            let text_x = x + LEGEND_SWATCH_PIXELS + 4;
            area.draw(&Text::new(text.as_str(), (text_x, middle), style.clone()))?;
            x += legend_entry_pixels(text);
        }
    }
    Ok(())
}

/// One segment as drawn, in milliseconds.
#[derive(Debug)]
struct Bar {
    lane: usize,
    job: usize,
    start: f64,
    /// At least [`MIN_BAR_PIXELS`] after `start`.
    end: f64,
    /// Wide enough for its label inside.
    wide: bool,
    /// Which stripe of the bar's height it takes, of how many: a poll that
    /// crowds with others shares the height with them, first on top.
    stripe: (usize, usize),
    label: Label,
}

/// Where a bar's job number goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Label {
    /// Inside the bar, which is wide enough.
    Inside,
    /// Above a lone narrow bar.
    Above,
    /// Nowhere: the bar crowds with others, and the legend names its colour.
    None,
}

impl Bar {
    /// The bar's bottom and top, in [`LANE_UNITS`] from its lane's bottom.
    fn band(&self) -> (i32, i32) {
        let (stripe, stripes) = self.stripe;
        let height = (BAR_TOP - BAR_BOTTOM) / stripes.max(1) as i32;
        // The first poll of a crowd takes the top stripe.
        let top = BAR_TOP - height * stripe as i32;
        let bottom = if stripe + 1 == stripes {
            BAR_BOTTOM
        } else {
            top - height
        };
        (bottom, top)
    }
}

/// Every segment of `timeline` as a bar at least [`MIN_BAR_PIXELS`] wide.
/// A bar wide enough for its job number carries it inside. Narrow bars on
/// one lane that lie closer together than a label needs form a crowd: they
/// share the bar's height in stripes, in order of time, and carry no label
/// (the legend names their colours); a lone narrow bar has its number above.
fn lay_out_bars(timeline: &Timeline, lanes: &[&str], pixels_per_ms: f64) -> Vec<Bar> {
    let mut bars: Vec<Bar> = timeline
        .segments()
        .iter()
        .map(|segment| {
            let lane = lanes
                .iter()
                .position(|lane| *lane == segment.lane)
                .unwrap_or_default();
            let start = milliseconds(segment.start);
            let end = milliseconds(segment.end);
            let wide = (end - start) * pixels_per_ms
                >= label_pixels(&segment.job.to_string()) + LABEL_GAP_PIXELS;
            Bar {
                lane,
                job: segment.job,
                start,
                end: end.max(start + MIN_BAR_PIXELS / pixels_per_ms),
                wide,
                stripe: (0, 1),
                label: if wide { Label::Inside } else { Label::Above },
            }
        })
        .collect();
    for lane in 0..lanes.len() {
        let narrow: Vec<usize> = (0..bars.len())
            .filter(|&index| bars[index].lane == lane && !bars[index].wide)
            .collect();
        let mut crowd: Vec<usize> = Vec::new();
        let mut crowd_ends = f64::NEG_INFINITY;
        for index in narrow {
            let (start, end, job) = (bars[index].start, bars[index].end, bars[index].job);
            if !crowd.is_empty() && start > crowd_ends {
                mark_crowd(&mut bars, &crowd);
                crowd.clear();
            }
            // What the bar needs to itself: its width, or its label's.
            let label_ms = (label_pixels(&job.to_string()) + LABEL_GAP_PIXELS) / pixels_per_ms;
            let needs_until = end.max(start + label_ms);
            crowd_ends = if crowd.is_empty() {
                needs_until
            } else {
                crowd_ends.max(needs_until)
            };
            crowd.push(index);
        }
        mark_crowd(&mut bars, &crowd);
    }
    bars
}

/// Stripes the bars of a crowd of two or more and takes their labels away.
fn mark_crowd(bars: &mut [Bar], crowd: &[usize]) {
    if crowd.len() < 2 {
        return;
    }
    let stripes = crowd.len().min(MAX_STRIPES);
    for (position, &index) in crowd.iter().enumerate() {
        bars[index].stripe = (position % stripes, stripes);
        bars[index].label = Label::None;
    }
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

    /// The `<rect>` elements as `(x, y, width, height, fill)`, in order.
    fn rects(svg: &str) -> Vec<(f64, f64, f64, f64, String)> {
        let attribute = |element: &str, name: &str| {
            let (_, rest) = element.split_once(&format!(" {name}=\""))?;
            Some(rest.split_once('"')?.0.to_owned())
        };
        svg.split("<rect")
            .skip(1)
            .filter_map(|rest| {
                let element = rest.split_once("/>")?.0;
                let number = |name| attribute(element, name)?.parse().ok();
                Some((
                    number("x")?,
                    number("y")?,
                    number("width")?,
                    number("height")?,
                    attribute(element, "fill")?,
                ))
            })
            .collect()
    }

    #[test]
    fn crowded_polls_share_the_bar_in_stripes_and_a_lone_poll_keeps_its_label() {
        let svg = rendered();
        let texts = texts(&svg);
        assert!(
            !texts.iter().any(|text| text.contains("0 1")),
            "crowded polls carry no shared label: {texts:?}"
        );
        assert!(
            texts.iter().any(|text| text == "2"),
            "the lone wake-up keeps its own label: {texts:?}"
        );
        // The three polls at 0 ms: one stripe each, stacked, none hidden.
        let crowd: Vec<_> = rects(&svg)
            .into_iter()
            .filter(|(x, _, width, height, fill)| {
                *x < 200.0
                    && *width < 10.0
                    && *height < 16.0
                    && (0..3).any(|job| *fill == job_colour_hex(job))
            })
            .collect();
        assert_eq!(crowd.len(), 3, "{crowd:?}");
        for pair in crowd.windows(2) {
            let ((_, upper, _, height, _), (_, lower, _, _, _)) = (&pair[0], &pair[1]);
            assert!(upper + height <= *lower, "stripes overlap: {crowd:?}");
        }
    }

    #[test]
    fn every_bar_is_at_least_a_few_pixels_wide() {
        let bar_fills: Vec<String> = (0..3).map(job_colour_hex).collect();
        let bars: Vec<_> = rects(&rendered())
            .into_iter()
            .filter(|(_, _, _, height, fill)| *height > 3.0 && bar_fills.contains(fill))
            .collect();
        // Two wide jobs, four polls, three legend swatches.
        assert_eq!(bars.len(), 2 + 4 + 3, "{bars:?}");
        for (_, _, width, _, _) in &bars {
            assert!(*width >= MIN_BAR_PIXELS - 1.0, "{bars:?}");
        }
    }

    #[test]
    fn a_legend_names_jobs_that_share_a_colour_together_and_fits_the_width() {
        let jobs: Vec<usize> = (0..12).collect();
        let rows = legend_rows(&jobs, 172);
        let entries: Vec<&str> = rows
            .iter()
            .flatten()
            .map(|(_, text)| text.as_str())
            .collect();
        assert_eq!(entries[0], "job 0, 7");
        assert_eq!(entries.len(), JOB_COLOURS.len(), "one entry per colour");
        let right = i32::try_from(WIDTH).unwrap() - 12;
        for row in &rows {
            let width: i32 = row.iter().map(|(_, text)| legend_entry_pixels(text)).sum();
            assert!(172 + width <= right, "{row:?} runs past the picture");
        }
        let many: Vec<usize> = (0..40).collect();
        assert!(legend_rows(&many, 172).len() > 1, "a long legend wraps");
    }

    #[test]
    fn a_legend_names_the_colour_of_every_job() {
        let svg = rendered();
        let texts = texts(&svg);
        for job in 0..3 {
            let name = format!("job {job}");
            assert!(texts.contains(&name), "no legend entry {name}: {texts:?}");
        }
        let swatches = rects(&svg)
            .into_iter()
            .filter(|(_, _, width, height, _)| {
                *width == f64::from(LEGEND_SWATCH_PIXELS)
                    && *height == f64::from(LEGEND_SWATCH_PIXELS)
            })
            .map(|(_, _, _, _, fill)| fill)
            .collect::<Vec<_>>();
        let fills: Vec<String> = (0..3).map(job_colour_hex).collect();
        assert_eq!(swatches, fills);
    }

    #[test]
    fn a_long_title_wraps_between_words_into_lines_that_fit() {
        let long = "Tuned executor: tasks 0–4 sleep until 20, 40, 60, 80, 100 ms, \
                    then task 5 counts for about 50 ms without yielding; done at 100 ms";
        let lines = title_lines(long);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines.join(" "), long);
        for line in &lines {
            let pixels = line.chars().count() as f64 * TITLE_CHAR_PIXELS;
            assert!(pixels <= f64::from(WIDTH - 2 * MARGIN), "{line}");
        }
        assert_eq!(title_lines("sample"), ["sample"]);

        let footnote = "recorded on 2 cores";
        let axis = Duration::from_millis(250);
        let short = render_svg("sample", footnote, &sample(), axis).unwrap();
        let wrapped = render_svg(long, footnote, &sample(), axis).unwrap();
        let texts = texts(&wrapped);
        assert!(lines.iter().all(|line| texts.contains(line)), "{texts:?}");
        let height = |svg: &str| {
            svg.split("height=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .parse::<u32>()
                .unwrap()
        };
        assert_eq!(height(&wrapped), height(&short) + TITLE_LINE_HEIGHT);
    }

    #[test]
    fn every_recorded_title_fits_the_width() {
        let root = crate::repository_root().unwrap();
        let book = Book::load(&root).unwrap();
        for chapter in &book.chapters {
            if spec_of(chapter).is_none() {
                continue;
            }
            let file: DataFile<Vec<RecordedPicture>> =
                data::read(&root, &data_path(chapter), "-").unwrap();
            for picture in &file.data {
                for line in title_lines(&picture.title) {
                    assert!(line.chars().count() <= title_line_chars(), "{line}");
                }
            }
        }
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
