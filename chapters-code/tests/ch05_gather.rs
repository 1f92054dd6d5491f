//! Chapter 5: the designs against the real service over loopback (order,
//! completeness, `None` for unknown names, errors), what each combinator
//! does to the requests still in flight when one fails or time runs out,
//! and the timing claims under tokio's paused clock.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::time::Duration;

use chapters_code::ch05_gather::fetch::{
    as_completed, fetch_from_first, fetch_gathered, fetch_gathered_all,
    fetch_in_chunks, fetch_in_detached_tasks, fetch_in_join_set,
    fetch_in_window, fetch_in_window_ordered, fetch_one_by_one,
};
use chapters_code::ch05_gather::ideal::{chunks_bound, draws, window_bound};
use chapters_code::ch05_gather::overhead::{Arrangement, gather_waits};
use chapters_code::creature_service::{
    CreatureClient, CreatureService, FetchError, Latency, ServiceConfig,
    SlowTail,
};
use futures::StreamExt;
use tokio::time::{Instant, sleep};

const PATIENT: Duration = Duration::from_secs(30);
const NAMES: [&str; 6] = [
    "brasipup",
    "nobody-here",
    "brasipup",
    "zzz",
    "brasipup",
    "brasipup",
];

async fn service_with(latency: Latency) -> (CreatureService, CreatureClient) {
    let config = ServiceConfig::default().with_latency(latency);
    let service = CreatureService::start(config).await.unwrap();
    let client = CreatureClient::new(service.addr(), PATIENT).unwrap();
    (service, client)
}

/// A service whose requests take ten seconds and which refuses a fourth
/// request in flight with 503: four requests at once end with three in
/// flight and one quick failure.
async fn overloaded_service() -> (CreatureService, CreatureClient) {
    let config = ServiceConfig::default()
        .with_latency(Latency::Fixed(Duration::from_secs(10)))
        .with_max_in_flight(3);
    let service = CreatureService::start(config).await.unwrap();
    let client = CreatureClient::new(service.addr(), PATIENT).unwrap();
    (service, client)
}

const FOUR: [&str; 4] = ["brasipup", "brasipup", "brasipup", "brasipup"];

/// How long a test waits for the service to see what it expects.
const SEEN_WITHIN: Duration = Duration::from_secs(2);

/// The three requests the service admitted were dropped unanswered, and
/// their connections closed.
async fn assert_three_abandoned(service: &CreatureService) {
    let stats = service
        .stats_when(SEEN_WITHIN, |s| {
            s.abandoned == 3 && s.connections_closed == 3
        })
        .await;
    assert_eq!(
        (stats.received, stats.with_status(503)),
        (4, 1),
        "{stats:?}"
    );
    assert_eq!((stats.abandoned, stats.in_flight), (3, 0), "{stats:?}");
    // The connection that carried the 503 stays in the client's pool.
    assert_eq!((stats.connections_opened, stats.connections_closed), (4, 3));
}

fn is_known(
    outcome: &Option<chapters_code::creature_service::Creature>,
) -> bool {
    outcome
        .as_ref()
        .is_some_and(|creature| creature.name == "brasipup")
}

#[tokio::test]
async fn one_by_one_keeps_order_and_never_overlaps() {
    let (service, client) =
        service_with(Latency::Fixed(Duration::from_millis(5))).await;
    let creatures = fetch_one_by_one(&client, &NAMES).await.unwrap();
    let known: Vec<bool> = creatures.iter().map(is_known).collect();
    assert_eq!(known, [true, false, true, false, true, true]);
    let stats = service.stats();
    assert_eq!((stats.peak_in_flight, stats.with_status(404)), (1, 2));
}

#[tokio::test]
async fn gathered_keeps_input_order_and_overlaps_every_request() {
    let (service, client) =
        service_with(Latency::Fixed(Duration::from_millis(200))).await;
    let creatures = fetch_gathered(&client, &NAMES).await.unwrap();
    let known: Vec<bool> = creatures.iter().map(is_known).collect();
    assert_eq!(known, [true, false, true, false, true, true]);
    assert_eq!(service.stats().peak_in_flight, NAMES.len());
}

