//! The "Which runtime" appendix: one small program written for four
//! runtimes. Each version waits on a timer, spawns an echo server task,
//! talks to it over loopback TCP, and hands a blocking call to a thread made
//! for blocking, so the versions differ only where the runtimes do.
//!
//! - [`on_tokio`], [`on_smol`], [`on_futures_executor`];
//! - `on_async_std`, only with `--features async-std`: async-std is
//!   discontinued upstream (its maintainers point to smol, and
//!   RUSTSEC-2025-0052 marks it unmaintained), so the default build leaves it
//!   out.

#[cfg(feature = "async-std")]
mod on_async_std;
mod on_futures_executor;
mod on_smol;
mod on_tokio;

#[cfg(feature = "async-std")]
pub use on_async_std::run_on_async_std;
pub use on_futures_executor::run_on_futures_executor;
pub use on_smol::run_on_smol;
pub use on_tokio::run_on_tokio;

use std::time::Duration;

/// What every version sends to its echo server.
pub const GREETING: &[u8] = b"hello from the client";

/// How long every version waits on its timer before connecting.
pub const PAUSE: Duration = Duration::from_millis(20);

/// What one run of the program saw, the same on every runtime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The bytes the echo server sent back.
    pub echoed: Vec<u8>,
    /// What the blocking call computed from them.
    pub digest: u64,
}

/// The blocking call every version must keep off its async threads: it
/// sleeps like a call into a blocking library, then folds the bytes.
///
/// ```
/// use chapters_code::which_runtime::blocking_digest;
///
/// assert_eq!(blocking_digest(b""), 0xcbf2_9ce4_8422_2325);
/// assert_ne!(blocking_digest(b"a"), blocking_digest(b"b"));
/// ```
pub fn blocking_digest(bytes: &[u8]) -> u64 {
    std::thread::sleep(Duration::from_millis(5));
    // FNV-1a: any fold would do, this one is short and order-sensitive.
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
