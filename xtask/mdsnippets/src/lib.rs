//! Finds the code blocks of the book's markdown and checks that each Rust block
//! is backed by compiled code.
//!
//! The book's rule: a ```rust block a reader sees is either made only of mdBook
//! include directives that pull code from `chapters-code/` (compiled and tested
//! by `cargo test`), or a complete program that skeptic compiles and runs. This
//! crate has no dependency beyond the markdown parser so that the root build
//! script (skeptic), the `xtask` book builder and the tests share one reading
//! of the rules.
//!
//! ```
//! let chapter = "# Title\n\n```rust\n{{#include ../code.rs:spawn_fn}}\n```\n";
//! let blocks = mdsnippets::code_blocks(chapter);
//! assert_eq!(blocks.len(), 1);
//! assert_eq!(blocks[0].line, 3);
//! assert!(blocks[0].is_rust());
//! assert_eq!(blocks[0].includes().len(), 1);
//! ```

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// A fenced or indented code block of a markdown file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBlock {
    /// 1-based line of the opening fence.
    pub line: usize,
    /// The info string after the fence (`rust,no_run`), empty when none was given.
    pub info: String,
    /// The text between the fences.
    pub body: String,
    /// Byte range of the whole block, fences included.
    pub range: Range<usize>,
    /// Whether the block was indented rather than fenced.
    pub indented: bool,
}

impl CodeBlock {
    /// Whether rustdoc, skeptic and mdBook treat this block as Rust: one of the
    /// comma- or space-separated words of the info string is `rust`.
    pub fn is_rust(&self) -> bool {
        info_words(&self.info).any(|word| word == "rust")
    }

    /// Whether the info string carries `word` (`ignore`, `no_run`, …).
    pub fn has_attribute(&self, word: &str) -> bool {
        info_words(&self.info).any(|w| w == word)
    }

    /// The include directives in the block, with lines relative to the markdown file.
    pub fn includes(&self) -> Vec<Include> {
        let body_first_line = self.line + 1;
        includes(&self.body)
            .into_iter()
            .map(|include| Include {
                line: include.line + body_first_line - 1,
                ..include
            })
            .collect()
    }

    /// Whether the block consists of include directives only (blank lines allowed).
    pub fn is_include_only(&self) -> bool {
        let mut rest = self.body.clone();
        for include in includes(&self.body) {
            rest = rest.replacen(&include.directive, "", 1);
        }
        !self.includes().is_empty() && rest.trim().is_empty()
    }
}

fn info_words(info: &str) -> impl Iterator<Item = &str> {
    info.split(|c: char| !(c == '_' || c == '-' || c.is_alphanumeric()))
        .filter(|word| !word.is_empty())
}

/// Every code block of a markdown text, in order.
pub fn code_blocks(markdown: &str) -> Vec<CodeBlock> {
    let mut blocks = Vec::new();
    let mut open: Option<CodeBlock> = None;
    let parser = Parser::new_ext(markdown, Options::all()).into_offset_iter();
    for (event, range) in parser {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let (info, indented) = match kind {
                    CodeBlockKind::Fenced(info) => (info.to_string(), false),
                    CodeBlockKind::Indented => (String::new(), true),
                };
                open = Some(CodeBlock {
                    line: line_of(markdown, range.start),
                    info,
                    body: String::new(),
                    range,
                    indented,
                });
            }
            Event::Text(text) => {
                if let Some(block) = open.as_mut() {
                    block.body.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(open.take()),
            _ => {}
        }
    }
    blocks
}

/// 1-based line number of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].bytes().filter(|&b| b == b'\n').count() + 1
}

/// Which mdBook directive pulls the code in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeKind {
    /// `{{#include path:anchor}}`: only the anchored lines.
    Include,
    /// `{{#rustdoc_include path:anchor}}`: the anchored lines shown, the rest of
    /// the file hidden but present for the playground.
    RustdocInclude,
    /// `{{#exercise_starter path:anchor}}`: the anchored exercise with each
    /// solution body replaced by `todo!()` (see [`exercise_starter`]); the
    /// book builder expands it.
    ExerciseStarter,
}

/// One include directive found in markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    /// The directive as written, braces included.
    pub directive: String,
    /// Which directive it is.
    pub kind: IncludeKind,
    /// The included path, relative to the markdown file's folder.
    pub path: String,
    /// What follows the path: an anchor name or a line range, if any.
    pub selector: Option<String>,
    /// 1-based line of the directive in the text it was found in.
    pub line: usize,
}