#[tokio::test]
async fn as_completed_yields_every_index_once() {
    let (service, client) =
        service_with(Latency::Fixed(Duration::from_millis(50))).await;
    let arrived: Vec<(usize, bool)> = as_completed(&client, &NAMES)
        .map(|(index, outcome)| (index, is_known(&outcome.unwrap())))
        .collect()
        .await;
    let indices: BTreeSet<usize> = arrived.iter().map(|(i, _)| *i).collect();
    assert_eq!(indices, (0..NAMES.len()).collect());
    for (index, known) in arrived {
        assert_eq!(known, index != 1 && index != 3, "{index}");
    }
    assert_eq!(service.stats().peak_in_flight, NAMES.len());
}

#[tokio::test]
async fn chunks_and_the_window_keep_at_most_four_in_flight() {
    let names = [NAMES, NAMES].concat();
    let latency = Latency::Fixed(Duration::from_millis(20));
    for window in [false, true] {
        let (service, client) = service_with(latency.clone()).await;
        let done = if window {
            fetch_in_window(&client, &names, 4).await.unwrap()
        } else {
            fetch_in_chunks(&client, &names, 4).await.unwrap()
        };
        let indices: BTreeSet<usize> = done.iter().map(|(i, _)| *i).collect();
        assert_eq!(indices, (0..names.len()).collect());
        assert!(
            done.iter()
                .all(|(i, c)| is_known(c) == (i % 6 != 1 && i % 6 != 3))
        );
        assert_eq!(service.stats().peak_in_flight, 4, "window: {window}");
    }
    let (_service, client) = service_with(latency).await;
    let ordered = fetch_in_window_ordered(&client, &names, 4).await.unwrap();
    let known: Vec<bool> = ordered.iter().map(is_known).collect();
    assert_eq!(&known[..6], [true, false, true, false, true, true]);
    assert_eq!(known[..6], known[6..]);
}

async fn failing_service() -> (CreatureService, CreatureClient) {
    let faults = chapters_code::creature_service::Faults {
        error_rate: 1.0,
        ..Default::default()
    };
    let config = ServiceConfig::default().with_faults(faults);
    let service = CreatureService::start(config).await.unwrap();
    let client = CreatureClient::new(service.addr(), PATIENT).unwrap();
    (service, client)
}

#[tokio::test]
async fn an_error_propagates_from_every_design() {
    let status_500 = |e: FetchError| matches!(e, FetchError::Status(500));
    // Each design's most requests sent before it sees the first error.
    let designs = [("one by one", 1), ("chunks", 4), ("window", 4)];
    for (design, most_sent) in designs {
        let (service, client) = failing_service().await;
        let error = match design {
            "one by one" => fetch_one_by_one(&client, &NAMES).await.err(),
            "chunks" => fetch_in_chunks(&client, &NAMES, 4).await.err(),
            _ => fetch_in_window(&client, &NAMES, 4).await.err(),
        };
        assert!(status_500(error.unwrap()), "{design}");
        let received = service.stats().received;
        assert!((1..=most_sent).contains(&received), "{design}: {received}");
    }
    let (_service, client) = failing_service().await;
    assert!(status_500(
        fetch_gathered(&client, &NAMES).await.unwrap_err()
    ));
    let joined = fetch_in_join_set(&client, &NAMES).await;
    assert!(status_500(joined.unwrap_err()));
    let outcomes = fetch_gathered_all(&client, &NAMES).await;
    assert!(outcomes.into_iter().all(|o| status_500(o.unwrap_err())));
}

// ANCHOR: try_join_all_cancels
#[tokio::test]
async fn the_first_error_drops_the_requests_still_in_flight() {
    let (service, client) = overloaded_service().await;
    let start = std::time::Instant::now();
    let outcome = fetch_gathered(&client, &FOUR).await;
    assert!(matches!(outcome, Err(FetchError::Overloaded)));
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_three_abandoned(&service).await;
}
// ANCHOR_END: try_join_all_cancels

