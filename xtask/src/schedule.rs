//! The workshop schedule, from the minutes and tags of every section's
//! speaker notes (`Speaker notes · 10 min · core · hands-on`):
//!
//! - the **half day** teaches the `core` sections, with a break every
//!   [`BLOCK_MINUTES`], in at most [`HALF_DAY_LIMIT`] minutes;
//! - the **full day** teaches `core` and `full` sections, with a lunch break
//!   near the middle and a break in each half, in at most [`FULL_DAY_LIMIT`];
//! - each of those two spends at least a quarter of its teaching time
//!   (breaks and lunch left out) hands-on;
//! - the **two days** teach the full day, then the `optional` sections on a
//!   second day laid out as the full day is, in at most [`FULL_DAY_LIMIT`];
//! - breaks and lunch wait for the end of a page, up to [`PAGE_END_GRACE`];
//! - the `reading` sections are read before the workshop, whatever the
//!   track, so that the two days cover every section of the book.
//!
//! A track over its limit, or a half or full day short of hands-on time,
//! fails the generator (and so `cargo test`), naming what to retag.

use std::fmt::Write as _;

use anyhow::{Context as _, Result, ensure};

use crate::chapters::{Book, Chapter, Page};
use crate::generated_marker;
use crate::sections::{Section, Track};

/// The longest a half-day workshop may take, breaks included.
pub const HALF_DAY_LIMIT: u32 = 210;
/// The longest a full-day workshop may take, lunch and breaks included.
pub const FULL_DAY_LIMIT: u32 = 390;
/// Teaching time between two breaks, as planned: a break comes at the first
/// end of a page past it, or [`PAGE_END_GRACE`] later at a section's end.
pub const BLOCK_MINUTES: u32 = 80;
/// How much longer than planned a break or lunch may wait for a page to end.
pub const PAGE_END_GRACE: u32 = 20;
/// A coffee break.
pub const BREAK_MINUTES: u32 = 15;
/// Lunch, in the full day.
pub const LUNCH_MINUTES: u32 = 60;
/// Hands-on time a track needs, as a fraction of its teaching time.
pub const HANDS_ON_SHARE: f64 = 0.25;

/// One taught section of a track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// The chapter's number.
    pub chapter: u32,
    /// The section's title.
    pub title: String,
    /// Its minutes.
    pub minutes: u32,
    /// Whether the room works at keyboards.
    pub hands_on: bool,
    /// The page it is on, as mdBook names it (`ch02-bit-level-basics.md`).
    pub page: String,
    /// Its heading's id on that page (`six-operators`).
    pub id: String,
}

impl Slot {
    /// A link to the section from the schedule page, in `src/generated/`.
    pub fn link(&self) -> String {
        format!("../{}#{}", self.page, self.id)
    }
}

/// One line of a track's timetable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A section taught.
    Teach(Slot),
    /// A break of so many minutes (`lunch` or not).
    Pause {
        /// Its minutes.
        minutes: u32,
        /// Whether it is lunch.
        lunch: bool,
    },
}

/// A track laid out: what is taught when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timetable {
    /// The track's name (`Half day`).
    pub name: &'static str,
    /// Its items in order.
    pub items: Vec<Item>,
}

impl Timetable {
    /// All its minutes, breaks included.
    pub fn total(&self) -> u32 {
        self.items
            .iter()
            .map(|item| match item {
                Item::Teach(slot) => slot.minutes,
                Item::Pause { minutes, .. } => *minutes,
            })
            .sum()
    }

    /// Its teaching minutes, breaks left out.
    pub fn teaching(&self) -> u32 {
        self.items
            .iter()
            .filter_map(|item| match item {
                Item::Teach(slot) => Some(slot.minutes),
                Item::Pause { .. } => None,
            })
            .sum()
    }

    /// Its hands-on minutes.
    pub fn hands_on(&self) -> u32 {
        self.items
            .iter()
            .filter_map(|item| match item {
                Item::Teach(slot) if slot.hands_on => Some(slot.minutes),
                _ => None,
            })
            .sum()
    }
}

