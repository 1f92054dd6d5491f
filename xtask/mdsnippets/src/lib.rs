//! Reads the book's markdown the way mdBook does, and checks that each Rust
//! block is backed by compiled code.
//!
//! The reading: [`blocks`] gives a page's top-level blocks (headings, code,
//! lists, tables, images, HTML, paragraphs, quotes, rules) with their lines
//! and byte ranges, from the same parser and options as mdBook, so that the
//! tools that split pages into sections and slides never guess at fences or
//! bullets line by line; [`code_blocks`], [`images`] and [`includes`] pick
//! out what the checks and generators need.
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

use pulldown_cmark::{CodeBlockKind, Event, LinkType, Options, Parser, Tag};

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
    /// Byte range of the lines between the fences, from the start of the
    /// first (indentation included) to the end of the last; empty when the
    /// block holds no code.
    pub body_range: Range<usize>,
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

/// An image of a markdown text: `![alt](target)`, or a reference image
/// whose target is defined elsewhere (`![alt][name]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// 1-based line of the `![`.
    pub line: usize,
    /// Byte range of the whole image, `![` to the closing `)` or `]`.
    pub range: Range<usize>,
    /// The alternative text, as plain text (markup and brackets of the
    /// description dropped, code kept).
    pub alt: String,
    /// Where the image is, as the parser resolved it.
    pub target: String,
    /// Byte range of the target as written in the text, for an inline image
    /// whose target is written without escapes; `None` otherwise (a reference
    /// image's target is written in its definition).
    pub target_range: Option<Range<usize>>,
}

/// One top-level block of a markdown page. The blocks inside a list, a
/// quote, a footnote or a definition list belong to it, in `nested`.
///
/// ```
/// use mdsnippets::BlockKind;
/// let page = "# Title\n\nSome prose.\n\n- one\n- two\n\n![A chart](chart.svg)\n";
/// let blocks = mdsnippets::blocks(page);
/// assert!(matches!(&blocks[0].kind, BlockKind::Heading { level: 1, text } if text == "Title"));
/// assert_eq!((blocks[1].line, &page[blocks[1].range.clone()]), (3, "Some prose."));
/// let BlockKind::List { ordered: false, items } = &blocks[2].kind else { panic!() };
/// assert_eq!(items.iter().map(|item| &page[item.clone()]).collect::<Vec<_>>(), ["- one", "- two"]);
/// let BlockKind::Image(image) = &blocks[3].kind else { panic!() };
/// assert_eq!((image.alt.as_str(), image.target.as_str()), ("A chart", "chart.svg"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// 1-based line where the block starts.
    pub line: usize,
    /// Byte range of the block in the text, from its first character to its
    /// last: trailing blank lines and the final newline are not part of it.
    pub range: Range<usize>,
    /// What the block is.
    pub kind: BlockKind,
    /// The blocks inside this one, in order, each with its own nested blocks:
    /// a loose list's paragraphs, the code of a list item, a quote's
    /// paragraphs. Empty for leaf blocks and for tight list items.
    pub nested: Vec<Block>,
}

impl Block {
    /// This block followed by every block nested in it, depth first, in the
    /// order they appear in the text.
    pub fn self_and_nested(&self) -> Vec<&Block> {
        let mut found = vec![self];
        for nested in &self.nested {
            found.extend(nested.self_and_nested());
        }
        found
    }
}

/// The kind of a [`Block`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockKind {
    /// An ATX (`## Title`) or setext heading.
    Heading {
        /// 1 for `#`, 2 for `##`, …
        level: usize,
        /// The heading's inline markdown as written (`` `block_on` and *you* ``),
        /// without the `#` markers, closing sequence or `{#id}` attributes.
        text: String,
    },
    /// A fenced or indented code block.
    Code(CodeBlock),
    /// A bulleted or numbered list.
    List {
        /// Whether its items are numbered.
        ordered: bool,
        /// Byte range of each item, its marker included, trailing blank
        /// lines not.
        items: Vec<Range<usize>>,
    },
    /// A table (GitHub's pipe syntax).
    Table,
    /// A paragraph made only of one image.
    Image(Image),
    /// An HTML block. CommonMark ends one at a blank line, so an element
    /// whose content is separated by blank lines is several blocks.
    Html,
    /// A paragraph of text.
    Paragraph,
    /// A `>` quote.
    BlockQuote,
    /// A thematic break (`---`).
    Rule,
    /// The definition of a footnote (`[^label]: …`).
    FootnoteDefinition {
        /// The footnote's label.
        label: String,
    },
    /// A definition list (a term, then `: definition` lines).
    DefinitionList,
}

/// The parser options mdBook 0.5 uses (`mdbook_markdown::new_cmark_parser`
/// with its default configuration), reduced to those that change which
/// blocks a text is made of or what a heading says; strikethrough, task
/// lists and smart punctuation only change inline text.
fn mdbook_block_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_DEFINITION_LIST
        | Options::ENABLE_GFM
}

type Events<'a> = [(Event<'a>, Range<usize>)];

/// The top-level blocks of a markdown text, in order, as mdBook's parser
/// reads them.
pub fn blocks(markdown: &str) -> Vec<Block> {
    let events: Vec<(Event, Range<usize>)> = Parser::new_ext(markdown, mdbook_block_options())
        .into_offset_iter()
        .collect();
    blocks_in(markdown, &events)
}

/// The index of the event that closes the tag opened at `events[open]`.
fn closing_event(events: &Events, open: usize) -> usize {
    let mut depth = 0usize;
    for (index, (event, _)) in events.iter().enumerate().skip(open) {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return index;
                }
            }
            _ => {}
        }
    }
    events.len() - 1
}

