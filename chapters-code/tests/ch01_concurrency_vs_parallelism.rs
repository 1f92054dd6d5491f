//! Chapter 1's claims, checked by behaviour: async timings under tokio's paused
//! clock, threads and pools by how many jobs were in flight at once. No test
//! here reads the wall clock to decide whether it passes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use chapters_code::ch01_concurrency_vs_parallelism::{
    ConcurrencyGauge, Pools, Scenario, Variant, Workload, await_one_by_one,
    count_to, median, run_on_rayon_pool, run_on_threads, run_sequential,
    run_smol_tasks, run_spawn_blocking, run_tokio_tasks, smol_threads,
    time_variant, tokio_sleep,
};
use rayon::ThreadPoolBuilder;
use tokio::runtime::Handle;
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
    // ANCHOR: one_by_one_question
    await_one_by_one(JOBS, |_| tokio_sleep(TWO_SECONDS)).await;
    // ANCHOR_END: one_by_one_question
    assert_took(start.elapsed(), 5 * TWO_SECONDS);
}

#[tokio::test(start_paused = true)]
async fn five_sleeps_as_tokio_tasks_take_two_seconds() {
    let start = Instant::now();
    // ANCHOR: spawned_question
    run_tokio_tasks(JOBS, |_| tokio_sleep(TWO_SECONDS)).await;
    // ANCHOR_END: spawned_question
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
// A current-thread runtime: every task runs on this test's thread.
#[tokio::test]
async fn cpu_jobs_on_a_current_thread_runtime_never_overlap() {
    // ANCHOR: current_thread_question
    let workers = Handle::current().metrics().num_workers();
    let gauge = Arc::new(ConcurrencyGauge::new());
    let counts = run_tokio_tasks(JOBS, |job| {
        let gauge = Arc::clone(&gauge);
        async move {
            let _running = gauge.enter(job);
            // A long count would give every worker time to start a job:
            // wait, without awaiting, until each one has.
            gauge.wait_for_peak(workers.min(JOBS), MEETING_TIMEOUT);
            count_to(SMALL_COUNT)
        }
    })
    .await;
    // ANCHOR_END: current_thread_question

    assert_eq!(counts, [SMALL_COUNT; JOBS]);
    // ANCHOR: current_thread_answer
    let (peak, threads) = (gauge.peak(), gauge.distinct_threads());
    assert!(
        peak == 1,
        "{peak} counting jobs ran at once, on {threads} threads: \
         {workers} workers run tasks in parallel"
    );
    assert_eq!(
        gauge.job_threads()[0].thread,
        thread::current().id(),
        "the tasks ran on the thread that runs the test"
    );
    // ANCHOR_END: current_thread_answer
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

// ANCHOR: rayon_waves_answer
#[test]
fn five_blocking_sleeps_on_rayon_run_in_waves_of_one_per_worker() {
    const SECOND: Duration = Duration::from_secs(1);
    for (workers, waves) in [(2, 3), (4, 2), (5, 1)] {
        let pool = ThreadPoolBuilder::new()
            .num_threads(workers)
            .build()
            .unwrap();
        let gauge = ConcurrencyGauge::new();
        run_on_rayon_pool(&pool, JOBS, |job| {
            let _running = gauge.enter(job);
            // Stands for the sleep: the job keeps its worker meanwhile.
            gauge.wait_for_peak(workers, MEETING_TIMEOUT);
        });
        assert_eq!(gauge.peak(), workers, "one job in flight per worker");

        let pools = pool.install(Pools::in_use);
        let five_sleeps = Variant::Rayon.sleep_bound(JOBS, &pools, SECOND);
        assert_eq!(five_sleeps, waves * SECOND, "{workers} workers");
    }
}
// ANCHOR_END: rayon_waves_answer

#[test]
fn a_two_thread_rayon_pool_counts_correctly_in_order() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let counts = run_on_rayon_pool(&pool, JOBS, |job| {
        count_to(SMALL_COUNT + job as u64)
    });
    let expected: Vec<u64> =
        (0..JOBS as u64).map(|job| SMALL_COUNT + job).collect();
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

fn two_cores() -> Pools {
    Pools::one_worker_per_core(2)
}

#[test]
fn five_blocking_sleeps_hold_a_thread_each_and_run_in_waves() {
    let bound = |variant: Variant| variant.sleep_bound(5, &two_cores(), SECOND);
    assert_eq!(bound(Variant::Sequential), 5 * SECOND, "one thread");
    assert_eq!(
        bound(Variant::Rayon),
        3 * SECOND,
        "two workers: ceil(5 / 2)"
    );
    assert_eq!(bound(Variant::Threads), SECOND, "a thread per job");
    assert_eq!(bound(Variant::SpawnBlocking), SECOND, "a thread per job");
}

#[test]
fn waiting_on_a_timer_holds_no_thread_and_costs_one_sleep() {
    for variant in [
        Variant::TokioTasks,
        Variant::TokioCurrentThread,
        Variant::Smol,
    ] {
        let bound = variant.sleep_bound(5, &two_cores(), SECOND);
        assert_eq!(bound, SECOND, "{variant:?}");
    }
}

#[test]
fn five_cpu_jobs_on_two_cores() {
    let bound = |variant: Variant| variant.cpu_bound(5, &two_cores(), SECOND);
    assert_eq!(bound(Variant::Sequential), 5 * SECOND);
    assert_eq!(bound(Variant::TokioCurrentThread), 5 * SECOND, "one thread");
    assert_eq!(bound(Variant::Smol), 5 * SECOND, "smol's one thread");
    assert_eq!(bound(Variant::Rayon), 3 * SECOND, "waves: ceil(5 / 2)");
    assert_eq!(bound(Variant::TokioTasks), 3 * SECOND, "waves: ceil(5 / 2)");
    assert_eq!(bound(Variant::Threads), SECOND * 5 / 2, "5 jobs / 2 cores");
    assert_eq!(bound(Variant::SpawnBlocking), SECOND * 5 / 2, "5 / 2 cores");
}
// ANCHOR_END: bound_tests

// ANCHOR: pools_tests
#[test]
fn a_bound_reads_the_rayon_pool_the_jobs_run_on() {
    let pool = ThreadPoolBuilder::new().num_threads(5).build().unwrap();
    let pools = pool.install(Pools::in_use);
    assert_eq!(pools.rayon_workers, 5);
    assert_eq!(Variant::Rayon.sleep_bound(5, &pools, SECOND), SECOND);
    // Five workers for five whole jobs: as good as a thread per job.
    assert_eq!(
        Variant::Rayon.cpu_bound(5, &pools, SECOND),
        Variant::Threads.cpu_bound(5, &pools, SECOND)
    );
}

#[test]
fn smol_threads_are_read_from_smol_threads_as_smol_reads_it() {
    assert_eq!(smol_threads(None), 1);
    assert_eq!(smol_threads(Some("3".into())), 3);
    assert_eq!(smol_threads(Some("three".into())), 1);
    assert_eq!(smol_threads(Some(" 3".into())), 1, "no trimming");
    // Zero parses: smol then starts no thread, and its tasks never run.
    assert_eq!(smol_threads(Some("0".into())), 0);

    let more = Pools {
        smol_threads: 2,
        ..two_cores()
    };
    assert_eq!(Variant::Smol.cpu_bound(5, &more, SECOND), 3 * SECOND);
}
// ANCHOR_END: pools_tests

#[test]
fn one_job_cannot_be_split_over_idle_cores() {
    let eight = Pools::one_worker_per_core(8);
    for variant in Variant::ALL {
        assert_eq!(variant.cpu_bound(1, &eight, SECOND), SECOND, "{variant:?}");
        assert_eq!(
            variant.sleep_bound(1, &eight, SECOND),
            SECOND,
            "{variant:?}"
        );
    }
}

#[test]
fn no_jobs_take_no_time() {
    for variant in Variant::ALL {
        assert_eq!(variant.cpu_bound(0, &two_cores(), SECOND), Duration::ZERO);
        assert_eq!(
            variant.sleep_bound(0, &two_cores(), SECOND),
            Duration::ZERO
        );
    }
}

#[test]
fn every_bound_lies_between_one_job_and_all_jobs_in_a_row() {
    for variant in Variant::ALL {
        for jobs in 1..=20 {
            for cores in 1..=8 {
                let pools = Pools::one_worker_per_core(cores);
                for bound in [
                    variant.cpu_bound(jobs, &pools, SECOND),
                    variant.sleep_bound(jobs, &pools, SECOND),
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
fn more_cores_or_workers_never_make_a_bound_worse() {
    for variant in Variant::ALL {
        for cores in 1..8 {
            let fewer = Pools::one_worker_per_core(cores);
            for more in [
                Pools::one_worker_per_core(cores + 1),
                Pools {
                    rayon_workers: cores + 1,
                    tokio_workers: cores + 1,
                    smol_threads: 2,
                    ..fewer
                },
            ] {
                for bound in [Variant::cpu_bound, Variant::sleep_bound] {
                    let before = bound(variant, 7, &fewer, SECOND);
                    let after = bound(variant, 7, &more, SECOND);
                    assert!(after <= before, "{variant:?}: {fewer:?} {more:?}");
                }
            }
        }
    }
}

#[test]
fn spawn_blocking_waits_for_a_free_thread_beyond_512_jobs() {
    let bound =
        |jobs| Variant::SpawnBlocking.sleep_bound(jobs, &two_cores(), SECOND);
    assert_eq!(bound(512), SECOND);
    assert_eq!(bound(513), 2 * SECOND);
}

#[test]
fn variant_ids_are_unique_kebab_case_and_round_trip() {
    let mut ids: Vec<&str> =
        Variant::ALL.iter().map(|variant| variant.id()).collect();
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

// The introduction's claims about cancellation. A tokio task and a smol task
// differ in what dropping their handle does; a future is cancelled by
// dropping it, whoever drops it.

fn flag() -> (Arc<AtomicBool>, Arc<AtomicBool>) {
    let flag = Arc::new(AtomicBool::new(false));
    (Arc::clone(&flag), flag)
}

// ANCHOR: tokio_handle_drop
#[tokio::test(start_paused = true)]
async fn dropping_a_tokio_join_handle_lets_the_task_run_on() {
    let (finished, set_finished) = flag();
    let handle = tokio::spawn(async move {
        tokio_sleep(TWO_SECONDS).await;
        set_finished.store(true, Ordering::SeqCst);
    });
    drop(handle);
    tokio_sleep(2 * TWO_SECONDS).await;
    assert!(finished.load(Ordering::SeqCst), "detached, not cancelled");
}

#[tokio::test(start_paused = true)]
async fn aborting_a_tokio_task_cancels_it() {
    let (finished, set_finished) = flag();
    let handle = tokio::spawn(async move {
        tokio_sleep(TWO_SECONDS).await;
        set_finished.store(true, Ordering::SeqCst);
    });
    handle.abort();
    assert!(handle.await.unwrap_err().is_cancelled());
    tokio_sleep(2 * TWO_SECONDS).await;
    assert!(!finished.load(Ordering::SeqCst));
}
// ANCHOR_END: tokio_handle_drop

// ANCHOR: smol_task_drop
/// Runs every task of `executor` that can make progress.
fn run_until_stuck(executor: &smol::LocalExecutor) {
    while executor.try_tick() {}
}

#[test]
fn dropping_a_smol_task_cancels_it_and_detach_keeps_it() {
    for detach in [false, true] {
        let executor = smol::LocalExecutor::new();
        let (go, wait_for_go) = smol::channel::bounded::<()>(1);
        let (finished, set_finished) = flag();
        let task = executor.spawn(async move {
            let _ = wait_for_go.recv().await;
            set_finished.store(true, Ordering::SeqCst);
        });
        run_until_stuck(&executor); // the task now waits for `go`
        if detach {
            task.detach();
        } else {
            drop(task);
        }
        let _ = go.try_send(());
        run_until_stuck(&executor);
        assert_eq!(finished.load(Ordering::SeqCst), detach, "{detach}");
    }
}
// ANCHOR_END: smol_task_drop

// ANCHOR: future_lazy
#[tokio::test(start_paused = true)]
async fn a_future_does_nothing_until_it_is_awaited() {
    let (finished, set_finished) = flag();
    let job = async move {
        set_finished.store(true, Ordering::SeqCst);
    };
    tokio_sleep(TWO_SECONDS).await;
    assert!(!finished.load(Ordering::SeqCst), "created, never polled");
    job.await;
    assert!(finished.load(Ordering::SeqCst));
}
// ANCHOR_END: future_lazy

// ANCHOR: future_drop
#[tokio::test(start_paused = true)]
async fn dropping_a_future_cancels_it() {
    let (finished, set_finished) = flag();
    let job = async move {
        tokio_sleep(TWO_SECONDS).await;
        set_finished.store(true, Ordering::SeqCst);
    };
    // `timeout` polls the job for one second, then drops it.
    let gave_up = tokio::time::timeout(TWO_SECONDS / 2, job).await;
    assert!(gave_up.is_err());
    tokio_sleep(2 * TWO_SECONDS).await;
    assert!(!finished.load(Ordering::SeqCst), "never resumed");
}
// ANCHOR_END: future_drop
