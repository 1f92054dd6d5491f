//! A page split into sections at its `#`, `##` and `###` headings, each with
//! the speaker notes that also render in the book as a collapsed block:
//!
//! ```text
//! ## Two kinds of waiting
//!
//! <details class="notes">
//! <summary>Speaker notes · 10 min</summary>
//!
//! Ask who has waited for a kettle and a toaster at the same time.
//!
//! </details>
//! ```
//!
//! Every `##` section carries such a block; its minutes feed the workshop
//! schedule, and each section becomes a slide of the chapter's deck.

use anyhow::{Context, Result, bail, ensure};
use mdsnippets::{Block, BlockKind};

const NOTES_START: &str = "<details class=\"notes\">";
const NOTES_END: &str = "</details>";

/// A section of a page: the heading that opened it, its body, its notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The heading line as written (`## Two kinds of waiting`); a setext
    /// heading is given in its `##` form.
    pub heading: String,
    /// The heading's level: 1 for `#`, 2 for `##`, 3 for `###`.
    pub level: usize,
    /// The heading's text (`Two kinds of waiting`).
    pub title: String,
    /// 1-based line of the heading in the page.
    pub line: usize,
    /// The markdown between the heading and the next one, notes removed.
    pub body: String,
    /// The page's line number of each line of `body`, so that a problem
    /// found in the body names its place in the page.
    pub body_lines: Vec<usize>,
    /// The speaker notes, if the section has a notes block.
    pub notes: Option<Notes>,
}

/// A notes block: what the instructor says and how long the section takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notes {
    /// Estimated minutes for the section.
    pub minutes: u32,
    /// Which workshop track teaches the section, if the summary says.
    pub track: Option<Track>,
    /// Whether the room works at keyboards in this section (exercises, runs).
    pub hands_on: bool,
    /// The notes' markdown.
    pub text: String,
}

/// Which workshop tracks teach a section, from the notes' summary:
/// `<summary>Speaker notes · 10 min · core · hands-on</summary>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Track {
    /// `core`: the half-day track, and so the full day too.
    Core,
    /// `full`: the full-day track only.
    Full,
    /// `optional`: taught on the second day of the two-day track.
    Optional,
    /// `reading`: read by every participant before the workshop, whatever
    /// the track; not taught in the room.
    Reading,
}

impl Track {
    /// The word the summary uses.
    pub fn word(self) -> &'static str {
        match self {
            Track::Core => "core",
            Track::Full => "full",
            Track::Optional => "optional",
            Track::Reading => "reading",
        }
    }
}

/// What a notes summary says: `Speaker notes · 10 min · core · hands-on`
/// gives 10 minutes, the core track, hands-on. The minutes come first, then
/// the tags in any order; an unknown tag is an error.
fn read_summary(summary: &str) -> std::result::Result<(u32, Option<Track>, bool), String> {
    let parts: Vec<&str> = summary.split('·').map(str::trim).collect();
    let Some(minutes_at) = parts.iter().position(|part| minutes_in(part).is_some()) else {
        return Err("a notes block starts with a summary giving its minutes, \
                    like `<summary>Speaker notes · 10 min · core</summary>`"
            .to_string());
    };
    let minutes = minutes_in(parts[minutes_at]).unwrap_or_default();
    let mut track = None;
    let mut hands_on = false;
    for tag in &parts[minutes_at + 1..] {
        let found = match *tag {
            "core" => Some(Track::Core),
            "full" => Some(Track::Full),
            "optional" => Some(Track::Optional),
            "reading" => Some(Track::Reading),
            "hands-on" => {
                hands_on = true;
                None
            }
            other => {
                return Err(format!(
                    "unknown tag `{other}` in the notes' summary: after the minutes come \
                     `core`, `full`, `optional` or `reading`, and `hands-on`"
                ));
            }
        };
        if let Some(found) = found {
            if track.is_some() {
                return Err(
                    "a section belongs to one track: `core`, `full`, `optional` or `reading`"
                        .into(),
                );
            }
            track = Some(found);
        }
    }
    Ok((minutes, track, hands_on))
}

