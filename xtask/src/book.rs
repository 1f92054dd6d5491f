//! Builds the HTML site with mdBook used as a library, after checking that
//! every include of every chapter resolves (mdBook itself only logs a missing
//! anchor and renders an empty block).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail, ensure};
use mdbook_driver::MDBook;
use mdbook_preprocessor::book::Book;
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt};
use tracing_subscriber::{Layer, filter::LevelFilter};

use crate::{display_path, slides};

/// Checks every markdown file of the book against the snippet rules
/// ([`mdsnippets::check_file`]), naming each problem by file and line.
pub fn check_markdown(root: &Path) -> Result<()> {
    let files = mdsnippets::book_markdown_files(root)
        .with_context(|| format!("listing the markdown under {}", root.join("src").display()))?;
    let problems: Vec<String> = files
        .iter()
        .flat_map(|file| mdsnippets::check_file(file, mdsnippets::is_book_page(root, file)))
        .map(|problem| {
            format!(
                "{}:{}: {}",
                display_path(root, &problem.file),
                problem.line,
                problem.message
            )
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

/// Checks the markdown, then renders the site into `book/`, with each
/// chapter's slide deck as HTML in `book/slides/` and linked from the chapter.
/// Anything mdBook reports as an error fails the build too. Without Node.js the
/// book is built without decks, and one line says so.
pub fn build(root: &Path) -> Result<()> {
    check_markdown(root)?;
    let links = deck_links(root)?;
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
        let mut book = MDBook::load(root).with_context(|| {
            format!(
                "loading the book described by {} and {}",
                root.join("book.toml").display(),
                root.join("src/SUMMARY.md").display()
            )
        })?;
        book.with_preprocessor(ExerciseStarters(root.join("src")));
        book.with_preprocessor(decks);
        book.build().context("building the book with mdBook")
    })?;
    let errors = errors.load(Ordering::Relaxed);
    if errors > 0 {
        bail!("mdBook reported {errors} error(s) while building the book (see above)");
    }
    match marp {
        Some(Ok(marp)) => render_decks(root, &marp),
        Some(Err(reason)) => {
            println!("slide decks skipped: {reason}");
            Ok(())
        }
        None => Ok(()),
    }
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
fn deck_links(root: &Path) -> Result<Vec<(PathBuf, String)>> {
    let mut links = Vec::new();
    for chapter in slides::chapters(root)? {
        let minutes: u32 = slides::schedule_of(root, &chapter)?
            .iter()
            .map(|(_, minutes)| minutes)
            .sum();
        for page in &chapter.pages {
            let page = page.strip_prefix("src").unwrap_or(page).to_path_buf();
            let up = "../".repeat(page.components().count() - 1);
            let line = format!(
                "<p class=\"deck-link\">Workshop: <a href=\"{up}slides/{}.html\">slide deck for this chapter</a> · \
                 about {minutes} min · <a href=\"{up}generated/workshop-schedule.html\">schedule</a></p>",
                chapter.deck
            );
            links.push((page, line));
        }
    }
    Ok(links)
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
        mut book: Book,
    ) -> mdbook_preprocessor::errors::Result<Book> {
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

/// Expands `{{#exercise_starter path:anchor}}`, which mdBook does not know.
struct ExerciseStarters(PathBuf);

impl Preprocessor for ExerciseStarters {
    fn name(&self) -> &str {
        "exercise-starters"
    }

    fn run(
        &self,
        _context: &PreprocessorContext,
        mut book: Book,
    ) -> mdbook_preprocessor::errors::Result<Book> {
        let mut failure = None;
        book.for_each_chapter_mut(|chapter| {
            let Some(source) = chapter.source_path.as_deref() else {
                return;
            };
            let folder = self
                .0
                .join(source)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| self.0.clone());
            let starters = mdsnippets::includes(&chapter.content)
                .into_iter()
                .filter(|include| include.kind == mdsnippets::IncludeKind::ExerciseStarter);
            for include in starters {
                match mdsnippets::resolve_include(&folder, &include) {
                    Ok(starter) => {
                        chapter.content = chapter.content.replacen(&include.directive, &starter, 1)
                    }
                    Err(message) => failure = Some(format!("src/{}: {message}", source.display())),
                }
            }
        });
        match failure {
            Some(message) => Err(anyhow::anyhow!(message)),
            None => Ok(book),
        }
    }
}

/// Renders every chapter's deck to standalone HTML in `book/slides/`. The
/// decks are generated afresh from the chapters, so the site never shows a
/// stale deck (the committed `slides/*.md` are checked by `cargo test`). A
/// deck points at images under `../src/`; in the site those live one level up
/// from `slides/`, so the rendered copy has the paths moved.
fn render_decks(root: &Path, marp: &Path) -> Result<()> {
    let staging = root.join("target/slides-staging");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).with_context(|| format!("creating {}", staging.display()))?;
    let chapters = slides::chapters(root)?;
    for chapter in &chapters {
        let deck = slides::render_deck(root, chapter)?;
        let staged = staging.join(format!("{}.md", chapter.deck));
        std::fs::write(&staged, deck.replace("](../src/", "](../"))
            .with_context(|| format!("writing {}", staged.display()))?;
    }
    let output = root.join("book/slides");
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
    fn without_decks_the_schedule_says_why_instead_of_linking() {
        let page = "## Concurrency\n\n[Slides](../slides/ch01-concurrency.html) · 108 min\n\n| a |";
        assert_eq!(
            unlink_decks(page, "Node.js and npm are not on PATH"),
            "## Concurrency\n\nSlides not rendered in this build: Node.js and npm are not on PATH · 108 min\n\n| a |"
        );
    }
}
