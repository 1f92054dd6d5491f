//! Chapter 8, *Fork-safety pitfalls*: what `fork` copies and what it does
//! not, each pitfall shown in a bounded child process, and the safe patterns.
//!
//! - [`child`]: forking with a pipe each way, the child's async-signal-safe
//!   side, and the parent's bounded watch over the child.
//! - [`pitfalls`]: one thread survives, a held mutex stays held, tokio's and
//!   rayon's workers are gone, a pid-keyed cache empties itself, and a
//!   `pre_exec` closure that takes a lock; the helper binary
//!   `fork-pitfalls` runs each in a process of its own.
//! - [`patterns`]: a child started with `Command` and handed a description
//!   of its work, threads where they suffice, a sound `pre_exec`.
//! - The exercise: [`CacheConfig`], the description a child builds its
//!   [`ConnectionCache`] from.
//!
//! `fork` exists only on Unix (the `nix` crate is empty elsewhere), so the
//! first three modules are compiled there alone; the exercise everywhere.

#[cfg(unix)]
pub mod child;
mod exercise;
#[cfg(unix)]
pub mod patterns;
#[cfg(unix)]
pub mod pitfalls;

pub use exercise::{CacheConfig, Connection, ConnectionCache};

use crate::registry::ChapterMaterial;

/// What the chapter publishes: no table and no timeline (its results are
/// outcomes, not timings).
pub const MATERIAL: ChapterMaterial = ChapterMaterial {
    key: "ch08",
    tables: &[],
    timelines: None,
    benches: &[],
};
