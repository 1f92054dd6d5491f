//! Every shell command the book and the README show is checked against the
//! real workspace, so that a page cannot show a command that fails: the
//! packages, targets and features it names exist, the environment variables it
//! sets are read by something, `cargo xtask` accepts its arguments, a
//! `cargo bench` filter selects a benchmark, and a script it runs is a file of
//! the repository.
//!
//! Reading the blocks into commands ([`shell_commands`]) is pure, and checking
//! one ([`check_command`]) only reads a [`Workspace`], so the tests build both
//! by hand; [`check_repository`] gathers the real facts from `cargo metadata`,
//! the chapters' registry and the sources.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use clap::Parser;
use clap::error::ErrorKind;
use serde::Deserialize;

use mdsnippets::Problem;

use crate::cli::Cli;

/// Variables a page may set although no code of the workspace names them: the
/// tools they configure (cargo, rustc, std, the runtimes) read them. Any
/// `CARGO_…` name is accepted too (see [`Workspace::knows_env`]).
const DOCUMENTED_ENV: &[&str] = &[
    // rustc flags for every crate of the build (`-C target-cpu=native` in chapter 2).
    "RUSTFLAGS",
    // The same for rustdoc, so for doctests.
    "RUSTDOCFLAGS",
    // The standard library prints a backtrace on panic when it is set.
    "RUST_BACKTRACE",
    // The conventional filter of `tracing` and `log` subscribers.
    "RUST_LOG",
    // The standard library's stack size for spawned threads.
    "RUST_MIN_STACK",
    // rayon's global pool size (chapter 1 asks readers to vary it).
    "RAYON_NUM_THREADS",
    // smol's global executor thread count (chapter 1 runs the example with it).
    "SMOL_THREADS",
    // tokio's multi-thread runtime worker count.
    "TOKIO_WORKER_THREADS",
    // Set by CI services; a page may show how to reproduce a CI run.
    "CI",
];

/// Programs whose first argument is a script the repository must hold.
const INTERPRETERS: &[&str] = &[
    "bash", "sh", "zsh", "dash", "node", "python", "python3", "perl", "ruby", "source", ".",
];

/// Interpreter flags after which the code is inline or a module, not a file.
const INLINE_CODE_FLAGS: &[&str] = &["-c", "-e", "-p", "-m", "--eval", "--print"];

/// Cargo's options before the subcommand that take a value.
const CARGO_GLOBAL_OPTIONS_WITH_VALUE: &[&str] = &["--config", "-Z", "-C", "--color", "--explain"];

/// Options of cargo's build commands that take a value, beyond the ones
/// [`BuildArguments`] reads, so that the value is not taken for a positional
/// argument (`cargo bench`'s positional is a benchmark filter).
const CARGO_OPTIONS_WITH_VALUE: &[&str] = &[
    "--exclude",
    "--target",
    "--target-dir",
    "--profile",
    "--manifest-path",
    "-j",
    "--jobs",
    "--color",
    "--message-format",
    "--config",
    "-Z",
    "--lockfile-path",
    "--artifact-dir",
];

/// Criterion 0.8.2's options that take a value (`Criterion::configure_from_args`,
/// src/lib.rs of the crate), so that `--save-baseline main` is not read as the
/// filter `main`.
const CRITERION_OPTIONS_WITH_VALUE: &[&str] = &[
    "-c",
    "--color",
    "--colour",
    "-s",
    "--save-baseline",
    "-b",
    "--baseline",
    "--baseline-lenient",
    "--format",
    "--profile-time",
    "--load-baseline",
    "--sample-size",
    "--warm-up-time",
    "--measurement-time",
    "--nresamples",
    "--noise-threshold",
    "--confidence-level",
    "--significance-level",
    "--plotting-backend",
    "--output-format",
];

/// Criterion 0.8.2's switches (same place); anything else starting with `-`
/// makes criterion's argument parser exit with an error.
const CRITERION_SWITCHES: &[&str] = &[
    "-v",
    "--verbose",
    "--quiet",
    "-n",
    "--noplot",
    "--discard-baseline",
    "--list",
    "--ignored",
    "--exact",
    "--quick",
    "--test",
    "--bench",
    "--nocapture",
    "--show-output",
    "--include-ignored",
    "-V",
    "--version",
    "-h",
    "--help",
];

/// One simple command of a shell block: a command line of the block
/// (continuation lines joined, a trailing comment dropped), cut at `&&`, `||`,
/// `;`, `|` and `&`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellCommand {
    /// 1-based line of the markdown file where the command's line starts.
    pub line: usize,
    /// The command as the page writes it, for messages.
    pub text: String,
    /// Its words as the program receives them, redirections left out.
    pub words: Vec<Word>,
    /// Why a shell could not read the line (an unterminated quote), if it could not.
    pub syntax_error: Option<&'static str>,
    /// Whether an earlier `cd` of the block left the repository root: workspace
    /// names and relative paths mean something else there.
    pub outside_root: bool,
}

/// A word of a command, after the shell removed its quotes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Word {
    /// The text the program receives.
    pub text: String,
    /// Where in `text` the first quoted or escaped character is: a shell only
    /// sees `NAME=` or `>` before it as an assignment or a redirection.
    pub quoted_from: Option<usize>,
}

impl Word {
    fn unquoted_prefix(&self) -> &str {
        &self.text[..self.quoted_from.unwrap_or(self.text.len())]
    }

    /// The variable a `NAME=value` word assigns, when it is one.
    fn assigned_name(&self) -> Option<&str> {
        let (name, _) = self.unquoted_prefix().split_once('=')?;
        is_identifier(name).then_some(name)
    }