/// Every unescaped `{{#include …}}`, `{{#rustdoc_include …}}` and
/// `{{#exercise_starter …}}` directive of a text, as mdBook's link preprocessor
/// would expand them (it does so everywhere, code spans included;
/// `\{{#include …}}` is the escape).
pub fn includes(text: &str) -> Vec<Include> {
    let mut found = Vec::new();
    let mut search_from = 0;
    while let Some(relative) = text[search_from..].find("{{#") {
        let start = search_from + relative;
        search_from = start + 3;
        if start > 0 && text.as_bytes()[start - 1] == b'\\' {
            continue;
        }
        let Some(end_relative) = text[start..].find("}}") else {
            break;
        };
        let directive = &text[start..start + end_relative + 2];
        let inner = directive[3..directive.len() - 2].trim();
        let (name, argument) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
        let kind = match name {
            "include" => IncludeKind::Include,
            "rustdoc_include" => IncludeKind::RustdocInclude,
            "exercise_starter" => IncludeKind::ExerciseStarter,
            _ => continue,
        };
        let argument = argument.trim();
        let (path, selector) = match argument.split_once(':') {
            Some((path, selector)) => (path, Some(selector.to_string())),
            None => (argument, None),
        };
        found.push(Include {
            directive: directive.to_string(),
            kind,
            path: path.to_string(),
            selector,
            line: line_of(text, start),
        });
    }
    found
}

/// The lines between `ANCHOR: name` and `ANCHOR_END: name`, without any anchor
/// lines, as mdBook includes them; `None` when the anchor is not in the source.
///
/// ```
/// let source = "// ANCHOR: greet\nfn greet() {}\n// ANCHOR_END: greet\n";
/// assert_eq!(mdsnippets::anchored_lines(source, "greet").as_deref(), Some("fn greet() {}"));
/// assert_eq!(mdsnippets::anchored_lines(source, "farewell"), None);
/// ```
pub fn anchored_lines(source: &str, anchor: &str) -> Option<String> {
    let mut lines = source.lines();
    lines
        .by_ref()
        .find(|line| anchor_start(line) == Some(anchor))?;
    let kept: Vec<&str> = lines
        .take_while(|line| anchor_end(line) != Some(anchor))
        .filter(|line| anchor_start(line).is_none() && anchor_end(line).is_none())
        .collect();
    Some(kept.join("\n"))
}

fn anchor_name<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let (_, rest) = line.split_once(marker)?;
    let name = rest.trim_start();
    let end = name
        .find(|c: char| !(c == '_' || c == '-' || c.is_alphanumeric()))
        .unwrap_or(name.len());
    (end > 0).then(|| &name[..end])
}

fn anchor_start(line: &str) -> Option<&str> {
    if line.contains("ANCHOR_END:") {
        return None;
    }
    anchor_name(line, "ANCHOR:")
}

fn anchor_end(line: &str) -> Option<&str> {
    anchor_name(line, "ANCHOR_END:")
}

/// The suffix of the anchors that hold a solution inside an exercise.
pub const SOLUTION_SUFFIX: &str = "_solution";

/// The starter of an exercise: the lines of anchor `anchor`, where every
/// nested anchor whose name ends in `_solution` is replaced by one `todo!()`
/// line at the anchor's indentation. The solution and the starter thus come
/// from one source file, and the solution compiles and is tested as it stands.
///
/// ```
/// let source = "\
/// // ANCHOR: double
/// pub fn double(x: u32) -> u32 {
///     // ANCHOR: double_solution
///     x * 2
///     // ANCHOR_END: double_solution
/// }
/// // ANCHOR_END: double
/// ";
/// let starter = mdsnippets::exercise_starter(source, "double").unwrap();
/// assert_eq!(starter, "pub fn double(x: u32) -> u32 {\n    todo!(\"your solution here\")\n}");
/// ```
pub fn exercise_starter(source: &str, anchor: &str) -> Option<String> {
    let mut lines = source.lines();
    lines
        .by_ref()
        .find(|line| anchor_start(line) == Some(anchor))?;
    let mut starter = Vec::new();
    let mut in_solution: Option<&str> = None;
    for line in lines {
        if anchor_end(line) == Some(anchor) {
            break;
        }
        if let Some(solution) = in_solution {
            if anchor_end(line) == Some(solution) {
                in_solution = None;
            }
            continue;
        }
        match anchor_start(line) {
            Some(name) if name.ends_with(SOLUTION_SUFFIX) => {
                let indent = &line[..line.len() - line.trim_start().len()];
                starter.push(format!("{indent}todo!(\"your solution here\")"));
                in_solution = Some(name);
            }
            Some(_) => {}
            None if anchor_end(line).is_some() => {}
            None => starter.push(line.to_string()),
        }
    }
    Some(starter.join("\n"))
}

