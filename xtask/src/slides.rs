//! Slide decks generated from the chapters, for workshops.
//!
//! Each chapter page becomes a Marp deck in `slides/`: the `#` title and every
//! `##`/`###` heading start a slide, includes are expanded (the deck shows the
//! same code as the book), and a chapter's speaker notes come from blocks that
//! also render in the book as a collapsed section:
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
//! Every `##` section carries such a block, and its minutes feed the generated
//! workshop schedule.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};

use crate::{Mode, display_path, generated_marker};

/// The command that regenerates the decks and the schedule.
pub const COMMAND: &str = "cargo xtask slides";

/// Where the Marp decks are written, relative to the repository root.
pub const DECKS_DIR: &str = "slides";

/// The generated schedule page, relative to the repository root.
pub const SCHEDULE: &str = "src/generated/workshop-schedule.md";

const NOTES_START: &str = "<details class=\"notes\">";
const NOTES_END: &str = "</details>";

/// One chapter of the book that gets a deck.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chapter {
    /// The chapter's page, relative to the repository root (`src/ch01-….md`,
    /// or `src/ch03-…/index.md` for a folder of pages).
    pub page: PathBuf,
    /// Every page of the chapter in reading order: the chapter's page, then
    /// the pages of its folder that `SUMMARY.md` lists.
    pub pages: Vec<PathBuf>,
    /// The deck's name, also its file stem (`ch01-concurrency-vs-parallelism`).
    pub deck: String,
}

/// The chapters listed in `src/SUMMARY.md` whose page name starts with `chNN`
/// (a page `chNN-topic.md`, or `chNN-topic/index.md` with the other pages of
/// that folder listed after it). Draft chapters (empty links) have no page yet
/// and get no deck.
pub fn chapters(root: &Path) -> Result<Vec<Chapter>> {
    let summary_path = root.join("src/SUMMARY.md");
    let summary = std::fs::read_to_string(&summary_path)
        .with_context(|| format!("reading {}", summary_path.display()))?;
    let mut chapters: Vec<Chapter> = Vec::new();
    for line in summary.lines() {
        let Some((_, rest)) = line.split_once("](") else {
            continue;
        };
        let Some((link, _)) = rest.split_once(')') else {
            continue;
        };
        let link = Path::new(link.trim());
        if link.as_os_str().is_empty() {
            continue;
        }
        let page = Path::new("src").join(link);
        let in_chapter_folder = chapters.last_mut().filter(|chapter| {
            chapter.page.ends_with("index.md")
                && chapter
                    .page
                    .parent()
                    .is_some_and(|folder| page.starts_with(folder))
        });
        if let Some(chapter) = in_chapter_folder {
            chapter.pages.push(page);
            continue;
        }
        let name = match link.file_stem().and_then(|stem| stem.to_str()) {
            Some("index") => link
                .parent()
                .and_then(|folder| folder.file_name())
                .and_then(|name| name.to_str()),
            other => other,
        };
        if let Some(name) = name.filter(|name| is_chapter_name(name)) {
            chapters.push(Chapter {
                page: page.clone(),
                pages: vec![page],
                deck: name.to_string(),
            });
        }
    }
    Ok(chapters)
}

fn is_chapter_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    name.starts_with("ch")
        && bytes.len() > 4
        && bytes[2].is_ascii_digit()
        && bytes[3].is_ascii_digit()
}

/// Finds a chapter by its number or name (`ch01`, `1`, `ch01-concurrency-vs-parallelism`);
/// an unknown name is an error that lists the valid ones.
pub fn find_chapter(root: &Path, wanted: &str) -> Result<Chapter> {
    let chapters = chapters(root)?;
    let number = wanted.trim_start_matches("ch");
    let found = chapters.iter().find(|chapter| {
        chapter.deck == wanted
            || chapter.deck.split('-').next() == Some(wanted)
            || number
                .parse::<u32>()
                .is_ok_and(|n| chapter.deck[2..4].parse::<u32>() == Ok(n))
    });
    match found {
        Some(chapter) => Ok(chapter.clone()),
        None => {
            let valid: Vec<&str> = chapters
                .iter()
                .map(|chapter| chapter.deck.as_str())
                .collect();
            bail!(
                "unknown chapter `{wanted}`: the written chapters are {}",
                valid.join(", ")
            )
        }
    }
}