    /// Whether the word is a redirection, and whether its target is the next
    /// word (`> out`) rather than attached (`>out`, `2>&1`).
    fn redirection(&self) -> Option<RedirectionTarget> {
        let prefix = self.unquoted_prefix();
        let after_descriptor = prefix.trim_start_matches(|c: char| c.is_ascii_digit());
        let operator_start = after_descriptor
            .strip_prefix('&')
            .filter(|rest| rest.starts_with('>'))
            .unwrap_or(after_descriptor);
        let operator = [">>", ">&", "<&", ">|", "<>", ">", "<"]
            .into_iter()
            .find(|operator| operator_start.starts_with(operator))?;
        let operator_end = prefix.len() - operator_start.len() + operator.len();
        Some(if self.text.len() > operator_end {
            RedirectionTarget::Attached
        } else {
            RedirectionTarget::NextWord
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RedirectionTarget {
    Attached,
    NextWord,
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockLanguage {
    /// A transcript: commands after `$ `, output on the other lines.
    Console,
    /// A script: every line is a command.
    Script,
}

fn block_language(info: &str) -> Option<BlockLanguage> {
    match info.split(|c: char| c == ',' || c.is_whitespace()).next()? {
        "console" => Some(BlockLanguage::Console),
        "sh" | "bash" | "shell" => Some(BlockLanguage::Script),
        _ => None,
    }
}

/// Every command of the `console`, `sh`, `bash` and `shell` blocks of a
/// markdown text, in order, with the markdown line each starts on.
pub fn shell_commands(markdown: &str) -> Vec<ShellCommand> {
    mdsnippets::code_blocks(markdown)
        .into_iter()
        .filter(|block| !block.indented)
        .flat_map(|block| match block_language(&block.info) {
            Some(language) => block_commands(language, &block.body, block.line + 1),
            None => Vec::new(),
        })
        .collect()
}

fn block_commands(language: BlockLanguage, body: &str, first_line: usize) -> Vec<ShellCommand> {
    let lines: Vec<&str> = body.lines().collect();
    let mut commands = Vec::new();
    let mut outside_root = false;
    let mut index = 0;
    while index < lines.len() {
        let line = first_line + index;
        let physical = lines[index];
        index += 1;
        let Some(start) = command_start(language, physical) else {
            continue;
        };
        let mut logical = start.to_owned();
        while ends_with_continuation(&logical) && index < lines.len() {
            logical.pop();
            let next = lines[index];
            index += 1;
            // The shell drops backslash-newline; the spaces around it stay one word break.
            if logical.ends_with(char::is_whitespace) || next.starts_with(char::is_whitespace) {
                logical = format!("{} {}", logical.trim_end(), next.trim_start());
            } else {
                logical.push_str(next);
            }
        }
        let (segments, syntax_error) = split_line(&logical);
        let last = segments.len().saturating_sub(1);
        for (position, segment) in segments.into_iter().enumerate() {
            let leaves_root = changes_directory(&segment.words);
            commands.push(ShellCommand {
                line,
                text: segment.text,
                words: segment.words,
                syntax_error: syntax_error.filter(|_| position == last),
                outside_root,
            });
            outside_root |= leaves_root;
        }
    }
    commands
}

fn command_start(language: BlockLanguage, line: &str) -> Option<&str> {
    match language {
        BlockLanguage::Console => line.strip_prefix("$ "),
        BlockLanguage::Script => {
            let trimmed = line.trim_start();
            (!trimmed.is_empty() && !trimmed.starts_with('#')).then_some(line)
        }
    }
}

/// An odd number of trailing backslashes: the last one escapes the newline.
fn ends_with_continuation(line: &str) -> bool {
    let backslashes = line.len() - line.trim_end_matches('\\').len();
    backslashes % 2 == 1
}

fn changes_directory(words: &[Word]) -> bool {
    let invocation = Invocation::of(words);
    match invocation.program.split_first() {
        Some((program, arguments)) if program == "cd" => {
            arguments.first().is_none_or(|to| to != ".")
        }
        _ => false,
    }
}

struct Segment {
    text: String,
    words: Vec<Word>,
}

/// Splits a command line into simple commands the way a POSIX shell reads it:
/// quotes and backslashes protect, `#` at a word's start begins a comment, and
/// `&&`, `||`, `;`, `|`, `&` separate commands.
fn split_line(line: &str) -> (Vec<Segment>, Option<&'static str>) {
    let mut segments = Vec::new();
    let mut words = Vec::new();
    let mut word: Option<Word> = None;
    let mut segment_start = 0;
    let mut segment_end = line.len();
    let mut syntax_error = None;
    let mut chars = line.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            _ if c.is_whitespace() => words.extend(word.take()),
            '#' if word.is_none() => {
                segment_end = at;
                break;
            }
            '\'' => {
                let current = start_quote(&mut word);
                loop {
                    match chars.next() {
                        Some((_, '\'')) => break,
                        Some((_, c)) => current.text.push(c),
                        None => {
                            syntax_error = Some("unterminated single quote");
                            break;
                        }
                    }
                }
            }
            '"' => {
                let current = start_quote(&mut word);
                loop {
                    match chars.next() {
                        Some((_, '"')) => break,
                        Some((_, '\\')) => match chars.peek() {
                            Some(&(_, escaped @ ('"' | '\\' | '$' | '`'))) => {
                                current.text.push(escaped);
                                chars.next();
                            }
                            _ => current.text.push('\\'),
                        },
                        Some((_, c)) => current.text.push(c),
                        None => {
                            syntax_error = Some("unterminated double quote");
                            break;
                        }
                    }
                }
            }
            '\\' => {
                let current = start_quote(&mut word);
                if let Some((_, escaped)) = chars.next() {
                    current.text.push(escaped);
                }
            }
            // `2>&1` and `&>file` are redirections, not a background `&`.
            '&' if chars.peek().is_some_and(|&(_, next)| next == '>')
                || word.as_ref().is_some_and(|current| {
                    current.quoted_from.is_none() && current.text.ends_with(['>', '<'])
                }) =>
            {
                word.get_or_insert_default().text.push(c);
            }
            ';' | '&' | '|' => {
                words.extend(word.take());
                if matches!(
                    (c, chars.peek()),
                    ('&', Some(&(_, '&'))) | ('|', Some(&(_, '|' | '&')))
                ) {
                    chars.next();
                }
                push_segment(&mut segments, &line[segment_start..at], &mut words);
                segment_start = chars.peek().map_or(line.len(), |&(next, _)| next);
            }
            _ => word.get_or_insert_default().text.push(c),
        }
    }
    words.extend(word.take());
    push_segment(
        &mut segments,
        &line[segment_start.min(segment_end)..segment_end],
        &mut words,
    );
    (segments, syntax_error)
}

fn start_quote(word: &mut Option<Word>) -> &mut Word {
    let current = word.get_or_insert_default();
    current.quoted_from.get_or_insert(current.text.len());
    current
}

fn push_segment(segments: &mut Vec<Segment>, text: &str, words: &mut Vec<Word>) {
    let words = without_redirections(std::mem::take(words));
    if !words.is_empty() {
        segments.push(Segment {
            text: text.trim().to_owned(),
            words,
        });
    }
}

fn without_redirections(words: Vec<Word>) -> Vec<Word> {
    let mut kept = Vec::new();
    let mut words = words.into_iter();
    while let Some(word) = words.next() {
        match word.redirection() {
            None => kept.push(word),
            Some(RedirectionTarget::Attached) => {}
            Some(RedirectionTarget::NextWord) => {
                words.next();
            }
        }
    }
    kept
}

/// A simple command: the variables set for it and the program with its arguments.
struct Invocation {
    assignments: Vec<String>,
    program: Vec<String>,
}

impl Invocation {
    fn of(words: &[Word]) -> Self {
        let mut assignments = Vec::new();
        let mut rest = take_assignments(words, &mut assignments);
        match rest.first().map(|word| word.text.as_str()) {
            Some("export") => {
                take_assignments(&rest[1..], &mut assignments);
                rest = &[];
            }
            Some("env") => {
                rest = &rest[1..];
                while let Some((option, after)) = rest.split_first() {
                    if !option.text.starts_with('-') || option.text == "-" {
                        break;
                    }
                    let takes_value =
                        matches!(option.text.as_str(), "-u" | "--unset" | "-C" | "--chdir");
                    rest = if takes_value {
                        after.get(1..).unwrap_or(&[])
                    } else {
                        after
                    };
                }
                rest = take_assignments(rest, &mut assignments);
            }
            _ => {}
        }
        Self {
            assignments,
            program: rest.iter().map(|word| word.text.clone()).collect(),
        }
    }
}

fn take_assignments<'a>(words: &'a [Word], names: &mut Vec<String>) -> &'a [Word] {
    let mut rest = words;
    while let Some((word, after)) = rest.split_first() {
        let Some(name) = word.assigned_name() else {
            break;
        };
        names.push(name.to_owned());
        rest = after;
    }
    rest
}

/// What a command can name in the workspace: gathered by [`Workspace::load`],
/// or built by hand in tests.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    /// The repository root (the folder holding `book.toml`); script paths are relative to it.
    pub root: PathBuf,
    /// Every workspace package.
    pub packages: Vec<Package>,
    /// The packages a cargo command without `-p` selects at the root (`default-members`).
    pub default_members: Vec<String>,
    /// Every identifier-shaped string literal of the workspace's Rust sources:
    /// the environment variables its code may read.
    pub env_vars_read: BTreeSet<String>,
    /// Every benchmark id each `[[bench]]` target declares, by target name.
    pub bench_ids: BTreeMap<String, Vec<String>>,
}

