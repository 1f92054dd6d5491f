//! The chapter's scenarios recorded as timelines: the runners and jobs of the
//! timing table, each job run through a [`Recorder`] so that every stretch of
//! it on a thread becomes a segment.

use std::time::Duration;

use tokio::runtime::{Builder, Runtime};

use super::jobs::{blocking_sleep, count_to, smol_sleep, tokio_sleep};
use super::report::milliseconds;
use super::runners::{
    run_on_rayon, run_on_threads, run_sequential, run_smol_tasks, run_spawn_blocking,
    run_tokio_tasks,
};
use super::timing::{Scenario, Workload, available_cores, calibrate_count_to};
use super::variants::Variant;
use crate::measured::{RecordedPicture, RecordedSegment};
use crate::timeline::{Recorder, Timeline};

/// How many jobs each of the chapter's pictures runs.
const JOBS: usize = 5;
const SLEEP: Duration = Duration::from_millis(100);
const CPU_JOB: Duration = Duration::from_millis(100);

/// The variants whose shapes the chapter discusses, on both workloads.
const PICTURED: [(Variant, Workload); 10] = [
    (Variant::Sequential, Workload::SleepBound),
    (Variant::Sequential, Workload::CpuBound),
    (Variant::Threads, Workload::SleepBound),
    (Variant::Threads, Workload::CpuBound),
    (Variant::TokioTasks, Workload::SleepBound),
    (Variant::TokioTasks, Workload::CpuBound),
    (Variant::TokioCurrentThread, Workload::SleepBound),
    (Variant::TokioCurrentThread, Workload::CpuBound),
    (Variant::Rayon, Workload::SleepBound),
    (Variant::Rayon, Workload::CpuBound),
];

fn picture_name(variant: Variant, workload: Workload) -> String {
    format!("{}-{}", variant.id(), workload.id())
}

/// The chapter's pictures (`rayon-sleep-bound`, …), in recording order.
pub fn picture_names() -> Vec<String> {
    PICTURED
        .iter()
        .map(|&(variant, workload)| picture_name(variant, workload))
        .collect()
}

/// Records every picture of the chapter: five jobs that sleep 100 ms and five
/// that count for about 100 ms, run by each pictured variant. Pictures of one
/// workload share a time axis.
pub fn record_pictures() -> Vec<RecordedPicture> {
    let calibration = calibrate_count_to(CPU_JOB);
    let scenario = Scenario {
        jobs: JOBS,
        sleep: SLEEP,
        cpu_iterations: calibration.iterations,
    };
    PICTURED
        .iter()
        .map(|&(variant, workload)| {
            let timeline = record_scenario(variant, workload, &scenario);
            let what = match workload {
                Workload::SleepBound => format!("each sleeping {} ms", SLEEP.as_millis()),
                Workload::CpuBound => format!(
                    "each counting for about {:.0} ms",
                    milliseconds(calibration.one_job)
                ),
            };
            RecordedPicture {
                name: picture_name(variant, workload),
                title: format!(
                    "{}: {JOBS} jobs {what}, all done at {:.0} ms",
                    variant.label().replace('`', ""),
                    milliseconds(timeline.end())
                ),
                axis_group: workload.id().to_owned(),
                jobs: JOBS,
                segments: timeline
                    .segments()
                    .iter()
                    .map(RecordedSegment::from)
                    .collect(),
            }
        })
        .collect()
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
pub fn record_scenario(variant: Variant, workload: Workload, scenario: &Scenario) -> Timeline {
    let runtime = start_executor(variant);
    let (finished, timeline) = Timeline::record(|recorder| match workload {
        Workload::SleepBound => record_sleeps(variant, runtime.as_ref(), recorder, scenario).len(),
        Workload::CpuBound => {
            let counts = record_counting(variant, runtime.as_ref(), recorder, scenario);
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
                .worker_threads(available_cores())
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
        Variant::TokioTasks | Variant::TokioCurrentThread => {
            tokio(runtime).block_on(run_tokio_tasks(jobs, |job| {
                recorder.job_future(job, tokio_sleep(sleep))
            }))
        }
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
    let counting_task = |job| recorder.job_future(job, async move { count_to(n) });
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
            assert!(earlier.end <= later.start, "{earlier:?} overlaps {later:?}");
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
            let timeline = record_scenario(Variant::Sequential, workload, &TINY);
            assert_eq!(timeline.lanes().len(), 1);
            assert_eq!(timeline.segments().len(), TINY.jobs);
            assert_no_overlap(&timeline);
        }
    }

    #[test]
    fn threads_give_each_job_its_own_lane() {
        let timeline = record_scenario(Variant::Threads, Workload::CpuBound, &TINY);
        assert_eq!(timeline.lanes().len(), TINY.jobs);
    }

    #[test]
    fn sleeping_tasks_on_one_thread_are_polled_in_slices() {
        let timeline = record_scenario(Variant::TokioCurrentThread, Workload::SleepBound, &TINY);
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
    fn counting_tasks_on_one_thread_run_whole_and_in_turn() {
        let timeline = record_scenario(Variant::TokioCurrentThread, Workload::CpuBound, &TINY);
        assert_eq!(timeline.lanes().len(), 1);
        assert_eq!(timeline.segments().len(), TINY.jobs);
        assert_no_overlap(&timeline);
    }
}