/// The blocks found in a run of sibling events; the parts of a container
/// (list items, definition terms and definitions) are looked through, inline
/// content is skipped.
fn blocks_in(markdown: &str, events: &Events) -> Vec<Block> {
    let mut found = Vec::new();
    let mut index = 0;
    while index < events.len() {
        let (event, range) = &events[index];
        match event {
            Event::Rule => found.push(Block {
                line: line_of(markdown, range.start),
                range: trim_end_range(markdown, range.clone()),
                kind: BlockKind::Rule,
                nested: Vec::new(),
            }),
            Event::Start(tag) => {
                let close = closing_event(events, index);
                let inner = &events[index + 1..close];
                match tag {
                    Tag::Item | Tag::DefinitionListTitle | Tag::DefinitionListDefinition => {
                        found.extend(blocks_in(markdown, inner))
                    }
                    _ => found.extend(block_of(markdown, tag, range.clone(), inner)),
                }
                index = close;
            }
            _ => {}
        }
        index += 1;
    }
    found
}

/// The block a block-level tag opens, given the events inside it; `None`
/// for an inline tag.
fn block_of(markdown: &str, tag: &Tag, range: Range<usize>, inner: &Events) -> Option<Block> {
    let nested = || blocks_in(markdown, inner);
    let (kind, nested) = match tag {
        Tag::Heading { level, .. } => {
            let text = inner
                .iter()
                .map(|(_, range)| range.clone())
                .reduce(|first, last| first.start.min(last.start)..first.end.max(last.end))
                .map_or("", |text| &markdown[text]);
            let level = *level as usize;
            let text = text.to_string();
            (BlockKind::Heading { level, text }, Vec::new())
        }
        Tag::CodeBlock(kind) => (
            BlockKind::Code(code_block(markdown, kind, range.clone(), inner)),
            Vec::new(),
        ),
        Tag::List(first_number) => {
            let items = top_level_ranges(inner)
                .map(|item| trim_end_range(markdown, item))
                .collect();
            let ordered = first_number.is_some();
            (BlockKind::List { ordered, items }, nested())
        }
        Tag::Table(_) => (BlockKind::Table, Vec::new()),
        Tag::Paragraph => match only_image(markdown, inner) {
            Some(image) => (BlockKind::Image(image), Vec::new()),
            None => (BlockKind::Paragraph, Vec::new()),
        },
        Tag::HtmlBlock => (BlockKind::Html, Vec::new()),
        Tag::BlockQuote(_) => (BlockKind::BlockQuote, nested()),
        Tag::FootnoteDefinition(label) => {
            let label = label.to_string();
            (BlockKind::FootnoteDefinition { label }, nested())
        }
        Tag::DefinitionList => (BlockKind::DefinitionList, nested()),
        _ => return None,
    };
    Some(Block {
        line: line_of(markdown, range.start),
        range: trim_end_range(markdown, range),
        kind,
        nested,
    })
}

/// The ranges of the tags directly inside a run of events (a list's items).
fn top_level_ranges<'e>(events: &'e Events) -> impl Iterator<Item = Range<usize>> + 'e {
    let mut depth = 0usize;
    events.iter().filter_map(move |(event, range)| {
        match event {
            Event::Start(_) => {
                depth += 1;
                return (depth == 1).then(|| range.clone());
            }
            Event::End(_) => depth -= 1,
            _ => {}
        }
        None
    })
}

fn code_block(
    markdown: &str,
    kind: &CodeBlockKind,
    range: Range<usize>,
    inner: &Events,
) -> CodeBlock {
    let (info, indented) = match kind {
        CodeBlockKind::Fenced(info) => (info.to_string(), false),
        CodeBlockKind::Indented => (String::new(), true),
    };
    let mut body = String::new();
    let mut body_range: Option<Range<usize>> = None;
    for (event, text_range) in inner {
        if let Event::Text(text) = event {
            body.push_str(text);
            let start = line_start(markdown, text_range.start);
            body_range = Some(match body_range {
                Some(found) => found.start..text_range.end,
                None => start..text_range.end,
            });
        }
    }
    let after_opening_line = markdown[range.clone()]
        .find('\n')
        .map_or(range.end, |newline| range.start + newline + 1);
    CodeBlock {
        line: line_of(markdown, range.start),
        info,
        body,
        body_range: body_range.unwrap_or(after_opening_line..after_opening_line),
        range: trim_end_range(markdown, range),
        indented,
    }
}

/// The image a paragraph consists of, when it holds nothing else but
/// whitespace.
fn only_image(markdown: &str, inner: &Events) -> Option<Image> {
    let mut depth = 0usize;
    let mut image = None;
    for (index, (event, _)) in inner.iter().enumerate() {
        match event {
            Event::Start(_) => {
                if depth == 0 {
                    if image.is_some() {
                        return None;
                    }
                    image = Some(image_at(markdown, &inner[index..])?);
                }
                depth += 1;
            }
            Event::End(_) => depth -= 1,
            Event::Text(text) if depth == 0 && text.trim().is_empty() => {}
            Event::SoftBreak | Event::HardBreak if depth == 0 => {}
            _ if depth == 0 => return None,
            _ => {}
        }
    }
    image
}