/// A workspace package, as `cargo metadata` describes it.
#[derive(Debug, Clone, Default)]
pub struct Package {
    /// Its name (`chapters-code`).
    pub name: String,
    /// Its features (`loom`).
    pub features: Vec<String>,
    /// Its targets.
    pub targets: Vec<Target>,
}

/// A target of a package.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// Its name (`ch01_five_jobs`).
    pub name: String,
    /// Its kinds (`example`, `bench`, `test`, `bin`, `lib`…).
    pub kinds: Vec<String>,
    /// The features it is built with only (`required-features`).
    pub required_features: Vec<String>,
}

impl Workspace {
    /// The facts of the workspace at `root`: packages from
    /// `cargo metadata --no-deps`, benchmark ids from
    /// [`chapters_code::registry::CHAPTERS`], string literals from the Rust
    /// sources of chapters-code/, xtask/, benches/, tests/ and build.rs (this
    /// checker's own files left out, since they name variables to test them).
    pub fn load(root: &Path) -> Result<Self> {
        let (packages, default_members) = cargo_packages(root)?;
        Ok(Self {
            root: root.to_path_buf(),
            packages,
            default_members,
            env_vars_read: string_literals_of_sources(root)?,
            bench_ids: declared_bench_ids(),
        })
    }

    /// Whether a command may set the variable `name`: cargo reads its
    /// `CARGO_…` configuration from the environment, the tools read
    /// [`DOCUMENTED_ENV`], and the workspace reads its own.
    pub fn knows_env(&self, name: &str) -> bool {
        name.starts_with("CARGO_")
            || DOCUMENTED_ENV.contains(&name)
            || self.env_vars_read.contains(name)
    }

    fn package(&self, name: &str) -> Option<&Package> {
        self.packages.iter().find(|package| package.name == name)
    }

    fn package_names(&self) -> String {
        let mut names: Vec<&str> = self.packages.iter().map(|p| p.name.as_str()).collect();
        names.sort_unstable();
        names.join(", ")
    }
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<MetadataPackage>,
    workspace_members: Vec<String>,
    #[serde(default)]
    workspace_default_members: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct MetadataPackage {
    id: String,
    name: String,
    features: BTreeMap<String, Vec<String>>,
    targets: Vec<MetadataTarget>,
}

#[derive(Deserialize)]
struct MetadataTarget {
    name: String,
    kind: Vec<String>,
    #[serde(rename = "required-features", default)]
    required_features: Vec<String>,
}

fn cargo_packages(root: &Path) -> Result<(Vec<Package>, Vec<String>)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(&cargo)
        .current_dir(root)
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .output()
        .with_context(|| format!("listing the workspace: running `{cargo} metadata`"))?;
    ensure!(
        output.status.success(),
        "listing the workspace: `{cargo} metadata` failed: {}",
        String::from_utf8_lossy(&output.stderr).trim()
    );
    let metadata: Metadata = serde_json::from_slice(&output.stdout)
        .context("listing the workspace: reading the output of `cargo metadata`")?;
    let default_ids = metadata
        .workspace_default_members
        .unwrap_or(metadata.workspace_members);
    let default_members = metadata
        .packages
        .iter()
        .filter(|package| default_ids.contains(&package.id))
        .map(|package| package.name.clone())
        .collect();
    let packages = metadata
        .packages
        .into_iter()
        .map(|package| Package {
            name: package.name,
            features: package.features.into_keys().collect(),
            targets: package
                .targets
                .into_iter()
                .map(|target| Target {
                    name: target.name,
                    kinds: target.kind,
                    required_features: target.required_features,
                })
                .collect(),
        })
        .collect();
    Ok((packages, default_members))
}

fn declared_bench_ids() -> BTreeMap<String, Vec<String>> {
    let mut ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for bench in chapters_code::registry::CHAPTERS
        .iter()
        .flat_map(|material| material.benches)
    {
        ids.entry(bench.bench().to_owned())
            .or_default()
            .extend(bench.ids());
    }
    ids
}

