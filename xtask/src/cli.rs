//! The command line of `cargo xtask`, in the library so that the book's tests
//! can parse every `cargo xtask …` line the pages show with the real definition.

use clap::{Parser, Subcommand};

/// `cargo xtask`: builds, serves and regenerates the book.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    about = "Builds, serves and regenerates the book"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// One `cargo xtask` command.
#[derive(Debug, Subcommand)]
pub enum Command {
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
        /// The chapter: `3`, `ch03` or the page's name; `all` for every written chapter.
        chapter: String,
        /// Instead, check that the starter's tests fail and the solution's pass.
        #[arg(long)]
        verify: bool,
    },
    /// Record the chapters' scenarios (release build), keep the data in
    /// `src/generated/chNN-timelines.json` and draw the timelines as SVG.
    Timelines(Generate),
    /// Measure the chapters' scenarios (release build), keep the data in
    /// `src/generated/*.json` and render the timing tables from it.
    Tables(Generate),
}

/// What `tables` and `timelines` do: measure and render, render only, or check.
#[derive(Debug, clap::Args)]
pub struct Generate {
    /// Only this chapter (`3`, `ch03` or the page's name); every chapter when left out.
    pub chapter: Option<String>,
    /// Render again from the committed data, without measuring.
    #[arg(long, conflicts_with = "check")]
    pub render: bool,
    /// Only check that the committed files are what the committed data renders to.
    #[arg(long)]
    pub check: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn render_and_check_exclude_each_other() {
        assert!(Cli::try_parse_from(["cargo xtask", "tables", "--render", "--check"]).is_err());
        let parsed = Cli::try_parse_from(["cargo xtask", "timelines", "3", "--render"]).unwrap();
        assert!(matches!(
            parsed.command,
            Command::Timelines(Generate { chapter: Some(ref c), render: true, check: false }) if c == "3"
        ));
    }
}
