//! Timelines from real runs: which job ran when, and on which thread.
//!
//! [`Timeline::record`] runs a closure and returns what it returned together
//! with a [`Timeline`]: one [`Segment`] per stretch of time a thread spent
//! inside a job. Chapters draw them as pictures (`cargo xtask timelines`).
//!
//! # How it records
//!
//! Each job runs inside a [`tracing`] span with a `job` field, its index. A
//! custom [`tracing_subscriber::Layer`] notes when a thread enters such a span
//! and, when the thread exits it, stores a segment: the thread, the job, the
//! start and the end. A blocking job is entered once, so it is one segment. An
//! async job is entered on every poll, so a task that sleeps shows as short
//! slices with a gap between them: during the gap it held no thread at all.
//!
//! # Why jobs go through a [`Recorder`]
//!
//! `record` installs its subscriber with
//! [`tracing::dispatcher::with_default`], which is *thread-local*: a span
//! created on a std thread, a rayon worker or a tokio worker would find no
//! subscriber there and be disabled. But a span remembers the subscriber that
//! created it and reports every enter and exit to that subscriber, whichever
//! thread they happen on. So the closure receives a [`Recorder`], a
//! `Clone + Send + Sync` handle that creates each job's span under the
//! recording's subscriber; the job may then run on any thread. No pool or
//! runtime needs configuring, and recordings made at the same time (parallel
//! tests) never see each other's spans.
//!
//! Spans created directly on the recording thread, such as
//! `tracing::info_span!("job", job = 3)`, are recorded too.
//!
//! # Lanes
//!
//! A segment's lane names its thread: the thread's name (`main`, `smol-1`),
//! `rayon N` for worker `N` of a rayon pool, `thread` for other unnamed
//! threads. When several threads share a name (every tokio worker is called
//! `tokio-rt-worker`), they are numbered from 1 in order of first use.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Dispatch, Span, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// One stretch of time a thread spent inside one job, relative to the start of
/// the recording.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// The thread it ran on: `main`, `tokio-rt-worker 2`, `rayon 0`, …
    pub lane: String,
    /// The job's index.
    pub job: usize,
    /// When the thread entered the job.
    pub start: Duration,
    /// When the thread left it: the job finished, or (for a task) its poll
    /// returned.
    pub end: Duration,
}

/// Which jobs ran when, and on which threads, during one recording.
///
/// ```
/// use chapters_code::timeline::Timeline;
///
/// let (sum, timeline) = Timeline::record(|recorder| {
///     std::thread::scope(|scope| {
///         let left = scope.spawn(|| recorder.run_job(0, || 1 + 1));
///         let right = scope.spawn(|| recorder.run_job(1, || 2 + 2));
///         left.join().unwrap() + right.join().unwrap()
///     })
/// });
/// assert_eq!(sum, 6);
/// assert_eq!(timeline.jobs(), [0, 1]);
/// assert_eq!(timeline.lanes().len(), 2);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timeline {
    segments: Vec<Segment>,
}

impl Timeline {
    /// Runs `run`, recording every job it runs through the [`Recorder`] it is
    /// given (on any thread) and every `job` span entered on this thread.
    ///
    /// Only finished segments count: a job still running on a detached thread
    /// when `run` returns is left out.
    ///
    /// ```
    /// use chapters_code::timeline::Timeline;
    ///
    /// let ((), timeline) = Timeline::record(|_| {
    ///     tracing::info_span!("job", job = 3).in_scope(|| ());
    /// });
    /// assert_eq!(timeline.segments()[0].job, 3);
    /// assert_eq!(timeline.lanes(), [std::thread::current().name().unwrap()]);
    /// ```
    pub fn record<T>(run: impl FnOnce(&Recorder) -> T) -> (T, Timeline) {
        let finished = Arc::new(Mutex::new(Vec::new()));
        let layer = SegmentLayer {
            origin: Instant::now(),
            finished: Arc::clone(&finished),
        };
        let recorder = Recorder {
            dispatch: Dispatch::new(tracing_subscriber::registry().with(layer)),
        };
        let output =
            tracing::dispatcher::with_default(&recorder.dispatch, || {
                run(&recorder)
            });
        // Clones of the recorder may outlive the recording: take what is there now.
        let finished = std::mem::take(
            &mut *finished.lock().unwrap_or_else(PoisonError::into_inner),
        );
        (output, Timeline::from_segments(label_lanes(finished)))
    }

