//! A concurrency gauge: proves overlap by observation instead of by timing.

use std::collections::HashSet;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, ThreadId};
use std::time::Duration;

use tokio::sync::watch;

/// Which thread ran one job, as recorded by [`ConcurrencyGauge::enter`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobThread {
    /// The job's index, as the runner passed it to the job.
    pub job: usize,
    /// The thread the job started on.
    pub thread: ThreadId,
    /// That thread's name, if it has one (`smol-1`, `main`, …).
    pub thread_name: Option<String>,
}

#[derive(Default)]
struct Counts {
    in_flight: usize,
    peak: usize,
    job_threads: Vec<JobThread>,
}

/// Counts the jobs in flight, remembers the highest count it ever saw, and
/// records which thread ran each job.
///
/// Timing a run says *how long* it took; on a loaded machine that figure
/// wobbles, so the book's tests ask the gauge *how many jobs overlapped*
/// instead. A job calls [`enter`](Self::enter) when it starts and drops the
/// returned [`InFlight`] guard when it ends.
///
/// To make overlap deterministic, a job can also wait until enough peers are in
/// flight: [`wait_for_peak`](Self::wait_for_peak) blocks the thread (for
/// threads, rayon and `spawn_blocking`), [`peak_reached`](Self::peak_reached)
/// awaits (for async tasks sharing one thread). Both give up eventually, so a
/// runner that cannot overlap fails a test instead of hanging it.
///
/// ```
/// use chapters_code::ch01_concurrency_vs_parallelism::ConcurrencyGauge;
///
/// let gauge = ConcurrencyGauge::new();
/// let first = gauge.enter(0);
/// let second = gauge.enter(1);
/// assert_eq!(gauge.in_flight(), 2);
/// drop((first, second));
/// let _third = gauge.enter(2);
/// assert_eq!(gauge.in_flight(), 1);
/// assert_eq!(gauge.peak(), 2);
/// ```
pub struct ConcurrencyGauge {
    counts: Mutex<Counts>,
    peak_grew: Condvar,
    // A second wake-up path for async waiters: blocking on the condvar would
    // stall the very thread the other tasks need to run on.
    peak_watch: watch::Sender<usize>,
}

impl Default for ConcurrencyGauge {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for ConcurrencyGauge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let counts = self.counts();
        f.debug_struct("ConcurrencyGauge")
            .field("in_flight", &counts.in_flight)
            .field("peak", &counts.peak)
            .field("jobs_entered", &counts.job_threads.len())
            .finish()
    }
}

/// Proof that a job is in flight; the gauge counts it until the guard drops.
#[must_use = "the job stops counting as in flight as soon as the guard is dropped"]
#[derive(Debug)]
pub struct InFlight<'gauge> {
    gauge: &'gauge ConcurrencyGauge,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.gauge.counts().in_flight -= 1;
    }
}

impl ConcurrencyGauge {
    /// An empty gauge: nothing in flight, peak zero.
    pub fn new() -> Self {
        Self {
            counts: Mutex::new(Counts::default()),
            peak_grew: Condvar::new(),
            peak_watch: watch::Sender::new(0),
        }
    }

    // A panicking job must not turn every later reading into a second panic.
    fn counts(&self) -> MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Marks job `job` as started on the current thread; it counts as in
    /// flight until the returned guard is dropped.
    ///
    /// ```
    /// use chapters_code::ch01_concurrency_vs_parallelism::ConcurrencyGauge;
    ///
    /// let gauge = ConcurrencyGauge::new();
    /// {
    ///     let _running = gauge.enter(7);
    ///     assert_eq!(gauge.in_flight(), 1);
    /// }
    /// assert_eq!(gauge.in_flight(), 0);
    /// assert_eq!(gauge.job_threads()[0].job, 7);
    /// ```
    pub fn enter(&self, job: usize) -> InFlight<'_> {
        let current = thread::current();
        let mut counts = self.counts();
        counts.in_flight += 1;
        counts.job_threads.push(JobThread {
            job,
            thread: current.id(),
            thread_name: current.name().map(str::to_owned),
        });
        if counts.in_flight > counts.peak {
            counts.peak = counts.in_flight;
            let peak = counts.peak;
            drop(counts);
            self.peak_grew.notify_all();
            self.peak_watch.send_replace(peak);
        }
        InFlight { gauge: self }
    }

    /// How many jobs are in flight right now.
    pub fn in_flight(&self) -> usize {
        self.counts().in_flight
    }

    /// The most jobs that were ever in flight at the same time.
    pub fn peak(&self) -> usize {
        self.counts().peak
    }

    /// Every job that entered the gauge and the thread it ran on, sorted by job
    /// index.
    pub fn job_threads(&self) -> Vec<JobThread> {
        let mut job_threads = self.counts().job_threads.clone();
        job_threads.sort_by_key(|run| run.job);
        job_threads
    }

    /// How many different threads ran the jobs.
    ///
    /// ```
    /// use chapters_code::ch01_concurrency_vs_parallelism::ConcurrencyGauge;
    ///
    /// let gauge = ConcurrencyGauge::new();
    /// drop(gauge.enter(0));
    /// std::thread::scope(|scope| {
    ///     scope.spawn(|| drop(gauge.enter(1)));
    /// });
    /// assert_eq!(gauge.distinct_threads(), 2);
    /// ```
    pub fn distinct_threads(&self) -> usize {
        let threads: HashSet<ThreadId> = self
            .counts()
            .job_threads
            .iter()
            .map(|run| run.thread)
            .collect();
        threads.len()
    }

    /// Blocks the calling thread until at least `target` jobs have been in
    /// flight at once, or until `timeout` passes. Returns whether the peak was
    /// reached.
    ///
    /// Use it from jobs that each own a thread; a job that blocks here on a
    /// pool with fewer threads than `target` waits for the whole timeout.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chapters_code::ch01_concurrency_vs_parallelism::ConcurrencyGauge;
    ///
    /// let gauge = ConcurrencyGauge::new();
    /// let met = std::thread::scope(|scope| {
    ///     let meet = |job| {
    ///         let _running = gauge.enter(job);
    ///         gauge.wait_for_peak(2, Duration::from_secs(10))
    ///     };
    ///     let first = scope.spawn(move || meet(0));
    ///     let second = scope.spawn(move || meet(1));
    ///     [first.join().unwrap(), second.join().unwrap()]
    /// });
    /// assert_eq!(met, [true, true]);
    /// ```
    pub fn wait_for_peak(&self, target: usize, timeout: Duration) -> bool {
        let counts = self.counts();
        let (counts, _timed_out) = self
            .peak_grew
            .wait_timeout_while(counts, timeout, |counts| counts.peak < target)
            .unwrap_or_else(PoisonError::into_inner);
        counts.peak >= target
    }

    /// Completes once at least `target` jobs have been in flight at once,
    /// without blocking the thread, so tasks sharing one thread can meet.
    ///
    /// It works on any executor (tokio's `watch` channel needs no tokio
    /// runtime). It never gives up on its own: race it against a timer.
    ///
    /// ```
    /// use chapters_code::ch01_concurrency_vs_parallelism::ConcurrencyGauge;
    ///
    /// let gauge = ConcurrencyGauge::new();
    /// let _running = gauge.enter(0);
    /// futures::executor::block_on(gauge.peak_reached(1));
    /// ```
    pub async fn peak_reached(&self, target: usize) {
        let mut peak = self.peak_watch.subscribe();
        // The sender lives as long as `self`, so the channel cannot close here.
        let _ = peak.wait_for(|&peak| peak >= target).await;
    }
}
