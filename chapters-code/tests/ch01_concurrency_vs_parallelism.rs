//! Chapter 1's claims, checked by behaviour: async timings under tokio's paused
//! clock, threads and pools by how many jobs were in flight at once. No test
//! here reads the wall clock to decide whether it passes.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use chapters_code::ch01_concurrency_vs_parallelism::{
    ConcurrencyGauge, Scenario, Variant, Workload, await_one_by_one, count_to, median,
    run_on_rayon_pool, run_on_threads, run_sequential, run_smol_tasks, run_spawn_blocking,
    run_tokio_tasks, time_variant, tokio_sleep,
};
use tokio::time::Instant;

const JOBS: usize = 5;
/// Long enough for any peer to start on a loaded machine; reached only when a
/// runner fails to overlap its jobs.
const MEETING_TIMEOUT: Duration = Duration::from_secs(10);
/// Small enough to be quick in a debug build.
const SMALL_COUNT: u64 = 10_000;

fn every_job_met(results: &[(usize, bool)]) -> bool {
    results.iter().all(|&(_, met)| met)
}

fn job_order(results: &[(usize, bool)]) -> Vec<usize> {
    results.iter().map(|&(job, _)| job).collect()
}

// ANCHOR: paused_clock_tests
const TWO_SECONDS: Duration = Duration::from_secs(2);
/// Tokio's timer works in whole milliseconds and may round each sleep up by one.
const TIMER_ROUNDING: Duration = Duration::from_millis(JOBS as u64);

