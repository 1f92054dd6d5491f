//! Predict-the-outcome questions: a page asks the reader (or the room) to
//! predict what the chapter's code does, and reveals the answer on demand.
//!
//! ```text
//! <div class="question">
//!
//! **Predict:** in what order do the three tasks print?
//!
//! (a rust block including the code from chapters-code)
//!
//! </div>
//!
//! <details class="answer">
//! <summary>Answer</summary>
//!
//! (a rust block including the test's assertion)
//!
//! Why it is so.
//!
//! </details>
//! ```
//!
//! The answer shows the assertion that proves it: it includes an anchor of a
//! test (in `chapters-code/tests/`, or after `#[cfg(test)]` in a source
//! file) whose region asserts. So a change to the code that changes the
//! answer fails `cargo test`, and the page cannot say otherwise. In a deck,
//! the question is one slide and its answer the next.

use std::path::{Path, PathBuf};

use anyhow::{Result, ensure};
use mdsnippets::{BlockKind, IncludeKind, Problem};

use crate::chapters::{Book, Chapter, Page};

/// How a question starts.
pub const QUESTION_START: &str = "<div class=\"question\">";
/// How its answer starts.
pub const ANSWER_START: &str = "<details class=\"answer\">";
/// How many questions each chapter asks at least.
pub const PER_CHAPTER: usize = 3;

/// One question of a page, with its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// 1-based line of the question's `<div>`.
    pub line: usize,
    /// 1-based line of the answer's `<details>`.
    pub answer_line: usize,
    /// The test anchors the answer includes that assert: `file:anchor`.
    pub asserted_by: Vec<String>,
}

/// Every question of a page; a question without an answer, an answer without
/// a question, or an answer that shows no test's assertion is a problem.
pub fn questions_of(root: &Path, page: &Page) -> (Vec<Question>, Vec<Problem>) {
    let markdown = &page.markdown;
    let blocks = mdsnippets::blocks(markdown);
    let mut questions = Vec::new();
    let mut problems = Vec::new();
    let problem = |line: usize, message: String| Problem::new(page.path.clone(), line, message);
    let mut open_question: Option<usize> = None;
    for (index, block) in blocks.iter().enumerate() {
        let BlockKind::Html = block.kind else {
            continue;
        };
        let text = markdown[block.range.clone()].trim_start();
        if text.starts_with(QUESTION_START) {
            if let Some(line) = open_question.replace(block.line) {
                problems.push(problem(
                    line,
                    format!("a question without an answer: follow it with `{ANSWER_START}`"),
                ));
            }
        } else if text.starts_with(ANSWER_START) {
            let Some(line) = open_question.take() else {
                problems.push(problem(
                    block.line,
                    format!(
                        "an answer without a question: put `{QUESTION_START}` … `</div>` before it"
                    ),
                ));
                continue;
            };
            let end = blocks[index..]
                .iter()
                .find(|later| markdown[later.range.clone()].contains("</details>"))
                .map_or(markdown.len(), |later| later.range.end);
            let answer = &markdown[block.range.start..end];
            let asserted_by = asserting_tests(root, page, answer);
            if asserted_by.is_empty() {
                problems.push(problem(
                    block.line,
                    "the answer shows no test's assertion: include the anchor of a test \
                     (in chapters-code/tests/ or after `#[cfg(test)]`) whose lines assert the answer"
                        .into(),
                ));
            }
            questions.push(Question {
                line,
                answer_line: block.line,
                asserted_by,
            });
        }
    }
    if let Some(line) = open_question {
        problems.push(problem(
            line,
            format!("a question without an answer: follow it with `{ANSWER_START}`"),
        ));
    }
    (questions, problems)
}