/// A slide: the heading that opened it, its body, and its speaker notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slide {
    /// The heading line as written (`## Two kinds of waiting`).
    pub heading: String,
    /// 1-based line of the heading in the chapter page.
    pub line: usize,
    /// The markdown between the heading and the next one, notes removed.
    pub body: String,
    /// The speaker notes, if the section has a notes block.
    pub notes: Option<Notes>,
}

/// A notes block: what the instructor says and how long the section takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notes {
    /// Estimated minutes for the section.
    pub minutes: u32,
    /// The notes' markdown.
    pub text: String,
}

/// Splits a chapter page into slides. `page` names the file in errors.
/// Errors: a notes block without `</details>` or without minutes in its
/// summary, two notes blocks in one section, or a `##` section without notes.
pub fn split_slides(page: &str, markdown: &str) -> Result<Vec<Slide>> {
    let mut slides: Vec<Slide> = Vec::new();
    let mut in_fence: Option<&str> = None;
    let mut lines = markdown.lines().enumerate().peekable();
    while let Some((index, line)) = lines.next() {
        let number = index + 1;
        let trimmed = line.trim_start();
        if let Some(fence) = in_fence {
            if trimmed.starts_with(fence) {
                in_fence = None;
            }
        } else if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = Some(&trimmed[..3]);
        } else if is_slide_heading(line) {
            slides.push(Slide {
                heading: line.to_string(),
                line: number,
                body: String::new(),
                notes: None,
            });
            continue;
        } else if trimmed.starts_with(NOTES_START) {
            let Some(slide) = slides.last_mut() else {
                bail!("{page}:{number}: notes block before the first heading");
            };
            ensure!(
                slide.notes.is_none(),
                "{page}:{number}: second notes block in section `{}`",
                slide.heading
            );
            let summary = lines
                .next()
                .map(|(_, summary)| summary.trim())
                .unwrap_or_default();
            let minutes = summary
                .strip_prefix("<summary>")
                .and_then(|summary| summary.strip_suffix("</summary>"))
                .and_then(minutes_in)
                .with_context(|| {
                    format!(
                        "{page}:{}: a notes block starts with a summary giving its minutes, \
                         like `<summary>Speaker notes · 10 min</summary>`",
                        number + 1
                    )
                })?;
            let mut text = Vec::new();
            loop {
                match lines.next() {
                    Some((_, end)) if end.trim() == NOTES_END => break,
                    Some((_, note)) => text.push(note),
                    None => {
                        bail!("{page}:{number}: notes block is never closed with `{NOTES_END}`")
                    }
                }
            }
            slide.notes = Some(Notes {
                minutes,
                text: text.join("\n").trim().to_string(),
            });
            continue;
        }
        match slides.last_mut() {
            Some(slide) => {
                slide.body.push_str(line);
                slide.body.push('\n');
            }
            None if line.trim().is_empty() => {}
            None => bail!("{page}:{number}: text before the chapter's `#` title"),
        }
    }
    for slide in &slides {
        if slide.heading.starts_with("## ") && slide.notes.is_none() {
            bail!(
                "{page}:{}: section `{}` has no notes block with its minutes \
                 (`{NOTES_START}` + `<summary>Speaker notes · N min</summary>` … `{NOTES_END}`)",
                slide.line,
                slide.heading
            );
        }
    }
    ensure!(
        slides
            .first()
            .is_some_and(|slide| slide.heading.starts_with("# ")),
        "{page}:1: a chapter starts with its `#` title"
    );
    Ok(slides)
}

fn is_slide_heading(line: &str) -> bool {
    ["# ", "## ", "### "]
        .iter()
        .any(|prefix| line.starts_with(prefix))
}

/// The number before `min` in a summary such as `Speaker notes · 12 min`.
fn minutes_in(summary: &str) -> Option<u32> {
    let before = summary.strip_suffix("min")?.trim_end();
    let digits = before.rsplit(|c: char| !c.is_ascii_digit()).next()?;
    digits.parse().ok().filter(|&minutes| minutes > 0)
}

