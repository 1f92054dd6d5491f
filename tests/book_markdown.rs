//! The book's markdown keeps its promise: every Rust block a reader sees is
//! either included from code that `cargo test` compiles, or compiled and run by
//! skeptic. A failure names the file and line.

use std::path::{Path, PathBuf};

fn repository_root() -> PathBuf {
    xtask::repository_root().unwrap_or_else(|error| panic!("{error:#}"))
}

fn markdown_files() -> Vec<PathBuf> {
    let files = mdsnippets::book_markdown_files(&repository_root()).expect("listing src/**/*.md");
    assert!(
        files.len() > 2,
        "expected the book's chapters under src/, found {files:?}"
    );
    files
}

fn relative(path: &Path) -> PathBuf {
    path.strip_prefix(repository_root())
        .unwrap_or(path)
        .to_path_buf()
}

#[test]
fn every_include_resolves_and_every_block_names_its_language() {
    if let Err(error) = xtask::book::check_markdown(&repository_root()) {
        panic!("{error:#}");
    }
}

#[test]
fn every_inline_rust_block_has_a_skeptic_test() {
    let generated = std::fs::read_to_string(concat!(env!("OUT_DIR"), "/skeptic-tests.rs"))
        .expect("build.rs writes skeptic-tests.rs");
    let test_names: Vec<&str> = generated
        .lines()
        .filter_map(|line| line.strip_prefix("#[test] fn "))
        .filter_map(|rest| rest.split("()").next())
        .collect();
    let mut uncovered = Vec::new();
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let prefix =
            mdsnippets::skeptic_test_prefix(&mdsnippets::skeptic_copy_name(&relative(&file)));
        for block in mdsnippets::code_blocks(&text) {
            if !block.is_rust() || !block.includes().is_empty() {
                continue;
            }
            let suffix = format!("_line_{}", block.line);
            let covered = test_names
                .iter()
                .any(|name| name.starts_with(&prefix) && name.ends_with(&suffix));
            if !covered {
                uncovered.push(format!("{}:{}", relative(&file).display(), block.line));
            }
        }
    }
    assert!(
        uncovered.is_empty(),
        "inline rust blocks that no skeptic test compiles (is build.rs reading these files?):\n{}",
        uncovered.join("\n")
    );
}

#[test]
fn every_chapter_asks_questions_that_its_tests_answer() {
    let book = xtask::chapters::Book::load(&repository_root()).unwrap_or_else(|e| panic!("{e:#}"));
    if let Err(error) = xtask::questions::check(&book) {
        panic!("{error:#}");
    }
}