    /// A timeline made of `segments`, for drawing or testing without a run.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chapters_code::timeline::{Segment, Timeline};
    ///
    /// let ms = Duration::from_millis;
    /// let timeline = Timeline::from_segments(vec![
    ///     Segment { lane: "b".into(), job: 1, start: ms(5), end: ms(9) },
    ///     Segment { lane: "a".into(), job: 0, start: ms(0), end: ms(4) },
    /// ]);
    /// assert_eq!(timeline.lanes(), ["a", "b"]);
    /// assert_eq!(timeline.end(), ms(9));
    /// ```
    pub fn from_segments(mut segments: Vec<Segment>) -> Timeline {
        segments
            .sort_by_key(|segment| (segment.start, segment.end, segment.job));
        Timeline { segments }
    }

    /// Every segment, in order of start.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The lanes (threads), each once, sorted by name with a trailing number
    /// read as a number: `rayon 0` before `rayon 1`, `thread 9` before
    /// `thread 10`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chapters_code::timeline::{Segment, Timeline};
    ///
    /// let lane = |lane: &str| Segment { lane: lane.into(), job: 0, start: Duration::ZERO, end: Duration::ZERO };
    /// let timeline = Timeline::from_segments(vec![lane("thread 10"), lane("main"), lane("thread 9"), lane("main")]);
    /// assert_eq!(timeline.lanes(), ["main", "thread 9", "thread 10"]);
    /// ```
    pub fn lanes(&self) -> Vec<&str> {
        let mut lanes: Vec<&str> = self
            .segments
            .iter()
            .map(|segment| segment.lane.as_str())
            .collect();
        lanes.sort_by_key(|lane| lane_order(lane));
        lanes.dedup();
        lanes
    }

    /// The indices of the jobs that ran, sorted, each once.
    pub fn jobs(&self) -> Vec<usize> {
        let mut jobs: Vec<usize> =
            self.segments.iter().map(|segment| segment.job).collect();
        jobs.sort_unstable();
        jobs.dedup();
        jobs
    }

    /// When each job's first segment began and its last one ended, in the
    /// order of [`jobs`](Self::jobs): a request's whole span, however many
    /// polls it took.
    pub fn job_extents(&self) -> Vec<(Duration, Duration)> {
        self.jobs()
            .into_iter()
            .map(|job| {
                let polls = self.segments.iter().filter(|s| s.job == job);
                let start = polls.clone().map(|s| s.start).min();
                let end = polls.map(|s| s.end).max();
                (start.unwrap_or_default(), end.unwrap_or_default())
            })
            .collect()
    }

    /// When the last segment ended (zero for an empty timeline).
    pub fn end(&self) -> Duration {
        self.segments
            .iter()
            .map(|segment| segment.end)
            .max()
            .unwrap_or_default()
    }
}

/// The handle through which a recorded closure runs its jobs, from any thread.
/// See the [module documentation](self) for why it is needed.
#[derive(Clone, Debug)]
pub struct Recorder {
    dispatch: Dispatch,
}

impl Recorder {
    /// Runs `work` on the calling thread as job `job`: one segment.
    ///
    /// ```
    /// use chapters_code::timeline::Timeline;
    ///
    /// let (_, timeline) = Timeline::record(|recorder| {
    ///     (0..3).map(|job| recorder.run_job(job, || job * 2)).sum::<usize>()
    /// });
    /// assert_eq!(timeline.segments().len(), 3);
    /// ```
    pub fn run_job<T>(&self, job: usize, work: impl FnOnce() -> T) -> T {
        self.job_span(job).in_scope(work)
    }

    /// Wraps `future` as job `job`: every poll becomes one segment, on the
    /// thread that polls it. Spawn the result like the future itself.
    ///
    /// ```
    /// use chapters_code::timeline::Timeline;
    ///
    /// let (answer, timeline) = Timeline::record(|recorder| {
    ///     futures::executor::block_on(recorder.job_future(7, async { 42 }))
    /// });
    /// assert_eq!(answer, 42);
    /// assert_eq!(timeline.jobs(), [7]);
    /// ```
    pub fn job_future<F: Future>(
        &self,
        job: usize,
        future: F,
    ) -> impl Future<Output = F::Output> + use<F> {
        let span = self.job_span(job);
        async move {
            let mut future = std::pin::pin!(future);
            std::future::poll_fn(|context| {
                span.in_scope(|| future.as_mut().poll(context))
            })
            .await
        }
    }

    fn job_span(&self, job: usize) -> Span {
        tracing::dispatcher::with_default(&self.dispatch, || {
            tracing::info_span!("job", job)
        })
    }
}

/// A finished segment before lanes are named: names need every thread seen.
struct ThreadSegment {
    thread: ThreadId,
    thread_name: String,
    job: usize,
    start: Duration,
    end: Duration,
}

/// Span extension: the span is a job, with this index.
struct JobIndex(usize);