/// Replaces every include directive of a page by what it includes, as mdBook
/// would, minus generated-file markers; hidden `# ` lines of Rust blocks are
/// dropped, since slides show only what the reader sees.
pub fn expand_includes(page: &Path, markdown: &str) -> Result<String> {
    let folder = page.parent().unwrap_or(Path::new("."));
    let mut expanded = markdown.to_string();
    for include in mdsnippets::includes(markdown).iter().rev() {
        let text = mdsnippets::resolve_include(folder, include)
            .map_err(|message| anyhow::anyhow!("{}:{}: {message}", page.display(), include.line))?;
        let text: Vec<&str> = text
            .lines()
            .filter(|line| !line.starts_with("<!-- generated by"))
            .collect();
        let start = expanded
            .rfind(&include.directive)
            .context("include directive vanished")?;
        expanded.replace_range(
            start..start + include.directive.len(),
            text.join("\n").trim_matches('\n'),
        );
    }
    let mut shown = String::new();
    let mut in_rust = false;
    for line in expanded.lines() {
        if let Some(info) = line.trim_start().strip_prefix("```") {
            in_rust = !in_rust
                && info
                    .split(',')
                    .next()
                    .is_some_and(|lang| lang.trim() == "rust");
        } else if in_rust && (line.trim_start().starts_with("# ") || line.trim() == "#") {
            continue;
        }
        shown.push_str(line);
        shown.push('\n');
    }
    Ok(shown)
}

/// Image targets are relative to the chapter page; the deck lives in
/// `slides/`, so each relative image gets the page's folder as seen from there.
fn retarget_images(body: &str, page_folder: &Path) -> String {
    let prefix = format!("../{}/", page_folder.display());
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find("![") {
        let Some(target_start) = rest[start..].find("](").map(|offset| start + offset + 2) else {
            break;
        };
        out.push_str(&rest[..target_start]);
        rest = &rest[target_start..];
        let is_relative =
            !(rest.starts_with("http") || rest.starts_with('/') || rest.starts_with('#'));
        if is_relative {
            out.push_str(&prefix);
        }
    }
    out.push_str(rest);
    out
}

/// The slides of every page of a chapter, each with the folder its images
/// are relative to.
fn chapter_slides(root: &Path, chapter: &Chapter) -> Result<Vec<(Slide, PathBuf)>> {
    let mut slides = Vec::new();
    for page in &chapter.pages {
        let page_path = root.join(page);
        let shown = display_path(root, &page_path);
        let markdown =
            std::fs::read_to_string(&page_path).with_context(|| format!("reading {shown}"))?;
        let markdown = expand_includes(&page_path, &markdown)?;
        let folder = page.parent().unwrap_or(Path::new("src")).to_path_buf();
        slides.extend(
            split_slides(&shown, &markdown)?
                .into_iter()
                .map(|slide| (slide, folder.clone())),
        );
    }
    Ok(slides)
}

/// The Marp deck of one chapter.
pub fn render_deck(root: &Path, chapter: &Chapter) -> Result<String> {
    let slides = chapter_slides(root, chapter)?;
    let mut deck = String::new();
    let _ = writeln!(deck, "{}\n", generated_marker(COMMAND));
    let _ = writeln!(
        deck,
        "<!-- theme: default -->\n<!-- paginate: true -->\n<!-- size: 16:9 -->\n"
    );
    let _ = writeln!(deck, "{DECK_STYLE}\n");
    for (index, (slide, page_folder)) in slides.iter().enumerate() {
        if index > 0 {
            let _ = writeln!(deck, "\n---\n");
        }
        let (shown, mut prose) = split_prose(&retarget_images(&slide.body, page_folder));
        let shown: Vec<String> = shown
            .iter()
            .map(|block| {
                let (short, moved) = shorten_long_items(block);
                prose.extend(moved);
                short
            })
            .collect();
        let pages = paginate(&shown);
        for (number, page) in pages.iter().enumerate() {
            if number > 0 {
                let _ = writeln!(deck, "\n---\n");
            }
            if pages.len() > 1 {
                let _ = writeln!(deck, "{} ({}/{})\n", slide.heading, number + 1, pages.len());
            } else {
                let _ = writeln!(deck, "{}\n", slide.heading);
            }
            if !page.is_empty() {
                let _ = writeln!(deck, "{}", page.join("\n\n"));
            }
            if number > 0 {
                continue;
            }
            let mut notes: Vec<String> = slide
                .notes
                .iter()
                .map(|notes| format!("{} min. {}", notes.minutes, notes.text))
                .collect();
            notes.extend(prose.iter().cloned());
            if !notes.is_empty() {
                // Marp turns a comment that is not a directive into presenter notes.
                let text = notes.join("\n\n").replace("-->", "—>");
                let _ = writeln!(deck, "\n<!--\n{text}\n-->");
            }
        }
    }
    Ok(deck)
}