fn assert_took(elapsed: Duration, ideal: Duration) {
    assert!(
        elapsed >= ideal && elapsed <= ideal + TIMER_ROUNDING,
        "took {elapsed:?} of virtual time, expected {ideal:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn five_sleeps_awaited_one_by_one_take_ten_seconds() {
    let start = Instant::now();
    await_one_by_one(JOBS, |_| tokio_sleep(TWO_SECONDS)).await;
    assert_took(start.elapsed(), 5 * TWO_SECONDS);
}

#[tokio::test(start_paused = true)]
async fn five_sleeps_as_tokio_tasks_take_two_seconds() {
    let start = Instant::now();
    run_tokio_tasks(JOBS, |_| tokio_sleep(TWO_SECONDS)).await;
    assert_took(start.elapsed(), TWO_SECONDS);
}
// ANCHOR_END: paused_clock_tests

#[tokio::test(start_paused = true)]
async fn awaiting_one_by_one_never_overlaps_but_tasks_all_do() {
    let one_by_one = Arc::new(ConcurrencyGauge::new());
    await_one_by_one(JOBS, |job| {
        let gauge = Arc::clone(&one_by_one);
        async move {
            let _running = gauge.enter(job);
            tokio_sleep(TWO_SECONDS).await;
        }
    })
    .await;
    assert_eq!(one_by_one.peak(), 1);

    let as_tasks = Arc::new(ConcurrencyGauge::new());
    run_tokio_tasks(JOBS, |job| {
        let gauge = Arc::clone(&as_tasks);
        async move {
            let _running = gauge.enter(job);
            tokio_sleep(TWO_SECONDS).await;
        }
    })
    .await;
    assert_eq!(as_tasks.peak(), JOBS);
}

// ANCHOR: current_thread_cpu_test
#[tokio::test] // a current-thread runtime: every task runs on this test's thread
async fn cpu_jobs_on_a_current_thread_runtime_never_overlap() {
    let gauge = Arc::new(ConcurrencyGauge::new());
    let counts = run_tokio_tasks(JOBS, |job| {
        let gauge = Arc::clone(&gauge);
        async move {
            let _running = gauge.enter(job);
            count_to(SMALL_COUNT)
        }
    })
    .await;

    assert_eq!(counts, [SMALL_COUNT; JOBS]);
    assert_eq!(
        gauge.peak(),
        1,
        "a task that never awaits keeps the only thread"
    );
    assert_eq!(gauge.distinct_threads(), 1);
    assert_eq!(gauge.job_threads()[0].thread, thread::current().id());
}
// ANCHOR_END: current_thread_cpu_test

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cpu_jobs_on_a_two_worker_runtime_overlap_two_at_a_time() {
    let gauge = Arc::new(ConcurrencyGauge::new());
    let results = run_tokio_tasks(JOBS, |job| {
        let gauge = Arc::clone(&gauge);
        async move {
            let _running = gauge.enter(job);
            // Blocking a worker on purpose: it stands for a long computation.
            let met = gauge.wait_for_peak(2, MEETING_TIMEOUT);
            count_to(SMALL_COUNT);
            (job, met)
        }
    })
    .await;

    assert!(
        every_job_met(&results),
        "two workers never ran two jobs at once"
    );
    assert_eq!(gauge.peak(), 2, "only the two workers run tasks");
    assert_eq!(gauge.distinct_threads(), 2);
}

#[test]
fn sequential_jobs_run_in_order_on_the_calling_thread() {
    let gauge = ConcurrencyGauge::new();
    let results = run_sequential(JOBS, |job| {
        let _running = gauge.enter(job);
        job * 10
    });

    assert_eq!(results, [0, 10, 20, 30, 40]);
    assert_eq!(gauge.peak(), 1);
    assert_eq!(gauge.distinct_threads(), 1);
    assert_eq!(gauge.job_threads()[0].thread, thread::current().id());
}

// ANCHOR: threads_overlap_test
#[test]
fn five_threads_are_all_in_flight_at_once() {
    let gauge = ConcurrencyGauge::new();
    let results = run_on_threads(JOBS, |job| {
        let _running = gauge.enter(job);
        // Each job waits until all five are running; it gives up only if the
        // runner failed to start them together.
        let met = gauge.wait_for_peak(JOBS, MEETING_TIMEOUT);
        (job, met)
    });

    assert!(
        every_job_met(&results),
        "the five threads never all ran at once"
    );
    assert_eq!(
        job_order(&results),
        [0, 1, 2, 3, 4],
        "results come back in job order"
    );
    assert_eq!(gauge.peak(), JOBS);
    assert_eq!(gauge.distinct_threads(), JOBS);
}
// ANCHOR_END: threads_overlap_test

// ANCHOR: rayon_pool_test
#[test]
fn a_two_thread_rayon_pool_runs_two_jobs_at_a_time() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let gauge = ConcurrencyGauge::new();
    let results = run_on_rayon_pool(&pool, JOBS, |job| {
        let _running = gauge.enter(job);
        let met = gauge.wait_for_peak(2, MEETING_TIMEOUT);
        (job, met)
    });

    assert!(
        every_job_met(&results),
        "the pool never ran two jobs at once"
    );
    assert_eq!(job_order(&results), [0, 1, 2, 3, 4]);
    assert_eq!(gauge.peak(), 2, "never more jobs in flight than workers");
    assert_eq!(gauge.distinct_threads(), 2);
}
// ANCHOR_END: rayon_pool_test

#[test]
fn a_two_thread_rayon_pool_counts_correctly_in_order() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let counts = run_on_rayon_pool(&pool, JOBS, |job| count_to(SMALL_COUNT + job as u64));
    let expected: Vec<u64> = (0..JOBS as u64).map(|job| SMALL_COUNT + job).collect();
    assert_eq!(counts, expected);
}

#[tokio::test]
async fn spawn_blocking_gives_every_job_its_own_thread() {
    let gauge = Arc::new(ConcurrencyGauge::new());
    let blocking_gauge = Arc::clone(&gauge);
    let results = run_spawn_blocking(JOBS, move |job| {
        let _running = blocking_gauge.enter(job);
        let met = blocking_gauge.wait_for_peak(JOBS, MEETING_TIMEOUT);
        (job, met)
    })
    .await;

    assert!(
        every_job_met(&results),
        "the blocking pool never ran all five at once"
    );
    assert_eq!(job_order(&results), [0, 1, 2, 3, 4]);
    assert_eq!(gauge.peak(), JOBS);
    assert_eq!(gauge.distinct_threads(), JOBS);
    let runtime_thread = thread::current().id();
    assert!(
        gauge
            .job_threads()
            .iter()
            .all(|run| run.thread != runtime_thread)
    );
}