/// Span extension: the threads inside the span right now, and since when
/// (several, if one span is entered on several threads or re-entered).
struct EnteredOn(Vec<(ThreadId, Instant)>);

struct SegmentLayer {
    origin: Instant,
    finished: Arc<Mutex<Vec<ThreadSegment>>>,
}

impl<S> Layer<S> for SegmentLayer
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
{
    fn on_new_span(
        &self,
        attributes: &Attributes<'_>,
        id: &Id,
        context: Context<'_, S>,
    ) {
        let mut job = JobField(None);
        attributes.record(&mut job);
        if let (Some(job), Some(span)) = (job.0, context.span(id)) {
            span.extensions_mut().insert(JobIndex(job));
        }
    }

    fn on_enter(&self, id: &Id, context: Context<'_, S>) {
        let now = Instant::now();
        let Some(span) = context.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if extensions.get_mut::<JobIndex>().is_none() {
            return;
        }
        let entry = (thread::current().id(), now);
        match extensions.get_mut::<EnteredOn>() {
            Some(entered) => entered.0.push(entry),
            None => extensions.insert(EnteredOn(vec![entry])),
        }
    }

    fn on_exit(&self, id: &Id, context: Context<'_, S>) {
        let now = Instant::now();
        let Some(span) = context.span(id) else { return };
        let mut extensions = span.extensions_mut();
        let Some(&mut JobIndex(job)) = extensions.get_mut::<JobIndex>() else {
            return;
        };
        let Some(entered) = extensions.get_mut::<EnteredOn>() else {
            return;
        };
        let current = thread::current();
        let Some(position) =
            entered.0.iter().rposition(|(on, _)| *on == current.id())
        else {
            return;
        };
        let (_, since) = entered.0.remove(position);
        // A re-entered span is still open on this thread: only the outermost exit ends the segment.
        if entered.0.iter().any(|(on, _)| *on == current.id()) {
            return;
        }
        let segment = ThreadSegment {
            thread: current.id(),
            thread_name: thread_name(&current),
            job,
            start: since.saturating_duration_since(self.origin),
            end: now.saturating_duration_since(self.origin),
        };
        self.finished
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(segment);
    }
}

/// Reads the `job` field of a new span, if it has one that is an index.
struct JobField(Option<usize>);