// What fits below a `##` heading on a 1280×720 slide of the deck's style, in
// CSS pixels, measured in Chromium on Marp's default theme: the heading ends at
// 147 px and the bottom padding starts at 641 px. The browser check fails on a
// slide whose content overflows, or whose code Marp had to shrink, so these
// estimates cannot silently drift from what the room sees.
const SLIDE_BODY_PX: f32 = 485.0;
const BLOCK_GAP_PX: f32 = 16.0;
const CODE_PADDING_PX: f32 = 54.0;
const CODE_LINE_PX: f32 = 18.7;
const TEXT_LINE_PX: f32 = 39.0;
const TEXT_CHARS_PER_LINE: usize = 72;
const TABLE_ROW_PX: f32 = 41.0;
const TABLE_WRAP_PX: f32 = 27.0;
const TABLE_CHARS_PER_LINE: usize = 110;
const IMAGE_PX: f32 = 420.0;

/// A list item longer than this many rendered lines is a paragraph, not a
/// bullet: the slide keeps its lead and the notes get the whole item.
const LONGEST_ITEM_LINES: usize = 6;

/// Shortens a list's long items to their lead (the bold opening, or else the
/// first sentence); returns the list as shown and the full items for the notes.
fn shorten_long_items(block: &str) -> (String, Vec<String>) {
    let lines: Vec<&str> = block.lines().collect();
    let first = block.trim_start();
    if !["- ", "* "].iter().any(|bullet| first.starts_with(bullet)) {
        return (block.to_string(), Vec::new());
    }
    let mut shown = Vec::new();
    let mut moved = Vec::new();
    for item in items(&lines) {
        let lead = (text_lines(&item) > LONGEST_ITEM_LINES)
            .then(|| item_lead(&item.join(" ")))
            .flatten();
        match lead {
            Some(lead) => {
                shown.push(lead);
                moved.push(item.join("\n"));
            }
            None => shown.extend(item.iter().map(|line| line.to_string())),
        }
    }
    (shown.join("\n"), moved)
}

/// `- **A warm heap.** …` → `- **A warm heap.**`; without bold, the first
/// sentence; `None` when neither is found.
fn item_lead(item: &str) -> Option<String> {
    let (bullet, text) = item.split_at(2);
    let end = match text.strip_prefix("**") {
        Some(bold) => bold.find("**")? + 4,
        None => text.find(". ")? + 1,
    };
    Some(format!("{bullet}{}", &text[..end]))
}

/// Spreads a section's shown blocks over as many slides as they need, in
/// order: a code block, list or table too tall for one slide continues on the
/// next (a table repeating its header), so no slide has to be shrunk to fit.
fn paginate(blocks: &[String]) -> Vec<Vec<String>> {
    let mut pages: Vec<Vec<String>> = vec![Vec::new()];
    let mut used = 0.0;
    for piece in blocks.iter().flat_map(|block| split_block(block)) {
        let height = block_height(&piece);
        if used + height > SLIDE_BODY_PX && pages.last().is_some_and(|page| !page.is_empty()) {
            pages.push(Vec::new());
            used = 0.0;
        }
        used += height;
        pages
            .last_mut()
            .expect("pages starts non-empty")
            .push(piece);
    }
    pages
}

/// The estimated rendered height of one block, margin included.
fn block_height(block: &str) -> f32 {
    let lines: Vec<&str> = block.lines().collect();
    let first = block.trim_start();
    let height = if first.starts_with("```") || first.starts_with("~~~") {
        CODE_PADDING_PX + CODE_LINE_PX * lines.len().saturating_sub(2) as f32
    } else if first.starts_with('|') {
        lines
            .iter()
            .filter(|line| !line.starts_with("|:") && !line.starts_with("|-"))
            .map(|row| table_row_height(row))
            .sum()
    } else if first.starts_with("![") {
        IMAGE_PX
    } else {
        TEXT_LINE_PX * text_lines(&lines) as f32
    };
    height + BLOCK_GAP_PX
}

/// A table row is as tall as its longest cell, each column taking an equal
/// share of the width.
fn table_row_height(row: &str) -> f32 {
    let cells: Vec<&str> = row.trim().trim_matches('|').split('|').collect();
    let chars_per_line = (TABLE_CHARS_PER_LINE / cells.len().max(1)).max(1);
    let lines = cells
        .iter()
        .map(|cell| {
            cell.trim()
                .chars()
                .filter(|&c| c != '`')
                .count()
                .div_ceil(chars_per_line)
        })
        .max()
        .unwrap_or(1)
        .max(1);
    TABLE_ROW_PX + TABLE_WRAP_PX * (lines - 1) as f32
}