/// Smol's global executor has one thread unless `SMOL_THREADS` says otherwise;
/// the one-thread assertions only hold in the default setup.
fn smol_runs_its_default_single_thread() -> bool {
    std::env::var_os("SMOL_THREADS").is_none()
}

#[test]
fn smol_tasks_all_wait_at_once() {
    let gauge = Arc::new(ConcurrencyGauge::new());
    let results = smol::block_on(run_smol_tasks(JOBS, |job| {
        let gauge = Arc::clone(&gauge);
        async move {
            let _running = gauge.enter(job);
            let met = async {
                gauge.peak_reached(JOBS).await;
                true
            };
            let gave_up = async {
                smol::Timer::after(MEETING_TIMEOUT).await;
                false
            };
            (job, smol::future::or(met, gave_up).await)
        }
    }));

    assert!(
        every_job_met(&results),
        "the five smol tasks never all waited at once"
    );
    assert_eq!(job_order(&results), [0, 1, 2, 3, 4]);
    assert_eq!(gauge.peak(), JOBS);
    if smol_runs_its_default_single_thread() {
        assert_eq!(
            gauge.distinct_threads(),
            1,
            "five waits overlap on one thread"
        );
        let thread_name = gauge.job_threads()[0].thread_name.clone();
        assert_eq!(thread_name.as_deref(), Some("smol-1"));
    }
}

#[test]
fn smol_cpu_jobs_never_overlap_on_the_default_executor() {
    if !smol_runs_its_default_single_thread() {
        return;
    }
    let gauge = Arc::new(ConcurrencyGauge::new());
    let counts = smol::block_on(run_smol_tasks(JOBS, |job| {
        let gauge = Arc::clone(&gauge);
        async move {
            let _running = gauge.enter(job);
            count_to(SMALL_COUNT)
        }
    }));

    assert_eq!(counts, [SMALL_COUNT; JOBS]);
    assert_eq!(gauge.peak(), 1);
    assert_eq!(gauge.distinct_threads(), 1);
}

#[test]
fn a_job_without_peers_gives_up_waiting() {
    let gauge = ConcurrencyGauge::new();
    let _running = gauge.enter(0);
    assert!(!gauge.wait_for_peak(2, Duration::from_millis(10)));
    assert!(gauge.wait_for_peak(1, Duration::from_millis(10)));
}

#[tokio::test(start_paused = true)]
async fn a_task_without_peers_never_sees_the_peak() {
    let gauge = ConcurrencyGauge::new();
    let _running = gauge.enter(0);
    let waited = tokio::time::timeout(TWO_SECONDS, gauge.peak_reached(2)).await;
    assert!(waited.is_err(), "the peak of 2 was never reached");
    let _second = gauge.enter(1);
    gauge.peak_reached(2).await;
}

#[test]
fn every_variant_runs_both_workloads_with_correct_results() {
    let tiny = Scenario {
        jobs: 3,
        sleep: Duration::from_millis(1),
        cpu_iterations: 1_000,
    };
    for variant in Variant::ALL {
        for workload in Workload::ALL {
            // `time_variant` itself asserts that every job finished with the right result.
            time_variant(variant, workload, &tiny);
        }
    }
}

// ANCHOR: bound_tests
const SECOND: Duration = Duration::from_secs(1);

#[test]
fn five_blocking_sleeps_on_rayon_run_in_three_waves_on_two_cores() {
    assert_eq!(Variant::Rayon.sleep_bound(5, 2, SECOND), 3 * SECOND);
    assert_eq!(Variant::Rayon.sleep_bound(5, 5, SECOND), SECOND);
}

#[test]
fn waiting_without_a_thread_costs_one_sleep_however_many_jobs() {
    for variant in [
        Variant::Threads,
        Variant::TokioTasks,
        Variant::TokioCurrentThread,
        Variant::SpawnBlocking,
        Variant::Smol,
    ] {
        assert_eq!(variant.sleep_bound(5, 2, SECOND), SECOND, "{variant:?}");
    }
    assert_eq!(Variant::Sequential.sleep_bound(5, 2, SECOND), 5 * SECOND);
}

