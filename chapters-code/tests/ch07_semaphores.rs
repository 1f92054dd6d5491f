//! Chapter 7: the fragile service broken by a gather and kept whole by a
//! semaphore, owned permits, a closed semaphore, `buffer_unordered` and a
//! rate limit, each checked against what the service counted; then the
//! other primitives, and the deadlocking parents, under tokio's paused clock
//! wherever time matters.

use std::sync::Arc;
use std::time::Duration;

use chapters_code::ch07_semaphores::contention::{
    Counter, INCREMENTS, increment,
};
use chapters_code::ch07_semaphores::laundry::{FirstMachine, Laundry};
use chapters_code::ch07_semaphores::limit::{
    REQUESTS, SERVICE_LIMIT, Tally, fetch_all, fetch_all_limited,
    fetch_in_tasks, fetch_in_window, names, start_fragile_service,
};
use chapters_code::ch07_semaphores::locks::{
    ROUND_TRIP, count_hits, readers_and_a_writer, share_connection,
};
use chapters_code::ch07_semaphores::rate::{
    RateLimit, fetch_at_rate, most_in_any_window,
};
use chapters_code::ch07_semaphores::signals::{
    keen_and_idle, latest_of_three, leave_together, wait_for_a_full_basket,
    wait_for_a_full_basket_async, wait_for_buzzer,
};
use chapters_code::ch07_semaphores::{LIMIT_ROWS, ideal_time, limit_ids};
use chapters_code::creature_service::{CreatureClient, CreatureService};
use futures::future::join_all;
use tokio::sync::{Notify, Semaphore, TryAcquireError, broadcast};
use tokio::time::{Instant, MissedTickBehavior, sleep, timeout};

const LATENCY: Duration = Duration::from_millis(100);
const PATIENT: Duration = Duration::from_secs(30);
/// How long a test waits for the service to see what it expects.
const SEEN_WITHIN: Duration = Duration::from_secs(2);

async fn fragile() -> (CreatureService, CreatureClient) {
    let service = start_fragile_service(LATENCY).await.unwrap();
    let client = CreatureClient::new(service.addr(), PATIENT).unwrap();
    (service, client)
}

#[tokio::test(start_paused = true)]
async fn gathering_twenty_at_once_breaks_the_fragile_service() {
    let (service, client) = fragile().await;
    // ANCHOR: unlimited_question
    let names = names(20);
    let outcomes = fetch_all(&client, &names).await;
    let tally = Tally::of(&outcomes);
    // ANCHOR_END: unlimited_question
    // ANCHOR: unlimited_answer
    assert_eq!((tally.completed, tally.overloaded), (10, 10));
    let stats = service.stats();
    assert_eq!((stats.peak_in_flight, stats.limit_violations), (10, 10));
    // ANCHOR_END: unlimited_answer
    assert_eq!(tally.other, 0);
    assert_eq!(stats.received, 20);
}

#[tokio::test(start_paused = true)]
async fn a_semaphore_of_eight_keeps_every_request_under_the_limit() {
    let (service, client) = fragile().await;
    // ANCHOR: semaphore_question
    let permits = Semaphore::new(8);
    let start = Instant::now();
    let outcomes = fetch_all_limited(&client, &names(20), &permits).await;
    let took = start.elapsed();
    // ANCHOR_END: semaphore_question
    // ANCHOR: semaphore_answer
    assert_eq!(Tally::of(&outcomes).completed, 20);
    assert_eq!(took, Duration::from_millis(300));
    let stats = service.stats();
    assert_eq!((stats.peak_in_flight, stats.limit_violations), (8, 0));
    // ANCHOR_END: semaphore_answer
    assert_eq!(stats.with_status(200), 20);
}

#[tokio::test(start_paused = true)]
async fn a_semaphore_of_ten_reaches_the_limit_and_never_passes_it() {
    let (service, client) = fragile().await;
    let permits = Semaphore::new(SERVICE_LIMIT);
    let start = Instant::now();
    let outcomes = fetch_all_limited(&client, &names(20), &permits).await;
    assert_eq!(Tally::of(&outcomes).completed, 20);
    assert_eq!(start.elapsed(), LATENCY * 2);
    let stats = service.stats();
    assert_eq!((stats.peak_in_flight, stats.limit_violations), (10, 0));
}

#[tokio::test(start_paused = true)]
async fn spawned_tasks_with_owned_permits_stay_under_the_limit() {
    let (service, client) = fragile().await;
    let start = Instant::now();
    let permits = Arc::new(Semaphore::new(8));
    let done = fetch_in_tasks(&client, &names(20), permits).await;
    assert_eq!(start.elapsed(), LATENCY * 3);
    let mut indices: Vec<usize> = done.iter().map(|(i, _)| *i).collect();
    indices.sort_unstable();
    assert_eq!(indices, (0..20).collect::<Vec<_>>());
    let outcomes: Vec<_> = done.into_iter().map(|(_, o)| o).collect();
    assert_eq!(Tally::of(&outcomes).completed, 20);
    let stats = service.stats();
    assert_eq!((stats.peak_in_flight, stats.limit_violations), (8, 0));
}

