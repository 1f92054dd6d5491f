//! Hands the book's markdown to skeptic, which turns every inline ```rust block
//! into a test that compiles and runs it. Blocks made of include directives are
//! blanked first: their code is compiled as part of `chapters-code`.

use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let root =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let copies_dir =
        PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("markdown");
    fs::create_dir_all(&copies_dir).expect("creating the folder for skeptic's markdown");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=README.md");

    let markdown_files = mdsnippets::book_markdown_files(&root).unwrap_or_else(|error| {
        panic!(
            "listing the book's markdown under {}: {error}",
            root.display()
        )
    });
    let copies: Vec<PathBuf> = markdown_files
        .iter()
        .map(|file| {
            let relative = file.strip_prefix(&root).unwrap_or(file);
            let text = fs::read_to_string(file)
                .unwrap_or_else(|error| panic!("reading {}: {error}", relative.display()));
            let copy = copies_dir.join(mdsnippets::skeptic_copy_name(relative));
            write_if_changed(&copy, &mdsnippets::for_skeptic(&text));
            copy
        })
        .collect();
    skeptic::generate_doc_tests(&copies);
}

/// Rewriting an unchanged copy would make cargo rerun this script on every build:
/// skeptic registers each copy with `rerun-if-changed`.
fn write_if_changed(path: &Path, contents: &str) {
    if fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return;
    }
    fs::write(path, contents).unwrap_or_else(|error| panic!("writing {}: {error}", path.display()));
}
