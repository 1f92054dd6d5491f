//! The chapter's scenarios recorded as timelines: the runners and jobs of the
//! timing table, each job run through a [`Recorder`] so that every stretch of
//! it on a thread becomes a segment.

use std::time::Duration;

use tokio::runtime::{Builder, Runtime};

use super::jobs::{blocking_sleep, count_to, smol_sleep, tokio_sleep};
use super::report::milliseconds;
use super::runners::{
    await_one_by_one, run_on_rayon, run_on_threads, run_sequential,
    run_smol_tasks, run_spawn_blocking, run_tokio_tasks,
};
use super::timing::{Scenario, Workload, calibrate_count_to};
use super::variants::Variant;
use super::variants::tokio_workers;
use crate::measured::RecordedPicture;
use crate::timeline::{Recorder, Timeline};

/// How many jobs each of the chapter's pictures runs.
const JOBS: usize = 5;
const SLEEP: Duration = Duration::from_millis(100);
const CPU_JOB: Duration = Duration::from_millis(100);

/// What one picture shows: a row of the timing table on one workload, or
/// the trap of awaiting sleeps one by one, which the table has no row for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pictured {
    Table(Variant, Workload),
    AwaitedOneByOne,
}

/// Every picture the chapter shows, in recording order.
const PICTURED: [Pictured; 15] = [
    Pictured::Table(Variant::Sequential, Workload::SleepBound),
    Pictured::Table(Variant::Sequential, Workload::CpuBound),
    Pictured::Table(Variant::Threads, Workload::SleepBound),
    Pictured::Table(Variant::Threads, Workload::CpuBound),
    Pictured::Table(Variant::TokioTasks, Workload::SleepBound),
    Pictured::Table(Variant::TokioTasks, Workload::CpuBound),
    Pictured::Table(Variant::TokioCurrentThread, Workload::SleepBound),
    Pictured::Table(Variant::TokioCurrentThread, Workload::CpuBound),
    Pictured::Table(Variant::Rayon, Workload::SleepBound),
    Pictured::Table(Variant::Rayon, Workload::CpuBound),
    Pictured::AwaitedOneByOne,
    Pictured::Table(Variant::SpawnBlocking, Workload::SleepBound),
    Pictured::Table(Variant::SpawnBlocking, Workload::CpuBound),
    Pictured::Table(Variant::Smol, Workload::SleepBound),
    Pictured::Table(Variant::Smol, Workload::CpuBound),
];

impl Pictured {
    fn workload(self) -> Workload {
        match self {
            Pictured::Table(_, workload) => workload,
            Pictured::AwaitedOneByOne => Workload::SleepBound,
        }
    }

    /// `rayon-sleep-bound`, `await-one-by-one-sleep-bound`, …
    fn name(self) -> String {
        let runner = match self {
            Pictured::Table(variant, _) => variant.id(),
            Pictured::AwaitedOneByOne => "await-one-by-one",
        };
        format!("{runner}-{}", self.workload().id())
    }

    /// What ran the jobs, for the title (plain text: no backticks).
    fn label(self) -> String {
        match self {
            Pictured::Table(variant, _) => variant.label().replace('`', ""),
            Pictured::AwaitedOneByOne => {
                "tokio, current-thread, awaited one by one".to_owned()
            }
        }
    }

    fn record(self, scenario: &Scenario) -> Timeline {
        match self {
            Pictured::Table(variant, workload) => {
                record_scenario(variant, workload, scenario)
            }
            Pictured::AwaitedOneByOne => record_awaited_one_by_one(scenario),
        }
    }
}

/// The chapter's pictures (`rayon-sleep-bound`, …), in recording order.
pub fn picture_names() -> Vec<String> {
    PICTURED.iter().map(|pictured| pictured.name()).collect()
}

/// Records every picture of the chapter: five jobs that sleep 100 ms and five
/// that count for about 100 ms, run by each pictured variant, and five sleeps
/// awaited one by one. Pictures of one workload share a time axis.
pub fn record_pictures() -> Vec<RecordedPicture> {
    let calibration = calibrate_count_to(CPU_JOB);
    let scenario = Scenario {
        jobs: JOBS,
        sleep: SLEEP,
        cpu_iterations: calibration.iterations,
    };
    PICTURED
        .iter()
        .map(|&pictured| {
            let timeline = pictured.record(&scenario);
            let what = match pictured.workload() {
                Workload::SleepBound => {
                    format!("each sleeping {} ms", SLEEP.as_millis())
                }
                Workload::CpuBound => format!(
                    "each counting for about {:.0} ms",
                    milliseconds(calibration.one_job)
                ),
            };
            RecordedPicture::from_timeline(
                &pictured.name(),
                format!(
                    "{}: {JOBS} jobs {what}, all done at {:.0} ms",
                    pictured.label(),
                    milliseconds(timeline.end())
                ),
                pictured.workload().id(),
                JOBS,
                &timeline,
            )
        })
        .collect()
}

