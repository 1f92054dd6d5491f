//! Builds the HTML site with mdBook used as a library, after checking that
//! every include of every chapter resolves (mdBook itself only logs a missing
//! anchor and renders an empty block).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail, ensure};
use mdbook_driver::MDBook;
use mdbook_driver::builtin_preprocessors::{IndexPreprocessor, LinkPreprocessor};
use mdbook_driver::config::Config;
use mdbook_preprocessor::book::Book as MdBook;
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use mdsnippets::{ListingStyle, Problem};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt};
use tracing_subscriber::{Layer, filter::LevelFilter};

use crate::chapters::Book;
use crate::{display_path, slides};

/// Checks every markdown file of the book against the snippet rules
/// ([`mdsnippets::check_file`]), naming each problem by file and line, all
/// of them in one error.
pub fn check_markdown(root: &Path) -> Result<()> {
    let files = mdsnippets::book_markdown_files(root)
        .with_context(|| format!("listing the markdown under {}", root.join("src").display()))?;
    let mut problems: Vec<Problem> = files
        .iter()
        .flat_map(|file| mdsnippets::check_file(file, mdsnippets::is_book_page(root, file)))
        .collect();
    for file in files
        .iter()
        .filter(|file| mdsnippets::is_book_page(root, file))
    {
        problems.extend(too_wide_listings(root, file));
        problems.extend(broken_links(root, file));
    }
    let problems: Vec<String> = problems
        .into_iter()
        .map(|problem| {
            Problem {
                file: display_path(root, &problem.file).into(),
                ..problem
            }
            .to_string()
        })
        .collect();
    if !problems.is_empty() {
        bail!(
            "the book's markdown has {} problem(s):\n{}",
            problems.len(),
            problems.join("\n")
        );
    }
    Ok(())
}

/// Every link of a page to a file of the book that does not exist, or to a
/// place (`page.md#id`, `#id`) that the page's headings and HTML ids do not
/// define: the reader would land on nothing.
fn broken_links(root: &Path, page: &Path) -> Vec<Problem> {
    let Ok(markdown) = std::fs::read_to_string(page) else {
        return Vec::new();
    };
    let directory = page.parent().unwrap_or(root);
    mdsnippets::page_links(&markdown)
        .into_iter()
        .filter_map(|link| {
            let (path, fragment) = match link.target.split_once('#') {
                Some((path, fragment)) => (path, Some(fragment)),
                None => (link.target.as_str(), None),
            };
            let target = if path.is_empty() {
                page.to_path_buf()
            } else {
                directory.join(path)
            };
            let shown = display_path(root, &target);
            // Decks and other generated HTML exist only after a build.
            if path.ends_with(".html") {
                return None;
            }
            let Ok(text) = std::fs::read_to_string(&target) else {
                return if target.exists() {
                    None
                } else {
                    Some(Problem::new(
                        page,
                        link.line,
                        format!(
                            "the link `{}` points at {shown}, which does not exist",
                            link.target
                        ),
                    ))
                };
            };
            let fragment = fragment.filter(|fragment| !fragment.is_empty())?;
            if !path.is_empty() && !path.ends_with(".md") {
                return None;
            }
            let ids = mdsnippets::page_ids(&text);
            (!ids.iter().any(|id| id == fragment)).then(|| {
                let near: Vec<&str> = ids
                    .iter()
                    .map(String::as_str)
                    .filter(|id| {
                        id.split('-')
                            .any(|word| word.len() > 3 && fragment.contains(word))
                    })
                    .take(3)
                    .collect();
                Problem::new(
                    page,
                    link.line,
                    format!(
                        "the link `{}`: {shown} has no heading or id `{fragment}`{}",
                        link.target,
                        if near.is_empty() {
                            String::new()
                        } else {
                            format!(" (did you mean {}?)", near.join(", "))
                        }
                    ),
                )
            })
        })
        .collect()
}