/// The image whose `Start` event begins `events`; `None` if it is another tag.
fn image_at(markdown: &str, events: &Events) -> Option<Image> {
    let (
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            ..
        }),
        range,
    ) = &events[0]
    else {
        return None;
    };
    let close = closing_event(events, 0);
    let description = &events[1..close];
    let alt = description
        .iter()
        .filter_map(|(event, _)| match event {
            Event::Text(text) | Event::Code(text) => Some(text.as_ref()),
            _ => None,
        })
        .collect();
    let description_end = description
        .iter()
        .map(|(_, range)| range.end)
        .max()
        .unwrap_or(range.start + 2);
    let target_range =
        if *link_type == LinkType::Inline && markdown[description_end..].starts_with("](") {
            let after_bracket = description_end + 2;
            let rest = &markdown[after_bracket..range.end];
            let mut start = after_bracket + (rest.len() - rest.trim_start().len());
            if markdown[start..].starts_with('<') {
                start += 1;
            }
            markdown[start..range.end]
                .starts_with(dest_url.as_ref())
                .then(|| start..start + dest_url.len())
        } else {
            None
        };
    Some(Image {
        line: line_of(markdown, range.start),
        range: range.clone(),
        alt,
        target: dest_url.to_string(),
        target_range,
    })
}

/// Every image of a markdown text, in order, wherever it is: alone in a
/// paragraph, inside prose, a list, a table or a link; never inside code.
///
/// ```
/// let text = "See ![a chart](chart.svg), not `![code](span.svg)`.\n";
/// let images = mdsnippets::images(text);
/// assert_eq!(images.len(), 1);
/// assert_eq!(&text[images[0].target_range.clone().unwrap()], "chart.svg");
/// ```
pub fn images(markdown: &str) -> Vec<Image> {
    let events: Vec<(Event, Range<usize>)> = Parser::new_ext(markdown, mdbook_block_options())
        .into_offset_iter()
        .collect();
    (0..events.len())
        .filter_map(|index| image_at(markdown, &events[index..]))
        .collect()
}

/// A link of a page to another file of the book, or to a place in a page:
/// neither a URL with a scheme (`https:`, `mailto:`) nor a site-absolute path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageLink {
    /// The 1-based line the link starts on.
    pub line: usize,
    /// The target as written (`ch05-gather-and-as-completed.md#as-completed`).
    pub target: String,
}

/// Every [`PageLink`] of a markdown text, in order, never inside code.
///
/// ```
/// let text = "[gather](ch05.md#gather), [web](https://example.org), [up](#top)\n";
/// let targets: Vec<String> =
///     mdsnippets::page_links(text).into_iter().map(|link| link.target).collect();
/// assert_eq!(targets, ["ch05.md#gather", "#top"]);
/// ```
pub fn page_links(markdown: &str) -> Vec<PageLink> {
    Parser::new_ext(markdown, mdbook_block_options())
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Start(Tag::Link { dest_url, .. }) => Some((dest_url.to_string(), range)),
            _ => None,
        })
        .filter(|(target, _)| {
            let scheme = target
                .split_once(':')
                .is_some_and(|(scheme, _)| !scheme.contains(['/', '#', '.']));
            !target.is_empty() && !scheme && !target.starts_with('/')
        })
        .map(|(target, range)| PageLink {
            line: line_of(markdown, range.start),
            target,
        })
        .collect()
}

/// The ids a page's headings get in the rendered HTML, in order, as mdBook
/// 0.5 assigns them (`mdbook-html`'s `id_from_content` and `unique_id`): an
/// explicit `{#id}` as written, otherwise the heading's text lowercased,
/// spaces turned to `-`, everything but letters, digits, `_` and `-` dropped,
/// and `-1`, `-2`… added to repeats. Ids written in raw HTML (`id="…"`) are
/// included too.
///
/// ```
/// let text = "# Why `Pin`?\n\n## Run it\n\n## Run it\n\n<div id=\"scores\"></div>\n";
/// assert_eq!(mdsnippets::page_ids(text), ["why-pin", "run-it", "run-it-1", "scores"]);
/// ```
pub fn page_ids(markdown: &str) -> Vec<String> {
    let mut ids: Vec<String> = heading_ids(markdown)
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    for event in Parser::new_ext(markdown, mdbook_block_options()) {
        if let Event::Html(html) | Event::InlineHtml(html) = event {
            for piece in html.split(" id=\"").skip(1) {
                if let Some((id, _)) = piece.split_once('"') {
                    ids.push(id.to_owned());
                }
            }
        }
    }
    ids
}

/// Each heading of a page, as its 1-based line and the id mdBook 0.5 gives
/// it (see [`page_ids`]), so that a heading found by line can be linked to.
///
/// ```
/// let text = "# Why `Pin`?\n\n## Run it\n\n## Run it\n";
/// assert_eq!(
///     mdsnippets::heading_ids(text),
///     [(1, "why-pin".to_string()), (3, "run-it".into()), (5, "run-it-1".into())]
/// );
/// ```
pub fn heading_ids(markdown: &str) -> Vec<(usize, String)> {
    let mut used = std::collections::HashSet::new();
    let mut ids = Vec::new();
    let mut heading: Option<(usize, Option<String>, String)> = None;
    for (event, range) in Parser::new_ext(markdown, mdbook_block_options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { id, .. }) => {
                let line = markdown[..range.start].matches('\n').count() + 1;
                heading = Some((line, id.map(|id| id.to_string()), String::new()));
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, _, content)) = heading.as_mut() {
                    content.push_str(&text);
                }
            }
            Event::End(pulldown_cmark::TagEnd::Heading(_)) => {
                if let Some((line, explicit, content)) = heading.take() {
                    let id = explicit.unwrap_or_else(|| id_from_content(&content));
                    let mut unique = id.clone();
                    let mut counter = 1;
                    while !used.insert(unique.clone()) {
                        unique = format!("{id}-{counter}");
                        counter += 1;
                    }
                    ids.push((line, unique));
                }
            }
            _ => {}
        }
    }
    ids
}