#[tokio::test]
async fn join_all_waits_for_everything_until_a_timeout_drops_it() {
    let (service, client) = overloaded_service().await;
    // ANCHOR: timeout
    let limit = Duration::from_millis(300);
    let gathered = fetch_gathered_all(&client, &FOUR);
    let outcome = tokio::time::timeout(limit, gathered).await;
    assert!(outcome.is_err(), "join_all does not stop at the 503");
    // ANCHOR_END: timeout
    assert_three_abandoned(&service).await;
}

#[tokio::test]
async fn the_window_drops_its_requests_on_the_first_error() {
    let (service, client) = overloaded_service().await;
    let outcome = fetch_in_window(&client, &FOUR, 4).await;
    assert!(matches!(outcome, Err(FetchError::Overloaded)));
    assert_three_abandoned(&service).await;
}

#[tokio::test]
async fn dropping_as_completed_after_the_first_result_drops_the_rest() {
    let (service, client) = overloaded_service().await;
    let mut pending = as_completed(&client, &FOUR);
    let (_, first) = pending.next().await.unwrap();
    assert!(matches!(first, Err(FetchError::Overloaded)));
    drop(pending);
    assert_three_abandoned(&service).await;
}

#[tokio::test]
async fn a_join_set_aborts_its_tasks_when_it_is_dropped() {
    let (service, client) = overloaded_service().await;
    let outcome = fetch_in_join_set(&client, &FOUR).await;
    assert!(matches!(outcome, Err(FetchError::Overloaded)));
    assert_three_abandoned(&service).await;
}

#[tokio::test]
async fn detached_tasks_keep_their_requests_in_flight() {
    let (service, client) = overloaded_service().await;
    let outcome = fetch_in_detached_tasks(&client, &FOUR).await;
    assert!(matches!(outcome, Err(FetchError::Overloaded)));
    // Nothing to wait for: the point is that nothing changes.
    sleep(Duration::from_millis(300)).await;
    let stats = service.stats();
    assert_eq!((stats.in_flight, stats.abandoned), (3, 0), "{stats:?}");
}

#[tokio::test]
async fn select_keeps_the_first_answer_and_drops_the_other_request() {
    let (slow, slow_client) =
        service_with(Latency::Fixed(Duration::from_secs(10))).await;
    let (quick, quick_client) = service_with(Latency::None).await;
    let creature =
        fetch_from_first(&slow_client, &quick_client, "brasipup").await;
    assert!(is_known(&creature.unwrap()));
    let stats = slow.stats_when(SEEN_WITHIN, |s| s.abandoned == 1).await;
    assert_eq!((stats.received, stats.abandoned), (1, 1));
    assert_eq!(stats.connections_closed, stats.connections_opened);
    assert_eq!(quick.stats().with_status(200), 1);
}

/// Records in `dropped` whether the future was dropped before it finished.
struct DropFlag<'a>(&'a Cell<bool>);

impl Drop for DropFlag<'_> {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

async fn fail_after(ms: u64) -> Result<(), &'static str> {
    sleep(Duration::from_millis(ms)).await;
    Err("failed")
}

async fn succeed_after(
    ms: u64,
    dropped: &Cell<bool>,
) -> Result<(), &'static str> {
    let flag = DropFlag(dropped);
    sleep(Duration::from_millis(ms)).await;
    std::mem::forget(flag);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn try_join_stops_at_the_first_error_and_join_waits() {
    // ANCHOR: join_question
    let dropped = Cell::new(false);
    let start = Instant::now();
    let both = tokio::try_join!(fail_after(10), succeed_after(1000, &dropped));
    let try_join_took = start.elapsed();
    let dropped_by_try_join = dropped.replace(false);

    let start = Instant::now();
    let (first, second) =
        tokio::join!(fail_after(10), succeed_after(1000, &dropped));
    let join_took = start.elapsed();
    // ANCHOR_END: join_question
    // ANCHOR: join_answer
    assert_eq!(both, Err("failed"));
    assert_eq!(try_join_took, Duration::from_millis(10));
    assert!(dropped_by_try_join, "the slow one was dropped unfinished");
    assert_eq!((first, second), (Err("failed"), Ok(())));
    assert_eq!(join_took, Duration::from_millis(1000));
    assert!(!dropped.get(), "join! let it finish");
    // ANCHOR_END: join_answer
}