impl Visit for JobField {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "job" {
            self.0 = usize::try_from(value).ok();
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() == "job" {
            self.0 = usize::try_from(value).ok();
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn fmt::Debug) {}
}

/// Sorts `thread 9` before `thread 10`; the whole name breaks ties, so equal
/// keys are equal lanes.
fn lane_order(lane: &str) -> (&str, Option<u64>, &str) {
    match lane.rsplit_once(' ') {
        Some((name, number)) if number.parse::<u64>().is_ok() => {
            (name, number.parse().ok(), lane)
        }
        _ => (lane, None, lane),
    }
}

const UNNAMED_THREAD: &str = "thread";

fn thread_name(thread: &thread::Thread) -> String {
    match (thread.name(), rayon::current_thread_index()) {
        (Some(name), _) => name.to_owned(),
        (None, Some(worker)) => format!("rayon {worker}"),
        (None, None) => UNNAMED_THREAD.to_owned(),
    }
}

/// Names each thread's lane: its own name when no other thread shares it,
/// otherwise the name numbered by order of first use.
fn label_lanes(mut finished: Vec<ThreadSegment>) -> Vec<Segment> {
    finished.sort_by_key(|segment| segment.start);
    let mut threads_in_order: Vec<(ThreadId, &str)> = Vec::new();
    for segment in &finished {
        if !threads_in_order.iter().any(|(id, _)| *id == segment.thread) {
            threads_in_order.push((segment.thread, &segment.thread_name));
        }
    }
    let mut sharing: HashMap<&str, usize> = HashMap::new();
    for (_, name) in &threads_in_order {
        *sharing.entry(name).or_default() += 1;
    }
    let mut numbered: HashMap<&str, usize> = HashMap::new();
    let lanes: HashMap<ThreadId, String> = threads_in_order
        .iter()
        .map(|&(id, name)| {
            let lane = if sharing[name] == 1 && name != UNNAMED_THREAD {
                name.to_owned()
            } else {
                let number = numbered.entry(name).or_default();
                *number += 1;
                format!("{name} {number}")
            };
            (id, lane)
        })
        .collect();
    finished
        .iter()
        .map(|segment| Segment {
            lane: lanes[&segment.thread].clone(),
            job: segment.job,
            start: segment.start,
            end: segment.end,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments_of(timeline: &Timeline, job: usize) -> Vec<&Segment> {
        timeline
            .segments()
            .iter()
            .filter(|segment| segment.job == job)
            .collect()
    }

    #[test]
    fn jobs_on_two_std_threads_make_two_lanes() {
        let ((), timeline) = Timeline::record(|recorder| {
            thread::scope(|scope| {
                for job in 0..2 {
                    scope.spawn(move || recorder.run_job(job, || ()));
                }
            });
        });
        assert_eq!(timeline.jobs(), [0, 1]);
        assert_eq!(timeline.lanes().len(), 2, "{timeline:?}");
        assert!(
            timeline
                .lanes()
                .iter()
                .all(|lane| lane.starts_with("thread ")),
            "unnamed threads are numbered: {:?}",
            timeline.lanes()
        );
    }

    #[test]
    fn sequential_jobs_never_overlap_and_share_one_lane() {
        let ((), timeline) = Timeline::record(|recorder| {
            for job in 0..4 {
                recorder.run_job(job, || ());
            }
        });
        let segments = timeline.segments();
        assert_eq!(segments.len(), 4);
        assert_eq!(timeline.lanes().len(), 1);
        for (earlier, later) in segments.iter().zip(&segments[1..]) {
            assert!(earlier.start <= earlier.end);
            assert!(
                earlier.end <= later.start,
                "{earlier:?} overlaps {later:?}"
            );
            assert_eq!(later.job, earlier.job + 1);
        }
    }

    #[test]
    fn every_poll_of_a_task_is_a_segment() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let ((), timeline) = Timeline::record(|recorder| {
            let sleeps_twice = recorder.job_future(0, async {
                tokio::time::sleep(Duration::from_millis(1)).await;
                tokio::time::sleep(Duration::from_millis(1)).await;
            });
            runtime.block_on(runtime.spawn(sleeps_twice)).unwrap();
        });
        // Start, wake after the first sleep, wake after the second: three polls at least.
        let polls = segments_of(&timeline, 0);
        assert!(polls.len() >= 3, "{timeline:?}");
        for (earlier, later) in polls.iter().zip(&polls[1..]) {
            assert!(
                earlier.end <= later.start,
                "{earlier:?} overlaps {later:?}"
            );
        }
    }

    #[test]
    fn tasks_on_a_multi_thread_runtime_are_recorded_on_worker_lanes() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let ((), timeline) = Timeline::record(|recorder| {
            runtime.block_on(async {
                let tasks: Vec<_> = (0..3)
                    .map(|job| tokio::spawn(recorder.job_future(job, async {})))
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
            });
        });
        assert_eq!(timeline.jobs(), [0, 1, 2]);
        assert!(
            timeline
                .lanes()
                .iter()
                .all(|lane| lane.starts_with("tokio-")),
            "{:?}",
            timeline.lanes()
        );
    }

    #[test]
    fn threads_sharing_a_name_get_numbered_lanes_and_a_unique_name_stays() {
        let ((), timeline) = Timeline::record(|recorder| {
            recorder.run_job(0, || ());
            for job in 1..3 {
                let recorder = recorder.clone();
                thread::Builder::new()
                    .name("worker".into())
                    .spawn(move || recorder.run_job(job, || ()))
                    .unwrap()
                    .join()
                    .unwrap();
            }
        });
        let own_name = thread::current().name().unwrap().to_owned();
        assert_eq!(timeline.lanes(), [&*own_name, "worker 1", "worker 2"]);
    }

    #[test]
    fn a_rayon_worker_is_named_by_its_index() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let ((), timeline) = Timeline::record(|recorder| {
            pool.install(|| recorder.run_job(0, || ()))
        });
        assert_eq!(timeline.lanes(), ["rayon 0"]);
    }

    #[test]
    fn a_reentered_span_is_one_segment() {
        let ((), timeline) = Timeline::record(|_| {
            let span = tracing::info_span!("job", job = 0);
            let _outer = span.enter();
            let _inner = span.enter();
        });
        assert_eq!(timeline.segments().len(), 1);
    }

    #[test]
    fn spans_without_a_job_index_are_ignored() {
        let ((), timeline) = Timeline::record(|_| {
            tracing::info_span!("setup").in_scope(|| ());
            tracing::info_span!("job", job = "pizza").in_scope(|| ());
            tracing::info_span!("job", job = -1).in_scope(|| ());
        });
        assert_eq!(timeline, Timeline::default());
    }

    #[test]
    fn spans_of_other_threads_without_the_recorder_are_not_recorded() {
        let ((), timeline) = Timeline::record(|_| {
            thread::spawn(|| {
                tracing::info_span!("job", job = 0).in_scope(|| ())
            })
            .join()
            .unwrap();
        });
        assert!(timeline.segments().is_empty(), "{timeline:?}");
    }
}
