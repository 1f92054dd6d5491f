//! The published site is what CI builds and checks: the GitHub Pages workflow
//! runs `.ci/run` and uploads the book's build directory, and the path it
//! names for the site is the one `book.toml`'s `site-url` (and so
//! `cargo xtask serve` and the browser check) uses.

use std::fs;
use std::path::PathBuf;

const WORKFLOW: &str = ".github/workflows/book.yml";

fn root() -> PathBuf {
    xtask::repository_root().unwrap_or_else(|error| panic!("{error:#}"))
}

fn read(name: &str) -> String {
    fs::read_to_string(root().join(name)).unwrap_or_else(|error| panic!("reading {name}: {error}"))
}

#[test]
fn the_pages_workflow_runs_ci_and_publishes_the_build_directory() {
    let workflow = read(WORKFLOW);
    let site = xtask::book::site_dir(&root()).unwrap_or_else(|error| panic!("{error:#}"));
    let build_dir = site
        .strip_prefix(root())
        .expect("the site is built inside the repository")
        .display();
    for needed in [
        "run: bash .ci/run".to_owned(),
        "uses: actions/upload-pages-artifact@".to_owned(),
        format!("path: {build_dir}\n"),
        "uses: actions/deploy-pages@".to_owned(),
        "pages: write".to_owned(),
    ] {
        assert!(
            workflow.contains(&needed),
            "{WORKFLOW}: expected `{}`: the workflow must run CI and publish \
             `{build_dir}/` (book.toml's build-dir)",
            needed.trim()
        );
    }
}

#[test]
fn the_site_path_is_the_one_the_workflow_publishes_under() {
    let path = xtask::serve::site_path(&root()).unwrap_or_else(|error| panic!("{error:#}"));
    assert_ne!(
        path, "/",
        "book.toml: output.html.site-url must name the project's sub-path"
    );
    let url = format!("https://OWNER.github.io{path}");
    assert!(
        read(WORKFLOW).contains(&url),
        "{WORKFLOW}: its header must name the site's address `{url}` (book.toml's site-url)"
    );
}