#[tokio::test(start_paused = true)]
async fn buffered_lets_a_slow_head_hold_the_window() {
    // ANCHOR: buffered_question
    let latencies = [100, 10, 10, 10, 10, 10, 10, 10];
    let wait = |ms: u64| sleep(Duration::from_millis(ms));

    let start = Instant::now();
    let stream = futures::stream::iter(latencies).map(wait);
    stream.buffered(2).collect::<Vec<()>>().await;
    let buffered_took = start.elapsed();

    let start = Instant::now();
    let stream = futures::stream::iter(latencies).map(wait);
    stream.buffer_unordered(2).collect::<Vec<()>>().await;
    let unordered_took = start.elapsed();
    // ANCHOR_END: buffered_question
    // ANCHOR: buffered_answer
    assert_eq!(buffered_took, Duration::from_millis(130));
    assert_eq!(unordered_took, Duration::from_millis(100));
    // ANCHOR_END: buffered_answer
}

#[tokio::test(start_paused = true)]
async fn tokio_rounds_a_sleep_up_to_the_next_millisecond() {
    // ANCHOR: rounding_question
    let start = Instant::now();
    sleep(Duration::from_micros(1_001)).await;
    let took = start.elapsed();
    // ANCHOR_END: rounding_question
    // ANCHOR: rounding_answer
    assert_eq!(took, Duration::from_millis(2));
    // ANCHOR_END: rounding_answer
    let start = Instant::now();
    sleep(Duration::from_millis(3)).await;
    assert_eq!(start.elapsed(), Duration::from_millis(3));
}

#[tokio::test(start_paused = true)]
async fn every_arrangement_gathers_the_waits_into_one() {
    for arrangement in Arrangement::ALL {
        let start = Instant::now();
        gather_waits(arrangement, 1_000, Duration::from_millis(100)).await;
        assert_eq!(
            start.elapsed(),
            Duration::from_millis(100),
            "{arrangement:?}"
        );
    }
}

fn slow_tail(seed: u64) -> Latency {
    Latency::SlowTail(SlowTail {
        base: Duration::from_millis(50),
        jitter: 0.2,
        tail_probability: 0.15,
        tail_factor: 5,
        seed,
    })
}

// ANCHOR: window_beats_chunks
#[tokio::test(start_paused = true)]
async fn the_window_finishes_sooner_than_chunks_with_the_same_latencies() {
    let names = [NAMES; 4].concat();
    let latency = slow_tail(5);
    let drawn = draws(&latency, names.len());

    let (_service, client) = service_with(latency.clone()).await;
    let start = Instant::now();
    fetch_in_chunks(&client, &names, 4).await.unwrap();
    let chunks_took = start.elapsed();

    let (_service, client) = service_with(latency).await;
    let start = Instant::now();
    fetch_in_window(&client, &names, 4).await.unwrap();
    let window_took = start.elapsed();

    let close = |took: Duration, bound: Duration| {
        took >= bound && took <= bound + Duration::from_millis(10)
    };
    assert!(
        close(chunks_took, chunks_bound(&drawn, 4)),
        "{chunks_took:?}"
    );
    assert!(
        close(window_took, window_bound(&drawn, 4)),
        "{window_took:?}"
    );
    assert!(window_took < chunks_took);
}
// ANCHOR_END: window_beats_chunks

#[tokio::test(start_paused = true)]
async fn as_completed_hands_over_the_quickest_first() {
    let latency = slow_tail(5);
    let drawn = draws(&latency, NAMES.len());
    let (_service, client) = service_with(latency).await;
    let start = Instant::now();
    let mut pending = as_completed(&client, &NAMES);
    let mut arrivals = Vec::new();
    while let Some((_, outcome)) = pending.next().await {
        outcome.unwrap();
        arrivals.push(start.elapsed());
    }
    let quickest = drawn.iter().copied().min().unwrap();
    let slowest = drawn.iter().copied().max().unwrap();
    let one_ms = Duration::from_millis(1);
    assert!(arrivals[0] >= quickest && arrivals[0] <= quickest + one_ms);
    let last = arrivals[arrivals.len() - 1];
    assert!(last >= slowest && last <= slowest + one_ms, "{last:?}");
}
