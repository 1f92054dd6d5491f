//! `cargo xtask`: builds, serves and regenerates the book.

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;
use xtask::chapters::Book;
use xtask::cli::{Cli, Command};
use xtask::{Mode, repository_root};

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
    let cli = Cli::parse();
    let root = repository_root()?;
    match cli.command {
        Command::Book => {
            xtask::book::build(&root)?;
            println!(
                "built the book into {}",
                xtask::book::site_dir(&root)?.display()
            );
        }
        Command::Serve { port, no_watch } => xtask::serve::serve(&root, port, !no_watch)?,
        Command::Exercise {
            chapter,
            verify: true,
        } => {
            let book = Book::load(&root)?;
            for chapter in book.select(Some(&chapter))? {
                xtask::exercise::verify(&root, chapter)?;
            }
        }
        Command::Exercise {
            chapter,
            verify: false,
        } => {
            let book = Book::load(&root)?;
            for chapter in book.select(Some(&chapter))? {
                let folder = xtask::exercise::generate(&root, chapter)?;
                println!("wrote {}: cd there and run `cargo test`", folder.display());
            }
        }
        Command::Slides { check } => xtask::slides::generate(&Book::load(&root)?, mode(check))?,
        Command::Timelines(args) => xtask::timelines::run(&Book::load(&root)?, &args)?,
        Command::Tables(args) => xtask::tables::run(&Book::load(&root)?, &args)?,
    }
    Ok(())
}

fn mode(check: bool) -> Mode {
    if check { Mode::Check } else { Mode::Write }
}