/// Rendered lines of a list, quote or HTML block: each item wraps on its own.
fn text_lines(lines: &[&str]) -> usize {
    items(lines)
        .iter()
        .map(|item| {
            let chars: usize = item
                .iter()
                .map(|line| line.trim().chars().count() + 1)
                .sum();
            chars.div_ceil(TEXT_CHARS_PER_LINE).max(1)
        })
        .sum()
}

/// The lines of a block grouped by list item; a block that is not a list is
/// one item.
fn items<'a>(lines: &[&'a str]) -> Vec<Vec<&'a str>> {
    let mut items: Vec<Vec<&str>> = Vec::new();
    for &line in lines {
        let starts_item = line.starts_with("- ")
            || line.starts_with("* ")
            || line.split_once(". ").is_some_and(|(number, _)| {
                !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())
            });
        match items.last_mut() {
            Some(item) if !starts_item => item.push(line),
            _ => items.push(vec![line]),
        }
    }
    items
}

/// Cuts a block taller than a slide into pieces that each fit: code at blank
/// lines where it can, tables by rows under a repeated header, lists by item.
fn split_block(block: &str) -> Vec<String> {
    if block_height(block) <= SLIDE_BODY_PX {
        return vec![block.to_string()];
    }
    let lines: Vec<&str> = block.lines().collect();
    let first = block.trim_start();
    if (first.starts_with("```") || first.starts_with("~~~")) && lines.len() > 2 {
        let fence_open = lines[0];
        let fence_close = lines[lines.len() - 1];
        let capacity = ((SLIDE_BODY_PX - BLOCK_GAP_PX - CODE_PADDING_PX) / CODE_LINE_PX) as usize;
        return split_code(&lines[1..lines.len() - 1], capacity)
            .into_iter()
            .map(|chunk| format!("{fence_open}\n{}\n{fence_close}", chunk.join("\n")))
            .collect();
    }
    if first.starts_with('|') && lines.len() > 2 {
        let header = table_row_height(lines[0]) + BLOCK_GAP_PX;
        let mut pieces: Vec<Vec<&str>> = vec![Vec::new()];
        let mut used = header;
        for &row in &lines[2..] {
            let height = table_row_height(row);
            if used + height > SLIDE_BODY_PX && pieces.last().is_some_and(|piece| !piece.is_empty())
            {
                pieces.push(Vec::new());
                used = header;
            }
            used += height;
            pieces
                .last_mut()
                .expect("pieces starts non-empty")
                .push(row);
        }
        return pieces
            .into_iter()
            .map(|rows| format!("{}\n{}\n{}", lines[0], lines[1], rows.join("\n")))
            .collect();
    }
    let items = items(&lines);
    if items.len() < 2 {
        return vec![block.to_string()];
    }
    let mut pieces: Vec<Vec<&str>> = vec![Vec::new()];
    let mut used = 0.0;
    for item in items {
        let height = TEXT_LINE_PX * text_lines(&item) as f32;
        if used + height + BLOCK_GAP_PX > SLIDE_BODY_PX
            && pieces.last().is_some_and(|piece| !piece.is_empty())
        {
            pieces.push(Vec::new());
            used = 0.0;
        }
        used += height;
        pieces
            .last_mut()
            .expect("pieces starts non-empty")
            .extend(item);
    }
    pieces.into_iter().map(|piece| piece.join("\n")).collect()
}

/// Cuts code into chunks of at most `capacity` lines. A chunk ends at a blank
/// line when one is near the limit; otherwise before the least indented line
/// in its second half that does not close a block, so a cut falls between
/// items or statements rather than inside an expression.
fn split_code<'a>(code: &[&'a str], capacity: usize) -> Vec<Vec<&'a str>> {
    let capacity = capacity.max(2);
    let mut chunks = Vec::new();
    let mut rest = code;
    while rest.len() > capacity {
        let window = &rest[..=capacity];
        // The cost of starting the next chunk with `line`: a closing bracket
        // or a chained `.call()` would be an orphan, so they never start one.
        let indent = |line: &str| {
            let trimmed = line.trim_start();
            if trimmed.is_empty() {
                0
            } else if trimmed.starts_with(['{', '}', ')', ']', '.']) {
                usize::MAX
            } else {
                line.len() - trimmed.len() + 1
            }
        };
        let cut = (capacity / 2..=capacity)
            .min_by_key(|&at| (indent(window[at]), std::cmp::Reverse(at)))
            .expect("the range is not empty");
        chunks.push(trim_blank(&rest[..cut]));
        rest = &rest[cut..];
        while rest.first().is_some_and(|line| line.trim().is_empty()) {
            rest = &rest[1..];
        }
    }
    if !rest.is_empty() {
        chunks.push(trim_blank(rest));
    }
    chunks
}