#[test]
fn five_cpu_jobs_on_two_cores() {
    let bound = |variant: Variant| variant.cpu_bound(5, 2, SECOND);
    assert_eq!(bound(Variant::Sequential), 5 * SECOND);
    assert_eq!(
        bound(Variant::TokioCurrentThread),
        5 * SECOND,
        "one thread, no speed-up"
    );
    assert_eq!(
        bound(Variant::Smol),
        5 * SECOND,
        "smol's default executor has one thread"
    );
    assert_eq!(
        bound(Variant::Rayon),
        3 * SECOND,
        "whole jobs in waves: ceil(5 / 2)"
    );
    assert_eq!(
        bound(Variant::TokioTasks),
        3 * SECOND,
        "whole jobs in waves: ceil(5 / 2)"
    );
    assert_eq!(
        bound(Variant::Threads),
        SECOND * 5 / 2,
        "time-sliced: total / cores"
    );
    assert_eq!(
        bound(Variant::SpawnBlocking),
        SECOND * 5 / 2,
        "time-sliced: total / cores"
    );
}
// ANCHOR_END: bound_tests

#[test]
fn one_job_cannot_be_split_over_idle_cores() {
    for variant in Variant::ALL {
        assert_eq!(variant.cpu_bound(1, 8, SECOND), SECOND, "{variant:?}");
        assert_eq!(variant.sleep_bound(1, 8, SECOND), SECOND, "{variant:?}");
    }
}

#[test]
fn no_jobs_take_no_time() {
    for variant in Variant::ALL {
        assert_eq!(variant.cpu_bound(0, 2, SECOND), Duration::ZERO);
        assert_eq!(variant.sleep_bound(0, 2, SECOND), Duration::ZERO);
    }
}

#[test]
fn every_bound_lies_between_one_job_and_all_jobs_in_a_row() {
    for variant in Variant::ALL {
        for jobs in 1..=20 {
            for cores in 1..=8 {
                for bound in [
                    variant.cpu_bound(jobs, cores, SECOND),
                    variant.sleep_bound(jobs, cores, SECOND),
                ] {
                    assert!(
                        bound >= SECOND,
                        "{variant:?} {jobs} jobs {cores} cores: {bound:?}"
                    );
                    assert!(
                        bound <= SECOND * jobs as u32,
                        "{variant:?} {jobs} jobs {cores} cores"
                    );
                }
            }
        }
    }
}

#[test]
fn more_cores_never_make_a_bound_worse() {
    for variant in Variant::ALL {
        for cores in 1..8 {
            let fewer = variant.cpu_bound(7, cores, SECOND);
            let more = variant.cpu_bound(7, cores + 1, SECOND);
            assert!(
                more <= fewer,
                "{variant:?}: {cores} cores {fewer:?}, one more {more:?}"
            );
        }
    }
}

#[test]
fn spawn_blocking_waits_for_a_free_thread_beyond_512_jobs() {
    assert_eq!(Variant::SpawnBlocking.sleep_bound(512, 2, SECOND), SECOND);
    assert_eq!(
        Variant::SpawnBlocking.sleep_bound(513, 2, SECOND),
        2 * SECOND
    );
}

#[test]
fn variant_ids_are_unique_kebab_case_and_round_trip() {
    let mut ids: Vec<&str> = Variant::ALL.iter().map(|variant| variant.id()).collect();
    for id in &ids {
        assert!(
            id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{id} is not kebab-case"
        );
    }
    for variant in Variant::ALL {
        assert_eq!(Variant::from_id(variant.id()), Some(variant));
        assert!(!variant.label().is_empty());
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), Variant::ALL.len());
}

#[test]
fn median_ignores_one_outlier() {
    let ms = Duration::from_millis;
    assert_eq!(median(&[ms(200), ms(5_000), ms(210)]), ms(210));
}
