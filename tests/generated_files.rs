//! Generated files match what generates them: each timing table and
//! timeline is what its committed data renders to, the data names every id
//! its chapter declares, and the decks and the schedule match the chapters.
//! A failure names the stale file and the `cargo xtask` command that fixes it.

use xtask::Mode;
use xtask::chapters::Book;

fn book() -> Book {
    let root = xtask::repository_root().unwrap_or_else(|error| panic!("{error:#}"));
    Book::load(&root).unwrap_or_else(|error| panic!("{error:#}"))
}

#[test]
fn timing_tables_are_what_their_data_renders_to() {
    if let Err(error) = xtask::tables::check(&book()) {
        panic!("{error:#}");
    }
}

#[test]
fn timelines_are_what_their_data_draws() {
    if let Err(error) = xtask::timelines::check(&book()) {
        panic!("{error:#}");
    }
}

#[test]
fn slide_decks_and_the_workshop_schedule_match_their_chapters() {
    if let Err(error) = xtask::slides::generate(&book(), Mode::Check) {
        panic!("{error:#}");
    }
}