/// The includes of `answer` whose anchored region is test code that asserts.
fn asserting_tests(root: &Path, page: &Page, answer: &str) -> Vec<String> {
    let folder = root.join(page.folder());
    mdsnippets::includes(answer)
        .into_iter()
        .filter(|include| include.kind != IncludeKind::ExerciseStarter)
        .filter_map(|include| {
            let anchor = include.selector.clone()?;
            let file: PathBuf = folder.join(&include.path);
            let source = std::fs::read_to_string(&file).ok()?;
            let region = mdsnippets::anchored_lines(&source, &anchor)?;
            let start = source.find(&format!("ANCHOR: {anchor}"))?;
            let in_tests_folder = file.components().any(|part| part.as_os_str() == "tests");
            let after_cfg_test = source[..start].contains("#[cfg(test)]");
            (region.contains("assert") && (in_tests_folder || after_cfg_test))
                .then(|| format!("{}:{anchor}", include.path))
        })
        .collect()
}

/// Every question of a chapter, every page of it.
pub fn chapter_questions(root: &Path, chapter: &Chapter) -> (Vec<Question>, Vec<Problem>) {
    let mut questions = Vec::new();
    let mut problems = Vec::new();
    for page in &chapter.pages {
        let (found, wrong) = questions_of(root, page);
        questions.extend(found);
        problems.extend(wrong);
    }
    (questions, problems)
}

/// Checks every chapter: each asks at least [`PER_CHAPTER`] questions, each
/// answered by a test's assertion. Every problem is reported at once.
pub fn check(book: &Book) -> Result<()> {
    let mut problems: Vec<String> = Vec::new();
    for chapter in &book.chapters {
        let (questions, wrong) = chapter_questions(&book.root, chapter);
        problems.extend(wrong.iter().map(Problem::to_string));
        if questions.len() < PER_CHAPTER {
            problems.push(format!(
                "{}: chapter {} asks {} predict-the-outcome question(s), at least {PER_CHAPTER} \
                 wanted (`{QUESTION_START}` … `</div>` then `{ANSWER_START}` …)",
                chapter.pages[0].path.display(),
                chapter.number,
                questions.len()
            ));
        }
    }
    ensure!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(markdown: String) -> Page {
        Page {
            path: PathBuf::from("src/page.md"),
            markdown,
            sections: Vec::new(),
        }
    }

    const QUESTION: &str = "<div class=\"question\">\n\n**Predict:** what?\n\n</div>\n\n";

    fn answer(include: &str) -> String {
        format!(
            "<details class=\"answer\">\n<summary>Answer</summary>\n\n```rust\n{{{{#include {include}}}}}\n```\n\nBecause.\n\n</details>\n"
        )
    }

    #[test]
    fn an_answer_must_show_a_tests_assertion() {
        let root = std::env::temp_dir().join(format!("xtask-questions-{}", std::process::id()));
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::create_dir_all(root.join("code/tests")).unwrap();
        std::fs::write(
            root.join("code/tests/ch.rs"),
            "// ANCHOR: sum_answer\nassert_eq!(sum(), 3);\n// ANCHOR_END: sum_answer\n",
        )
        .unwrap();
        std::fs::write(
            root.join("code/lib.rs"),
            "// ANCHOR: sum\nfn sum() -> u32 { 3 }\n// ANCHOR_END: sum\n#[cfg(test)]\nmod tests {\n    // ANCHOR: inline_answer\n    assert!(true);\n    // ANCHOR_END: inline_answer\n}\n",
        )
        .unwrap();
        let good = format!(
            "# T\n\n{QUESTION}{}\n{QUESTION}{}",
            answer("../code/tests/ch.rs:sum_answer"),
            answer("../code/lib.rs:inline_answer")
        );
        let (questions, problems) = questions_of(&root, &page(good));
        assert_eq!(problems, []);
        assert_eq!(questions.len(), 2);
        assert_eq!(questions[0].asserted_by, ["../code/tests/ch.rs:sum_answer"]);

        let not_a_test = format!("# T\n\n{QUESTION}{}", answer("../code/lib.rs:sum"));
        let (_, problems) = questions_of(&root, &page(not_a_test));
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0]
                .message
                .starts_with("the answer shows no test's assertion")
        );

        let unanswered = format!(
            "# T\n\n{QUESTION}\n{}",
            answer("../code/tests/ch.rs:sum_answer")
                .replace("<details class=\"answer\">", "<details>")
        );
        let (_, problems) = questions_of(&root, &page(unanswered));
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 3);
        assert!(
            problems[0]
                .message
                .starts_with("a question without an answer")
        );
    }
}