fn string_literals_of_sources(root: &Path) -> Result<BTreeSet<String>> {
    let own_files = [
        root.join("xtask/src/commands.rs"),
        root.join("tests/book_commands.rs"),
    ];
    let mut files = vec![root.join("build.rs")];
    for folder in ["chapters-code", "xtask", "benches", "tests"] {
        collect_rust_files(&root.join(folder), &mut files)?;
    }
    let mut literals = BTreeSet::new();
    for file in files.iter().filter(|file| !own_files.contains(file)) {
        if file.is_file() {
            let source = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            literals.extend(identifier_literals(&source).map(str::to_owned));
        }
    }
    Ok(literals)
}

fn collect_rust_files(folder: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    if !folder.is_dir() {
        return Ok(());
    }
    for entry in
        std::fs::read_dir(folder).with_context(|| format!("listing {}", folder.display()))?
    {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path.is_dir() {
            // Build output and tool caches hold copies of sources, not the workspace's code.
            if name != "target" && name != "node_modules" && !name.starts_with('.') {
                collect_rust_files(&path, files)?;
            }
        } else if name.ends_with(".rs") {
            files.push(path);
        }
    }
    Ok(())
}

/// The identifier-shaped texts between two double quotes (`"CH03_DEFAULT_MALLOC"`).
/// Every piece between two quote characters is a candidate, whether a string
/// or the gap between two: a gap holds spaces or punctuation, so only a real
/// literal passes, and no Rust lexer is needed.
fn identifier_literals(source: &str) -> impl Iterator<Item = &str> {
    let pieces: Vec<&str> = source.split('"').collect();
    let between_quotes = pieces.len().saturating_sub(2);
    pieces
        .into_iter()
        .skip(1)
        .take(between_quotes)
        .filter(|piece| is_identifier(piece))
}

/// What [`check_repository`] found.
#[derive(Debug, Clone)]
pub struct Report {
    /// How many commands the pages show, all checked.
    pub commands_checked: usize,
    /// Every command that would not work.
    pub problems: Vec<Problem>,
}

/// Checks every command of the book's pages and the README
/// ([`mdsnippets::book_markdown_files`]) against the workspace at `root`.
pub fn check_repository(root: &Path) -> Result<Report> {
    let workspace = Workspace::load(root)?;
    let mut report = Report {
        commands_checked: 0,
        problems: Vec::new(),
    };
    let files = mdsnippets::book_markdown_files(root)
        .with_context(|| format!("listing the markdown files of {}", root.display()))?;
    for file in files {
        let markdown = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        let relative = crate::display_path(root, &file).replace('\\', "/");
        report.commands_checked += shell_commands(&markdown).len();
        report
            .problems
            .extend(check_markdown(&relative, &markdown, &workspace));
    }
    Ok(report)
}

/// The problems of every command of one markdown text, `file` naming it in them.
pub fn check_markdown(file: &str, markdown: &str, workspace: &Workspace) -> Vec<Problem> {
    shell_commands(markdown)
        .iter()
        .flat_map(|command| {
            check_command(command, workspace)
                .into_iter()
                .map(|message| Problem {
                    file: PathBuf::from(file),
                    line: command.line,
                    message,
                })
        })
        .collect()
}

/// What is wrong with one command, each message starting with the command.
pub fn check_command(command: &ShellCommand, workspace: &Workspace) -> Vec<String> {
    let about_command = |message: String| format!("`{}`: {message}", command.text);
    if let Some(error) = command.syntax_error {
        return vec![about_command(format!("{error}: close it"))];
    }
    let invocation = Invocation::of(&command.words);
    let mut messages: Vec<String> = invocation
        .assignments
        .iter()
        .filter(|name| !workspace.knows_env(name))
        .map(|name| {
            format!(
                "`{name}` is neither read by the workspace nor a documented cargo or rust variable: \
                 read it in the code (as the literal \"{name}\") or drop it from the command"
            )
        })
        .collect();
    if !command.outside_root {
        match invocation.program.split_first() {
            Some((program, arguments)) if program == "cargo" => {
                messages.extend(check_cargo(arguments, workspace));
            }
            Some((program, arguments)) => {
                messages.extend(check_script(program, arguments, workspace))
            }
            None => {}
        }
    }
    messages.into_iter().map(about_command).collect()
}

fn check_cargo(arguments: &[String], workspace: &Workspace) -> Vec<String> {
    let mut rest = arguments;
    while let Some((first, after)) = rest.split_first() {
        if first.starts_with('+') {
            rest = after;
        } else if first.starts_with('-') {
            let takes_value =
                CARGO_GLOBAL_OPTIONS_WITH_VALUE.contains(&first.as_str()) && !first.contains('=');
            rest = if takes_value {
                after.get(1..).unwrap_or(&[])
            } else {
                after
            };
        } else {
            break;
        }
    }
    let Some((subcommand, arguments)) = rest.split_first() else {
        return Vec::new();
    };
    let subcommand = match subcommand.as_str() {
        "b" => "build",
        "c" => "check",
        "d" => "doc",
        "r" => "run",
        "t" => "test",
        other => other,
    };
    match subcommand {
        "xtask" => check_xtask(arguments),
        "build" | "check" | "doc" | "run" | "test" | "bench" | "clippy" | "rustc" | "rustdoc"
        | "fix" => check_build(subcommand, arguments, workspace),
        _ => Vec::new(),
    }
}

fn check_xtask(arguments: &[String]) -> Vec<String> {
    let words = std::iter::once("cargo xtask").chain(arguments.iter().map(String::as_str));
    match Cli::try_parse_from(words) {
        Ok(_) => Vec::new(),
        Err(error)
            if matches!(
                error.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) =>
        {
            Vec::new()
        }
        Err(error) => {
            let rendered = error.to_string();
            let first_line = rendered.lines().next().unwrap_or_default();
            let what = first_line.strip_prefix("error: ").unwrap_or(first_line);
            vec![format!(
                "{what}: see `cargo xtask --help` for what it accepts"
            )]
        }
    }
}

/// The kinds of target a cargo flag names one of.
const TARGET_FLAGS: &[(&str, &str)] = &[
    ("--example", "example"),
    ("--bench", "bench"),
    ("--test", "test"),
    ("--bin", "bin"),
];