/// The anchors opened in a source file that are never closed: mdBook would
/// silently include everything to the end of the file.
pub fn unclosed_anchors(source: &str) -> Vec<String> {
    let ends: Vec<&str> = source.lines().filter_map(anchor_end).collect();
    source
        .lines()
        .filter_map(anchor_start)
        .filter(|name| !ends.contains(name))
        .map(str::to_string)
        .collect()
}

/// The markdown as skeptic should see it: include-only Rust blocks are blanked
/// out (their code is compiled as part of `chapters-code`), everything else is
/// kept, and line numbers are unchanged so skeptic's test names point at the
/// real lines.
pub fn for_skeptic(markdown: &str) -> String {
    let mut out = markdown.to_string();
    for block in code_blocks(markdown).iter().rev() {
        if block.is_rust() && block.is_include_only() {
            let blank: String = markdown[block.range.clone()]
                .chars()
                .filter(|&c| c == '\n')
                .collect();
            out.replace_range(block.range.clone(), &blank);
        }
    }
    out
}

/// Whether a markdown file is a page of the book (under `src/`, where mdBook
/// expands includes) rather than a file such as the README.
pub fn is_book_page(root: &Path, markdown: &Path) -> bool {
    markdown.starts_with(root.join("src"))
}

/// The markdown files whose Rust blocks must be backed by code: every `*.md`
/// under `src/` (sorted) and the `README.md`, as paths below `root`.
pub fn book_markdown_files(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    collect_markdown(&root.join("src"), &mut files)?;
    files.sort();
    let readme = root.join("README.md");
    if readme.exists() {
        files.push(readme);
    }
    Ok(files)
}

fn collect_markdown(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_markdown(&path, files)?;
        } else if path.extension().is_some_and(|ext| ext == "md") {
            files.push(path);
        }
    }
    Ok(())
}