/// The track of each section with notes: its own tag, else that of the `##`
/// section it belongs to. An untagged `##` section is an error naming it.
pub fn tracked_sections(chapter: &Chapter) -> Result<Vec<(&Page, &Section, Track)>> {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let mut inherited: Option<Track> = None;
    for (page, section) in chapter.sections() {
        let Some(notes) = &section.notes else {
            continue;
        };
        let track = notes
            .track
            .or(if section.level > 2 { inherited } else { None });
        if section.level <= 2 {
            inherited = track;
        }
        match track {
            Some(track) => found.push((page, section, track)),
            None => problems.push(format!(
                "{}:{}: section `{}` belongs to no workshop track: end its notes' summary with \
                 `· core`, `· full`, `· optional` or `· reading` (and `· hands-on` when the \
                 room works)",
                page.path.display(),
                section.line,
                section.heading
            )),
        }
    }
    ensure!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(found)
}

/// The sections of the book a track teaches, in book order.
fn slots(book: &Book, taught: &[Track]) -> Result<Vec<Slot>> {
    let mut slots = Vec::new();
    for chapter in &book.chapters {
        for (page, section, track) in tracked_sections(chapter)? {
            if taught.contains(&track) {
                let notes = section.notes.as_ref().expect("tracked sections have notes");
                slots.push(Slot {
                    chapter: chapter.number,
                    title: section.title.clone(),
                    minutes: notes.minutes,
                    hands_on: notes.hands_on,
                    page: page
                        .book_path()
                        .components()
                        .map(|part| part.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/"),
                    id: heading_id(page, section)?,
                });
            }
        }
    }
    Ok(slots)
}

/// The id mdBook gives a section's heading.
fn heading_id(page: &Page, section: &Section) -> Result<String> {
    mdsnippets::heading_ids(&page.markdown)
        .into_iter()
        .find(|(line, _)| *line == section.line)
        .map(|(_, id)| id)
        .with_context(|| {
            format!(
                "{}:{}: no heading id found for section `{}`",
                page.path.display(),
                section.line,
                section.heading
            )
        })
}

/// Lays `slots` out with a break after every [`BLOCK_MINUTES`] of teaching,
/// and, with `lunch`, lunch instead of the break nearest the middle of the
/// teaching time. Each waits for the end of a page, so that a page is taught
/// in one go, unless that would take more than [`PAGE_END_GRACE`] longer.
pub fn lay_out(name: &'static str, slots: Vec<Slot>, lunch: bool) -> Timetable {
    let teaching: u32 = slots.iter().map(|slot| slot.minutes).sum();
    let page_ends: Vec<bool> = slots
        .windows(2)
        .map(|pair| pair[0].page != pair[1].page)
        .collect();
    let mut items = Vec::new();
    let mut since_break = 0;
    let mut taught = 0;
    let mut lunch_due = lunch;
    for (index, slot) in slots.into_iter().enumerate() {
        since_break += slot.minutes;
        taught += slot.minutes;
        items.push(Item::Teach(slot));
        let Some(&page_ends_here) = page_ends.get(index) else {
            break;
        };
        let past_middle = (taught * 2).saturating_sub(teaching) / 2;
        if lunch_due && taught * 2 >= teaching && (page_ends_here || past_middle >= PAGE_END_GRACE)
        {
            items.push(Item::Pause {
                minutes: LUNCH_MINUTES,
                lunch: true,
            });
            lunch_due = false;
            since_break = 0;
        } else if since_break >= BLOCK_MINUTES
            && (page_ends_here || since_break >= BLOCK_MINUTES + PAGE_END_GRACE)
        {
            items.push(Item::Pause {
                minutes: BREAK_MINUTES,
                lunch: false,
            });
            since_break = 0;
        }
    }
    Timetable { name, items }
}

/// Every track of the workshop, laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracks {
    /// The `core` sections.
    pub half: Timetable,
    /// The `core` and `full` sections, which are also the first of two days.
    pub full: Timetable,
    /// The second of two days: the `optional` sections.
    pub day_two: Timetable,
    /// What participants read before the workshop: the `reading` sections.
    pub reading: Vec<Slot>,
}

