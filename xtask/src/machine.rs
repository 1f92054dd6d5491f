//! The machine a measurement was made on, kept beside the figures so that a
//! table or a timeline can say where it comes from.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// The crates whose versions the figures depend on.
const MEASURED_CRATES: [&str; 3] = ["tokio", "rayon", "smol"];

/// Where and when something was measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// Cores available to the measuring process.
    pub cores: usize,
    /// The CPU model as the OS names it.
    pub cpu_model: String,
    /// The operating system and kernel.
    pub os: String,
    /// `rustc --version`.
    pub rustc: String,
    /// The versions of [`MEASURED_CRATES`] in `Cargo.lock`.
    pub crates: BTreeMap<String, String>,
    /// The day of the measurement (`YYYY-MM-DD`).
    pub date: String,
}

impl Machine {
    /// Describes this machine, with the crate versions of the book under `root`.
    pub fn this_one(root: &Path) -> Result<Machine> {
        Ok(Machine {
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            cpu_model: cpu_model(),
            os: operating_system(),
            rustc: rustc_version()?,
            crates: locked_versions(root)?,
            date: chrono::Local::now().date_naive().to_string(),
        })
    }

    /// `2 cores (AMD EPYC 7B13), Debian GNU/Linux 12 (bookworm), rustc 1.95.0
    /// (…), tokio 1.48.0, rayon 1.11.0, smol 2.0.2, 2026-12-01`.
    pub fn describe(&self) -> String {
        let crates: Vec<String> = self
            .crates
            .iter()
            .map(|(name, version)| format!("{name} {version}"))
            .collect();
        format!(
            "{} cores ({}), {}, {}, {}, {}",
            self.cores,
            self.cpu_model,
            self.os,
            self.rustc,
            crates.join(", "),
            self.date
        )
    }
}

/// The CPU model as the OS names it.
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|line| {
                let (_, model) = line.strip_prefix("model name")?.split_once(':')?;
                Some(model.trim().to_string())
            })
        })
        .unwrap_or_else(|| format!("unknown {} CPU", std::env::consts::ARCH))
}

fn operating_system() -> String {
    let name = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|release| {
            release.lines().find_map(|line| {
                Some(
                    line.strip_prefix("PRETTY_NAME=")?
                        .trim_matches('"')
                        .to_string(),
                )
            })
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string());
    match std::fs::read_to_string("/proc/sys/kernel/osrelease") {
        Ok(kernel) => format!("{name}, kernel {}", kernel.trim()),
        Err(_) => name,
    }
}

fn rustc_version() -> Result<String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let output = Command::new(&rustc)
        .arg("--version")
        .output()
        .with_context(|| format!("running `{rustc} --version`: is Rust installed?"))?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The locked versions of the measured crates (several versions of one crate
/// are joined with `/`).
fn locked_versions(root: &Path) -> Result<BTreeMap<String, String>> {
    #[derive(Deserialize)]
    struct Lock {
        package: Vec<Package>,
    }
    #[derive(Deserialize)]
    struct Package {
        name: String,
        version: String,
    }
    let path = root.join("Cargo.lock");
    let text = std::fs::read_to_string(&path).context("reading Cargo.lock")?;
    let lock: Lock = toml::from_str(&text).context("reading Cargo.lock")?;
    let mut versions = BTreeMap::new();
    for name in MEASURED_CRATES {
        let found: Vec<&str> = lock
            .package
            .iter()
            .filter(|package| package.name == name)
            .map(|package| package.version.as_str())
            .collect();
        if !found.is_empty() {
            versions.insert(name.to_string(), found.join("/"));
        }
    }
    Ok(versions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_book_locks_every_measured_crate() {
        let root = crate::repository_root().unwrap();
        let versions = locked_versions(&root).unwrap();
        for name in MEASURED_CRATES {
            assert!(versions.contains_key(name), "{name} is not in Cargo.lock");
        }
    }
}
