//! A local creature service for chapters 5 and 7: an axum server on
//! `127.0.0.1` and an ephemeral port, serving invented creatures with a
//! configurable latency, injected faults and a limit on requests in flight,
//! and a reqwest client whose every failure is a typed [`FetchError`].
//!
//! Its latency is `tokio::time::sleep`, so under tokio's paused clock a test
//! measures it in virtual time. Run it standalone for a workshop with
//! `cargo run -p chapters-code --bin creature-service -- --latency-ms 100`.

pub mod cli;
pub mod client;
pub mod config;
pub mod dataset;
pub mod server;
pub mod stats;

pub use client::{CreatureClient, FetchError};
pub use config::{
    Fault, Faults, Latency, LatencySampler, ServiceConfig, SlowTail,
};
pub use dataset::Creature;
pub use server::{
    CreaturePage, CreatureService, DEFAULT_PER_PAGE, MAX_PER_PAGE, StopSignal,
    router,
};
pub use stats::{Stats, StatsSnapshot};
