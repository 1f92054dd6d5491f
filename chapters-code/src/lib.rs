//! Every Rust snippet of *Async versus Parallelism in Rust*, the book.
//!
//! Each chapter is one module. The book shows parts of these files through
//! mdBook anchors (`// ANCHOR: name` … `// ANCHOR_END: name`), so what a reader
//! sees is exactly what `cargo test` compiles and runs.
#![deny(missing_docs)]

pub mod ch01_concurrency_vs_parallelism;
pub mod ch02_bit_level_basics;
pub mod ch03_event_loop_internals;
pub mod ch04_async_code_smells;
pub mod ch05_gather;
pub mod ch06_pipelines;
pub mod ch07_semaphores;
pub mod ch08_fork_safety;
pub mod creature_service;
pub mod measured;
pub mod registry;
pub mod sync_async_bridges;
pub mod timeline;
pub mod which_runtime;
