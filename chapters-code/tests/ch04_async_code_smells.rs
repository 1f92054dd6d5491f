//! Chapter 4's smells, each bad version against its fix: timings under
//! tokio's paused clock, the rest by behaviour (what another task managed to
//! do meanwhile, what was recorded, what a task group reported).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chapters_code::ch04_async_code_smells::composite::{
    Scenario, Version, expected_total, report_done_right,
    report_with_bad_habits,
};
use chapters_code::ch04_async_code_smells::smells::*;
use futures::FutureExt;
use tokio::time::{Instant, sleep};

// ANCHOR: never_awaits_test
#[test]
fn an_async_fn_that_never_awaits_is_ready_on_its_first_poll() {
    let prices = [10, 20, 30];
    // `now_or_never` polls once: the future is done before it could wait.
    assert_eq!(total_async(&prices).now_or_never(), Some(total(&prices)));
}
// ANCHOR_END: never_awaits_test

/// Starts a task that counts how often it gets the thread, yielding after
/// each count; returns the count.
fn heartbeat() -> Arc<AtomicU64> {
    let beats = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&beats);
    tokio::spawn(async move {
        loop {
            counter.fetch_add(1, Ordering::Relaxed);
            tokio::task::yield_now().await;
        }
    });
    beats
}

// ANCHOR: blocking_test
#[tokio::test] // one thread: what the blocked task holds, nobody else gets
async fn a_blocking_call_stops_every_other_task_on_its_thread() {
    let beats = heartbeat();
    tokio::task::yield_now().await; // let the heartbeat start
    // ANCHOR: blocking_question
    let before = beats.load(Ordering::Relaxed);
    assert_eq!(price_blocking(7).await, 70);
    let during_blocking = beats.load(Ordering::Relaxed) - before;

    let before = beats.load(Ordering::Relaxed);
    assert_eq!(price_off_the_runtime(7).await, 70);
    let during_spawn_blocking = beats.load(Ordering::Relaxed) - before;
    // ANCHOR_END: blocking_question
    // ANCHOR: blocking_answer
    assert_eq!(during_blocking, 0);
    assert!(during_spawn_blocking > 0);
    // ANCHOR_END: blocking_answer
}
// ANCHOR_END: blocking_test

#[tokio::test]
async fn rayon_computes_what_the_task_waits_for() {
    let bytes: Vec<u8> = (0..=255).cycle().take(100_000).collect();
    assert_eq!(checksum_on_rayon(bytes.clone()).await, checksum(&bytes));
}

// ANCHOR: loop_test
#[tokio::test(start_paused = true)]
async fn a_hundred_fetches_awaited_in_a_loop_and_gathered() {
    let ids: Vec<u64> = (0..100).collect();
    // ANCHOR: loop_question
    let start = Instant::now();
    let one_by_one = prices_one_by_one(&ids).await;
    let in_a_loop = start.elapsed();

    let start = Instant::now();
    let gathered = prices_gathered(&ids).await;
    let together = start.elapsed();
    // ANCHOR_END: loop_question
    // ANCHOR: loop_answer
    assert_eq!(one_by_one, gathered); // same prices, same order
    assert_eq!(in_a_loop, 100 * LATENCY); // 10 s of virtual time
    assert_eq!(together, LATENCY); // 100 ms
    // ANCHOR_END: loop_answer
}
// ANCHOR_END: loop_test

// ANCHOR: sequential_test
#[tokio::test(start_paused = true)]
async fn three_independent_calls_in_turn_and_joined() {
    let start = Instant::now();
    let in_turn = dashboard_in_turn().await;
    assert_eq!(start.elapsed(), Duration::from_millis(100 + 200 + 300));

    let start = Instant::now();
    let joined = dashboard_joined().await;
    assert_eq!(start.elapsed(), Duration::from_millis(300));
    assert_eq!(in_turn, joined);
}
// ANCHOR_END: sequential_test

/// Looks at the lock halfway through a fetch, from another future of the
/// same task: is someone holding it?
async fn locked_halfway(total: &Mutex<u64>) -> bool {
    sleep(LATENCY / 2).await;
    total.try_lock().is_err()
}

// ANCHOR: lock_held_test
#[tokio::test(start_paused = true)]
async fn a_std_guard_held_across_an_await_locks_everyone_out() {
    let total = Mutex::new(0);
    let watched = add_holding_the_lock(&total);
    let ((), held) = tokio::join!(watched, locked_halfway(&total));
    assert!(held, "the guard is held while the fetch waits");

    let watched = add_after_the_wait(&total);
    let ((), held) = tokio::join!(watched, locked_halfway(&total));
    assert!(!held, "the lock is free while the fetch waits");
    assert_eq!(*total.lock().unwrap(), 2);
}
// ANCHOR_END: lock_held_test