// ANCHOR: close_in_flight
#[tokio::test(start_paused = true)]
async fn closing_the_semaphore_stops_new_requests_and_lets_eight_finish() {
    let (service, client) = fragile().await;
    let permits = Arc::new(Semaphore::new(8));
    let fetching = tokio::spawn({
        let (permits, client) = (Arc::clone(&permits), client.clone());
        async move { fetch_in_tasks(&client, &names(20), permits).await }
    });
    let stats = service.stats_when(SEEN_WITHIN, |s| s.in_flight == 8).await;
    assert_eq!(stats.in_flight, 8);
    permits.close();
    let done = fetching.await.unwrap();
    let outcomes: Vec<_> = done.into_iter().map(|(_, o)| o).collect();
    assert_eq!(Tally::of(&outcomes).completed, 8);
    assert_eq!(service.stats().received, 8, "nothing sent after close");
}
// ANCHOR_END: close_in_flight

// ANCHOR: close
#[tokio::test(start_paused = true)]
async fn close_fails_the_waiters_and_leaves_the_holders_alone() {
    let permits = Arc::new(Semaphore::new(2));
    let held = Arc::clone(&permits).acquire_many_owned(2).await.unwrap();
    let waiter = tokio::spawn({
        let permits = Arc::clone(&permits);
        async move { permits.acquire().await.map(drop) }
    });
    tokio::task::yield_now().await; // the waiter is queued now
    permits.close();
    assert!(
        waiter.await.unwrap().is_err(),
        "the waiter gets AcquireError"
    );
    assert_eq!(held.num_permits(), 2, "the holder keeps its permits");
    drop(held);
    assert_eq!(permits.available_permits(), 2, "given back on drop");
    assert_eq!(permits.try_acquire().err(), Some(TryAcquireError::Closed));
}
// ANCHOR_END: close

#[tokio::test(start_paused = true)]
async fn buffer_unordered_is_the_same_limit_as_a_stream() {
    let (service, client) = fragile().await;
    let start = Instant::now();
    let outcomes = fetch_in_window(&client, &names(20), 8).await;
    assert_eq!(start.elapsed(), LATENCY * 3);
    assert_eq!(Tally::of(&outcomes).completed, 20);
    let stats = service.stats();
    assert_eq!((stats.peak_in_flight, stats.limit_violations), (8, 0));
}

#[test]
fn the_table_bounds_are_one_latency_per_round() {
    assert_eq!(limit_ids().len(), LIMIT_ROWS.len());
    let rounds: Vec<Duration> = LIMIT_ROWS
        .iter()
        .map(|(_, limit)| ideal_time(REQUESTS, *limit, LATENCY))
        .collect();
    assert_eq!(rounds, [LATENCY * 3, LATENCY * 2, LATENCY, LATENCY * 3]);
}

// ANCHOR: rate_test
#[tokio::test(start_paused = true)]
async fn twenty_requests_at_ten_a_second_take_one_point_nine_seconds() {
    let (service, client) = fragile().await;
    let rate = RateLimit::per_second(10);
    let start = Instant::now();
    let sent_at = |_| async {
        rate.until_ready().await;
        start.elapsed()
    };
    let sent: Vec<Duration> = join_all((0..20).map(sent_at)).await;
    assert_eq!(sent.iter().max(), Some(&Duration::from_millis(1900)));
    assert_eq!(most_in_any_window(&sent, Duration::from_secs(1)), 10);

    let rate = RateLimit::per_second(10);
    let start = Instant::now();
    let outcomes = fetch_at_rate(&client, &names(20), &rate).await;
    assert_eq!(Tally::of(&outcomes).completed, 20);
    assert_eq!(start.elapsed(), Duration::from_millis(1900) + LATENCY);
    let stats = service.stats();
    assert_eq!((stats.received, stats.limit_violations), (20, 0));
}
// ANCHOR_END: rate_test

/// When each of `callers` callers got through `rate`, after it sat idle
/// for `idle`.
async fn sent_after_idle(rate: &RateLimit, idle: Duration) -> Vec<Duration> {
    sleep(idle).await;
    let start = Instant::now();
    join_all((0..20).map(|_| async {
        rate.until_ready().await;
        start.elapsed()
    }))
    .await
}

