//! Measured data as kept in `src/generated/*.json`: what was measured, on
//! which machine, by which command, in which build profile. Tables and
//! timelines are rendered from these files alone, so a change of colour,
//! caption or column needs no new measurement.

use std::path::Path;

use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::Mode;
use crate::chapters::{Book, Chapter};
use crate::cli::Generate;
use crate::machine::Machine;

/// The profile every measurement is made in: figures from a debug build
/// would say nothing about the code.
pub const PROFILE: &str = "release";

/// One data file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataFile<T> {
    /// What made the file: JSON has no comments, so the first field says it.
    pub generated: String,
    /// The command that measures it again (`cargo xtask tables ch01`).
    pub measured_by: String,
    /// The cargo profile of the measuring build.
    pub profile: String,
    /// Where and when.
    pub machine: Machine,
    /// The measurements.
    pub data: T,
}

impl<T: Serialize> DataFile<T> {
    /// Wraps freshly measured `data`.
    pub fn new(measured_by: &str, render_command: &str, machine: Machine, data: T) -> Self {
        Self {
            generated: format!(
                "measured by `{measured_by}`: do not edit by hand; `{render_command}` renders what is made from it"
            ),
            measured_by: measured_by.to_owned(),
            profile: PROFILE.to_owned(),
            machine,
            data,
        }
    }

    /// The file's text: pretty JSON, one trailing newline.
    pub fn to_json(&self) -> Result<String> {
        Ok(serde_json::to_string_pretty(self).context("serialising measured data")? + "\n")
    }
}

/// Reads the data file `relative` (under `root`); `measure` is the command
/// that makes it, for the error when it is missing.
pub fn read<T: DeserializeOwned>(
    root: &Path,
    relative: &str,
    measure: &str,
) -> Result<DataFile<T>> {
    let text = match std::fs::read_to_string(root.join(relative)) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            anyhow::bail!("{relative} is missing: run `{measure}` and commit the result")
        }
        Err(error) => return Err(error).with_context(|| format!("reading {relative}")),
    };
    serde_json::from_str(&text).with_context(|| {
        format!("{relative} is not valid measured data: run `{measure}` and commit the result")
    })
}

/// What `cargo xtask tables` and `cargo xtask timelines` share: measure the
/// chapters named (every chapter when none is), keeping each one's data,
/// then render from the data; with `--render` only render, with `--check`
/// only compare. `measure` returns whether the chapter has any such
/// material; `what` names it in the error for a chapter without any.
pub fn generate(
    book: &Book,
    args: &Generate,
    what: &str,
    mut measure: impl FnMut(&Chapter) -> Result<bool>,
    render: impl FnOnce(&Path, &[&Chapter], Mode) -> Result<()>,
) -> Result<()> {
    book.check_registry()?;
    let chapters = book.select(args.chapter.as_deref())?;
    if !args.render && !args.check {
        let mut measured = false;
        for chapter in &chapters {
            measured |= measure(chapter)?;
        }
        anyhow::ensure!(
            measured || args.chapter.is_none(),
            "chapter {} declares no {what} in chapters-code/src/registry.rs",
            chapters[0].slug
        );
    }
    let mode = if args.check { Mode::Check } else { Mode::Write };
    render(&book.root, &chapters, mode)
}

/// Compares every committed rendering with what its data renders to (what
/// `cargo test` runs).
pub fn check(
    book: &Book,
    render: impl FnOnce(&Path, &[&Chapter], Mode) -> Result<()>,
) -> Result<()> {
    book.check_registry()?;
    let chapters: Vec<&Chapter> = book.chapters.iter().collect();
    render(&book.root, &chapters, Mode::Check)
}