fn id_from_content(content: &str) -> String {
    content
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|ch| {
            if ch.is_alphanumeric() || ch == '_' || ch == '-' {
                Some(ch)
            } else if ch.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// Every code block of a markdown text, in order, nested ones included (the
/// code blocks among [`blocks`] and their nested blocks).
pub fn code_blocks(markdown: &str) -> Vec<CodeBlock> {
    blocks(markdown)
        .iter()
        .flat_map(Block::self_and_nested)
        .filter_map(|block| match &block.kind {
            BlockKind::Code(code) => Some(code.clone()),
            _ => None,
        })
        .collect()
}

/// `range` without the whitespace it ends with.
fn trim_end_range(text: &str, range: Range<usize>) -> Range<usize> {
    range.start..range.start + text[range].trim_end().len()
}

/// The offset where the line holding `offset` starts.
fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |newline| newline + 1)
}

/// `range` widened to whole lines: from the start of its first line to the
/// end of its last, the newline not included. A block's text as
/// [`whole_lines`] gives it keeps the indentation of its first line.
///
/// ```
/// let text = "a\n   b c\nd\n";
/// assert_eq!(mdsnippets::whole_lines(text, 6..7), 2..8);
/// ```
pub fn whole_lines(text: &str, range: Range<usize>) -> Range<usize> {
    let end = text[range.end..]
        .find('\n')
        .map_or(text.len(), |newline| range.end + newline);
    let last_is_newline = range.end > range.start && text.as_bytes()[range.end - 1] == b'\n';
    let end = if last_is_newline { range.end - 1 } else { end };
    line_start(text, range.start)..end
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
    includes_at(text)
        .into_iter()
        .map(|(_, include)| include)
        .collect()
}

/// [`includes`], each with the byte range of its directive.
fn includes_at(text: &str) -> Vec<(Range<usize>, Include)> {
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
        let end = start + end_relative + 2;
        let directive = &text[start..end];
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
        found.push((
            start..end,
            Include {
                directive: directive.to_string(),
                kind,
                path: path.to_string(),
                selector,
                line: line_of(text, start),
            },
        ));
    }
    found
}

