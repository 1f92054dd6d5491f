//! The workshop schedule, from the minutes and tags of every section's
//! speaker notes (`Speaker notes · 10 min · core · hands-on`):
//!
//! - the **half day** teaches the `core` sections, with a break every
//!   [`BLOCK_MINUTES`], in at most [`HALF_DAY_LIMIT`] minutes;
//! - the **full day** teaches `core` and `full` sections, with a lunch break
//!   near the middle and a break in each half, in at most [`FULL_DAY_LIMIT`];
//! - each track spends at least a quarter of its teaching time (breaks
//!   and lunch left out) hands-on;
//! - `optional` sections are day-two material.
//!
//! A track over its limit, or short of hands-on time, fails the generator
//! (and so `cargo test`), naming what to retag.

use std::fmt::Write as _;

use anyhow::{Result, ensure};

use crate::chapters::{Book, Chapter};
use crate::generated_marker;
use crate::sections::{Section, Track};

/// The longest a half-day workshop may take, breaks included.
pub const HALF_DAY_LIMIT: u32 = 210;
/// The longest a full-day workshop may take, lunch and breaks included.
pub const FULL_DAY_LIMIT: u32 = 390;
/// Teaching time between two breaks, at most (a break comes at the first
/// section boundary past it).
pub const BLOCK_MINUTES: u32 = 80;
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
pub fn tracked_sections(chapter: &Chapter) -> Result<Vec<(&Section, Track)>> {
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
            Some(track) => found.push((section, track)),
            None => problems.push(format!(
                "{}:{}: section `{}` belongs to no workshop track: end its notes' summary with \
                 `· core`, `· full` or `· optional` (and `· hands-on` when the room works)",
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
        for (section, track) in tracked_sections(chapter)? {
            if taught.contains(&track) {
                let notes = section.notes.as_ref().expect("tracked sections have notes");
                slots.push(Slot {
                    chapter: chapter.number,
                    title: section.title.clone(),
                    minutes: notes.minutes,
                    hands_on: notes.hands_on,
                });
            }
        }
    }
    Ok(slots)
}

/// Lays `slots` out with a break at the first boundary after every
/// [`BLOCK_MINUTES`] of teaching, and, with `lunch`, lunch instead of the
/// break nearest the middle of the teaching time.
pub fn lay_out(name: &'static str, slots: Vec<Slot>, lunch: bool) -> Timetable {
    let teaching: u32 = slots.iter().map(|slot| slot.minutes).sum();
    let mut items = Vec::new();
    let mut since_break = 0;
    let mut taught = 0;
    let mut lunch_due = lunch;
    let last = slots.len().saturating_sub(1);
    for (index, slot) in slots.into_iter().enumerate() {
        since_break += slot.minutes;
        taught += slot.minutes;
        items.push(Item::Teach(slot));
        if index == last {
            break;
        }
        if lunch_due && taught * 2 >= teaching {
            items.push(Item::Pause {
                minutes: LUNCH_MINUTES,
                lunch: true,
            });
            lunch_due = false;
            since_break = 0;
        } else if since_break >= BLOCK_MINUTES {
            items.push(Item::Pause {
                minutes: BREAK_MINUTES,
                lunch: false,
            });
            since_break = 0;
        }
    }
    Timetable { name, items }
}

/// The half-day and full-day timetables, each checked against its limits.
pub fn tracks(book: &Book) -> Result<[Timetable; 2]> {
    let half = lay_out("Half day", slots(book, &[Track::Core])?, false);
    let full = lay_out("Full day", slots(book, &[Track::Core, Track::Full])?, true);
    let mut problems = Vec::new();
    for (track, limit, retag) in [
        (&half, HALF_DAY_LIMIT, "`core` to `full` or `optional`"),
        (&full, FULL_DAY_LIMIT, "`full` to `optional`"),
    ] {
        if track.total() > limit {
            problems.push(format!(
                "the {} track takes {} min with its breaks, at most {limit}: retag sections from {retag}",
                track.name.to_lowercase(),
                track.total()
            ));
        }
        let wanted = (f64::from(track.teaching()) * HANDS_ON_SHARE).ceil() as u32;
        if track.hands_on() < wanted {
            problems.push(format!(
                "the {} track has {} min hands-on of {} min of teaching, at least {wanted} wanted: \
                 teach more hands-on sections in it, or retag others `optional`",
                track.name.to_lowercase(),
                track.hands_on(),
                track.teaching()
            ));
        }
    }
    ensure!(problems.is_empty(), "{}", problems.join("\n"));
    Ok([half, full])
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

/// The schedule page: both tracks as timetables, the day-two sections, and
/// every chapter's sections with their minutes and tags.
pub fn render(book: &Book, command: &str) -> Result<String> {
    let tracks = tracks(book)?;
    let mut page = String::new();
    let _ = writeln!(page, "{}\n", generated_marker(command));
    let _ = writeln!(page, "# Workshop schedule\n");
    let _ = writeln!(
        page,
        "Two tracks, built from the minutes and tags of each section's speaker notes: \
         the half day teaches the sections tagged *core*, the full day adds those tagged \
         *full*; sections tagged *optional* are material for a second day. Hands-on \
         sections (✋) are where the room works at keyboards. Before the day, every \
         participant follows the [checklist](../workshop.md#before-the-workshop).\n"
    );
    for track in &tracks {
        let _ = writeln!(
            page,
            "## {}: {} with breaks, {} of {} min of teaching hands-on\n",
            track.name,
            hours(track.total()),
            track.hands_on(),
            track.teaching()
        );
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
                        "| {} | {} | {}{hands} | {} |",
                        clock(at),
                        slot.chapter,
                        slot.title,
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
    let day_two = lay_out("Day two", slots(book, &[Track::Optional])?, true);
    let _ = writeln!(
        page,
        "## Day two: {} of teaching, {} min of it hands-on\n",
        hours(day_two.teaching()),
        day_two.hands_on()
    );
    let _ = writeln!(
        page,
        "{}\n\n| Chapter | Section | Minutes |\n|:--|:--|--:|",
        if day_two.total() > FULL_DAY_LIMIT {
            format!(
                "The sections tagged *optional*. Laid out with lunch and breaks they take {}, \
                 more than the {} a day may: a second day picks its chapters from this list.",
                hours(day_two.total()),
                hours(FULL_DAY_LIMIT)
            )
        } else {
            format!(
                "The sections tagged *optional*: {} with lunch and breaks, a second day.",
                hours(day_two.total())
            )
        }
    );
    for chapter in &book.chapters {
        for (section, track) in tracked_sections(chapter)? {
            if track == Track::Optional {
                let minutes = section.notes.as_ref().map_or(0, |notes| notes.minutes);
                let _ = writeln!(
                    page,
                    "| {} | {} | {minutes} |",
                    chapter.number, section.title
                );
            }
        }
    }
    let _ = writeln!(page, "| | **Total** | **{}** |\n", day_two.teaching());
    for chapter in &book.chapters {
        let total = chapter.minutes();
        let _ = writeln!(page, "## {}. {}\n", chapter.number, chapter.title);
        let _ = writeln!(
            page,
            "[Slides](../slides/{}.html) · {total} min\n",
            chapter.slug
        );
        let _ = writeln!(page, "| Section | Minutes | Track |\n|:--|--:|:--|");
        for (section, track) in tracked_sections(chapter)? {
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

    fn slot(minutes: u32, hands_on: bool) -> Slot {
        Slot {
            chapter: 1,
            title: format!("{minutes} min"),
            minutes,
            hands_on,
        }
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
    fn the_book_fits_both_tracks() {
        let book = Book::load(&crate::repository_root().unwrap()).unwrap();
        let [half, full] = tracks(&book).unwrap_or_else(|error| panic!("{error:#}"));
        assert!(half.total() <= HALF_DAY_LIMIT && full.total() <= FULL_DAY_LIMIT);
        assert!(f64::from(half.hands_on()) >= f64::from(half.teaching()) * HANDS_ON_SHARE);
        assert!(f64::from(full.hands_on()) >= f64::from(full.teaching()) * HANDS_ON_SHARE);
    }
}