/// What a build command (`cargo test`, `cargo bench`, …) selects.
#[derive(Debug, Default)]
struct BuildArguments {
    packages: Vec<String>,
    package_flag_without_name: bool,
    whole_workspace: bool,
    /// `--example NAME` and the like: the kind, and the name if one was given.
    targets: Vec<(&'static str, Option<String>)>,
    /// `--benches` or `--all-targets`: every bench target.
    every_bench: bool,
    /// `--lib`, `--tests`, `--doc`…: other targets than the benches.
    other_targets: bool,
    features: Vec<String>,
    all_features: bool,
    positionals: Vec<String>,
    after_separator: Vec<String>,
}

impl BuildArguments {
    fn parse(arguments: &[String]) -> Self {
        let mut parsed = Self::default();
        let mut words = arguments.iter();
        while let Some(word) = words.next() {
            if word == "--" {
                parsed.after_separator = words.cloned().collect();
                break;
            }
            let (flag, attached) = split_flag(word, &["-p", "-F", "-j", "-Z"]);
            let mut value = || {
                if attached.is_some() {
                    return attached.clone();
                }
                let next = words
                    .as_slice()
                    .first()
                    .filter(|next| !next.starts_with('-'))?;
                words.next();
                Some(next.clone())
            };
            if let Some(&(_, kind)) = TARGET_FLAGS.iter().find(|(name, _)| *name == flag) {
                let name = value();
                parsed.targets.push((kind, name));
                continue;
            }
            match flag {
                "-p" | "--package" => match value() {
                    Some(name) => parsed.packages.push(name),
                    None => parsed.package_flag_without_name = true,
                },
                "-F" | "--features" => parsed.features.extend(
                    value()
                        .unwrap_or_default()
                        .split(|c: char| c == ',' || c.is_whitespace())
                        .filter(|feature| !feature.is_empty())
                        .map(str::to_owned),
                ),
                "--workspace" | "--all" => parsed.whole_workspace = true,
                "--all-features" => parsed.all_features = true,
                "--benches" | "--all-targets" => parsed.every_bench = true,
                "--lib" | "--bins" | "--examples" | "--tests" | "--doc" => {
                    parsed.other_targets = true
                }
                _ if CARGO_OPTIONS_WITH_VALUE.contains(&flag) => {
                    value();
                }
                _ if flag.starts_with('-') => {}
                _ => parsed.positionals.push(word.clone()),
            }
        }
        parsed
    }
}

/// Splits `--flag=value` and, for the short options listed, `-pNAME`.
fn split_flag<'a>(word: &'a str, short_with_value: &[&str]) -> (&'a str, Option<String>) {
    if word.starts_with("--") {
        return match word.split_once('=') {
            Some((flag, value)) => (flag, Some(value.to_owned())),
            None => (word, None),
        };
    }
    if word.len() > 2 && word.is_char_boundary(2) {
        let (flag, value) = word.split_at(2);
        if short_with_value.contains(&flag) {
            return (flag, Some(value.trim_start_matches('=').to_owned()));
        }
    }
    (word, None)
}

fn check_build(subcommand: &str, arguments: &[String], workspace: &Workspace) -> Vec<String> {
    let parsed = BuildArguments::parse(arguments);
    let mut messages = Vec::new();
    if parsed.package_flag_without_name {
        messages.push(format!(
            "`-p` needs a package name: use one of {}",
            workspace.package_names()
        ));
    }
    for spec in &parsed.packages {
        let name = package_spec_name(spec);
        if !workspace
            .packages
            .iter()
            .any(|p| glob_matches(name, &p.name))
        {
            messages.push(format!(
                "package `{name}` is not in the workspace: use one of {}",
                workspace.package_names()
            ));
        }
    }
    let (selected, selection): (Vec<&Package>, String) = if parsed.whole_workspace {
        (workspace.packages.iter().collect(), "the workspace".into())
    } else if !parsed.packages.is_empty() {
        let selected: Vec<&Package> = workspace
            .packages
            .iter()
            .filter(|package| {
                parsed
                    .packages
                    .iter()
                    .any(|spec| glob_matches(package_spec_name(spec), &package.name))
            })
            .collect();
        let names: Vec<String> = selected.iter().map(|p| format!("`{}`", p.name)).collect();
        let label = if names.len() == 1 {
            "package"
        } else {
            "packages"
        };
        (selected, format!("{label} {}", names.join(", ")))
    } else {
        let selected = workspace
            .packages
            .iter()
            .filter(|package| workspace.default_members.contains(&package.name))
            .collect();
        (selected, "the default members".into())
    };
    let mut selected_benches: Vec<&str> = Vec::new();
    for (kind, name) in &parsed.targets {
        let candidates: Vec<&str> = selected
            .iter()
            .flat_map(|package| &package.targets)
            .filter(|target| target.kinds.iter().any(|k| k == kind))
            .map(|target| target.name.as_str())
            .collect();
        let Some(name) = name else {
            messages.push(format!(
                "`--{kind}` needs a target name: {}",
                use_one_of(&candidates, kind, &selection)
            ));
            continue;
        };
        let found = selected.iter().find_map(|package| {
            let target = package
                .targets
                .iter()
                .find(|target| target.name == *name && target.kinds.iter().any(|k| k == kind))?;
            Some((package, target))
        });
        match found {
            Some((package, target)) => {
                if *kind == "bench" {
                    selected_benches.push(&target.name);
                }
                messages.extend(missing_required_features(package, target, &parsed));
            }
            None if selected.is_empty() => {}
            None => {
                let elsewhere = workspace.packages.iter().find(|package| {
                    package.targets.iter().any(|target| {
                        target.name == *name && target.kinds.iter().any(|k| k == kind)
                    })
                });
                let advice = match elsewhere {
                    Some(package) => format!("it is in package `{0}`: add `-p {0}`", package.name),
                    None => use_one_of(&candidates, kind, &selection),
                };
                messages.push(format!("no {kind} `{name}` in {selection}: {advice}"));
            }
        }
    }
    messages.extend(unknown_features(&parsed, &selected, &selection, workspace));
    let explicit = parsed.targets.iter().any(|(kind, _)| *kind == "bench");
    // A bench or package the line names wrongly is reported above; its filter
    // has nothing to be checked against.
    if subcommand == "bench" && !selected.is_empty() && !(explicit && selected_benches.is_empty()) {
        if !explicit && (parsed.every_bench || parsed.targets.is_empty() && !parsed.other_targets) {
            selected_benches = selected
                .iter()
                .flat_map(|package| &package.targets)
                .filter(|target| target.kinds.iter().any(|k| k == "bench"))
                .map(|target| target.name.as_str())
                .collect();
        }
        let only_criterion = explicit
            && !selected_benches.is_empty()
            && selected_benches
                .iter()
                .all(|bench| workspace.bench_ids.contains_key(*bench));
        messages.extend(check_bench_filters(
            &selected_benches,
            &parsed,
            only_criterion,
            workspace,
        ));
    }
    messages
}