/// Awaits `scenario.jobs` tokio sleeps one after another on a current-thread
/// runtime, with [`await_one_by_one`], and returns the timeline: each sleep
/// is polled to start its timer and again when it fires, and the next sleep
/// starts only then.
///
/// ```
/// use std::time::Duration;
/// use chapters_code::ch01_concurrency_vs_parallelism::{record_awaited_one_by_one, Scenario};
///
/// let scenario = Scenario { jobs: 2, sleep: Duration::from_millis(1), cpu_iterations: 1 };
/// let timeline = record_awaited_one_by_one(&scenario);
/// assert_eq!(timeline.jobs(), [0, 1]);
/// assert_eq!(timeline.lanes().len(), 1);
/// ```
pub fn record_awaited_one_by_one(scenario: &Scenario) -> Timeline {
    let runtime = start_executor(Variant::TokioCurrentThread)
        .expect("a tokio variant starts a runtime");
    let Scenario { jobs, sleep, .. } = *scenario;
    let (finished, timeline) = Timeline::record(|recorder| {
        runtime
            .block_on(await_one_by_one(jobs, |job| {
                recorder.job_future(job, tokio_sleep(sleep))
            }))
            .len()
    });
    assert_eq!(finished, jobs, "awaiting one by one lost a job");
    timeline
}

/// Runs `scenario.jobs` jobs of `workload` the way `variant` does, as
/// [`time_variant`](super::time_variant) would time them, and returns the
/// timeline of which job ran when on which thread.
///
/// The runtime or pool is started before the recording, so the timeline
/// begins with the first job. Blocking jobs are one segment each; async tasks
/// are one segment per poll. Panics if a job is lost or miscounts.
///
/// ```
/// use std::time::Duration;
/// use chapters_code::ch01_concurrency_vs_parallelism::{record_scenario, Scenario, Variant, Workload};
///
/// let scenario = Scenario { jobs: 3, sleep: Duration::from_millis(1), cpu_iterations: 1_000 };
/// let timeline = record_scenario(Variant::Threads, Workload::SleepBound, &scenario);
/// assert_eq!(timeline.jobs(), [0, 1, 2]);
/// assert_eq!(timeline.lanes().len(), 3);
/// ```
pub fn record_scenario(
    variant: Variant,
    workload: Workload,
    scenario: &Scenario,
) -> Timeline {
    let runtime = start_executor(variant);
    let (finished, timeline) = Timeline::record(|recorder| match workload {
        Workload::SleepBound => {
            record_sleeps(variant, runtime.as_ref(), recorder, scenario).len()
        }
        Workload::CpuBound => {
            let counts =
                record_counting(variant, runtime.as_ref(), recorder, scenario);
            let expected = scenario.cpu_iterations;
            assert!(
                counts.iter().all(|&count| count == expected),
                "{} miscounted: {counts:?}, expected {expected} each",
                variant.id()
            );
            counts.len()
        }
    });
    assert_eq!(finished, scenario.jobs, "{} lost a job", variant.id());
    timeline
}

/// The tokio runtime the variant needs, if any, after waking the threads of
/// rayon's and smol's lazily started pools.
fn start_executor(variant: Variant) -> Option<Runtime> {
    match variant {
        Variant::Sequential | Variant::Threads => None,
        Variant::Rayon => {
            rayon::broadcast(|_| ());
            None
        }
        Variant::Smol => {
            smol::block_on(smol::spawn(async {}));
            None
        }
        Variant::TokioTasks | Variant::SpawnBlocking => Some(
            Builder::new_multi_thread()
                .worker_threads(tokio_workers())
                .enable_time()
                .build()
                .expect("building a multi-thread tokio runtime"),
        ),
        Variant::TokioCurrentThread => Some(
            Builder::new_current_thread()
                .enable_time()
                .build()
                .expect("building a current-thread tokio runtime"),
        ),
    }
}

fn tokio(runtime: Option<&Runtime>) -> &Runtime {
    runtime.expect("a tokio variant starts a runtime")
}

fn record_sleeps(
    variant: Variant,
    runtime: Option<&Runtime>,
    recorder: &Recorder,
    scenario: &Scenario,
) -> Vec<()> {
    let Scenario { jobs, sleep, .. } = *scenario;
    let sleep_job = |job| recorder.run_job(job, || blocking_sleep(sleep));
    match variant {
        Variant::Sequential => run_sequential(jobs, sleep_job),
        Variant::Threads => run_on_threads(jobs, sleep_job),
        Variant::Rayon => run_on_rayon(jobs, sleep_job),
        Variant::TokioTasks | Variant::TokioCurrentThread => tokio(runtime)
            .block_on(run_tokio_tasks(jobs, |job| {
                recorder.job_future(job, tokio_sleep(sleep))
            })),
        Variant::SpawnBlocking => {
            let recorder = recorder.clone();
            tokio(runtime).block_on(run_spawn_blocking(jobs, move |job| {
                recorder.run_job(job, || blocking_sleep(sleep))
            }))
        }
        Variant::Smol => smol::block_on(run_smol_tasks(jobs, |job| {
            recorder.job_future(job, smol_sleep(sleep))
        })),
    }
}

