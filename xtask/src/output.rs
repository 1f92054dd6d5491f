//! The one way generators write their files: only when the content changed
//! (so that timestamps and `git status` stay quiet), or, in [`Mode::Check`],
//! not at all, collecting every stale file for one error that names the
//! command that fixes them.

use std::path::Path;

use anyhow::{Context, Result, ensure};

use crate::Mode;

/// The files one generator produces in one run.
pub struct Outputs<'a> {
    root: &'a Path,
    mode: Mode,
    command: String,
    stale: Vec<String>,
}

impl<'a> Outputs<'a> {
    /// Files under `root`, written (or checked) as `command` writes them.
    pub fn new(root: &'a Path, mode: Mode, command: &str) -> Self {
        Self {
            root,
            mode,
            command: command.to_owned(),
            stale: Vec::new(),
        }
    }

    /// Writes `contents` to `relative` (under the root) if it differs from
    /// what is there; in check mode, notes the file as stale instead.
    pub fn put(&mut self, relative: &str, contents: String) -> Result<()> {
        let path = self.root.join(relative);
        if std::fs::read_to_string(&path).is_ok_and(|old| old == contents) {
            return Ok(());
        }
        match self.mode {
            Mode::Check => self.stale.push(relative.to_owned()),
            Mode::Write => {
                if let Some(folder) = path.parent() {
                    std::fs::create_dir_all(folder)
                        .with_context(|| format!("creating {}", folder.display()))?;
                }
                std::fs::write(&path, contents).with_context(|| format!("writing {relative}"))?;
                println!("wrote {relative}");
            }
        }
        Ok(())
    }

    /// In check mode, fails naming every stale file and the command that
    /// makes them anew.
    pub fn finish(self) -> Result<()> {
        ensure!(
            self.stale.is_empty(),
            "stale or missing: {}: run `{}` and commit the result",
            self.stale.join(", "),
            self.command
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_files_are_written_and_check_mode_names_the_stale_ones() {
        let root = std::env::temp_dir().join(format!("xtask-output-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("same.md"), "same").unwrap();
        let mut check = Outputs::new(&root, Mode::Check, "cargo xtask demo");
        check.put("same.md", "same".into()).unwrap();
        check.put("new/other.md", "new".into()).unwrap();
        let error = check.finish().unwrap_err().to_string();
        assert_eq!(
            error,
            "stale or missing: new/other.md: run `cargo xtask demo` and commit the result"
        );
        assert!(
            !root.join("new/other.md").exists(),
            "check mode writes nothing"
        );

        let mut write = Outputs::new(&root, Mode::Write, "cargo xtask demo");
        write.put("new/other.md", "new".into()).unwrap();
        write.finish().unwrap();
        let written = std::fs::read_to_string(root.join("new/other.md")).unwrap();
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(written, "new");
    }
}