/// The name part of a package spec: `-p name@1.0` selects by version too,
/// and only the name says whether the package is in the workspace.
fn package_spec_name(spec: &str) -> &str {
    spec.split('@').next().unwrap_or(spec)
}

fn use_one_of(candidates: &[&str], kind: &str, selection: &str) -> String {
    if candidates.is_empty() {
        format!("{selection} has no {kind} target: add one or drop `--{kind}`")
    } else {
        format!("use one of {}", candidates.join(", "))
    }
}

fn missing_required_features(
    package: &Package,
    target: &Target,
    parsed: &BuildArguments,
) -> Vec<String> {
    if parsed.all_features {
        return Vec::new();
    }
    let enabled: BTreeSet<&str> = parsed
        .features
        .iter()
        .map(|feature| match feature.split_once('/') {
            Some((owner, feature)) if owner == package.name => feature,
            _ => feature.as_str(),
        })
        .collect();
    let missing: Vec<&str> = target
        .required_features
        .iter()
        .map(String::as_str)
        .filter(|feature| !enabled.contains(feature))
        .collect();
    if missing.is_empty() {
        return Vec::new();
    }
    vec![format!(
        "`{}` of package `{}` is built only with the features {}: add `--features {}`",
        target.name,
        package.name,
        missing.join(", "),
        missing.join(",")
    )]
}

fn unknown_features(
    parsed: &BuildArguments,
    selected: &[&Package],
    selection: &str,
    workspace: &Workspace,
) -> Vec<String> {
    let mut messages = Vec::new();
    for feature in &parsed.features {
        let (owners, feature_name, owner_label): (Vec<&Package>, &str, String) =
            match feature.split_once('/') {
                // `tokio/rt` names a dependency's feature: cargo resolves it, not the workspace.
                Some((owner, name)) => match workspace.package(owner) {
                    Some(package) => (vec![package], name, format!("package `{owner}`")),
                    None => continue,
                },
                None => (selected.to_vec(), feature.as_str(), selection.to_owned()),
            };
        if owners.is_empty()
            || owners
                .iter()
                .any(|package| package.features.iter().any(|f| f == feature_name))
        {
            continue;
        }
        let declared: Vec<&str> = owners
            .iter()
            .flat_map(|package| &package.features)
            .map(String::as_str)
            .collect();
        let advice = if declared.is_empty() {
            format!("drop `--features {feature}`")
        } else {
            format!("use one of {}", declared.join(", "))
        };
        messages.push(format!(
            "no feature `{feature_name}` in {owner_label}: {advice}"
        ));
    }
    messages
}

/// Checks what a `cargo bench` line hands criterion. Criterion 0.8.2 reads one
/// positional FILTER in `Criterion::configure_from_args` (src/lib.rs) and turns
/// it into `BenchmarkFilter::Regex(Regex::new(filter))`, or `Exact` with
/// `--exact`; `Criterion::filter_matches` (src/lib.rs) then runs a benchmark
/// when `regex.is_match(id)` holds for its full id `group/function/parameter`
/// (`BenchmarkId::new`, src/report.rs). So a filter is an unanchored regex
/// search, not a substring test, and so it is here, with the same `regex` crate.
fn check_bench_filters(
    benches: &[&str],
    parsed: &BuildArguments,
    only_criterion: bool,
    workspace: &Workspace,
) -> Vec<String> {
    let mut messages = Vec::new();
    // Cargo hands its own positional (`cargo bench NAME`) to the bench first.
    let mut filters: Vec<&str> = parsed.positionals.iter().map(String::as_str).collect();
    let mut exact = false;
    let mut words = parsed.after_separator.iter();
    while let Some(word) = words.next() {
        if !word.starts_with('-') || word == "-" {
            filters.push(word);
            continue;
        }
        let (flag, attached) = split_flag(word, &["-c", "-s", "-b"]);
        if CRITERION_OPTIONS_WITH_VALUE.contains(&flag) {
            if attached.is_none() {
                words.next();
            }
        } else if flag == "--exact" {
            exact = true;
        } else if only_criterion && !CRITERION_SWITCHES.contains(&flag) {
            messages.push(format!(
                "criterion has no option `{flag}`: see `cargo bench --bench {} -- --help`",
                benches[0]
            ));
        }
    }
    if filters.len() > 1 {
        messages.push(format!(
            "criterion takes one filter, and gets {}: keep one, or join them into one regex (`{}`)",
            filters
                .iter()
                .map(|filter| format!("`{filter}`"))
                .collect::<Vec<_>>()
                .join(", "),
            filters.join("|")
        ));
    }
    if filters.is_empty() {
        return messages;
    }
    let ids: Vec<&str> = benches
        .iter()
        .filter_map(|bench| workspace.bench_ids.get(*bench))
        .flatten()
        .map(String::as_str)
        .collect();
    let bench_names = if benches.is_empty() {
        "the selected packages".to_owned()
    } else {
        benches.join(", ")
    };
    for filter in filters {
        if ids.is_empty() {
            messages.push(format!(
                "filter `{filter}` selects nothing: {bench_names} declare no benchmark id in \
                 chapters_code::registry::CHAPTERS: name a declared bench with `--bench` or drop the filter"
            ));
            continue;
        }
        let matches = if exact {
            ids.contains(&filter)
        } else {
            match regex::Regex::new(filter) {
                Ok(regex) => ids.iter().any(|id| regex.is_match(id)),
                Err(error) => {
                    let rendered = error.to_string();
                    let reason = rendered
                        .lines()
                        .rev()
                        .find(|line| !line.trim().is_empty())
                        .unwrap_or_default();
                    let reason = reason.strip_prefix("error: ").unwrap_or(reason);
                    messages.push(format!(
                        "criterion reads filter `{filter}` as a regex and cannot parse it ({reason}): \
                         escape it or use one of {}",
                        ids.join(", ")
                    ));
                    continue;
                }
            }
        };
        if !matches {
            messages.push(format!(
                "filter `{filter}` matches no benchmark id of {bench_names}: use one of {}",
                ids.join(", ")
            ));
        }
    }
    messages
}

/// Cargo's package patterns (`-p 'chapters-*'`): `*` for any run, `?` for one character.
fn glob_matches(pattern: &str, name: &str) -> bool {
    match pattern.chars().next() {
        None => name.is_empty(),
        Some('*') => {
            let rest = &pattern[1..];
            name.char_indices()
                .map(|(at, _)| at)
                .chain([name.len()])
                .any(|at| glob_matches(rest, &name[at..]))
        }
        Some(first) => {
            let Some(name_first) = name.chars().next() else {
                return false;
            };
            (first == '?' || first == name_first)
                && glob_matches(&pattern[first.len_utf8()..], &name[name_first.len_utf8()..])
        }
    }
}

