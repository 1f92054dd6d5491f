//! The book as the tools see it, loaded once per command: `src/SUMMARY.md`
//! read with mdBook's own parser, each written chapter with its number, key
//! (`ch03`), slug (`ch03-event-loop-internals`), title and pages, each page
//! with its markdown and its sections.
//!
//! A chapter is a numbered entry of `SUMMARY.md` whose page is
//! `chNN-topic.md`, or `chNN-topic/index.md` with the pages listed under it,
//! `NN` being its number. Draft chapters (empty links) have no page yet and
//! are left out; so are numbered pages that are not chapters (the workshop
//! schedule).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use chapters_code::registry::{self, ChapterMaterial};
use mdbook_summary::{Link, SummaryItem};

use crate::display_path;
use crate::sections::{Section, parse_sections};

/// The book's summary, relative to the repository root.
pub const SUMMARY: &str = "src/SUMMARY.md";

/// Every written chapter of the book, in reading order.
#[derive(Debug, Clone)]
pub struct Book {
    /// The repository root.
    pub root: PathBuf,
    /// The chapters, in reading order.
    pub chapters: Vec<Chapter>,
}

/// One written chapter.
#[derive(Debug, Clone)]
pub struct Chapter {
    /// Its number in the book (`3`).
    pub number: u32,
    /// `ch` and the two-digit number (`ch03`): the prefix of its files.
    pub key: String,
    /// The page's name (`ch03-event-loop-internals`), also its deck's file stem.
    pub slug: String,
    /// The `#` title of its first page.
    pub title: String,
    /// Its pages in reading order: the chapter's page, then those `SUMMARY.md`
    /// lists under it.
    pub pages: Vec<Page>,
}

/// One page of a chapter.
#[derive(Debug, Clone)]
pub struct Page {
    /// The page, relative to the repository root (`src/ch01-….md`).
    pub path: PathBuf,
    /// Its markdown, as written.
    pub markdown: String,
    /// Its sections, split at `#`, `##` and `###` headings.
    pub sections: Vec<Section>,
}

impl Page {
    /// The page's folder relative to the repository root, which its includes
    /// and images are relative to.
    pub fn folder(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("src"))
    }

    /// The page relative to `src/`, as mdBook names it.
    pub fn book_path(&self) -> &Path {
        self.path.strip_prefix("src").unwrap_or(&self.path)
    }
}

impl Chapter {
    /// What the chapter publishes besides its pages (tables, timelines,
    /// benchmarks), as `chapters_code::registry` declares it.
    pub fn material(&self) -> Option<&'static ChapterMaterial> {
        registry::chapter(&self.key)
    }

    /// Every section of every page, in reading order.
    pub fn sections(&self) -> impl Iterator<Item = (&Page, &Section)> {
        self.pages
            .iter()
            .flat_map(|page| page.sections.iter().map(move |section| (page, section)))
    }

    /// The minutes of every section, added up.
    pub fn minutes(&self) -> u32 {
        self.sections()
            .filter_map(|(_, section)| section.notes.as_ref())
            .map(|notes| notes.minutes)
            .sum()
    }
}

impl Book {
    /// Reads `src/SUMMARY.md` and every page of every written chapter under `root`.
    pub fn load(root: &Path) -> Result<Book> {
        let summary_path = root.join(SUMMARY);
        let summary =
            std::fs::read_to_string(&summary_path).with_context(|| format!("reading {SUMMARY}"))?;
        let parsed = mdbook_summary::parse_summary(&summary)
            .map_err(|error| anyhow::anyhow!("{error:#}"))
            .with_context(|| format!("parsing {SUMMARY}"))?;
        let mut chapters = Vec::new();
        for item in &parsed.numbered_chapters {
            let SummaryItem::Link(link) = item else {
                continue;
            };
            if let Some(chapter) = load_chapter(root, link)? {
                chapters.push(chapter);
            }
        }
        Ok(Book {
            root: root.to_path_buf(),
            chapters,
        })
    }

    /// Checks that every chapter `chapters_code::registry` lists is a written
    /// chapter of the book: material for a chapter without a page would be
    /// generated and never shown.
    pub fn check_registry(&self) -> Result<()> {
        for material in registry::CHAPTERS {
            ensure!(
                self.chapters
                    .iter()
                    .any(|chapter| chapter.key == material.key),
                "chapters-code/src/registry.rs lists `{}`, but {SUMMARY} links no page {}-….md: \
                 write the chapter's page or take it out of the registry",
                material.key,
                material.key
            );
        }
        Ok(())
    }