/// `text` with every include directive replaced by what `expand` makes of
/// it; a directive `expand` wants left alone it returns as written. Every
/// problem `expand` reports is collected, so one run names them all.
///
/// ```
/// use mdsnippets::{Include, Problem};
/// let text = "a {{#include x.rs:one}} b {{#include y.rs:two}}";
/// let expanded = mdsnippets::replace_includes(text, |include: &Include| {
///     Ok::<_, Problem>(include.selector.clone().unwrap_or_default())
/// });
/// assert_eq!(expanded.unwrap(), "a one b two");
/// let failed = mdsnippets::replace_includes(text, |include: &Include| {
///     Err(Problem::new("page.md", include.line, format!("no `{}`", include.path)))
/// });
/// assert_eq!(failed.unwrap_err().len(), 2);
/// ```
pub fn replace_includes(
    text: &str,
    mut expand: impl FnMut(&Include) -> Result<String, Problem>,
) -> Result<String, Vec<Problem>> {
    let mut expanded = String::with_capacity(text.len());
    let mut problems = Vec::new();
    let mut copied_to = 0;
    for (range, include) in includes_at(text) {
        expanded.push_str(&text[copied_to..range.start]);
        match expand(&include) {
            Ok(replacement) => expanded.push_str(&replacement),
            Err(problem) => problems.push(problem),
        }
        copied_to = range.end;
    }
    expanded.push_str(&text[copied_to..]);
    if problems.is_empty() {
        Ok(expanded)
    } else {
        Err(problems)
    }
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
/// under `src/` (sorted) and the `README.md`, as paths below `root`. A folder
/// that cannot be listed is the problem.
pub fn book_markdown_files(root: &Path) -> Result<Vec<PathBuf>, Problem> {
    let mut files = Vec::new();
    collect_markdown(&root.join("src"), &mut files)?;
    files.sort();
    let readme = root.join("README.md");
    if readme.exists() {
        files.push(readme);
    }
    Ok(files)
}

fn collect_markdown(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), Problem> {
    let unlisted = |error: std::io::Error| {
        Problem::new(
            dir,
            0,
            format!("cannot list the folder's markdown files: {error}"),
        )
    };
    for entry in std::fs::read_dir(dir).map_err(unlisted)? {
        let path = entry.map_err(unlisted)?.path();
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
    /// The markdown file (or folder) the problem is in.
    pub file: PathBuf,
    /// 1-based line in that file; 0 when the problem is with the file as a
    /// whole (it cannot be read).
    pub line: usize,
    /// What is wrong and what to do about it: lowercase, context first, no
    /// trailing period.
    pub message: String,
}

impl Problem {
    /// A problem at `line` of `file`.
    pub fn new(file: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Problem {
        Problem {
            file: file.into(),
            line,
            message: message.into(),
        }
    }
}

/// `file:line: message`, or `file: message` for a problem with no line.
///
/// ```
/// let problem = mdsnippets::Problem::new("src/ch01.md", 12, "anchor `spawn` not found in code.rs");
/// assert_eq!(problem.to_string(), "src/ch01.md:12: anchor `spawn` not found in code.rs");
/// ```
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(f, "{}: {}", self.file.display(), self.message),
            line => write!(f, "{}:{line}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for Problem {}

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
    let problem = |line: usize, message: String| Problem::new(markdown_path, line, message);
    let markdown = match std::fs::read_to_string(markdown_path) {
        Ok(text) => text,
        Err(error) => return vec![problem(0, format!("cannot read the file: {error}"))],
    };
    let mut problems = Vec::new();

    if in_book {
        for include in includes(&markdown) {
            problems.extend(resolve_include(markdown_path, &include).err());
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
        if in_book {
            problems.extend(playground_problem(&block).map(|message| problem(block.line, message)));
        }
    }
    problems
}

/// The info-string word that gives a block mdBook's Run button although the
/// book turns the playground off for every other block (book.toml).
pub const RUNNABLE: &str = "mdbook-runnable";

/// The crates the Rust playground (play.rust-lang.org) offers that the book
/// uses, besides the standard library's.
pub const PLAYGROUND_CRATES: [&str; 3] = ["tokio", "futures", "rayon"];

/// The crates a complete program names (`use` paths, `extern crate`, and
/// qualified paths like `tokio::spawn` or `#[tokio::main]`), other than the
/// standard library's and the program's own modules, sorted.
///
/// ```
/// let code = "use std::time::Duration;\nmod inner { pub fn f() {} }\n\
///             #[tokio::main]\nasync fn main() { inner::f(); chapters_code::go(); }\n";
/// assert_eq!(mdsnippets::crates_used(code), ["chapters_code", "tokio"]);
/// ```
pub fn crates_used(code: &str) -> Vec<String> {
    let words: Vec<&str> = code
        .split(|c: char| !(c == '_' || c.is_alphanumeric() || c == ':'))
        .filter(|word| !word.is_empty())
        .collect();
    // Names a `use` or `mod` brings into scope are the program's own, not
    // crates: `use std::panic;` makes `panic::catch_unwind` std's.
    let mut local: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for statement in code.split(';') {
        let Some(start) = statement.find("use ") else {
            continue;
        };
        let path = &statement[start + 4..];
        for name in path
            .split(|c: char| !(c == '_' || c.is_alphanumeric()))
            .filter(|name| !name.is_empty())
            .skip(1)
        {
            local.insert(name);
        }
    }
    local.extend(
        words
            .windows(2)
            .filter(|pair| pair[0] == "mod")
            .map(|pair| pair[1]),
    );
    let mut crates = std::collections::BTreeSet::new();
    for (index, word) in words.iter().enumerate() {
        let root = match word.split_once("::") {
            Some((root, _)) => root,
            None if index >= 2 && words[index - 1] == "crate" && words[index - 2] == "extern" => {
                word
            }
            None => continue,
        };
        let is_lowercase_name = root
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
        if is_lowercase_name
            && !["std", "core", "alloc", "self", "super", "crate"].contains(&root)
            && !local.contains(root)
        {
            crates.insert(root.to_owned());
        }
    }
    crates.into_iter().collect()
}

/// Why a book page's Rust block is wrongly marked for the playground, or
/// wrongly left unmarked: only complete inline programs whose crates the
/// playground offers ([`PLAYGROUND_CRATES`]) run there, and every such
/// program should.
fn playground_problem(block: &CodeBlock) -> Option<String> {
    let marked = block.has_attribute(RUNNABLE);
    if block.has_attribute("ignore") {
        return None; // reported on its own
    }
    if !block.includes().is_empty() {
        return marked.then(|| {
            format!("rust block marked `{RUNNABLE}` includes code from chapters-code, which the playground does not have: drop `{RUNNABLE}`")
        });
    }
    let complete = block
        .body
        .lines()
        .any(|line| line.trim_start().contains("fn main()"));
    let foreign: Vec<String> = crates_used(&block.body)
        .into_iter()
        .filter(|name| !PLAYGROUND_CRATES.contains(&name.as_str()))
        .collect();
    match (marked, complete, foreign.is_empty()) {
        (true, false, _) => Some(format!(
            "rust block marked `{RUNNABLE}` has no `fn main()`: only complete programs run on the playground"
        )),
        (true, true, false) => Some(format!(
            "rust block marked `{RUNNABLE}` uses {}, which the playground does not offer (it has std, {}): drop `{RUNNABLE}`",
            foreign.join(", "),
            PLAYGROUND_CRATES.join(", ")
        )),
        (false, true, true) => Some(format!(
            "complete program that needs only std, {}: mark it ```rust,{RUNNABLE} so readers can run it on the playground",
            PLAYGROUND_CRATES.join(", ")
        )),
        _ => None,
    }
}

/// Reads what an include directive of `markdown_file` points at (its path is
/// relative to the file's folder), or says why it cannot, at the directive's
/// line.
pub fn resolve_include(markdown_file: &Path, include: &Include) -> Result<String, Problem> {
    let problem = |message: String| Problem::new(markdown_file, include.line, message);
    let folder = markdown_file.parent().unwrap_or(Path::new("."));
    let target = folder.join(&include.path);
    let source = std::fs::read_to_string(&target).map_err(|error| {
        problem(format!(
            "include `{}`: cannot read {}: {error}",
            include.path,
            target.display()
        ))
    })?;
    let Some(selector) = include.selector.as_deref() else {
        if include.kind == IncludeKind::ExerciseStarter {
            return Err(problem(format!(
                "exercise starter `{}` names no anchor: write `path:anchor`",
                include.path
            )));
        }
        return Ok(source);
    };
    if selector.starts_with(|c: char| c.is_ascii_digit()) || selector.starts_with(':') {
        return Err(problem(format!(
            "include `{}`: line range `{selector}` drifts when the code changes; \
             put `// ANCHOR: name` … `// ANCHOR_END: name` around the code and include `:name`",
            include.path
        )));
    }
    let anchor = selector.split(':').next().unwrap_or(selector);
    if unclosed_anchors(&source).iter().any(|name| name == anchor) {
        return Err(problem(format!(
            "anchor `{anchor}` in {} has no `ANCHOR_END: {anchor}`",
            include.path
        )));
    }
    let found = match include.kind {
        IncludeKind::ExerciseStarter => {
            exercise_starter(&source, anchor).filter(|starter| starter.contains("todo!("))
        }
        IncludeKind::Include | IncludeKind::RustdocInclude => anchored_lines(&source, anchor),
    };
    found.ok_or_else(|| {
        problem(match include.kind {
            IncludeKind::ExerciseStarter if anchored_lines(&source, anchor).is_some() => format!(
                "exercise `{anchor}` in {} has no `// ANCHOR: …{SOLUTION_SUFFIX}` around a solution body",
                include.path
            ),
            _ => format!("anchor `{anchor}` not found in {}", include.path),
        })
    })
}

/// The widest line a listing may show: the book's code column holds about
/// 80 characters before it scrolls.
pub const LISTING_WIDTH: usize = 80;

/// The suffix of an anchor that marks, inside a longer listing, the excerpt a
/// slide shows instead of the whole.
pub const SLIDE_SUFFIX: &str = "_slide";

/// What a listing shows of included Rust: the code without its doc comments
/// (`///`, `//!`) and the doctests inside them, which stay in the source and
/// keep running under `cargo test` (the page's prose explains instead), and
/// without the indentation every line shares (an excerpt from inside a
/// function starts at the margin).
///
/// ```
/// let code = "/// Doubles.\n///\n/// ```\n/// assert_eq!(double(2), 4);\n/// ```\npub fn double(x: u32) -> u32 {\n    x * 2 // why: no overflow below 2^31\n}";
/// assert_eq!(
///     mdsnippets::listing_lines(code),
///     "pub fn double(x: u32) -> u32 {\n    x * 2 // why: no overflow below 2^31\n}"
/// );
/// ```
pub fn listing_lines(code: &str) -> String {
    let kept: Vec<&str> = code
        .lines()
        .filter(|line| {
            let trimmed = line.trim_start();
            !(trimmed.starts_with("///") || trimmed.starts_with("//!"))
        })
        .collect();
    let shared = kept
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    kept.iter()
        .map(|line| line.get(shared..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

/// How [`expand_listings`] presents a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListingStyle {
    /// Put a caption naming the file(s) above the block (the book does; a
    /// slide has no room for it).
    pub caption: bool,
    /// Show the `{anchor}_slide` excerpt of an anchor when the source has one.
    pub slide_excerpt: bool,
}

/// One listing as shown: where it is and the file(s) it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// 1-based line of the block's opening fence in the page.
    pub line: usize,
    /// The included files, relative to the repository root.
    pub files: Vec<PathBuf>,
    /// The code shown.
    pub code: String,
}

/// `a/b/../c` → `a/c`, without touching the file system.
fn normalise(path: &Path) -> PathBuf {
    let mut parts: Vec<std::path::Component> = Vec::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir
                if matches!(parts.last(), Some(std::path::Component::Normal(_))) =>
            {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.iter().collect()
}

/// Every Rust block of `markdown` made of include directives, expanded as a
/// listing ([`listing_lines`]) with, per `style`, a caption naming its files
/// (`<p class="listing-caption">`) and the `_slide` excerpts. `markdown_file`
/// is the page, `root` the repository root (captions name files from there).
/// Other includes are left for mdBook. Every problem is returned, each at
/// its directive's line.
pub fn expand_listings(
    root: &Path,
    markdown_file: &Path,
    markdown: &str,
    style: ListingStyle,
) -> Result<(String, Vec<Listing>), Vec<Problem>> {
    let mut out = markdown.to_string();
    let mut listings = Vec::new();
    let mut problems = Vec::new();
    let folder = markdown_file.parent().unwrap_or(Path::new("."));
    let blocks: Vec<CodeBlock> = code_blocks(markdown)
        .into_iter()
        .filter(|block| block.is_rust() && block.is_include_only())
        .collect();
    for block in blocks.iter().rev() {
        let mut code = Vec::new();
        let mut files: Vec<PathBuf> = Vec::new();
        for include in block.includes() {
            let include = match (&include.selector, style.slide_excerpt) {
                (Some(anchor), true) if include.kind != IncludeKind::ExerciseStarter => {
                    let excerpt = format!("{anchor}{SLIDE_SUFFIX}");
                    let has_excerpt = std::fs::read_to_string(folder.join(&include.path))
                        .is_ok_and(|source| anchored_lines(&source, &excerpt).is_some());
                    if has_excerpt {
                        Include {
                            selector: Some(excerpt),
                            ..include
                        }
                    } else {
                        include
                    }
                }
                _ => include,
            };
            match resolve_include(markdown_file, &include) {
                Ok(text) => code.push(listing_lines(&text)),
                Err(problem) => problems.push(problem),
            }
            let file = normalise(&folder.join(&include.path));
            let file = file
                .strip_prefix(normalise(root))
                .map(Path::to_path_buf)
                .unwrap_or(file);
            if !files.contains(&file) {
                files.push(file);
            }
        }
        let code = code.join("\n\n");
        let body = block.body_range.clone();
        let indent = &markdown[whole_lines(markdown, block.range.clone()).start..block.range.start];
        let indented: Vec<String> = code
            .lines()
            .map(|line| {
                if line.is_empty() {
                    String::new()
                } else {
                    format!("{indent}{line}")
                }
            })
            .collect();
        out.replace_range(body, &format!("{}\n", indented.join("\n")));
        if style.caption {
            let names: Vec<String> = files
                .iter()
                .map(|file| format!("<code>{}</code>", file.display()))
                .collect();
            let caption = format!(
                "<p class=\"listing-caption\">Filename: {}</p>\n\n{indent}",
                names.join(", ")
            );
            out.insert_str(block.range.start, &caption);
        }
        listings.push(Listing {
            line: block.line,
            files,
            code,
        });
    }
    listings.reverse();
    if problems.is_empty() {
        Ok((out, listings))
    } else {
        problems.sort_by_key(|problem| problem.line);
        Err(problems)
    }
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
        assert_eq!(
            &text[blocks[0].range.clone()],
            "```rust,no_run\nfn main() {}\n```"
        );
        assert_eq!(blocks[1].line, 7);
        assert!(!blocks[1].is_rust());
    }

    fn kinds(markdown: &str) -> Vec<(usize, &str)> {
        blocks(markdown)
            .iter()
            .map(|block| {
                let kind = match &block.kind {
                    BlockKind::Heading { .. } => "heading",
                    BlockKind::Code(_) => "code",
                    BlockKind::List { .. } => "list",
                    BlockKind::Table => "table",
                    BlockKind::Image(_) => "image",
                    BlockKind::Html => "html",
                    BlockKind::Paragraph => "paragraph",
                    BlockKind::BlockQuote => "quote",
                    BlockKind::Rule => "rule",
                    BlockKind::FootnoteDefinition { .. } => "footnote",
                    BlockKind::DefinitionList => "definitions",
                };
                (block.line, kind)
            })
            .collect()
    }

    #[test]
    fn every_kind_of_top_level_block_is_told_apart() {
        let text = "# T\n\nProse.\n\n1. a\n2. b\n\n| a |\n|:-|\n| b |\n\n![x](x.svg)\n\n<div>\n\n> quote\n\n---\n\n    indented\n\n[^n]: note\n\nterm\n: definition\n";
        assert_eq!(
            kinds(text),
            [
                (1, "heading"),
                (3, "paragraph"),
                (5, "list"),
                (8, "table"),
                (12, "image"),
                (14, "html"),
                (16, "quote"),
                (18, "rule"),
                (20, "code"),
                (22, "footnote"),
                (24, "definitions"),
            ]
        );
        let ranges: Vec<&str> = blocks(text)
            .iter()
            .map(|block| &text[block.range.clone()])
            .collect();
        assert_eq!(ranges[2], "1. a\n2. b", "no trailing newline");
        assert_eq!(ranges[8], "indented");
    }

    #[test]
    fn a_four_backtick_fence_is_not_closed_by_three_backticks() {
        let text = "````markdown\n```rust\nfn a() {}\n```\n\nstill code\n````\n\nAfter.\n";
        assert_eq!(kinds(text), [(1, "code"), (9, "paragraph")]);
        let code = &code_blocks(text)[0];
        assert_eq!(code.body, "```rust\nfn a() {}\n```\n\nstill code\n");
        assert_eq!(&text[code.body_range.clone()], code.body);
        assert_eq!(
            &text[code.range.clone()],
            &text[..text.find("\n\nAfter").unwrap()]
        );
    }

    #[test]
    fn image_syntax_inside_code_is_not_an_image() {
        let text = "Write `![alt](x.png)` or `a](b)`.\n\n```markdown\n![alt](y.png)\n```\n\n![real](z.png)\n";
        assert_eq!(kinds(text), [(1, "paragraph"), (3, "code"), (7, "image")]);
        let found = images(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].line, found[0].target.as_str()), (7, "z.png"));
    }

    #[test]
    fn image_targets_are_located_as_written() {
        let text = "a ![x *y*](<sp ace.svg> \"t\") b ![](  plain.svg) ![r][ref] [![in](link.svg)](http://z)\n\n[ref]: def.svg\n";
        let found = images(text);
        let targets: Vec<Option<&str>> = found
            .iter()
            .map(|image| image.target_range.clone().map(|range| &text[range]))
            .collect();
        assert_eq!(
            targets,
            [
                Some("sp ace.svg"),
                Some("plain.svg"),
                None,
                Some("link.svg")
            ]
        );
        assert_eq!(found[0].alt, "x y");
        assert_eq!(found[2].target, "def.svg");
        assert_eq!(
            kinds(text),
            [(1, "paragraph")],
            "an image among text is prose"
        );
    }

    #[test]
    fn nested_blocks_belong_to_their_parent() {
        let text = "- one\n\n  ```rust\n  fn a() {}\n  ```\n- two\n  - deep\n\n> quoted\n>\n> ```text\n> x\n> ```\n";
        let found = blocks(text);
        assert_eq!(kinds(text), [(1, "list"), (9, "quote")]);
        let BlockKind::List { ordered, items } = &found[0].kind else {
            panic!("{found:?}")
        };
        assert!(!ordered);
        let items: Vec<&str> = items.iter().map(|item| &text[item.clone()]).collect();
        assert_eq!(
            items,
            ["- one\n\n  ```rust\n  fn a() {}\n  ```", "- two\n  - deep"]
        );
        let nested: Vec<usize> = found[0].self_and_nested().iter().map(|b| b.line).collect();
        assert_eq!(
            nested,
            [1, 1, 3, 6, 7],
            "the loose list, its paragraphs and code, its inner list"
        );
        let code = code_blocks(text);
        assert_eq!(code.iter().map(|c| c.line).collect::<Vec<_>>(), [3, 11]);
        assert_eq!(&text[code[0].body_range.clone()], "  fn a() {}\n");
    }

    #[test]
    fn headings_give_their_text_as_written() {
        let text = "## `block_on` and *you* ##\n\n### Tagged {#tag}\n\nSetext\n===\n\n#\n";
        let headings: Vec<(usize, String)> = blocks(text)
            .into_iter()
            .filter_map(|block| match block.kind {
                BlockKind::Heading { level, text } => Some((level, text)),
                _ => None,
            })
            .collect();
        assert_eq!(
            headings,
            [
                (2, "`block_on` and *you*".to_string()),
                (3, "Tagged".to_string()),
                (1, "Setext".to_string()),
                (1, String::new()),
            ]
        );
    }

    #[test]
    fn an_html_block_ends_at_a_blank_line() {
        let text = "<details class=\"notes\">\n<summary>Notes · 2 min</summary>\n\nSay it.\n\n</details>\n";
        assert_eq!(kinds(text), [(1, "html"), (4, "paragraph"), (6, "html")]);
    }

    #[test]
    fn whole_lines_keep_indentation_and_drop_the_newline() {
        let text = "ab\n  cd\nef";
        assert_eq!(whole_lines(text, 5..6), 3..7);
        assert_eq!(
            whole_lines(text, 3..8),
            3..7,
            "a range ending with its newline"
        );
        assert_eq!(
            whole_lines(text, 9..10),
            8..10,
            "the last line has no newline"
        );
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
        let error = resolve_include(&markdown_folder.join("chapter.md"), &include).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert!(
            error.message.contains("has no `// ANCHOR: …_solution`"),
            "{error}"
        );
    }

    #[test]
    fn a_folder_that_cannot_be_listed_is_named_without_a_line() {
        let root = std::env::temp_dir().join(format!("mdsnippets-absent-{}", std::process::id()));
        let problem = book_markdown_files(&root).unwrap_err();
        assert_eq!((problem.file, problem.line), (root.join("src"), 0));
        let shown =
            Problem::new("src", 0, "cannot list the folder's markdown files: gone").to_string();
        assert_eq!(shown, "src: cannot list the folder's markdown files: gone");
    }

    #[test]
    fn replacing_includes_leaves_escaped_ones_and_the_text_around() {
        let text = "a \\{{#include x.rs}} b {{#include y.rs}} c {{#title T}}";
        let expanded = replace_includes(text, |include| Ok(format!("<{}>", include.path)));
        assert_eq!(
            expanded.unwrap(),
            "a \\{{#include x.rs}} b <y.rs> c {{#title T}}"
        );
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

    #[test]
    fn only_complete_programs_on_playground_crates_are_runnable_and_all_of_them_are() {
        let markdown = "# T\n\n\
            ```rust,mdbook-runnable\nuse std::panic;\nfn main() { panic::set_hook(Box::new(|_| {})); }\n```\n\n\
            ```rust,mdbook-runnable\n#[tokio::main]\nasync fn main() { chapters_code::run().await }\n```\n\n\
            ```rust,mdbook-runnable\nlet x = 1;\n```\n\n\
            ```rust\nfn main() { rayon::join(|| 1, || 2); }\n```\n\n\
            ```rust,mdbook-runnable\n{{#include code.rs:a}}\n```\n\n\
            ```rust\nfn main() { chapters_code::run(); }\n```\n";
        let found = problems_of(
            markdown,
            &[("code.rs", "// ANCHOR: a\nfn a() {}\n// ANCHOR_END: a\n")],
        );
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(
            found[0].starts_with("8: ")
                && found[0].contains("uses chapters_code, which the playground does not offer"),
            "{}",
            found[0]
        );
        assert!(
            found[1].starts_with("13: ") && found[1].contains("has no `fn main()`"),
            "{}",
            found[1]
        );
        assert!(
            found[2].starts_with("17: ") && found[2].contains("mark it ```rust,mdbook-runnable"),
            "{}",
            found[2]
        );
        assert!(
            found[3].starts_with("21: ") && found[3].contains("includes code from chapters-code"),
            "{}",
            found[3]
        );
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
        let markdown = "# Ch\n\n```rust\n{{#include code.rs:spawn_fn}}\n```\n\n```rust,mdbook-runnable\nfn main() {}\n```\n\n```text\nout\n```\n";
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

    #[test]
    fn a_listing_drops_doc_comments_and_names_its_file() {
        let root = std::env::temp_dir().join(format!("mdsnippets-listing-{}", std::process::id()));
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::create_dir_all(root.join("code")).unwrap();
        std::fs::write(
            root.join("code/lib.rs"),
            "// ANCHOR: spawn_fn\n/// Spawns.\n/// ```\n/// spawn();\n/// ```\npub fn spawn() {\n    // ANCHOR: spawn_fn_slide\n    go();\n    // ANCHOR_END: spawn_fn_slide\n}\n// ANCHOR_END: spawn_fn\n",
        )
        .unwrap();
        let page = root.join("src/page.md");
        let markdown =
            "# Page\n\n- a step:\n\n  ```rust\n  {{#include ../code/lib.rs:spawn_fn}}\n  ```\n";
        let book = ListingStyle {
            caption: true,
            slide_excerpt: false,
        };
        let (shown, listings) = expand_listings(&root, &page, markdown, book).unwrap();
        let slide = ListingStyle {
            caption: false,
            slide_excerpt: true,
        };
        let (on_slide, _) = expand_listings(&root, &page, markdown, slide).unwrap();
        let broken = expand_listings(&root, &page, &markdown.replace("spawn_fn}", "spawn}"), book);
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(
            shown,
            "# Page\n\n- a step:\n\n  <p class=\"listing-caption\">Filename: <code>code/lib.rs</code></p>\n\n  ```rust\n  pub fn spawn() {\n      go();\n  }\n  ```\n"
        );
        assert_eq!(listings[0].files, [PathBuf::from("code/lib.rs")]);
        assert_eq!(listings[0].line, 5);
        assert!(on_slide.contains("```rust\n  go();\n  ```"), "{on_slide}");
        let problems = broken.unwrap_err();
        assert_eq!(problems[0].line, 6);
        assert!(
            problems[0].message.contains("anchor `spawn` not found"),
            "{}",
            problems[0]
        );
    }
}