fn trim_blank<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let start = lines
        .iter()
        .position(|line| !line.trim().is_empty())
        .unwrap_or(lines.len());
    let end = lines
        .iter()
        .rposition(|line| !line.trim().is_empty())
        .map_or(start, |end| end + 1);
    lines[start..end].to_vec()
}

/// Splits a section's body into what the slide shows (lists, code, tables,
/// images, quotes, HTML) and its prose paragraphs, which become presenter
/// notes: a slide full of paragraphs is a page, not a slide.
fn split_prose(body: &str) -> (Vec<String>, Vec<String>) {
    let mut shown: Vec<String> = Vec::new();
    let mut prose = Vec::new();
    let mut block: Vec<&str> = Vec::new();
    let mut in_fence = false;
    let mut flush = |block: &mut Vec<&str>| {
        if block.is_empty() {
            return;
        }
        let text = block.join("\n");
        let first = text.trim_start();
        let is_paragraph = !["- ", "* ", "|", "```", "~~~", "![", "<", ">", "1. "]
            .iter()
            .any(|start| first.starts_with(start));
        if is_paragraph {
            prose.push(text);
        } else {
            shown.push(text);
        }
        block.clear();
    };
    for line in body.lines() {
        let fence = line.trim_start().starts_with("```") || line.trim_start().starts_with("~~~");
        if !in_fence && line.trim().is_empty() {
            flush(&mut block);
            continue;
        }
        block.push(line);
        if fence {
            in_fence = !in_fence;
        }
    }
    flush(&mut block);
    (shown, prose)
}

const DECK_STYLE: &str = "<style>
section { font-size: 26px; }
section pre { font-size: 0.62em; }
section table { font-size: 0.7em; }
section img { max-height: 420px; }
</style>";

/// Minutes per section of one chapter, every page of it: `(heading, minutes)`.
pub fn schedule_of(root: &Path, chapter: &Chapter) -> Result<Vec<(String, u32)>> {
    let mut sections = Vec::new();
    for page in &chapter.pages {
        let page_path = root.join(page);
        let shown = display_path(root, &page_path);
        let markdown =
            std::fs::read_to_string(&page_path).with_context(|| format!("reading {shown}"))?;
        sections.extend(
            split_slides(&shown, &markdown)?
                .into_iter()
                .filter_map(|slide| {
                    let minutes = slide.notes?.minutes;
                    Some((
                        slide.heading.trim_start_matches('#').trim().to_string(),
                        minutes,
                    ))
                }),
        );
    }
    Ok(sections)
}

/// The workshop schedule page: minutes per section, per chapter and for the day.
pub fn render_schedule(root: &Path, chapters: &[Chapter]) -> Result<String> {
    let mut page = String::new();
    let _ = writeln!(page, "{}\n", generated_marker(COMMAND));
    let _ = writeln!(page, "# Workshop schedule\n");
    let _ = writeln!(
        page,
        "Estimated minutes per section, taken from each chapter's speaker notes. \
         Each chapter has a slide deck with the same sections.\n"
    );
    let mut day = 0;
    let mut totals = Vec::new();
    for chapter in chapters {
        let sections = schedule_of(root, chapter)?;
        let total: u32 = sections.iter().map(|(_, minutes)| minutes).sum();
        let title = chapter_title(root, chapter)?;
        let _ = writeln!(page, "## {title}\n");
        let _ = writeln!(
            page,
            "[Slides](../slides/{}.html) · {total} min\n",
            chapter.deck
        );
        let _ = writeln!(page, "| Section | Minutes |\n|:--|--:|");
        for (heading, minutes) in &sections {
            let _ = writeln!(page, "| {heading} | {minutes} |");
        }
        let _ = writeln!(page, "| **Total** | **{total}** |\n");
        day += total;
        totals.push((title, total));
    }
    let _ = writeln!(page, "## The whole day\n\n| Chapter | Minutes |\n|:--|--:|");
    for (title, total) in &totals {
        let _ = writeln!(page, "| {title} | {total} |");
    }
    let _ = writeln!(
        page,
        "| **All chapters** | **{day}** ({}h{:02}) |",
        day / 60,
        day % 60
    );
    Ok(page)
}