impl Tracks {
    /// The minutes the reading would take in the room.
    pub fn reading_minutes(&self) -> u32 {
        self.reading.iter().map(|slot| slot.minutes).sum()
    }
}

/// One day of a track: what it teaches, how it is laid out, and what its
/// limits' messages say.
struct Day {
    name: &'static str,
    /// How messages name the day (`the half day`).
    called: &'static str,
    teaches: &'static [Track],
    lunch: bool,
    limit: u32,
    /// Which tags to change when the day runs over.
    retag: &'static str,
    needs_hands_on: bool,
}

/// The half day, the full day (also day one of two) and day two.
const DAYS: [Day; 3] = [
    Day {
        name: "Half day",
        called: "the half day",
        teaches: &[Track::Core],
        lunch: false,
        limit: HALF_DAY_LIMIT,
        retag: "`core` to `full` or `optional`",
        needs_hands_on: true,
    },
    Day {
        name: "Full day",
        called: "the full day",
        teaches: &[Track::Core, Track::Full],
        lunch: true,
        limit: FULL_DAY_LIMIT,
        retag: "`full` to `optional`",
        needs_hands_on: true,
    },
    // The second day is where the deep dives go: no hands-on share is asked.
    Day {
        name: "Day two",
        called: "day two",
        teaches: &[Track::Optional],
        lunch: true,
        limit: FULL_DAY_LIMIT,
        retag: "`optional` to `reading`",
        needs_hands_on: false,
    },
];

/// The problems of one laid-out day, as messages naming what to retag.
fn problems(track: &Timetable, day: &Day) -> Vec<String> {
    let mut problems = Vec::new();
    let name = day.called;
    if track.total() > day.limit {
        problems.push(format!(
            "{name} takes {} min with its breaks, at most {}: retag sections from {}",
            track.total(),
            day.limit,
            day.retag
        ));
    }
    let wanted = (f64::from(track.teaching()) * HANDS_ON_SHARE).ceil() as u32;
    if day.needs_hands_on && track.hands_on() < wanted {
        problems.push(format!(
            "{name} has {} min hands-on of {} min of teaching, at least {wanted} wanted: \
             teach more hands-on sections in it, or retag others `optional`",
            track.hands_on(),
            track.teaching()
        ));
    }
    problems
}

/// The half day, the full day and the two days, each day checked against
/// its limits.
pub fn tracks(book: &Book) -> Result<Tracks> {
    let mut days = Vec::new();
    let mut found = Vec::new();
    for day in &DAYS {
        let track = lay_out(day.name, slots(book, day.teaches)?, day.lunch);
        found.extend(problems(&track, day));
        days.push(track);
    }
    ensure!(found.is_empty(), "{}", found.join("\n"));
    let [half, full, day_two] = <[Timetable; 3]>::try_from(days).expect("one timetable per day");
    Ok(Tracks {
        half,
        full,
        day_two,
        reading: slots(book, &[Track::Reading])?,
    })
}

/// A track's timetable as a markdown table starting at 9:00.
fn timetable(page: &mut String, track: &Timetable) {
    let _ = writeln!(
        page,
        "| Start | Chapter | Section | Minutes |\n|:--|:--|:--|--:|"
    );
    let mut at = 0;
    for item in &track.items {
        match item {
            Item::Teach(slot) => {
                let hands = if slot.hands_on { " ✋" } else { "" };
                let _ = writeln!(
                    page,
                    "| {} | {} | [{}]({}){hands} | {} |",
                    clock(at),
                    slot.chapter,
                    slot.title,
                    slot.link(),
                    slot.minutes
                );
                at += slot.minutes;
            }
            Item::Pause { minutes, lunch } => {
                let what = if *lunch { "Lunch" } else { "Break" };
                let _ = writeln!(page, "| {} | | *{what}* | {minutes} |", clock(at));
                at += minutes;
            }
        }
    }
    let _ = writeln!(page, "| {} | | *End* | |\n", clock(at));
}