/// Splits a page into sections at its top-level headings of levels 1 to 3,
/// as mdBook's parser reads them (a `#` line inside code is not a heading).
/// `page` names the file in errors.
/// Errors: text before the first heading, a notes block before it, without
/// `</details>` or without minutes in its summary, two notes blocks in one
/// section, or a `##` section without notes.
pub fn parse_sections(page: &str, markdown: &str) -> Result<Vec<Section>> {
    let lines: Vec<&str> = markdown.lines().collect();
    let blocks = mdsnippets::blocks(markdown);
    let mut sections: Vec<Section> = Vec::new();
    // Lines of the page that belong to no body: headings and notes, 0-based.
    let mut taken = vec![false; lines.len()];
    let mut index = 0;
    while index < blocks.len() {
        let block = &blocks[index];
        let number = block.line;
        let last_line = mdsnippets::line_of(markdown, block.range.end);
        if let BlockKind::Heading {
            level: level @ 1..=3,
            text,
        } = &block.kind
        {
            let written = lines[number - 1];
            let heading = if written.trim_start().starts_with('#') {
                written.to_string()
            } else {
                format!("{} {text}", "#".repeat(*level))
            };
            sections.push(Section {
                heading,
                level: *level,
                title: text.clone(),
                line: number,
                body: String::new(),
                body_lines: Vec::new(),
                notes: None,
            });
            taken[number - 1..last_line].fill(true);
        } else if is_notes_start(markdown, block) {
            let Some(section) = sections.last_mut() else {
                bail!("{page}:{number}: notes block before the first heading");
            };
            ensure!(
                section.notes.is_none(),
                "{page}:{number}: second notes block in section `{}`",
                section.heading
            );
            let summary = lines
                .get(number)
                .map(|line| line.trim())
                .unwrap_or_default();
            let summary = summary
                .strip_prefix("<summary>")
                .and_then(|summary| summary.strip_suffix("</summary>"))
                .unwrap_or_default();
            let (minutes, track, hands_on) = read_summary(summary)
                .map_err(|message| anyhow::anyhow!("{page}:{}: {message}", number + 1))?;
            let (end_line, end_block) = notes_end(markdown, &blocks, index, number + 1)
                .with_context(|| {
                    format!("{page}:{number}: notes block is never closed with `{NOTES_END}`")
                })?;
            let text = lines[number + 1..end_line - 1].join("\n");
            section.notes = Some(Notes {
                minutes,
                track,
                hands_on,
                text: text.trim().to_string(),
            });
            taken[number - 1..end_line].fill(true);
            index = end_block;
        } else if sections.is_empty() {
            bail!("{page}:{number}: text before the page's first heading");
        }
        index += 1;
    }
    let starts: Vec<usize> = sections.iter().map(|section| section.line).collect();
    for (position, section) in sections.iter_mut().enumerate() {
        let next = starts
            .get(position + 1)
            .map_or(lines.len(), |line| line - 1);
        for line in section.line..next {
            if !taken[line] {
                section.body.push_str(lines[line]);
                section.body.push('\n');
                section.body_lines.push(line + 1);
            }
        }
    }
    for section in &sections {
        if section.level == 2 && section.notes.is_none() {
            bail!(
                "{page}:{}: section `{}` has no notes block with its minutes \
                 (`{NOTES_START}` + `<summary>Speaker notes · N min</summary>` … `{NOTES_END}`)",
                section.line,
                section.heading
            );
        }
    }
    Ok(sections)
}

fn is_notes_start(markdown: &str, block: &Block) -> bool {
    block.kind == BlockKind::Html && markdown[block.range.clone()].starts_with(NOTES_START)
}

/// Where the notes opened by `blocks[start]` end: the 1-based line holding
/// `</details>` after the summary (line `summary_line`), and the index of the
/// HTML block holding it. CommonMark ends an HTML block at a blank line, so
/// the notes' paragraphs are blocks of their own in between, and a
/// `</details>` inside their code does not count.
fn notes_end(
    markdown: &str,
    blocks: &[Block],
    start: usize,
    summary_line: usize,
) -> Option<(usize, usize)> {
    blocks
        .iter()
        .enumerate()
        .skip(start)
        .filter(|(_, block)| block.kind == BlockKind::Html)
        .find_map(|(index, block)| {
            markdown[mdsnippets::whole_lines(markdown, block.range.clone())]
                .lines()
                .zip(block.line..)
                .find(|&(line, number)| number > summary_line && line.trim() == NOTES_END)
                .map(|(_, number)| (number, index))
        })
}

