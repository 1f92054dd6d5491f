//! Generated files are present, well formed and complete. Timing figures differ
//! between runs, so the tables are checked for structure; a failure says which
//! `cargo xtask` command regenerates the file.

use xtask::{Mode, repository_root};

#[test]
fn timing_tables_are_complete_and_well_formed() {
    if let Err(error) = xtask::tables::generate(&repository_root(), Mode::Check) {
        panic!("{error:#}");
    }
}

#[test]
fn slide_decks_and_the_workshop_schedule_match_their_chapters() {
    if let Err(error) = xtask::slides::generate(&repository_root(), Mode::Check) {
        panic!("{error:#}");
    }
}

#[test]
fn timelines_are_complete_and_well_formed() {
    if let Err(error) = xtask::timelines::generate(&repository_root(), Mode::Check) {
        panic!("{error:#}");
    }
}