    /// The chapter a command names: its number (`3`), key (`ch03`) or slug
    /// (`ch03-event-loop-internals`). An unknown name lists the valid ones.
    pub fn find(&self, wanted: &str) -> Result<&Chapter> {
        let number = wanted
            .strip_prefix("ch")
            .unwrap_or(wanted)
            .parse::<u32>()
            .ok();
        self.chapters
            .iter()
            .find(|chapter| {
                chapter.slug == wanted || chapter.key == wanted || number == Some(chapter.number)
            })
            .with_context(|| {
                let valid: Vec<String> = self
                    .chapters
                    .iter()
                    .map(|chapter| format!("{} ({})", chapter.number, chapter.slug))
                    .collect();
                format!(
                    "unknown chapter `{wanted}`: the written chapters are {}",
                    valid.join(", ")
                )
            })
    }

    /// The chapters a command names: all of them for `None` or `all`, else
    /// the one [`find`](Self::find) finds.
    pub fn select(&self, wanted: Option<&str>) -> Result<Vec<&Chapter>> {
        match wanted {
            None | Some("all") => Ok(self.chapters.iter().collect()),
            Some(wanted) => Ok(vec![self.find(wanted)?]),
        }
    }
}

/// The chapter a numbered summary entry links, or `None` for a draft or a
/// page that is not a chapter.
fn load_chapter(root: &Path, link: &Link) -> Result<Option<Chapter>> {
    let Some(location) = link.location.as_deref() else {
        return Ok(None);
    };
    let slug = chapter_slug(location);
    let Some(key) = slug.as_deref().and_then(chapter_key) else {
        return Ok(None);
    };
    let slug = slug.unwrap_or_default();
    let number = link
        .number
        .as_ref()
        .and_then(|number| number.first().copied());
    let expected = format!("ch{:02}", number.unwrap_or_default());
    ensure!(
        key == expected,
        "{SUMMARY}: `{}` is chapter {} of the book but its page is named {slug}: \
         rename it {expected}-… (a chapter's files start with its number)",
        link.name,
        number.unwrap_or_default()
    );
    let is_folder = location.file_name().is_some_and(|name| name == "index.md");
    let mut locations = vec![location.to_path_buf()];
    collect_nested(&link.nested_items, &mut locations);
    if let Some(stray) = locations
        .iter()
        .skip(1)
        .find(|page| !is_folder || !page.starts_with(location.parent().unwrap_or(Path::new(""))))
    {
        bail!(
            "{SUMMARY}: page {} is listed under chapter `{}`, outside its folder: \
             a chapter with several pages keeps them in src/{slug}/",
            stray.display(),
            link.name
        );
    }
    let pages = locations
        .into_iter()
        .map(|location| load_page(root, &Path::new("src").join(location)))
        .collect::<Result<Vec<Page>>>()?;
    let title = pages[0].sections[0].title.clone();
    Ok(Some(Chapter {
        number: number.unwrap_or_default(),
        key,
        slug,
        title,
        pages,
    }))
}

fn collect_nested(items: &[SummaryItem], locations: &mut Vec<PathBuf>) {
    for item in items {
        if let SummaryItem::Link(link) = item {
            locations.extend(link.location.clone());
            collect_nested(&link.nested_items, locations);
        }
    }
}

fn load_page(root: &Path, path: &Path) -> Result<Page> {
    let shown = display_path(root, &root.join(path));
    let markdown =
        std::fs::read_to_string(root.join(path)).with_context(|| format!("reading {shown}"))?;
    let sections = parse_sections(&shown, &markdown)?;
    ensure!(
        sections.first().is_some_and(|section| section.level == 1),
        "{shown}:1: a page of a chapter starts with its `#` title"
    );
    Ok(Page {
        path: path.to_path_buf(),
        markdown,
        sections,
    })
}

/// `ch03-topic` for `ch03-topic.md` and `ch03-topic/index.md`.
fn chapter_slug(location: &Path) -> Option<String> {
    let stem = match location.file_stem()?.to_str()? {
        "index" => location.parent()?.file_name()?.to_str()?,
        stem => stem,
    };
    Some(stem.to_string())
}

