//! Every command the book and the README show works in this workspace: the
//! packages, targets, features, variables, `cargo xtask` arguments, bench
//! filters and scripts it names exist (see `xtask::commands`). A failure names
//! the file and line of each command and what to do.

#[test]
fn every_command_the_pages_show_works_in_this_workspace() {
    let report = xtask::commands::check_repository(
        &xtask::repository_root().unwrap_or_else(|error| panic!("{error:#}")),
    )
    .unwrap_or_else(|error| panic!("{error:#}"));
    assert!(
        report.commands_checked > 0,
        "found no command in the shell blocks of the book and the README"
    );
    let listing: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert!(
        listing.is_empty(),
        "{} of the {} commands the pages show would not work:\n{}",
        listing.len(),
        report.commands_checked,
        listing.join("\n")
    );
}

#[test]
fn every_benchmark_a_chapter_declares_is_a_bench_target() {
    let root = xtask::repository_root().unwrap_or_else(|error| panic!("{error:#}"));
    let workspace =
        xtask::commands::Workspace::load(&root).unwrap_or_else(|error| panic!("{error:#}"));
    let targets: Vec<&str> = workspace
        .packages
        .iter()
        .flat_map(|package| &package.targets)
        .filter(|target| target.kinds.iter().any(|kind| kind == "bench"))
        .map(|target| target.name.as_str())
        .collect();
    for name in workspace.bench_ids.keys() {
        assert!(
            targets.contains(&name.as_str()),
            "chapters-code declares a benchmark `{name}`, but no [[bench]] target has that name: \
             add `[[bench]] name = \"{name}\"` to the root Cargo.toml and benches/{name}.rs"
        );
    }
}
