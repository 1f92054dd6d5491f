//! The timing table as data: what `ch01_five_jobs --json` prints and what the
//! book's table generator reads back.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::variants::Variant;

/// One run of the five-jobs experiment: every variant on both workloads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimingReport {
    /// How many jobs each variant ran.
    pub jobs: usize,
    /// The cores available to the program (the bounds assume this many).
    pub cores: usize,
    /// How long one sleep-bound job waits, in milliseconds.
    pub sleep_job_ms: f64,
    /// How long one CPU-bound job took alone, in milliseconds (measured).
    pub cpu_job_ms: f64,
    /// One row per variant, in the order of [`Variant::ALL`].
    pub rows: Vec<TimingRow>,
}

/// One variant's figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimingRow {
    /// The variant's [`Variant::id`].
    pub variant: String,
    /// The variant's [`Variant::label`].
    pub label: String,
    /// The sleep-bound workload.
    pub sleep: Timing,
    /// The CPU-bound workload.
    pub cpu: Timing,
}

/// A measured time beside the best time possible.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Wall-clock time of all the jobs, in milliseconds.
    pub measured_ms: f64,
    /// The lower bound for this variant, in milliseconds.
    pub bound_ms: f64,
}

impl Timing {
    /// A timing from durations.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chapters_code::ch01_concurrency_vs_parallelism::Timing;
    ///
    /// let timing = Timing::new(Duration::from_micros(1_000_250), Duration::from_secs(1));
    /// assert_eq!(timing.measured_ms, 1000.25);
    /// assert_eq!(timing.bound_ms, 1000.0);
    /// ```
    pub fn new(measured: Duration, bound: Duration) -> Self {
        Self {
            measured_ms: milliseconds(measured),
            bound_ms: milliseconds(bound),
        }
    }
}

impl TimingRow {
    /// The row for `variant`, with its id and label filled in.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chapters_code::ch01_concurrency_vs_parallelism::{Timing, TimingRow, Variant};
    ///
    /// let second = Timing::new(Duration::from_secs(1), Duration::from_secs(1));
    /// let row = TimingRow::new(Variant::Sequential, second, second);
    /// assert_eq!(row.variant, "sequential");
    /// ```
    pub fn new(variant: Variant, sleep: Timing, cpu: Timing) -> Self {
        Self {
            variant: variant.id().to_owned(),
            label: variant.label().to_owned(),
            sleep,
            cpu,
        }
    }
}

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
