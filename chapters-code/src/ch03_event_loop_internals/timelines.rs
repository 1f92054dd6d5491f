//! The chapter's timers recorded as timelines: which task the tuned executor
//! polled when, so that the picture shows the executor parked between
//! deadlines, and what one task that computes without yielding does to every
//! timer behind it.

use std::time::{Duration, Instant};

use super::timers::sleep_until;
use super::tuned_executor::Executor;
use crate::ch01_concurrency_vs_parallelism::{
    calibrate_count_to, count_to, milliseconds,
};
use crate::measured::RecordedPicture;
use crate::timeline::Timeline;

/// The sleepers' deadlines, one task each, in job order.
const DEADLINES: [Duration; 5] = [
    Duration::from_millis(20),
    Duration::from_millis(40),
    Duration::from_millis(60),
    Duration::from_millis(80),
    Duration::from_millis(100),
];
/// How long the task that never yields counts for.
const BUSY: Duration = Duration::from_millis(50);

/// The chapter's pictures, by name: the sleepers alone, and behind a task that
/// counts without yielding (one more job).
const PICTURES: [(&str, bool); 2] =
    [("timers", false), ("timers-behind-a-busy-task", true)];

/// The chapter's picture names, in recording order.
pub fn picture_names() -> Vec<String> {
    PICTURES.iter().map(|(name, _)| name.to_string()).collect()
}

/// Records both pictures on one time axis: five sleepers, 20 ms apart, alone
/// and then behind a task counting for about 50 ms.
pub fn record_pictures() -> Vec<RecordedPicture> {
    let busy = calibrate_count_to(BUSY);
    let sleepers = DEADLINES.len();
    let deadlines: Vec<String> = DEADLINES
        .iter()
        .map(|deadline| deadline.as_millis().to_string())
        .collect();
    PICTURES
        .iter()
        .map(|&(name, with_busy)| {
            let timeline = record_timers(&DEADLINES, with_busy.then_some(busy.iterations));
            let busy_part = if with_busy {
                format!(
                    ", then task {sleepers} counts for about {:.0} ms without yielding",
                    milliseconds(busy.one_job)
                )
            } else {
                String::new()
            };
            let title = format!(
                "Tuned executor: tasks 0–{} sleep until {} ms{busy_part}; \
                 done at {:.0} ms",
                sleepers - 1,
                deadlines.join(", "),
                milliseconds(timeline.end())
            );
            let jobs = sleepers + usize::from(with_busy);
            RecordedPicture::from_timeline(name, title, "timers", jobs, &timeline)
        })
        .collect()
}

/// Runs one task per entry of `deadlines` on a fresh tuned executor, each
/// sleeping until that long after the start, and returns the timeline of its
/// polls: jobs `0..deadlines.len()`, all in one lane, the calling thread.
///
/// With `busy_count`, one more task (the last job), spawned after the
/// sleepers, counts to that number in a single poll, as a task with CPU work
/// and no `.await` would: the executor cannot fire a timer while it runs.
///
/// ```
/// use std::time::Duration;
/// use chapters_code::ch03_event_loop_internals::timelines::record_timers;
///
/// let timeline = record_timers(&[Duration::from_millis(2), Duration::from_millis(1)], None);
/// assert_eq!(timeline.jobs(), [0, 1]);
/// assert_eq!(timeline.segments().len(), 4, "each task: one poll to register, one to finish");
/// ```
pub fn record_timers(
    deadlines: &[Duration],
    busy_count: Option<u64>,
) -> Timeline {
    let executor = Executor::new();
    let ((), timeline) = Timeline::record(|recorder| {
        let start = Instant::now();
        let sleepers: Vec<_> = deadlines
            .iter()
            .enumerate()
            .map(|(job, &after)| {
                executor
                    .spawn(recorder.job_future(job, sleep_until(start + after)))
            })
            .collect();
        let busy = busy_count.map(|n| {
            executor.spawn(
                recorder
                    .job_future(deadlines.len(), async move { count_to(n) }),
            )
        });
        executor.block_on(async {
            for sleeper in sleepers {
                sleeper
                    .await
                    .expect("a sleeping task neither panics nor is cancelled");
            }
            if let (Some(busy), Some(n)) = (busy, busy_count) {
                assert_eq!(busy.await.expect("the counting task finishes"), n);
            }
        });
    });
    timeline
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::Segment;

    const DEADLINES: [Duration; 3] = [
        Duration::from_millis(6),
        Duration::from_millis(2),
        Duration::from_millis(4),
    ];

    fn polls_of(timeline: &Timeline, job: usize) -> Vec<&Segment> {
        timeline
            .segments()
            .iter()
            .filter(|segment| segment.job == job)
            .collect()
    }

    #[test]
    fn each_sleeper_is_polled_at_the_start_and_after_its_deadline() {
        let timeline = record_timers(&DEADLINES, None);
        assert_eq!(timeline.lanes().len(), 1, "one thread polls every task");
        assert_eq!(timeline.jobs(), [0, 1, 2]);
        for (job, deadline) in DEADLINES.iter().enumerate() {
            let polls = polls_of(&timeline, job);
            assert_eq!(polls.len(), 2, "job {job}: {polls:?}");
            assert!(
                polls[1].start >= *deadline,
                "job {job} finished before its deadline: {polls:?}"
            );
        }
        // Finishing polls come in deadline order: 2 ms, 4 ms, 6 ms.
        let finish = |job| polls_of(&timeline, job)[1].start;
        assert!(finish(1) < finish(2) && finish(2) < finish(0));
    }

    #[test]
    fn a_task_that_never_yields_holds_back_every_timer_due_meanwhile() {
        let timeline = record_timers(&DEADLINES, Some(20_000_000));
        let busy = polls_of(&timeline, DEADLINES.len());
        assert_eq!(busy.len(), 1, "the counting task runs in one poll");
        let busy_end = busy[0].end;
        assert!(
            busy_end > DEADLINES[0],
            "counting ended at {busy_end:?}, before the last deadline: \
             count further"
        );
        for job in 0..DEADLINES.len() {
            let polls = polls_of(&timeline, job);
            assert!(
                polls[0].end <= busy[0].start,
                "job {job} registered its deadline before the counting began"
            );
            assert!(
                polls[1].start >= busy_end,
                "job {job} was polled at {:?}, while the counting task held \
                 the thread until {busy_end:?}",
                polls[1].start
            );
        }
        // All three deadlines passed during the count; they fire in deadline order.
        let finish = |job| polls_of(&timeline, job)[1].start;
        assert!(finish(1) < finish(2) && finish(2) < finish(0));
    }
}