fn check_script(program: &str, arguments: &[String], workspace: &Workspace) -> Vec<String> {
    let script = if INTERPRETERS.contains(&program) {
        let mut script = None;
        for argument in arguments {
            if INLINE_CODE_FLAGS.contains(&argument.as_str()) {
                break;
            }
            if !argument.starts_with('-') {
                script = Some(argument.as_str());
                break;
            }
        }
        script
    } else if program.contains('/') {
        Some(program)
    } else {
        None
    };
    let Some(script) = script else {
        return Vec::new();
    };
    let relative = script.strip_prefix("./").unwrap_or(script);
    // Absolute paths, the home folder and variables are the reader's machine;
    // `target/` holds what an earlier cargo command builds.
    let outside_repository = Path::new(relative).is_absolute()
        || relative.starts_with('~')
        || relative.contains('$')
        || relative.split('/').next() == Some("target");
    if outside_repository || workspace.root.join(relative).is_file() {
        return Vec::new();
    }
    vec![format!(
        "`{relative}` is not a file of the repository: fix the path or add the file"
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str, kind: &str) -> Target {
        Target {
            name: name.into(),
            kinds: vec![kind.into()],
            required_features: Vec::new(),
        }
    }

    /// A small workspace shaped like the book's, with a few names of its own.
    fn workspace() -> Workspace {
        let xtask_folder = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it for tests");
        let mut loom_model = target("state_loom", "test");
        loom_model.required_features = vec!["loom".into()];
        Workspace {
            root: PathBuf::from(xtask_folder),
            packages: vec![
                Package {
                    name: "book".into(),
                    features: Vec::new(),
                    targets: vec![target("executor", "bench"), target("skeptic", "test")],
                },
                Package {
                    name: "chapters-code".into(),
                    features: vec!["loom".into()],
                    targets: vec![
                        target("chapters_code", "lib"),
                        target("five_jobs", "example"),
                        target("ch01", "test"),
                        loom_model,
                    ],
                },
                Package {
                    name: "tool".into(),
                    features: Vec::new(),
                    targets: vec![target("tool", "bin"), target("draw", "example")],
                },
            ],
            default_members: vec!["book".into(), "chapters-code".into()],
            env_vars_read: ["CH03_DEFAULT_MALLOC".to_owned()].into(),
            bench_ids: [(
                "executor".to_owned(),
                vec![
                    "executor/spawn_many/naive".to_owned(),
                    "executor/spawn_many/own".to_owned(),
                    "executor/ping_pong/own".to_owned(),
                ],
            )]
            .into(),
        }
    }

    fn problems_of(markdown: &str) -> Vec<String> {
        check_markdown("page.md", markdown, &workspace())
            .iter()
            .map(Problem::to_string)
            .collect()
    }

    fn console(commands: &str) -> String {
        format!("# Page\n\n```console\n{commands}\n```\n")
    }

    fn words(command: &ShellCommand) -> Vec<&str> {
        command
            .words
            .iter()
            .map(|word| word.text.as_str())
            .collect()
    }

    #[test]
    fn a_sound_block_passes() {
        let markdown = console(
            "$ cargo test\n\
             $ cargo run --release -p chapters-code --example five_jobs -- --jobs 8\n\
             $ CH03_DEFAULT_MALLOC=1 cargo bench --bench executor -- --quick spawn_many/own\n\
             $ cargo bench --bench executor -- --save-baseline main 'spawn_many/(own|naive)'\n\
             $ cargo test -p chapters-code --features loom --test state_loom\n\
             $ RAYON_NUM_THREADS=5 CARGO_TARGET_DIR=/tmp/t cargo xtask tables ch03 --render\n\
             $ cargo xtask --help\n\
             $ bash src/commands.rs\n\
             $ cargo xtask exercise ch01\n\
             $ cd exercises/ch01 && cargo test -p starter",
        );
        assert_eq!(problems_of(&markdown), Vec::<String>::new());
    }

    #[test]
    fn console_output_and_comments_are_not_commands() {
        let markdown = console(
            "$ cargo test   # every test\n\
             cargo bench --bench nowhere\n\
             test result: ok. 3 passed",
        );
        let commands = shell_commands(&markdown);
        assert_eq!(commands.len(), 1);
        assert_eq!(commands[0].line, 4);
        assert_eq!(commands[0].text, "cargo test");
        assert_eq!(words(&commands[0]), ["cargo", "test"]);
    }

    #[test]
    fn script_blocks_take_every_line_and_split_on_operators() {
        let markdown =
            "```sh\n# set up\ncargo build && cargo test; ls | wc -l '&&' 2>&1 > out.txt\n```\n";
        let commands = shell_commands(markdown);
        let texts: Vec<&str> = commands.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "cargo build",
                "cargo test",
                "ls",
                "wc -l '&&' 2>&1 > out.txt"
            ]
        );
        assert!(commands.iter().all(|command| command.line == 3));
        assert_eq!(words(&commands[3]), ["wc", "-l", "&&"]);
    }

    #[test]
    fn a_continuation_line_joins_the_command_it_continues() {
        let markdown = console(
            "$ CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER=\"valgrind -q\" \\\n    cargo test -p nowhere -- --test-threads=1",
        );
        let commands = shell_commands(&markdown);
        assert_eq!(commands.len(), 1);
        assert_eq!(
            words(&commands[0]),
            [
                "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER=valgrind -q",
                "cargo",
                "test",
                "-p",
                "nowhere",
                "--",
                "--test-threads=1"
            ]
        );
        assert_eq!(
            problems_of(&markdown),
            [
                "page.md:4: `CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER=\"valgrind -q\" cargo test -p nowhere -- --test-threads=1`: \
                 package `nowhere` is not in the workspace: use one of book, chapters-code, tool"
            ]
        );
    }

    #[test]
    fn a_missing_example_is_named_with_the_ones_that_exist() {
        let problems = problems_of(&console(
            "$ cargo run -p chapters-code --example six_jobs\n$ cargo run --example draw",
        ));
        assert_eq!(
            problems,
            [
                "page.md:4: `cargo run -p chapters-code --example six_jobs`: no example `six_jobs` in package \
                 `chapters-code`: use one of five_jobs",
                "page.md:5: `cargo run --example draw`: no example `draw` in the default members: it is in \
                 package `tool`: add `-p tool`",
            ]
        );
    }

    #[test]
    fn a_missing_bench_is_reported() {
        assert_eq!(
            problems_of(&console("$ cargo bench --bench=executors")),
            [
                "page.md:4: `cargo bench --bench=executors`: no bench `executors` in the default members: use one of executor"
            ]
        );
    }

    #[test]
    fn an_unknown_package_is_reported_in_every_spelling() {
        let problems = problems_of(&console(
            "$ cargo test -p chapter-code\n$ cargo test --package=chapter-code\n$ cargo test -pchapter-code\n$ cargo test -p 'chapters-*'",
        ));
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(problems.iter().all(|problem| problem.contains(
            "package `chapter-code` is not in the workspace: use one of book, chapters-code, tool"
        )));
    }

    #[test]
    fn an_unknown_env_var_is_reported() {
        assert_eq!(
            problems_of(&console(
                "$ CH03_SYSTEM_MALLOC=1 cargo bench\n$ env SMOL_THREADS=2 CH03_DEFAULT_MALLOC=1 cargo test"
            )),
            [
                "page.md:4: `CH03_SYSTEM_MALLOC=1 cargo bench`: `CH03_SYSTEM_MALLOC` is neither read by the workspace \
                 nor a documented cargo or rust variable: read it in the code (as the literal \"CH03_SYSTEM_MALLOC\") \
                 or drop it from the command"
            ]
        );
    }

    #[test]
    fn a_quoted_name_is_no_assignment() {
        let commands = shell_commands(&console(
            "$ \"NOT_SET\"=1 cargo test\n$ A='x y'=z cargo test",
        ));
        let quoted = Invocation::of(&commands[0].words);
        assert!(quoted.assignments.is_empty());
        assert_eq!(quoted.program, ["NOT_SET=1", "cargo", "test"]);
        let assignment = Invocation::of(&commands[1].words);
        assert_eq!(assignment.assignments, ["A"]);
        assert_eq!(assignment.program, ["cargo", "test"]);
    }

    #[test]
    fn an_xtask_line_with_a_bad_flag_names_the_clap_error() {
        assert_eq!(
            problems_of(&console("$ cargo xtask serve --prot 8080")),
            [
                "page.md:4: `cargo xtask serve --prot 8080`: unexpected argument '--prot' found: \
              see `cargo xtask --help` for what it accepts"
            ]
        );
    }

    #[test]
    fn a_bench_filter_matching_nothing_lists_the_ids() {
        assert_eq!(
            problems_of(&console(
                "$ cargo bench --bench executor -- --quick spawn_many/mine"
            )),
            [
                "page.md:4: `cargo bench --bench executor -- --quick spawn_many/mine`: filter `spawn_many/mine` \
              matches no benchmark id of executor: use one of executor/spawn_many/naive, \
              executor/spawn_many/own, executor/ping_pong/own"
            ]
        );
    }

    #[test]
    fn bench_filters_follow_criterion() {
        let problems = problems_of(&console(
            "$ cargo bench --bench executor -- --exact spawn_many/own\n\
             $ cargo bench --bench executor -- spawn_many ping_pong\n\
             $ cargo bench --bench executor -- 'spawn_many/(own'\n\
             $ cargo bench --bench executor -- --fast\n\
             $ cargo bench -- ^ping_pong",
        ));
        assert_eq!(problems.len(), 5, "{problems:#?}");
        assert!(
            problems[0].starts_with("page.md:4: ")
                && problems[0].contains("filter `spawn_many/own` matches no")
        );
        assert!(
            problems[1].contains("criterion takes one filter, and gets `spawn_many`, `ping_pong`")
        );
        assert!(problems[2].contains("cannot parse it (unclosed group)"));
        assert!(problems[3].contains("criterion has no option `--fast`"));
        assert!(
            problems[4].starts_with("page.md:8: ")
                && problems[4].contains("filter `^ping_pong` matches no")
        );
    }

    #[test]
    fn features_must_exist_and_required_ones_be_enabled() {
        let problems = problems_of(&console(
            "$ cargo test -p chapters-code --test state_loom\n$ cargo test -p chapters-code -F lom\n$ cargo test -p book --features chapters-code/loom,tokio/rt",
        ));
        assert_eq!(
            problems,
            [
                "page.md:4: `cargo test -p chapters-code --test state_loom`: `state_loom` of package `chapters-code` \
                 is built only with the features loom: add `--features loom`",
                "page.md:5: `cargo test -p chapters-code -F lom`: no feature `lom` in package `chapters-code`: use one of loom",
            ]
        );
    }

    #[test]
    fn a_script_must_be_a_file_of_the_repository() {
        assert_eq!(
            problems_of(&console(
                "$ bash src/install.sh\n$ node --test src/commands.rs\n$ ./src/run\n$ bash -c 'exit 0'\n$ target/debug/tool"
            )),
            [
                "page.md:4: `bash src/install.sh`: `src/install.sh` is not a file of the repository: fix the path or add the file",
                "page.md:6: `./src/run`: `src/run` is not a file of the repository: fix the path or add the file",
            ]
        );
    }

    #[test]
    fn an_unterminated_quote_is_reported() {
        assert_eq!(
            problems_of("```bash\nRUSTFLAGS=\"-C target-cpu=native cargo bench\n```\n"),
            [
                "page.md:2: `RUSTFLAGS=\"-C target-cpu=native cargo bench`: unterminated double quote: close it"
            ]
        );
    }

    #[test]
    fn commands_after_a_cd_are_not_checked_against_the_workspace() {
        let commands = shell_commands(&console(
            "$ cargo test\n$ cd exercises/ch01 && cargo test -p starter\n$ cargo test -p starter",
        ));
        let outside: Vec<bool> = commands
            .iter()
            .map(|command| command.outside_root)
            .collect();
        assert_eq!(outside, [false, false, true, true]);
    }

    #[test]
    fn literals_are_read_between_quotes_only() {
        let source =
            r#"let a = var("CH03_DEFAULT_MALLOC"); let b = "two words"; f("x", SKIPPED, "Y_2")"#;
        let found: Vec<&str> = identifier_literals(source).collect();
        assert_eq!(found, ["CH03_DEFAULT_MALLOC", "x", "Y_2"]);
    }

    #[test]
    fn package_patterns_match_like_cargo_globs() {
        assert!(glob_matches("chapters-*", "chapters-code"));
        assert!(glob_matches("b??k", "book"));
        assert!(!glob_matches("chapters-?", "chapters-code"));
        assert!(!glob_matches("book", "books"));
    }
}