/// The file name under which the build script hands `markdown` (relative to
/// the repository root) to skeptic: the relative path flattened, so that two
/// chapters' `index.md` files do not give skeptic's tests the same names.
///
/// ```
/// use std::path::Path;
/// let name = mdsnippets::skeptic_copy_name(Path::new("src/ch03/index.md"));
/// assert_eq!(name, "src-ch03-index.md");
/// ```
pub fn skeptic_copy_name(markdown: &Path) -> String {
    markdown
        .components()
        .map(|part| part.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("-")
}

/// The test-name prefix skeptic derives from a copy's file name (its stem,
/// lowercased, runs of other characters turned into one `_`).
pub fn skeptic_test_prefix(copy_name: &str) -> String {
    let stem = copy_name.strip_suffix(".md").unwrap_or(copy_name);
    stem.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// Something wrong with a markdown file, located by file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The markdown file, as given to [`check_file`].
    pub file: PathBuf,
    /// 1-based line in that file.
    pub line: usize,
    /// What is wrong and what to do about it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

/// Checks one markdown file against the book's rules:
/// - in a page of the book (`in_book`), every include directive names an
///   existing file and, if it names an anchor, an anchor that exists and is
///   closed (line-number selectors are refused: they drift when the code
///   changes); outside the book (the README) nothing expands includes, so a
///   Rust block made of them is refused;
/// - every code block says its language;
/// - a Rust block is either include directives only, or inline code that
///   skeptic compiles and runs: so not marked `ignore`, and not a mix of both.
pub fn check_file(markdown_path: &Path, in_book: bool) -> Vec<Problem> {
    let problem = |line: usize, message: String| Problem {
        file: markdown_path.to_path_buf(),
        line,
        message,
    };
    let markdown = match std::fs::read_to_string(markdown_path) {
        Ok(text) => text,
        Err(error) => return vec![problem(0, format!("cannot read the file: {error}"))],
    };
    let folder = markdown_path.parent().unwrap_or(Path::new("."));
    let mut problems = Vec::new();

    if in_book {
        for include in includes(&markdown) {
            if let Err(message) = resolve_include(folder, &include) {
                problems.push(problem(include.line, message));
            }
        }
    }

    for block in code_blocks(&markdown) {
        if block.indented {
            problems.push(problem(
                block.line,
                "indented code block: use a fenced block that names its language".into(),
            ));
            continue;
        }
        if block.info.trim().is_empty() {
            problems.push(problem(
                block.line,
                "code block without a language: write ```rust, ```text, ```console, …".into(),
            ));
            continue;
        }
        if !block.is_rust() {
            continue;
        }
        let includes = block.includes();
        if !includes.is_empty() && !in_book {
            problems.push(problem(
                block.line,
                "rust block made of include directives outside the book: nothing expands them here"
                    .into(),
            ));
        } else if !includes.is_empty() && !block.is_include_only() {
            problems.push(problem(
                block.line,
                "rust block mixes include directives with inline code: split it in two".into(),
            ));
        } else if includes.is_empty() {
            if block.has_attribute("ignore") {
                problems.push(problem(
                    block.line,
                    "rust block marked `ignore`: readers would see code nothing compiles; \
                     include it from chapters-code or make it a complete program"
                        .into(),
                ));
            }
            if block.body.trim().is_empty() {
                problems.push(problem(block.line, "empty rust block".into()));
            }
        }
    }
    problems
}

/// Reads what an include directive points at, or says why it cannot.
pub fn resolve_include(folder: &Path, include: &Include) -> Result<String, String> {
    let target = folder.join(&include.path);
    let source = std::fs::read_to_string(&target).map_err(|error| {
        format!(
            "include `{}`: cannot read {}: {error}",
            include.path,
            target.display()
        )
    })?;
    let Some(selector) = include.selector.as_deref() else {
        if include.kind == IncludeKind::ExerciseStarter {
            return Err(format!(
                "exercise starter `{}` names no anchor: write `path:anchor`",
                include.path
            ));
        }
        return Ok(source);
    };
    if selector.starts_with(|c: char| c.is_ascii_digit()) || selector.starts_with(':') {
        return Err(format!(
            "include `{}`: line range `{selector}` drifts when the code changes; \
             put `// ANCHOR: name` … `// ANCHOR_END: name` around the code and include `:name`",
            include.path
        ));
    }
    let anchor = selector.split(':').next().unwrap_or(selector);
    if unclosed_anchors(&source).iter().any(|name| name == anchor) {
        return Err(format!(
            "anchor `{anchor}` in {} has no `ANCHOR_END: {anchor}`",
            include.path
        ));
    }
    let found = match include.kind {
        IncludeKind::ExerciseStarter => {
            exercise_starter(&source, anchor).filter(|starter| starter.contains("todo!("))
        }
        IncludeKind::Include | IncludeKind::RustdocInclude => anchored_lines(&source, anchor),
    };
    found.ok_or_else(|| match include.kind {
        IncludeKind::ExerciseStarter if anchored_lines(&source, anchor).is_some() => format!(
            "exercise `{anchor}` in {} has no `// ANCHOR: …{SOLUTION_SUFFIX}` around a solution body",
            include.path
        ),
        _ => format!("anchor `{anchor}` not found in {}", include.path),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_fenced_blocks_with_their_lines_and_info() {
        let text = "intro\n\n```rust,no_run\nfn main() {}\n```\n\n```text\nplain\n```\n";
        let blocks = code_blocks(text);
        assert_eq!(blocks.len(), 2);
        assert_eq!(
            (blocks[0].line, blocks[0].info.as_str()),
            (3, "rust,no_run")
        );
        assert!(blocks[0].is_rust() && blocks[0].has_attribute("no_run"));
        assert_eq!(blocks[0].body, "fn main() {}\n");
        assert_eq!(blocks[1].line, 7);
        assert!(!blocks[1].is_rust());
    }

    #[test]
    fn include_lines_are_relative_to_the_file() {
        let text = "# T\n\n```rust\n\n{{#include a.rs:first}}\n{{#rustdoc_include b.rs}}\n```\n";
        let block = &code_blocks(text)[0];
        let found = block.includes();
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].line, found[0].path.as_str()), (5, "a.rs"));
        assert_eq!(found[0].selector.as_deref(), Some("first"));
        assert_eq!(found[1].kind, IncludeKind::RustdocInclude);
        assert_eq!(found[1].selector, None);
        assert!(block.is_include_only());
    }

    #[test]
    fn escaped_and_unknown_directives_are_not_includes() {
        let text = r"\{{#include a.rs}} {{#title Book}} {{#include b.rs:x}}";
        let found = includes(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, "b.rs");
    }

    #[test]
    fn mixed_blocks_are_not_include_only() {
        let text = "```rust\n{{#include a.rs:x}}\nfn extra() {}\n```\n";
        assert!(!code_blocks(text)[0].is_include_only());
    }

    #[test]
    fn anchored_lines_drop_nested_anchor_markers() {
        let source = "a\n// ANCHOR: outer\nb\n// ANCHOR: inner\nc\n// ANCHOR_END: inner\nd\n// ANCHOR_END: outer\ne\n";
        assert_eq!(anchored_lines(source, "outer").as_deref(), Some("b\nc\nd"));
        assert_eq!(anchored_lines(source, "inner").as_deref(), Some("c"));
        assert_eq!(anchored_lines(source, "out"), None);
    }

    #[test]
    fn a_starter_keeps_everything_but_the_solutions() {
        let source = "\
// ANCHOR: exercise
/// Doc.
pub fn a() -> u32 {
    // ANCHOR: a_solution
    1
    // ANCHOR_END: a_solution
}
// ANCHOR: shown
pub fn b() -> u32 {
        // ANCHOR: b_solution
        2
        // ANCHOR_END: b_solution
}
// ANCHOR_END: shown
// ANCHOR_END: exercise
";
        let starter = exercise_starter(source, "exercise").unwrap();
        assert_eq!(
            starter,
            "/// Doc.\npub fn a() -> u32 {\n    todo!(\"your solution here\")\n}\npub fn b() -> u32 {\n        todo!(\"your solution here\")\n}"
        );
        let markdown_folder = std::env::temp_dir();
        let include = Include {
            directive: String::new(),
            kind: IncludeKind::ExerciseStarter,
            path: "x.rs".into(),
            selector: Some("exercise".into()),
            line: 1,
        };
        let path = markdown_folder.join(format!("starter-{}.rs", std::process::id()));
        std::fs::write(&path, source.replace("_solution", "_answer")).unwrap();
        let include = Include {
            path: path.display().to_string(),
            ..include
        };
        let error = resolve_include(&markdown_folder, &include).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert!(error.contains("has no `// ANCHOR: …_solution`"), "{error}");
    }

    #[test]
    fn unclosed_anchors_are_reported() {
        let source = "// ANCHOR: open\n// ANCHOR: closed\n// ANCHOR_END: closed\n";
        assert_eq!(unclosed_anchors(source), vec!["open".to_string()]);
    }

    #[test]
    fn skeptic_sees_inline_blocks_only_and_the_same_line_numbers() {
        let text = "a\n```rust\n{{#include x.rs:y}}\n```\nb\n```rust\nfn main() {}\n```\n";
        let seen = for_skeptic(text);
        assert_eq!(seen.lines().count(), text.lines().count());
        let blocks = code_blocks(&seen);
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].line, 6);
        assert!(!seen.contains("#include"));
    }

    fn problems_of(markdown: &str, files: &[(&str, &str)]) -> Vec<String> {
        static NEXT_DIR: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "mdsnippets-{}-{}",
            std::process::id(),
            NEXT_DIR.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        let chapter = dir.join("chapter.md");
        std::fs::write(&chapter, markdown).unwrap();
        let found = check_file(&chapter, true)
            .into_iter()
            .map(|p| format!("{}: {}", p.line, p.message))
            .collect();
        std::fs::remove_dir_all(&dir).unwrap();
        found
    }

    #[test]
    fn check_accepts_a_sound_chapter() {
        let code = "// ANCHOR: spawn_fn\nfn spawn() {}\n// ANCHOR_END: spawn_fn\n";
        let markdown = "# Ch\n\n```rust\n{{#include code.rs:spawn_fn}}\n```\n\n```rust\nfn main() {}\n```\n\n```text\nout\n```\n";
        assert_eq!(
            problems_of(markdown, &[("code.rs", code)]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn check_names_line_and_anchor_of_a_broken_include() {
        let code = "// ANCHOR: spawn_fn\nfn spawn() {}\n// ANCHOR_END: spawn_fn\n";
        let markdown = "# Ch\n\n```rust\n{{#include code.rs:spawn}}\n```\n";
        let found = problems_of(markdown, &[("code.rs", code)]);
        assert_eq!(
            found,
            vec!["4: anchor `spawn` not found in code.rs".to_string()]
        );
    }

    #[test]
    fn check_reports_every_kind_of_escape() {
        let markdown = "```rust,ignore\nfn main() {}\n```\n\n```\nno language\n```\n\n```rust\n{{#include missing.rs:a}}\nfn main() {}\n```\n\n```rust\n{{#include code.rs:1:3}}\n```\n";
        let found = problems_of(markdown, &[("code.rs", "fn a() {}\n")]);
        assert_eq!(found.len(), 5, "{found:#?}");
        assert!(found[0].starts_with("10: include `missing.rs`: cannot read"));
        assert!(found[1].starts_with("15: include `code.rs`: line range `1:3` drifts"));
        assert!(found[2].starts_with("1: rust block marked `ignore`"));
        assert!(found[3].starts_with("5: code block without a language"));
        assert!(found[4].starts_with("9: rust block mixes include directives"));
    }
}