// ANCHOR: missed_ticks
#[tokio::test(start_paused = true)]
async fn only_delay_keeps_the_rate_after_an_idle_spell() {
    let idle = Duration::from_millis(3050);
    let second = Duration::from_secs(1);
    let most = |behavior| async move {
        let rate = RateLimit::with_behavior(10, behavior);
        most_in_any_window(&sent_after_idle(&rate, idle).await, second)
    };
    assert_eq!(most(MissedTickBehavior::Burst).await, 20);
    assert_eq!(most(MissedTickBehavior::Skip).await, 11);
    assert_eq!(most(MissedTickBehavior::Delay).await, 10);
}
// ANCHOR_END: missed_ticks

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_std_mutex_held_briefly_loses_no_hit() {
    assert_eq!(count_hits(8, 1_000).await, 8_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_counter_of_the_benchmark_counts_every_increment() {
    for counter in [Counter::Atomic, Counter::StdMutex, Counter::TokioMutex] {
        assert_eq!(increment(counter, 4).await, 4 * INCREMENTS, "{counter:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_tokio_mutex_keeps_each_request_with_its_reply() {
    let start = Instant::now();
    let replies = share_connection(5).await;
    assert_eq!(replies.len(), 5);
    for (sent, reply) in replies {
        assert_eq!(reply, Some(sent));
    }
    assert_eq!(start.elapsed(), ROUND_TRIP * 5, "one caller at a time");
}

#[tokio::test(start_paused = true)]
async fn readers_share_and_a_waiting_writer_goes_before_later_readers() {
    let hold = Duration::from_millis(100);
    let times = readers_and_a_writer(hold).await;
    assert_eq!(times.early_readers, [Duration::ZERO; 3]);
    assert_eq!(times.writer, hold, "after the early readers");
    assert_eq!(times.late_reader, hold * 2, "after the writer");
}

#[tokio::test(start_paused = true)]
async fn the_buzzer_is_heard_when_the_cycle_ends() {
    let cycle = Duration::from_secs(45 * 60);
    assert_eq!(wait_for_buzzer(cycle).await, cycle);
}

// ANCHOR: notify_permit
#[tokio::test(start_paused = true)]
async fn notify_one_stores_a_permit_and_notify_waiters_does_not() {
    let soon = Duration::from_millis(10);
    let early = Notify::new();
    early.notify_one(); // nobody waits yet: a permit is stored
    assert!(timeout(soon, early.notified()).await.is_ok());
    assert!(timeout(soon, early.notified()).await.is_err(), "only one");

    let broadcast_only = Notify::new();
    broadcast_only.notify_waiters(); // nobody waits: nothing is kept
    let late = timeout(soon, broadcast_only.notified()).await;
    assert!(late.is_err());
}
// ANCHOR_END: notify_permit

#[tokio::test(start_paused = true)]
async fn a_barrier_lets_everyone_go_when_the_last_arrives() {
    let ms = Duration::from_millis;
    let left = leave_together(&[ms(10), ms(30), ms(20)]).await;
    assert!(left.iter().all(|(at, _)| *at == ms(30)), "{left:?}");
    let leaders = left.iter().filter(|(_, leader)| *leader).count();
    assert_eq!(leaders, 1);
}

#[test]
fn a_watch_receiver_sees_only_the_latest_value() {
    // ANCHOR: watch_question
    let (seen, more_to_see) = latest_of_three();
    // ANCHOR_END: watch_question
    // ANCHOR: watch_answer
    assert_eq!(seen, ["spinning"]);
    assert!(!more_to_see);
    // ANCHOR_END: watch_answer
}

#[tokio::test]
async fn a_broadcast_receiver_sees_every_value_or_hears_how_many_it_lost() {
    let (keen, idle) = keen_and_idle(4, 6).await;
    assert_eq!(keen, [1, 2, 3, 4, 5, 6]);
    let lagged = broadcast::error::RecvError::Lagged(2);
    assert_eq!(idle, [Err(lagged), Ok(3), Ok(4), Ok(5), Ok(6)]);
}

#[test]
fn a_condvar_waiter_wakes_for_good_only_once_the_basket_is_full() {
    for _ in 0..20 {
        let found = wait_for_a_full_basket(3, 5);
        assert!((3..=5).contains(&found), "{found}");
    }
}

#[tokio::test(start_paused = true)]
async fn wait_for_rechecks_the_condition_on_every_change() {
    let every = Duration::from_secs(60);
    let (items, took) = wait_for_a_full_basket_async(3, every).await;
    assert_eq!((items, took), (3, every * 3));
}

// ANCHOR: deadlock
#[tokio::test(start_paused = true)]
async fn two_parents_taking_the_machines_in_opposite_orders_deadlock() {
    let laundry = Laundry::default();
    let both = async {
        tokio::join!(
            laundry.do_a_load(FirstMachine::Washer),
            laundry.do_a_load(FirstMachine::Dryer),
        )
    };
    let patience = Duration::from_secs(24 * 60 * 60);
    assert!(timeout(patience, both).await.is_err(), "a day, and stuck");
    assert!(laundry.both_free(), "dropping the stuck parents freed both");
}
// ANCHOR_END: deadlock

// ANCHOR: deadlock_fixed
#[tokio::test(start_paused = true)]
async fn one_global_lock_order_lets_both_parents_finish() {
    let laundry = Laundry::default();
    let start = Instant::now();
    tokio::join!(
        laundry.do_a_load_in_order(FirstMachine::Washer),
        laundry.do_a_load_in_order(FirstMachine::Dryer),
    );
    // One after the other: each parent holds a machine for two loadings.
    let loading = chapters_code::ch07_semaphores::laundry::LOADING;
    assert_eq!(start.elapsed(), loading * 4);
}
// ANCHOR_END: deadlock_fixed