/// `ch03` for a slug `ch03-…`; `None` for a page that is not a chapter.
fn chapter_key(slug: &str) -> Option<String> {
    let key = slug.get(..4)?;
    let digits = key.strip_prefix("ch")?;
    (digits.bytes().all(|b| b.is_ascii_digit()) && slug[4..].starts_with('-'))
        .then(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book_from(files: &[(&str, &str)]) -> Result<Book> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "xtask-chapters-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        for (path, text) in files {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let book = Book::load(&root);
        std::fs::remove_dir_all(&root).unwrap();
        book
    }

    const PAGE: &str = "# One\n\n## Part\n\n<details class=\"notes\">\n<summary>Speaker notes · 5 min</summary>\n\nSay it.\n\n</details>\n";

    fn sample() -> Book {
        let summary = "# Summary\n\n[Intro](introduction.md)\n\n# Part I\n\n- [One](ch01-one.md)\n- [Two](ch02-two.md)\n- [Three](ch03-three/index.md)\n  - [Loop](ch03-three/loop.md)\n  - [Wakers](ch03-three/wakers.md)\n- [Draft]()\n\n# Appendices\n\n- [Schedule](generated/workshop-schedule.md)\n";
        let three = PAGE.replace("# One", "# Three");
        book_from(&[
            ("src/SUMMARY.md", summary),
            ("src/introduction.md", "# Intro\n"),
            ("src/ch01-one.md", PAGE),
            ("src/ch02-two.md", &PAGE.replace("# One", "# Two")),
            ("src/ch03-three/index.md", &three),
            ("src/ch03-three/loop.md", "# Loop\n\n## Loop\n\n<details class=\"notes\">\n<summary>Notes · 2 min</summary>\n</details>\n"),
            ("src/ch03-three/wakers.md", "# Wakers\n"),
            ("src/generated/workshop-schedule.md", "# Schedule\n"),
        ])
        .unwrap()
    }

    #[test]
    fn a_folder_chapter_gathers_the_pages_listed_under_it() {
        let book = sample();
        let slugs: Vec<&str> = book.chapters.iter().map(|c| c.slug.as_str()).collect();
        assert_eq!(slugs, ["ch01-one", "ch02-two", "ch03-three"]);
        let three = &book.chapters[2];
        assert_eq!(
            (three.number, three.key.as_str(), three.title.as_str()),
            (3, "ch03", "Three")
        );
        let pages: Vec<&Path> = three.pages.iter().map(|page| page.path.as_path()).collect();
        assert_eq!(
            pages,
            [
                Path::new("src/ch03-three/index.md"),
                Path::new("src/ch03-three/loop.md"),
                Path::new("src/ch03-three/wakers.md")
            ]
        );
        assert_eq!(three.minutes(), 7);
    }

    #[test]
    fn a_chapter_is_found_by_number_key_or_slug() {
        let book = sample();
        for wanted in ["3", "03", "ch03", "ch3", "ch03-three"] {
            assert_eq!(book.find(wanted).unwrap().key, "ch03", "{wanted}");
        }
        let error = book.find("ch09").unwrap_err().to_string();
        assert_eq!(
            error,
            "unknown chapter `ch09`: the written chapters are 1 (ch01-one), 2 (ch02-two), 3 (ch03-three)"
        );
        assert_eq!(book.select(Some("all")).unwrap().len(), 3);
        assert_eq!(book.select(Some("2")).unwrap()[0].key, "ch02");
    }

    #[test]
    fn a_page_named_for_another_number_is_refused() {
        let summary = "# Summary\n\n- [One](ch01-one.md)\n- [Two](ch01-two.md)\n";
        let error = book_from(&[
            ("src/SUMMARY.md", summary),
            ("src/ch01-one.md", PAGE),
            ("src/ch01-two.md", PAGE),
        ])
        .unwrap_err()
        .to_string();
        assert!(
            error.starts_with(
                "src/SUMMARY.md: `Two` is chapter 2 of the book but its page is named ch01-two"
            ),
            "{error}"
        );
    }

    #[test]
    fn a_missing_page_is_named() {
        let summary = "# Summary\n\n- [One](ch01-one.md)\n";
        let error = format!(
            "{:#}",
            book_from(&[("src/SUMMARY.md", summary)]).unwrap_err()
        );
        assert!(error.starts_with("reading src/ch01-one.md:"), "{error}");
    }
}
