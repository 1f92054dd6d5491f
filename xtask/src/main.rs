//! `cargo xtask`: builds, serves and regenerates the book.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};
use xtask::{Mode, repository_root};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Builds, serves and regenerates the book"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check every chapter's includes, then render the site into `book/`.
    Book,
    /// Build the site and serve it on http://127.0.0.1:PORT, rebuilding on change.
    Serve {
        /// The loopback port to listen on.
        #[arg(long, default_value_t = 3000)]
        port: u16,
        /// Serve the site as built, without watching the sources.
        #[arg(long)]
        no_watch: bool,
    },
    /// Write each chapter's Marp deck into `slides/` and the workshop schedule page.
    Slides {
        /// Only check that the committed decks and schedule match the chapters.
        #[arg(long)]
        check: bool,
    },
    /// Write a chapter's exercise crate into `exercises/chNN/`, its tests failing until solved.
    Exercise {
        /// The chapter: `ch01`, `1` or the page's name; `all` for every written chapter.
        chapter: String,
        /// Instead, check that the starter's tests fail and the solution's pass.
        #[arg(long)]
        verify: bool,
    },
    /// Record the chapters' scenarios and draw their timelines as SVG under `src/generated/`.
    Timelines {
        /// Only check that the committed timelines are complete and well formed.
        #[arg(long)]
        check: bool,
    },
    /// Measure the chapters' scenarios and write the timing tables under `src/generated/`.
    Tables {
        /// Only this chapter's table (`ch01`, `ch03`, …); all of them when left out.
        chapter: Option<String>,
        /// Only check that the committed tables are complete and well formed.
        #[arg(long)]
        check: bool,
    },
}

// Errors print as one line (`context: cause`), even with RUST_BACKTRACE set: a learner
// mistyping a chapter name needs the list of valid names, not a stack trace.
fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let root = repository_root();
    match Cli::parse().command {
        Command::Book => {
            xtask::book::build(&root)?;
            println!("built the book into {}", root.join("book").display());
        }
        Command::Serve { port, no_watch } => xtask::serve::serve(&root, port, !no_watch)?,
        Command::Exercise {
            chapter,
            verify: true,
        } => {
            for chapter in xtask::exercise::chapters_named(&root, &chapter)? {
                xtask::exercise::verify(&root, &chapter)?;
            }
        }
        Command::Exercise {
            chapter,
            verify: false,
        } => {
            for chapter in xtask::exercise::chapters_named(&root, &chapter)? {
                let folder = xtask::exercise::generate(&root, &chapter)?;
                println!("wrote {}: cd there and run `cargo test`", folder.display());
            }
        }
        Command::Slides { check } => xtask::slides::generate(&root, mode(check))?,
        Command::Timelines { check } => xtask::timelines::generate(&root, mode(check))?,
        Command::Tables {
            chapter: _,
            check: true,
        } => xtask::tables::generate(&root, Mode::Check)?,
        Command::Tables {
            chapter,
            check: false,
        } => xtask::tables::write(&root, chapter.as_deref())?,
    }
    Ok(())
}

fn mode(check: bool) -> Mode {
    if check { Mode::Check } else { Mode::Write }
}