/// A duration in minutes as hours and minutes (`3h04`).
fn hours(minutes: u32) -> String {
    format!("{}h{:02}", minutes / 60, minutes % 60)
}

/// `9:00 + minutes` as a clock time.
fn clock(minutes_since_nine: u32) -> String {
    let minutes = 9 * 60 + minutes_since_nine;
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

/// The schedule page: the three tracks as timetables, the reading between
/// the two days, and every chapter's sections with their minutes and tags.
pub fn render(book: &Book, command: &str) -> Result<String> {
    let tracks = tracks(book)?;
    let mut page = String::new();
    let _ = writeln!(page, "{}\n", generated_marker(command));
    let _ = writeln!(page, "# Workshop schedule\n");
    let reading = tracks.reading_minutes();
    let _ = writeln!(
        page,
        "Three tracks, built from the minutes and tags of each section's speaker notes: \
         the half day teaches the sections tagged *core*, the full day adds those tagged \
         *full*, and two days teach the full day, then the sections tagged *optional*. \
         Hands-on sections (✋) are where the room works at keyboards. Before the first \
         day, whatever the track, every participant follows the \
         [checklist](../workshop.md#before-the-workshop) and reads the sections tagged \
         *reading*, which the room builds on and nobody teaches.\n"
    );
    let _ = writeln!(page, "## Reading before the workshop\n");
    let _ = writeln!(
        page,
        "Sections that would take {} in the room, in the book's order.\n",
        hours(reading)
    );
    let _ = writeln!(page, "| Chapter | Section | Minutes |\n|:--|:--|--:|");
    for slot in &tracks.reading {
        let _ = writeln!(
            page,
            "| {} | [{}]({}) | {} |",
            slot.chapter,
            slot.title,
            slot.link(),
            slot.minutes
        );
    }
    let _ = writeln!(page, "| | **Total** | **{reading}** |\n");
    for track in [&tracks.half, &tracks.full] {
        let _ = writeln!(
            page,
            "## {}: {} with breaks, {} of {} min of teaching hands-on\n",
            track.name,
            hours(track.total()),
            track.hands_on(),
            track.teaching()
        );
        timetable(&mut page, track);
    }
    let day_two = &tracks.day_two;
    let _ = writeln!(
        page,
        "## Two days: the full day, then day two\n\n\
         Day one is the full day above. Day two teaches the sections tagged *optional*, \
         the deep dives: {} with breaks, with {} of its {} min of teaching hands-on.\n",
        hours(day_two.total()),
        day_two.hands_on(),
        day_two.teaching()
    );
    timetable(&mut page, day_two);
    for chapter in &book.chapters {
        let total = chapter.minutes();
        let _ = writeln!(page, "## {}. {}\n", chapter.number, chapter.title);
        let _ = writeln!(
            page,
            "[Slides](../slides/{}.html) · {total} min\n",
            chapter.slug
        );
        let _ = writeln!(page, "| Section | Minutes | Track |\n|:--|--:|:--|");
        for (_, section, track) in tracked_sections(chapter)? {
            let notes = section.notes.as_ref().expect("tracked sections have notes");
            let hands = if notes.hands_on { " ✋" } else { "" };
            let _ = writeln!(
                page,
                "| {} | {} | {}{hands} |",
                section.title,
                notes.minutes,
                track.word()
            );
        }
        let _ = writeln!(page, "| **Total** | **{total}** | |\n");
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A section of `minutes` alone on its page.
    fn slot(minutes: u32, hands_on: bool) -> Slot {
        static PAGES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let page = PAGES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        on_page(minutes, hands_on, page)
    }

    fn on_page(minutes: u32, hands_on: bool, page: usize) -> Slot {
        Slot {
            chapter: 1,
            title: format!("{minutes} min"),
            minutes,
            hands_on,
            page: format!("page-{page}.md"),
            id: "section".into(),
        }
    }

    fn pauses(track: &Timetable) -> Vec<usize> {
        track
            .items
            .iter()
            .enumerate()
            .filter(|(_, item)| matches!(item, Item::Pause { .. }))
            .map(|(index, _)| index)
            .collect()
    }

    #[test]
    fn a_break_waits_for_the_end_of_a_page_but_not_for_long() {
        let nine_per_page: Vec<Slot> = (0..18).map(|index| on_page(10, false, index / 9)).collect();
        assert_eq!(
            pauses(&lay_out("Half day", nine_per_page, false)),
            [9],
            "after the page that ends at 90 min, not in it at 80"
        );
        let one_long_page: Vec<Slot> = (0..18).map(|_| on_page(10, false, 0)).collect();
        assert_eq!(
            pauses(&lay_out("Half day", one_long_page, false)),
            [10],
            "at most PAGE_END_GRACE past the block: after 100 min"
        );
    }

    #[test]
    fn breaks_come_after_each_block_and_lunch_near_the_middle() {
        let slots: Vec<Slot> = (0..12).map(|index| slot(20, index % 4 == 0)).collect();
        let half = lay_out("Half day", slots.clone(), false);
        let pauses: Vec<usize> = half
            .items
            .iter()
            .enumerate()
            .filter(|(_, item)| matches!(item, Item::Pause { .. }))
            .map(|(index, _)| index)
            .collect();
        assert_eq!(
            pauses,
            [4, 9],
            "a break after every 80 min of teaching, none at the end"
        );
        assert_eq!(half.total(), 240 + 2 * BREAK_MINUTES);
        assert_eq!(half.hands_on(), 60);

        let full = lay_out("Full day", slots, true);
        let lunch = full
            .items
            .iter()
            .position(|item| matches!(item, Item::Pause { lunch: true, .. }))
            .unwrap();
        assert_eq!(lunch, 7, "after 120 of 240 minutes, with a break before it");
        assert!(
            !matches!(full.items.last(), Some(Item::Pause { .. })),
            "no break at the end"
        );
    }

    #[test]
    fn an_overlong_day_names_what_to_retag() {
        let slots: Vec<Slot> = (0..20).map(|_| slot(20, false)).collect();
        let day_two = lay_out("Day two", slots, true);
        let [_, full_day, second_day] = &DAYS;
        assert_eq!(
            problems(&day_two, second_day),
            [format!(
                "day two takes {} min with its breaks, at most 390: retag sections from \
                 `optional` to `reading`",
                day_two.total()
            )],
            "no hands-on share is asked of the second day"
        );
        let short = lay_out("Full day", vec![slot(60, false), slot(10, true)], true);
        assert_eq!(
            problems(&short, full_day),
            [
                "the full day has 10 min hands-on of 70 min of teaching, at least 18 wanted: \
              teach more hands-on sections in it, or retag others `optional`"
            ]
        );
    }

    #[test]
    fn the_book_fits_every_track() {
        let book = Book::load(&crate::repository_root().unwrap()).unwrap();
        let tracks = tracks(&book).unwrap_or_else(|error| panic!("{error:#}"));
        let Tracks {
            half,
            full,
            day_two,
            ..
        } = &tracks;
        assert!(half.total() <= HALF_DAY_LIMIT && full.total() <= FULL_DAY_LIMIT);
        assert!(day_two.total() <= FULL_DAY_LIMIT);
        let taught_or_read = full.teaching() + day_two.teaching() + tracks.reading_minutes();
        let whole_book: u32 = book.chapters.iter().map(Chapter::minutes).sum();
        assert_eq!(
            taught_or_read, whole_book,
            "the two days cover every section"
        );
        assert!(f64::from(half.hands_on()) >= f64::from(half.teaching()) * HANDS_ON_SHARE);
        assert!(f64::from(full.hands_on()) >= f64::from(full.teaching()) * HANDS_ON_SHARE);
    }
}