fn chapter_title(root: &Path, chapter: &Chapter) -> Result<String> {
    let text = std::fs::read_to_string(root.join(&chapter.page))?;
    text.lines()
        .find_map(|line| line.strip_prefix("# "))
        .map(str::to_string)
        .with_context(|| format!("{}: no `#` title", chapter.page.display()))
}

/// Writes the decks and the schedule, or checks that the committed ones match
/// their chapters.
pub fn generate(root: &Path, mode: Mode) -> Result<()> {
    let chapters = chapters(root)?;
    let mut outputs = Vec::new();
    for chapter in &chapters {
        outputs.push((
            root.join(DECKS_DIR).join(format!("{}.md", chapter.deck)),
            render_deck(root, chapter)?,
        ));
    }
    outputs.push((root.join(SCHEDULE), render_schedule(root, &chapters)?));
    let mut stale = Vec::new();
    for (path, text) in outputs {
        let shown = display_path(root, &path);
        match mode {
            Mode::Write => {
                if let Some(folder) = path.parent() {
                    std::fs::create_dir_all(folder)
                        .with_context(|| format!("creating {}", folder.display()))?;
                }
                std::fs::write(&path, text).with_context(|| format!("writing {shown}"))?;
                println!("wrote {shown}");
            }
            Mode::Check => {
                if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                    stale.push(shown);
                }
            }
        }
    }
    ensure!(
        stale.is_empty(),
        "stale or missing: {}: run `{COMMAND}` and commit the result",
        stale.join(", ")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "# Title\n\nIntro.\n\n## First\n\n<details class=\"notes\">\n<summary>Speaker notes · 7 min</summary>\n\nSay hello.\n\n</details>\n\nBody.\n\n```rust\n# hidden\n## not a heading\n```\n\n### Detail\n\nMore.\n";

    #[test]
    fn headings_split_slides_and_notes_carry_minutes() {
        let slides = split_slides("page.md", PAGE).unwrap();
        let headings: Vec<&str> = slides.iter().map(|slide| slide.heading.as_str()).collect();
        assert_eq!(headings, ["# Title", "## First", "### Detail"]);
        let notes = slides[1].notes.as_ref().unwrap();
        assert_eq!((notes.minutes, notes.text.as_str()), (7, "Say hello."));
        assert!(slides[1].body.contains("Body.") && !slides[1].body.contains("Say hello"));
        assert!(
            slides[1].body.contains("## not a heading"),
            "a fenced line is not a heading"
        );
    }

    #[test]
    fn a_section_without_minutes_is_named_by_line() {
        let error = split_slides("page.md", "# T\n\n## Lonely\n\ntext\n")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("page.md:3: section `## Lonely` has no notes block"),
            "{error}"
        );
        let page =
            "# T\n\n## S\n\n<details class=\"notes\">\n<summary>Notes</summary>\n</details>\n";
        let error = split_slides("page.md", page).unwrap_err().to_string();
        assert!(
            error.starts_with("page.md:6: a notes block starts with a summary giving its minutes"),
            "{error}"
        );
        let page =
            "# T\n\n## S\n\n<details class=\"notes\">\n<summary>Notes · 3 min</summary>\ntext\n";
        let error = split_slides("page.md", page).unwrap_err().to_string();
        assert!(
            error.starts_with("page.md:5: notes block is never closed"),
            "{error}"
        );
    }

    #[test]
    fn prose_moves_to_the_notes_and_code_stays_whole() {
        let body = "A paragraph\nover two lines.\n\n- a list\n\n```rust\nfn a() {}\n\nfn b() {}\n```\n\n| t |\n|:-|\n";
        let (shown, prose) = split_prose(body);
        assert_eq!(prose, ["A paragraph\nover two lines."]);
        assert_eq!(
            shown,
            [
                "- a list",
                "```rust\nfn a() {}\n\nfn b() {}\n```",
                "| t |\n|:-|"
            ]
        );
    }

    #[test]
    fn a_folder_chapter_gathers_the_pages_listed_under_it() {
        let root = std::env::temp_dir().join(format!("slides-chapters-{}", std::process::id()));
        std::fs::create_dir_all(root.join("src")).unwrap();
        let summary = "# Summary\n\n[Intro](introduction.md)\n\n- [One](ch01-one.md)\n- [Two]()\n- [Three](ch03-three/index.md)\n  - [Loop](ch03-three/loop.md)\n  - [Wakers](ch03-three/wakers.md)\n- [Schedule](generated/workshop-schedule.md)\n";
        std::fs::write(root.join("src/SUMMARY.md"), summary).unwrap();
        let found = chapters(&root).unwrap();
        std::fs::remove_dir_all(&root).unwrap();
        let decks: Vec<&str> = found.iter().map(|chapter| chapter.deck.as_str()).collect();
        assert_eq!(decks, ["ch01-one", "ch03-three"]);
        let pages: Vec<&Path> = found[1].pages.iter().map(PathBuf::as_path).collect();
        assert_eq!(
            pages,
            [
                Path::new("src/ch03-three/index.md"),
                Path::new("src/ch03-three/loop.md"),
                Path::new("src/ch03-three/wakers.md")
            ]
        );
    }

    #[test]
    fn minutes_are_read_from_the_summary() {
        assert_eq!(minutes_in("Speaker notes · 12 min"), Some(12));
        assert_eq!(minutes_in("Notes, five min"), None);
        assert_eq!(minutes_in("Notes"), None);
        assert_eq!(minutes_in("Notes 0 min"), None);
    }

    #[test]
    fn long_code_continues_on_the_next_slide_cut_between_items() {
        let function = |name: &str| format!("fn {name}() {{\n    let x = 1;\n    let y = 2;\n}}\n");
        let code: String = (0..12)
            .map(|i| function(&format!("f{i}")))
            .collect::<Vec<_>>()
            .join("\n");
        let block = format!("```rust\n{code}```");
        let pages = paginate(&["- a point".to_string(), block]);
        assert!(pages.len() >= 2, "{pages:#?}");
        let mut functions = 0;
        for page in &pages {
            let height: f32 = page.iter().map(|block| block_height(block)).sum();
            assert!(height <= SLIDE_BODY_PX, "{height} px: {page:#?}");
            for piece in page.iter().filter(|piece| piece.starts_with("```")) {
                assert!(
                    piece.starts_with("```rust\nfn f") && piece.ends_with("}\n```"),
                    "{piece}"
                );
                functions += piece.matches("fn f").count();
            }
        }
        assert_eq!(functions, 12, "every function shown exactly once");
        assert_eq!(pages[0][0], "- a point");
    }

    #[test]
    fn a_code_block_without_blank_lines_is_cut_at_its_least_indented_line() {
        let mut code = vec!["fn main() {"];
        code.extend(std::iter::repeat_n("    step();", 10));
        code.extend(["    if ready {", "        go();", "    }"]);
        code.extend(std::iter::repeat_n("    step();", 10));
        code.push("}");
        let chunks = split_code(&code, 22);
        assert_eq!(chunks.iter().map(Vec::len).sum::<usize>(), code.len());
        assert!(chunks.iter().all(|chunk| chunk.len() <= 22), "{chunks:?}");
        assert_eq!(
            chunks[1][0], "    step();",
            "not a closing brace: {chunks:?}"
        );
    }

    #[test]
    fn a_long_table_repeats_its_header() {
        let rows: Vec<String> = (0..30).map(|row| format!("| r{row} | {row} |")).collect();
        let table = format!("| name | value |\n|:-|-:|\n{}", rows.join("\n"));
        let pieces = split_block(&table);
        assert!(pieces.len() >= 2);
        for piece in &pieces {
            assert!(
                piece.starts_with("| name | value |\n|:-|-:|\n| r"),
                "{piece}"
            );
        }
        assert_eq!(
            pieces
                .iter()
                .map(|piece| piece.matches("| r").count())
                .sum::<usize>(),
            30
        );
    }

    #[test]
    fn a_paragraph_long_bullet_keeps_its_lead_and_moves_to_the_notes() {
        let long = "word ".repeat(120);
        let list =
            format!("- short point\n- **A warm heap.** {long}\n- The first sentence. {long}");
        let (shown, moved) = shorten_long_items(&list);
        assert_eq!(
            shown,
            "- short point\n- **A warm heap.**\n- The first sentence."
        );
        assert_eq!(moved.len(), 2);
        assert!(moved[0].starts_with("- **A warm heap.** word"));
    }

    #[test]
    fn image_paths_follow_the_deck() {
        let page = Path::new("src/ch03-executor");
        assert_eq!(
            retarget_images("a ![t](generated/a.svg) b ![u](https://x/y.png)", page),
            "a ![t](../src/ch03-executor/generated/a.svg) b ![u](https://x/y.png)"
        );
    }
}