fn record_counting(
    variant: Variant,
    runtime: Option<&Runtime>,
    recorder: &Recorder,
    scenario: &Scenario,
) -> Vec<u64> {
    let Scenario {
        jobs,
        cpu_iterations: n,
        ..
    } = *scenario;
    let counting_job = |job| recorder.run_job(job, || count_to(n));
    // As in the timing table, async jobs that count never await: one poll each.
    let counting_task =
        |job| recorder.job_future(job, async move { count_to(n) });
    match variant {
        Variant::Sequential => run_sequential(jobs, counting_job),
        Variant::Threads => run_on_threads(jobs, counting_job),
        Variant::Rayon => run_on_rayon(jobs, counting_job),
        Variant::TokioTasks | Variant::TokioCurrentThread => {
            tokio(runtime).block_on(run_tokio_tasks(jobs, counting_task))
        }
        Variant::SpawnBlocking => {
            let recorder = recorder.clone();
            tokio(runtime).block_on(run_spawn_blocking(jobs, move |job| {
                recorder.run_job(job, || count_to(n))
            }))
        }
        Variant::Smol => smol::block_on(run_smol_tasks(jobs, counting_task)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: Scenario = Scenario {
        jobs: 3,
        sleep: Duration::from_millis(1),
        cpu_iterations: 10_000,
    };

    fn assert_no_overlap(timeline: &Timeline) {
        let segments = timeline.segments();
        for (earlier, later) in segments.iter().zip(&segments[1..]) {
            assert!(
                earlier.end <= later.start,
                "{earlier:?} overlaps {later:?}"
            );
        }
    }

    #[test]
    fn every_variant_records_every_job_of_both_workloads() {
        for variant in Variant::ALL {
            for workload in Workload::ALL {
                let timeline = record_scenario(variant, workload, &TINY);
                assert_eq!(
                    timeline.jobs(),
                    [0, 1, 2],
                    "{} {}",
                    variant.id(),
                    workload.id()
                );
            }
        }
    }

    #[test]
    fn sequential_jobs_share_one_lane_one_after_another() {
        for workload in Workload::ALL {
            let timeline =
                record_scenario(Variant::Sequential, workload, &TINY);
            assert_eq!(timeline.lanes().len(), 1);
            assert_eq!(timeline.segments().len(), TINY.jobs);
            assert_no_overlap(&timeline);
        }
    }

    #[test]
    fn threads_give_each_job_its_own_lane() {
        let timeline =
            record_scenario(Variant::Threads, Workload::CpuBound, &TINY);
        assert_eq!(timeline.lanes().len(), TINY.jobs);
    }

    #[test]
    fn sleeping_tasks_on_one_thread_are_polled_in_slices() {
        let timeline = record_scenario(
            Variant::TokioCurrentThread,
            Workload::SleepBound,
            &TINY,
        );
        assert_eq!(timeline.lanes().len(), 1);
        assert_no_overlap(&timeline);
        for job in 0..TINY.jobs {
            let polls = timeline
                .segments()
                .iter()
                .filter(|segment| segment.job == job)
                .count();
            assert!(polls >= 2, "job {job} polled {polls} times: {timeline:?}");
        }
    }

    #[test]
    fn sleeps_awaited_one_by_one_start_only_when_the_previous_one_ends() {
        let timeline = record_awaited_one_by_one(&TINY);
        assert_eq!(timeline.lanes().len(), 1);
        let polls_of = |job| {
            timeline
                .segments()
                .iter()
                .filter(move |segment| segment.job == job)
        };
        for job in 1..TINY.jobs {
            let previous_end = polls_of(job - 1).map(|poll| poll.end).max();
            let first_start = polls_of(job).map(|poll| poll.start).min();
            assert!(
                first_start >= previous_end,
                "job {job} started before job {} ended: {timeline:?}",
                job - 1
            );
        }
    }

    #[test]
    fn every_picture_has_its_own_name_and_every_variant_is_pictured() {
        let mut names = picture_names();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), PICTURED.len());
        for variant in Variant::ALL {
            for workload in Workload::ALL {
                let pictured = Pictured::Table(variant, workload);
                let shown = PICTURED.contains(&pictured);
                assert!(shown, "{} {}", variant.id(), workload.id());
            }
        }
    }

    #[test]
    fn counting_tasks_on_one_thread_run_whole_and_in_turn() {
        let timeline = record_scenario(
            Variant::TokioCurrentThread,
            Workload::CpuBound,
            &TINY,
        );
        assert_eq!(timeline.lanes().len(), 1);
        assert_eq!(timeline.segments().len(), TINY.jobs);
        assert_no_overlap(&timeline);
    }
}