/// Every line a page's listings show wider than the code column
/// ([`mdsnippets::LISTING_WIDTH`]): the reader would have to scroll.
fn too_wide_listings(root: &Path, page: &Path) -> Vec<Problem> {
    let Ok(markdown) = std::fs::read_to_string(page) else {
        return Vec::new();
    };
    // Broken includes are reported by `check_file` already.
    let Ok((_, listings)) = mdsnippets::expand_listings(root, page, &markdown, BOOK_LISTING) else {
        return Vec::new();
    };
    listings
        .iter()
        .flat_map(|listing| {
            listing
                .code
                .lines()
                .filter(|line| line.chars().count() > mdsnippets::LISTING_WIDTH)
                .map(|line| {
                    let files: Vec<String> = listing
                        .files
                        .iter()
                        .map(|file| file.display().to_string())
                        .collect();
                    Problem::new(
                        page,
                        listing.line,
                        format!(
                            "a listing line is {} characters wide, the code column holds {}: \
                             wrap it in {}: `{}`",
                            line.chars().count(),
                            mdsnippets::LISTING_WIDTH,
                            files.join(", "),
                            line.trim()
                        ),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Checks the markdown, then renders the site into `book/`, with each
/// chapter's slide deck as HTML in `book/slides/` and linked from the chapter.
/// Anything mdBook reports as an error fails the build too. Without Node.js the
/// book is built without decks, and one line says so.
pub fn build(root: &Path) -> Result<()> {
    check_markdown(root)?;
    let book = Book::load(root)?;
    let links = deck_links(&book);
    let marp = (!links.is_empty()).then(|| marp_cli(root));
    let decks = match &marp {
        Some(Ok(_)) => DeckLinks {
            links,
            skipped: None,
        },
        Some(Err(reason)) => DeckLinks {
            links: Vec::new(),
            skipped: Some(reason.clone()),
        },
        None => DeckLinks {
            links: Vec::new(),
            skipped: None,
        },
    };
    let errors = Arc::new(AtomicUsize::new(0));
    let subscriber = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_target(false)
                .with_filter(LevelFilter::WARN),
        )
        .with(ErrorCounter(Arc::clone(&errors)));
    tracing::subscriber::with_default(subscriber, || -> Result<()> {
        let mut config = config(root)?;
        // The listings must see the includes of Rust blocks before mdBook's
        // own include step expands them, and extra preprocessors run after
        // the default ones: so the defaults are added by hand, in order.
        config.build.use_default_preprocessors = false;
        let mut book = MDBook::load_with_config(root, config).with_context(|| {
            format!(
                "loading the book described by {} and {}",
                root.join("book.toml").display(),
                root.join("src/SUMMARY.md").display()
            )
        })?;
        book.with_preprocessor(Listings(root.to_path_buf()));
        book.with_preprocessor(LinkPreprocessor::new());
        book.with_preprocessor(IndexPreprocessor::new());
        book.with_preprocessor(decks);
        book.build().context("building the book with mdBook")
    })?;
    let errors = errors.load(Ordering::Relaxed);
    if errors > 0 {
        bail!("mdBook reported {errors} error(s) while building the book (see above)");
    }
    match marp {
        Some(Ok(marp)) => render_decks(&book, &marp, &site_dir(root)?),
        Some(Err(reason)) => {
            println!("slide decks skipped: {reason}");
            Ok(())
        }
        None => Ok(()),
    }
}

/// `book.toml`, as mdBook reads it.
pub fn config(root: &Path) -> Result<Config> {
    Config::from_disk(root.join("book.toml"))
        .map_err(|error| anyhow::anyhow!("{error:#}"))
        .context("reading book.toml")
}

/// Where the site is built: `build.build-dir` of `book.toml`, under the
/// repository root.
pub fn site_dir(root: &Path) -> Result<PathBuf> {
    Ok(root.join(config(root)?.build.build_dir))
}

/// The Marp CLI pinned by `package.json`, installed with `npm ci` when missing;
/// the error says why decks cannot be rendered on this machine.
fn marp_cli(root: &Path) -> std::result::Result<PathBuf, String> {
    let works = |program: &str| {
        Command::new(program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    };
    if !works("node") || !works("npm") {
        return Err(
            "Node.js and npm are not on PATH (install Node.js 20 or newer to render them)".into(),
        );
    }
    let marp = root.join("node_modules/.bin/marp");
    if marp.exists() {
        return Ok(marp);
    }
    println!("installing the Marp CLI pinned in package.json (npm ci)");
    let installed = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(root)
        .status()
        .map_err(|error| format!("running `npm ci`: {error}"))?;
    if !installed.success() || !marp.exists() {
        return Err(format!(
            "`npm ci` did not install {} ({installed})",
            marp.display()
        ));
    }
    Ok(marp)
}

/// For each page of a chapter with a deck: the page (relative to `src/`) and
/// the line it gets under its title.
fn deck_links(book: &Book) -> Vec<(PathBuf, String)> {
    let mut links = Vec::new();
    for chapter in &book.chapters {
        let minutes = chapter.minutes();
        for page in &chapter.pages {
            let page = page.book_path().to_path_buf();
            let up = "../".repeat(page.components().count() - 1);
            let line = format!(
                "<p class=\"deck-link\">Workshop: <a href=\"{up}slides/{}.html\">slide deck for this chapter</a> · \
                 about {minutes} min · <a href=\"{up}generated/workshop-schedule.html\">schedule</a></p>",
                chapter.slug
            );
            links.push((page, line));
        }
    }
    links
}

/// Puts the deck link under each chapter's title. When the decks were not
/// rendered, the schedule page's deck links say why instead of leading nowhere.
struct DeckLinks {
    links: Vec<(PathBuf, String)>,
    skipped: Option<String>,
}

impl Preprocessor for DeckLinks {
    fn name(&self) -> &str {
        "deck-links"
    }

    fn run(
        &self,
        _context: &PreprocessorContext,
        mut book: MdBook,
    ) -> mdbook_preprocessor::errors::Result<MdBook> {
        book.for_each_chapter_mut(|chapter| {
            if let Some(reason) = &self.skipped
                && chapter
                    .path
                    .as_deref()
                    .is_some_and(|page| Path::new("src").join(page) == Path::new(slides::SCHEDULE))
            {
                chapter.content = unlink_decks(&chapter.content, reason);
            }
            let Some((_, line)) = self
                .links
                .iter()
                .find(|(page, _)| chapter.path.as_deref() == Some(page.as_path()))
            else {
                return;
            };
            let title_end = chapter
                .content
                .find('\n')
                .map_or(chapter.content.len(), |end| end + 1);
            chapter
                .content
                .insert_str(title_end, &format!("\n{line}\n"));
        });
        Ok(book)
    }
}

/// `[Slides](../slides/ch01-….html)` → `Slides not rendered in this build: …`.
fn unlink_decks(page: &str, reason: &str) -> String {
    page.lines()
        .map(|line| match line.strip_prefix("[Slides](../slides/") {
            Some(rest) => match rest.split_once(')') {
                Some((_, after)) => {
                    format!("Slides not rendered in this build: {reason}{after}")
                }
                None => line.to_string(),
            },
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Shows every Rust block made of includes as a listing
/// ([`mdsnippets::expand_listings`]): doc comments and doctests dropped, a
/// caption naming the file above it; `{{#exercise_starter …}}`, which mdBook
/// does not know, is expanded with them.
struct Listings(PathBuf);

impl Preprocessor for Listings {
    fn name(&self) -> &str {
        "listings"
    }

    fn run(
        &self,
        _context: &PreprocessorContext,
        mut book: MdBook,
    ) -> mdbook_preprocessor::errors::Result<MdBook> {
        let mut problems: Vec<Problem> = Vec::new();
        book.for_each_chapter_mut(|chapter| {
            let Some(source) = chapter.source_path.as_deref() else {
                return;
            };
            let shown = Path::new("src").join(source);
            let page_file = self.0.join(&shown);
            match mdsnippets::expand_listings(&self.0, &page_file, &chapter.content, BOOK_LISTING) {
                Ok((content, _)) => chapter.content = content,
                Err(found) => problems.extend(found.into_iter().map(|problem| Problem {
                    file: shown.clone(),
                    ..problem
                })),
            }
        });
        if problems.is_empty() {
            return Ok(book);
        }
        let listed: Vec<String> = problems.iter().map(Problem::to_string).collect();
        bail!(
            "expanding the listings: {} problem(s):\n{}",
            listed.len(),
            listed.join("\n")
        )
    }
}

/// How the book shows a listing: with its file's name, in full.
const BOOK_LISTING: ListingStyle = ListingStyle {
    caption: true,
    slide_excerpt: false,
};

/// Renders every chapter's deck to standalone HTML in `slides/` of the site. The
/// decks are generated afresh from the chapters, so the site never shows a
/// stale deck (the committed `slides/*.md` are checked by `cargo test`). A
/// deck points at images under `../src/`; in the site those live one level up
/// from `slides/`, so the rendered copy has the paths moved.
fn render_decks(book: &Book, marp: &Path, site: &Path) -> Result<()> {
    let root = book.root.as_path();
    let staging = root.join("target/slides-staging");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).with_context(|| format!("creating {}", staging.display()))?;
    let chapters = &book.chapters;
    for chapter in chapters {
        let deck = slides::render_deck(root, chapter)?;
        let staged = staging.join(format!("{}.md", chapter.slug));
        std::fs::write(&staged, deck.replace("](../src/", "](../"))
            .with_context(|| format!("writing {}", staged.display()))?;
    }
    let output = site.join("slides");
    let status = Command::new(marp)
        .args(["--html", "--no-stdin", "--input-dir"])
        .arg(&staging)
        .arg("--output")
        .arg(&output)
        .current_dir(root)
        .stdout(Stdio::null())
        .status()
        .with_context(|| format!("running {}", marp.display()))?;
    ensure!(
        status.success(),
        "the Marp CLI failed to render the decks staged in {} ({status})",
        staging.display()
    );
    println!(
        "rendered {} slide deck(s) into {}",
        chapters.len(),
        display_path(root, &output)
    );
    Ok(())
}

/// Counts error events so that errors mdBook only logs still fail the build.
struct ErrorCounter(Arc<AtomicUsize>);

impl<S: Subscriber> Layer<S> for ErrorCounter {
    fn on_event(&self, event: &Event<'_>, _context: LayerContext<'_, S>) {
        if *event.metadata().level() == Level::ERROR {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_to_missing_pages_and_places_are_named_with_their_line() {
        let root = std::env::temp_dir().join(format!("xtask-links-{}", std::process::id()));
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/other.md"), "# Other\n\n## The `Pin` type\n").unwrap();
        let page = root.join("src/page.md");
        std::fs::write(
            &page,
            "# Page\n\n[ok](other.md#the-pin-type) [ok](#page) [web](https://example.org)\n\
             [gone](missing.md)\n[wrong](other.md#pin-type) [self](#nowhere)\n",
        )
        .unwrap();
        let problems: Vec<String> = broken_links(&root, &page)
            .iter()
            .map(ToString::to_string)
            .collect();
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(
            problems[0].contains(":4:")
                && problems[0].contains("src/missing.md, which does not exist"),
            "{}",
            problems[0]
        );
        assert!(
            problems[1].contains(":5:")
                && problems[1]
                    .contains("has no heading or id `pin-type` (did you mean the-pin-type?)"),
            "{}",
            problems[1]
        );
        assert!(
            problems[2].contains("has no heading or id `nowhere`"),
            "{}",
            problems[2]
        );
    }

    #[test]
    fn listings_lose_their_doc_comments_and_every_broken_one_is_named() {
        use mdbook_preprocessor::book::{BookItem, Chapter};
        let root = std::env::temp_dir().join(format!("xtask-listings-{}", std::process::id()));
        std::fs::create_dir_all(root.join("src")).unwrap();
        let code = "// ANCHOR: double\n/// Doubles.\npub fn double(x: u32) -> u32 {\n    // ANCHOR: double_solution\n    x * 2\n    // ANCHOR_END: double_solution\n}\n// ANCHOR_END: double\n";
        std::fs::write(root.join("src/code.rs"), code).unwrap();
        let page = "# T\n\n{{#include table.md}}\n\n```rust\n{{#exercise_starter code.rs:double}}\n```\n\n```rust\n{{#include code.rs:double}}\n```\n";
        let broken = format!(
            "{page}\n```rust\n{{{{#exercise_starter code.rs:triple}}}}\n```\n\n```rust\n{{{{#include absent.rs:x}}}}\n```\n"
        );
        let run = |content: &str| {
            let book = MdBook::new_with_items(vec![BookItem::Chapter(Chapter::new(
                "T",
                content.to_string(),
                "page.md",
                Vec::new(),
            ))]);
            let context =
                PreprocessorContext::new(root.clone(), Default::default(), "html".to_string());
            Listings(root.clone()).run(&context, book)
        };
        let shown = run(page).unwrap();
        let error = run(&broken).unwrap_err().to_string();
        std::fs::remove_dir_all(&root).unwrap();
        let BookItem::Chapter(chapter) = &shown.items[0] else {
            panic!("one chapter")
        };
        assert_eq!(
            chapter.content,
            "# T\n\n{{#include table.md}}\n\n<p class=\"listing-caption\">Filename: <code>src/code.rs</code></p>\n\n```rust\npub fn double(x: u32) -> u32 {\n    todo!(\"your solution here\")\n}\n```\n\n<p class=\"listing-caption\">Filename: <code>src/code.rs</code></p>\n\n```rust\npub fn double(x: u32) -> u32 {\n    x * 2\n}\n```\n"
        );
        let lines: Vec<&str> = error.lines().collect();
        assert_eq!(lines[0], "expanding the listings: 2 problem(s):");
        assert_eq!(
            lines[1],
            "src/page.md:14: anchor `triple` not found in code.rs"
        );
        assert!(
            lines[2].starts_with("src/page.md:18: include `absent.rs`: cannot read"),
            "{error}"
        );
    }

    #[test]
    fn without_decks_the_schedule_says_why_instead_of_linking() {
        let page = "## Concurrency\n\n[Slides](../slides/ch01-concurrency.html) · 108 min\n\n| a |";
        assert_eq!(
            unlink_decks(page, "Node.js and npm are not on PATH"),
            "## Concurrency\n\nSlides not rendered in this build: Node.js and npm are not on PATH · 108 min\n\n| a |"
        );
    }
}
