//! Durations as the chapter's tables show them.

use std::time::Duration;

/// A duration in milliseconds, as a float.
///
/// ```
/// use std::time::Duration;
/// use chapters_code::ch01_concurrency_vs_parallelism::milliseconds;
///
/// assert_eq!(milliseconds(Duration::from_micros(1_500)), 1.5);
/// ```
pub fn milliseconds(duration: Duration) -> f64 {
    // One division from whole nanoseconds rounds once; `as_secs_f64() * 1000.0`
    // rounds twice and turns 1000.25 into 1000.2499999999999.
    duration.as_nanos() as f64 / 1e6
}