/// The number before `min` in a summary such as `Speaker notes · 12 min`.
fn minutes_in(summary: &str) -> Option<u32> {
    let before = summary.strip_suffix("min")?.trim_end();
    let digits = before.rsplit(|c: char| !c.is_ascii_digit()).next()?;
    digits.parse().ok().filter(|&minutes| minutes > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "# Title\n\nIntro.\n\n## First\n\n<details class=\"notes\">\n<summary>Speaker notes · 7 min</summary>\n\nSay hello.\n\n</details>\n\nBody.\n\n```rust\n# hidden\n## not a heading\n```\n\n### Detail\n\nMore.\n";

    #[test]
    fn headings_split_sections_and_notes_carry_minutes() {
        let sections = parse_sections("page.md", PAGE).unwrap();
        let headings: Vec<&str> = sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(headings, ["# Title", "## First", "### Detail"]);
        assert_eq!(
            (sections[1].level, sections[1].title.as_str()),
            (2, "First")
        );
        let notes = sections[1].notes.as_ref().unwrap();
        assert_eq!((notes.minutes, notes.text.as_str()), (7, "Say hello."));
        assert!(sections[1].body.contains("Body.") && !sections[1].body.contains("Say hello"));
        assert!(
            sections[1].body.contains("## not a heading"),
            "a fenced line is not a heading"
        );
    }

    #[test]
    fn a_section_without_minutes_is_named_by_line() {
        let error = parse_sections("page.md", "# T\n\n## Lonely\n\ntext\n")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("page.md:3: section `## Lonely` has no notes block"),
            "{error}"
        );
        let page =
            "# T\n\n## S\n\n<details class=\"notes\">\n<summary>Notes</summary>\n</details>\n";
        let error = parse_sections("page.md", page).unwrap_err().to_string();
        assert!(
            error.starts_with("page.md:6: a notes block starts with a summary giving its minutes"),
            "{error}"
        );
        let page =
            "# T\n\n## S\n\n<details class=\"notes\">\n<summary>Notes · 3 min</summary>\ntext\n";
        let error = parse_sections("page.md", page).unwrap_err().to_string();
        assert!(
            error.starts_with("page.md:5: notes block is never closed"),
            "{error}"
        );
    }

    #[test]
    fn a_four_backtick_fence_keeps_its_three_backtick_lines_and_headings() {
        let page = "# T\n\n````markdown\n```rust\n## not a heading\n```\n````\n\n### Real\n";
        let sections = parse_sections("page.md", page).unwrap();
        let headings: Vec<&str> = sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(headings, ["# T", "### Real"]);
        assert!(sections[0].body.contains("## not a heading\n```\n````\n"));
    }

    #[test]
    fn notes_end_at_their_own_closing_tag_not_one_inside_their_code() {
        let page = "# T\n\n## S\n\nBefore.\n\n<details class=\"notes\">\n<summary>Notes · 4 min</summary>\n\n```html\n</details>\n```\n\n</details>\n\nAfter.\n";
        let sections = parse_sections("page.md", page).unwrap();
        let notes = sections[1].notes.as_ref().unwrap();
        assert_eq!(
            (notes.minutes, notes.text.as_str()),
            (4, "```html\n</details>\n```")
        );
        assert_eq!(sections[1].body, "\nBefore.\n\n\nAfter.\n");
        assert_eq!(
            sections[1].body_lines,
            [4, 5, 6, 15, 16],
            "body lines name their lines in the page, around the notes"
        );
    }

    #[test]
    fn text_or_notes_before_the_first_heading_are_refused() {
        let error = parse_sections("page.md", "\nStray.\n\n# T\n")
            .unwrap_err()
            .to_string();
        assert_eq!(error, "page.md:2: text before the page's first heading");
        let page =
            "<details class=\"notes\">\n<summary>Notes · 1 min</summary>\n</details>\n\n# T\n";
        let error = parse_sections("page.md", page).unwrap_err().to_string();
        assert_eq!(error, "page.md:1: notes block before the first heading");
        let page = "# T\n\n## S\n\n<details class=\"notes\">\n<summary>Notes · 1 min</summary>\n</details>\n\n<details class=\"notes\">\n<summary>Notes · 1 min</summary>\n</details>\n";
        let error = parse_sections("page.md", page).unwrap_err().to_string();
        assert_eq!(error, "page.md:9: second notes block in section `## S`");
    }

    #[test]
    fn the_summary_gives_minutes_track_and_hands_on() {
        assert_eq!(
            read_summary("Speaker notes · 12 min"),
            Ok((12, None, false))
        );
        assert_eq!(
            read_summary("Speaker notes · 5 min · hands-on · core"),
            Ok((5, Some(Track::Core), true))
        );
        assert_eq!(
            read_summary("Speaker notes · 5 min · optional"),
            Ok((5, Some(Track::Optional), false))
        );
        assert_eq!(
            read_summary("Speaker notes · 4 min · reading"),
            Ok((4, Some(Track::Reading), false))
        );
        assert!(read_summary("Speaker notes · 5 min · core · full").is_err());
        let error = read_summary("Speaker notes · 5 min · basic").unwrap_err();
        assert!(error.starts_with("unknown tag `basic`"), "{error}");
        assert!(read_summary("Speaker notes").is_err());
    }

    #[test]
    fn minutes_are_read_from_the_summary() {
        assert_eq!(minutes_in("Speaker notes · 12 min"), Some(12));
        assert_eq!(minutes_in("Notes, five min"), None);
        assert_eq!(minutes_in("Notes"), None);
        assert_eq!(minutes_in("Notes 0 min"), None);
    }
}