#[tokio::test(start_paused = true)]
async fn ten_adds_holding_an_async_lock_and_ten_after_the_wait() {
    // ANCHOR: async_lock_question
    let async_total = tokio::sync::Mutex::new(0);
    let start = Instant::now();
    futures::future::join_all(
        (0..10).map(|_| add_holding_an_async_lock(&async_total)),
    )
    .await;
    let holding = start.elapsed();

    let total = Mutex::new(0);
    let start = Instant::now();
    futures::future::join_all((0..10).map(|_| add_after_the_wait(&total)))
        .await;
    let after_the_wait = start.elapsed();
    // ANCHOR_END: async_lock_question
    // ANCHOR: async_lock_answer
    assert_eq!(holding, 10 * LATENCY); // one at a time: 1 s
    assert_eq!(after_the_wait, LATENCY); // all waits at once: 100 ms
    assert_eq!(
        (*async_total.lock().await, *total.lock().unwrap()),
        (10, 10)
    );
    // ANCHOR_END: async_lock_answer
}

// ANCHOR: detached_test
#[tokio::test(start_paused = true)]
async fn a_detached_panic_goes_unnoticed_a_task_group_reports_it() {
    let uploaded = Uploaded::default();
    upload_all_detached(0..5, &uploaded); // returns at once, reports nothing
    assert!(uploaded.lock().unwrap().is_empty(), "nothing has run yet");
    sleep(2 * LATENCY).await;
    // Four uploads ran; the fifth panicked, and only stderr heard of it.
    assert_eq!(*uploaded.lock().unwrap(), [0, 1, 2, 4]);

    let uploaded = Uploaded::default();
    let failure = upload_all(0..5, &uploaded).await.unwrap_err();
    assert!(failure.is_panic());
    let message = failure.into_panic();
    let message = message.downcast_ref::<String>().unwrap();
    assert!(message.contains("upload 3 failed"), "{message}");
}
// ANCHOR_END: detached_test

#[tokio::test(start_paused = true)]
async fn dropping_handles_detaches_dropping_a_join_set_aborts() {
    // ANCHOR: drop_question
    let uploaded = Uploaded::default();
    for id in [10, 11] {
        let handle = tokio::spawn(upload(id, Arc::clone(&uploaded)));
        drop(handle);
    }
    let mut group = tokio::task::JoinSet::new();
    for id in [20, 21] {
        group.spawn(upload(id, Arc::clone(&uploaded)));
    }
    drop(group);
    sleep(2 * LATENCY).await; // long enough for every upload to finish
    // ANCHOR_END: drop_question
    // ANCHOR: drop_answer
    let mut finished = uploaded.lock().unwrap().clone();
    finished.sort_unstable();
    assert_eq!(finished, [10, 11]); // the detached ones; the group's aborted
    // ANCHOR_END: drop_answer
}

// ANCHOR: never_awaited_test
#[tokio::test(start_paused = true)]
async fn a_future_never_awaited_never_runs() {
    // ANCHOR: never_awaited_question
    let log = AuditLog::default();
    check_out_forgetting(&log).await;
    check_out_discarding(&log).await;
    sleep(10 * LATENCY).await; // however long we wait
    let forgotten = log.events().len();
    check_out(&log).await;
    let awaited = log.events().len() - forgotten;
    // ANCHOR_END: never_awaited_question
    // ANCHOR: never_awaited_answer
    assert_eq!((forgotten, awaited), (0, 1));
    // ANCHOR_END: never_awaited_answer
}
// ANCHOR_END: never_awaited_test

// ANCHOR: composite_test
#[tokio::test(start_paused = true)]
async fn every_version_of_the_report_computes_the_same_total() {
    // The paused clock sees tokio's timers only: a blocking read takes real
    // time and no virtual time. Zero it here; the table measures it.
    let scenario = Scenario {
        tax_table_wait: Duration::ZERO,
        ..Scenario::REPORT
    };
    for version in Version::ALL {
        let start = Instant::now();
        let total = version.report(scenario).await;
        assert_eq!(total, expected_total(&scenario), "{version:?}");
        let expected = version.expected_wait(&scenario);
        assert_eq!(start.elapsed(), expected);
    }
}
// ANCHOR_END: composite_test

#[test]
fn the_bad_habits_take_six_point_six_times_the_ideal() {
    let scenario = Scenario::REPORT;
    let bad = Version::BadHabits.expected_wait(&scenario);
    assert_eq!(bad.as_secs_f64() / scenario.ideal().as_secs_f64(), 6.6);
    assert_eq!(
        Version::DoneRight.expected_wait(&scenario),
        scenario.ideal()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_blocking_read_delays_only_the_versions_that_make_it_in_line() {
    // Real time, with waits short enough for a test: what the table shows.
    let scenario = Scenario {
        orders: 4,
        order_wait: Duration::from_millis(20),
        rate_wait: Duration::from_millis(40),
        discount_wait: Duration::from_millis(30),
        tax_table_wait: Duration::from_millis(40),
    };
    let start = std::time::Instant::now();
    let bad = report_with_bad_habits(scenario).await;
    let bad_took = start.elapsed();
    let start = std::time::Instant::now();
    let good = report_done_right(scenario).await;
    let good_took = start.elapsed();
    assert_eq!(bad, good);
    // Lower bounds only: a loaded machine can make anything slower.
    assert!(bad_took >= Version::BadHabits.expected_wait(&scenario));
    assert!(good_took >= scenario.ideal());
}
