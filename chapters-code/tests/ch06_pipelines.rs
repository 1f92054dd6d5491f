//! Chapter 6: the designs' latencies under tokio's paused clock, the
//! drifting and the drift-free producer, backpressure (bounded and
//! unbounded, in items and in bytes), end of stream by closing, the CPU
//! stage keeping the async thread free, and a million items accounted for
//! exactly once.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant as WallClock};

use chapters_code::ch06_pipelines::cpu_stage::{
    cpu_stage, cpu_stage_inline, crunch,
};
use chapters_code::ch06_pipelines::designs::{
    Delivery, bounded_workers, collect_then_gather, polling_consumer, send_all,
    spawn_fetchers, stream_pipeline, three_stages,
};
use chapters_code::ch06_pipelines::no_loss::{
    Fate, Faults, Id, Ledger, Parsed, Plan, run_accounted,
};
use chapters_code::ch06_pipelines::producers::{
    Item, Pacing, on_schedule, sleep_loop,
};
use futures::{StreamExt, stream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep, timeout};
use tokio_util::sync::CancellationToken;

const MS: Duration = Duration::from_millis(1);

// ---------------------------------------------------------------------------
// Live heap bytes of the calling thread: a current-thread runtime allocates
// everything on the test's own thread, so tests running in parallel do not
// disturb each other's figures.

struct CountingAllocator;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn count_bytes(delta: isize) {
    let _ = LIVE.try_with(|live| {
        live.set(live.get() + delta);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
    });
}

// SAFETY: every call is forwarded to `System` unchanged; the counters are
// plain thread-local cells that never allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_bytes(layout.size() as isize);
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count_bytes(-(layout.size() as isize));
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Starts measuring the peak of this thread's live heap bytes; the
/// returned function gives the peak above the start so far.
fn peak_heap_from_now() -> impl Fn() -> isize {
    let start = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(start));
    move || PEAK.with(Cell::get) - start
}

// ---------------------------------------------------------------------------
// The designs under the paused clock: 20 items 10 ms apart, 100 ms of work.

const ITEMS: u64 = 20;
const PERIOD: Duration = Duration::from_millis(10);
const WORK: Duration = Duration::from_millis(100);

fn latencies(deliveries: &[Delivery]) -> Vec<Duration> {
    let mut sorted = deliveries.to_vec();
    sorted.sort_by_key(|delivery| delivery.id);
    let ids: Vec<u64> = sorted.iter().map(|delivery| delivery.id).collect();
    assert_eq!(ids, (0..ITEMS).collect::<Vec<_>>(), "each item once");
    sorted.iter().map(Delivery::latency).collect()
}

#[tokio::test(start_paused = true)]
async fn collect_then_gather_ends_on_time_but_early_items_wait_longest() {
    let start = Instant::now();
    let delivered = collect_then_gather(on_schedule(ITEMS, PERIOD), WORK).await;
    // The ideal total: the producer's time plus one item's work.
    assert_eq!(start.elapsed(), PERIOD * ITEMS as u32 + WORK);
    let latencies = latencies(&delivered);
    // Item 0 waits for the other nineteen to be produced, then the work.
    assert_eq!(latencies[0], PERIOD * (ITEMS as u32 - 1) + WORK);
    assert_eq!(latencies[ITEMS as usize - 1], WORK);
}

#[tokio::test(start_paused = true)]
async fn the_polling_consumer_adds_up_to_one_poll_to_every_item() {
    let every = Duration::from_millis(50);
    let start = Instant::now();
    let delivered =
        polling_consumer(on_schedule(ITEMS, PERIOD), WORK, every).await;
    let latencies = latencies(&delivered);
    assert!(latencies.iter().all(|l| (WORK..=WORK + every).contains(l)));
    // Items made just after a poll wait for the next one.
    assert!(latencies.iter().any(|l| *l >= WORK + every - PERIOD));
    assert!(start.elapsed() > PERIOD * ITEMS as u32 + WORK);
}

#[tokio::test(start_paused = true)]
async fn workers_and_the_stream_deliver_each_item_one_work_after_it_is_made() {
    for design in 0..2 {
        let start = Instant::now();
        let items = on_schedule(ITEMS, PERIOD);
        let delivered = match design {
            0 => bounded_workers(items, WORK, 16, 16).await,
            _ => stream_pipeline(items, WORK, 16).await,
        };
        assert!(latencies(&delivered).iter().all(|l| *l == WORK));
        assert_eq!(start.elapsed(), PERIOD * ITEMS as u32 + WORK);
    }
}

#[tokio::test(start_paused = true)]
async fn too_few_workers_make_items_queue() {
    // Ten items are in their 100 ms of work at any time: five workers
    // cannot keep up, and the queue grows latencies item after item.
    let delivered =
        bounded_workers(on_schedule(ITEMS, PERIOD), WORK, 5, 16).await;
    let latencies = latencies(&delivered);
    assert_eq!(latencies[0], WORK);
    assert!(latencies[ITEMS as usize - 1] > WORK * 2, "{latencies:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_stages_deliver_every_item_once_parsed_on_rayon() {
    let on_rayon = |item: Item| {
        let thread = std::thread::current();
        let name = thread.name().unwrap_or_default();
        assert!(!name.starts_with("tokio"), "parsed on {name}");
        crunch(item.id, 10_000);
        item
    };
    let items = on_schedule(ITEMS, MS);
    let delivered = three_stages(items, MS * 5, on_rayon, 4, 4).await;
    latencies(&delivered);
}

// ---------------------------------------------------------------------------
// Drift.

#[tokio::test(start_paused = true)]
async fn in_paused_time_whole_millisecond_sleeps_do_not_drift() {
    // The paused clock starts on a millisecond and jumps straight to each
    // deadline, so a 10 ms sleep takes exactly 10 ms: no pacing drifts.
    for pacing in Pacing::ALL {
        let start = Instant::now();
        let last = pacing.items(200, PERIOD).collect::<Vec<_>>().await;
        assert_eq!(last.len(), 200);
        assert_eq!(start.elapsed(), PERIOD * 200, "{pacing:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_sleep_loop_drifts_by_every_overshoot_and_a_schedule_does_not() {
    // A period of 10.5 ms: tokio's timer rounds each deadline up to the
    // next millisecond, so every sleep of the loop overshoots by 0.5 ms and
    // the loop carries it forward; the schedule rounds each deadline too,
    // but each one is counted from the start.
    let period = Duration::from_micros(10_500);
    let mut ends = Vec::new();
    for pacing in Pacing::ALL {
        let start = Instant::now();
        pacing.items(200, period).for_each(|_| async {}).await;
        ends.push(start.elapsed());
    }
    assert_eq!(ends, [MS * 2200, MS * 2100, MS * 2100]);
}

#[tokio::test(start_paused = true)]
async fn time_spent_between_sleeps_adds_up_in_a_loop_only() {
    // ANCHOR: drift_question
    // 200 items, 10 ms apart; whoever takes them spends 1 ms on each.
    let start = Instant::now();
    let mut last_looped = Duration::ZERO;
    let mut looped = std::pin::pin!(sleep_loop(200, PERIOD));
    while let Some(item) = looped.next().await {
        last_looped = item.produced_at - start;
        sleep(MS).await;
    }
    let start = Instant::now();
    let mut last_scheduled = Duration::ZERO;
    let mut scheduled = std::pin::pin!(on_schedule(200, PERIOD));
    while let Some(item) = scheduled.next().await {
        last_scheduled = item.produced_at - start;
        sleep(MS).await;
    }
    // ANCHOR_END: drift_question
    // ANCHOR: drift_answer
    assert_eq!(last_looped, MS * 2199);
    assert_eq!(last_scheduled, MS * 2000);
    // ANCHOR_END: drift_answer
}

// ---------------------------------------------------------------------------
// Backpressure.

/// A pipeline with instrumented ends: a producer that counts its completed
/// sends, `workers` fetchers (1 ms each) between a channel of
/// `to_workers` and one of `to_consumer` slots, and a consumer that counts
/// what it receives and spends `slow` on each. Returns the most items the
/// producer ever had sent that the consumer had not yet received.
async fn most_ahead(
    items: u64,
    to_workers: usize,
    workers: usize,
    to_consumer: usize,
    slow: Duration,
) -> u64 {
    let (sent, received) = (Arc::new(AtomicU64::new(0)), AtomicU64::new(0));
    let ahead = Arc::new(AtomicU64::new(0));
    let (to_fetchers, inbox) = mpsc::channel(to_workers);
    let (outbox, mut results) = mpsc::channel(to_consumer);
    let mut tasks = JoinSet::new();
    let (producer_sent, producer_ahead) =
        (Arc::clone(&sent), Arc::clone(&ahead));
    let received_by_consumer = Arc::new(received);
    let seen = Arc::clone(&received_by_consumer);
    tasks.spawn(async move {
        for id in 0..items {
            if to_fetchers.send(Item::new(id)).await.is_err() {
                return;
            }
            let sent = producer_sent.fetch_add(1, Ordering::SeqCst) + 1;
            let gap = sent - seen.load(Ordering::SeqCst);
            producer_ahead.fetch_max(gap, Ordering::SeqCst);
        }
    });
    spawn_fetchers(&mut tasks, inbox, &outbox, workers, MS);
    drop(outbox);
    while results.recv().await.is_some() {
        received_by_consumer.fetch_add(1, Ordering::SeqCst);
        sleep(slow).await;
    }
    tasks.join_all().await;
    assert_eq!(received_by_consumer.load(Ordering::SeqCst), items);
    ahead.load(Ordering::SeqCst)
}

#[tokio::test(start_paused = true)]
async fn a_bounded_pipeline_holds_the_producer_back() {
    // ANCHOR: ahead_question
    // A producer as fast as it can go; 4 slots before 3 workers, 2 slots
    // after them; a consumer that takes 50 ms per item. How many items
    // can the producer have sent that the consumer has not yet received?
    let ahead = most_ahead(100, 4, 3, 2, MS * 50).await;
    // ANCHOR_END: ahead_question
    // ANCHOR: ahead_answer
    assert_eq!(ahead, 4 + 3 + 2);
    // ANCHOR_END: ahead_answer
    assert_eq!(most_ahead(100, 1, 1, 1, MS * 50).await, 3);
}

/// An item with a kilobyte of payload, so that memory is counted in items.
type Heavy = (u64, Vec<u8>);

fn heavy(id: u64) -> Heavy {
    (id, vec![0; 1024])
}

#[tokio::test(start_paused = true)]
async fn bounded_memory_stays_flat_and_unbounded_memory_grows() {
    const N: u64 = 1000;
    // A producer making an item a millisecond, a consumer taking two.
    // Bounded: the producer waits for room, the heap holds a few items.
    let peak = peak_heap_from_now();
    let (to, mut from) = mpsc::channel::<Heavy>(8);
    let producer = tokio::spawn(async move {
        for id in 0..N {
            sleep(MS).await;
            if to.send(heavy(id)).await.is_err() {
                return;
            }
        }
    });
    let mut longest = 0;
    loop {
        longest = longest.max(from.len());
        let Some(item) = from.recv().await else { break };
        drop(item);
        sleep(MS * 2).await;
    }
    producer.await.unwrap();
    let bounded_peak = peak();
    assert_eq!(longest, 8);
    // Unbounded: the producer never waits, the queue and the heap grow.
    let peak = peak_heap_from_now();
    let (to, mut from) = mpsc::unbounded_channel::<Heavy>();
    let producer = tokio::spawn(async move {
        for id in 0..N {
            sleep(MS).await;
            let _ = to.send(heavy(id));
        }
    });
    let mut longest = 0;
    loop {
        longest = longest.max(from.len());
        let Some(item) = from.recv().await else { break };
        drop(item);
        sleep(MS * 2).await;
    }
    producer.await.unwrap();
    let unbounded_peak = peak();
    // The producer makes an item a millisecond, the consumer takes two:
    // by the end, half the items wait in the queue.
    assert!(longest >= 499, "{longest}");
    assert!(bounded_peak < 64 * 1024, "{bounded_peak}");
    assert!(unbounded_peak > 499 * 1024, "{unbounded_peak}");
}

// ---------------------------------------------------------------------------
// The end of the stream is the channel closing.

#[tokio::test(start_paused = true)]
async fn a_forgotten_sender_keeps_the_consumer_waiting() {
    // ANCHOR: closing_question
    let (to_fetchers, inbox) = mpsc::channel(4);
    let (to_consumer, mut results) = mpsc::channel(4);
    let mut tasks = JoinSet::new();
    tasks.spawn(send_all(on_schedule(5, PERIOD), to_fetchers));
    spawn_fetchers(&mut tasks, inbox, &to_consumer, 2, WORK);
    // No `drop(to_consumer)` here.
    let start = Instant::now();
    let mut received = 0;
    let drained = timeout(Duration::from_secs(60), async {
        while results.recv().await.is_some() {
            received += 1;
        }
    })
    .await;
    // ANCHOR_END: closing_question
    // ANCHOR: closing_answer
    assert_eq!(received, 5);
    assert!(drained.is_err(), "the loop never saw the channel close");
    assert_eq!(start.elapsed(), Duration::from_secs(60));
    // ANCHOR_END: closing_answer
    tasks.join_all().await;
    drop(to_consumer);
    assert_eq!(results.recv().await, None);
}

// ---------------------------------------------------------------------------
// The CPU stage and the async thread.

/// A parse that computes until the async side's heartbeat has ticked
/// `beats` more times (or `give_up` has passed, real time), and returns
/// how many ticks it saw.
fn parse_waiting_for(
    heartbeat: Arc<AtomicUsize>,
    beats: usize,
    give_up: Duration,
) -> impl Fn(u64) -> u64 + Clone + Send + 'static {
    move |_item| {
        let from = heartbeat.load(Ordering::SeqCst);
        let started = WallClock::now();
        while heartbeat.load(Ordering::SeqCst) < from + beats
            && started.elapsed() < give_up
        {
            crunch(from as u64, 1_000);
        }
        (heartbeat.load(Ordering::SeqCst) - from) as u64
    }
}

fn spawn_heartbeat() -> Arc<AtomicUsize> {
    let heartbeat = Arc::new(AtomicUsize::new(0));
    let ticks = Arc::clone(&heartbeat);
    tokio::spawn(async move {
        loop {
            ticks.fetch_add(1, Ordering::SeqCst);
            sleep(MS).await;
        }
    });
    heartbeat
}

// ANCHOR: responsive_test
#[tokio::test] // one async thread: the test's own
async fn the_async_thread_keeps_ticking_while_rayon_parses() {
    let heartbeat = spawn_heartbeat();
    let parse = parse_waiting_for(heartbeat, 5, Duration::from_secs(20));
    let seen: Vec<u64> =
        cpu_stage(stream::iter(0..4), parse, 2).collect().await;
    // Every parse saw the heartbeat tick five times while it computed.
    assert_eq!(seen.len(), 4);
    assert!(seen.iter().all(|ticks| *ticks >= 5), "{seen:?}");
}
// ANCHOR_END: responsive_test

// ANCHOR: starved_test
#[tokio::test]
async fn parsing_on_the_async_thread_stops_the_heartbeat() {
    let heartbeat = spawn_heartbeat();
    sleep(MS * 3).await; // the heartbeat has started
    let parse = parse_waiting_for(heartbeat, 5, Duration::from_millis(200));
    let seen: Vec<u64> =
        cpu_stage_inline(stream::iter(0..2), parse).collect().await;
    // Each parse gave up after 200 ms without seeing a single tick.
    assert_eq!(seen, [0, 0]);
}
// ANCHOR_END: starved_test

// ---------------------------------------------------------------------------
// Nothing lost: a million items, every one accounted for exactly once.

const MILLION: u64 = 1_000_000;
const BATCH: u64 = 1024;
const PANICS_AT: Id = 123_456;

fn fails(id: Id) -> bool {
    id % 997 == 13
}

const FAULTS: Faults = Faults {
    fails,
    panics_at: Some(PANICS_AT),
};

const PLAN: Plan = Plan {
    items: MILLION,
    batch: BATCH,
    workers: 4,
    capacity: 4,
};

/// The ids of the batch the panic struck: its worker held all of them.
fn struck() -> std::ops::Range<Id> {
    let first = PANICS_AT / BATCH * BATCH;
    first..first + BATCH
}

// ANCHOR: accounted_run
/// Runs the pipeline over a million items and checks that each has
/// exactly one fate; returns the ledger and the panics seen.
async fn run_million(
    shutdown: CancellationToken,
    consume: impl FnMut(&Parsed) -> ControlFlow<()>,
) -> (Arc<Ledger>, usize) {
    let ledger = Arc::new(Ledger::new(MILLION as usize));
    let run =
        run_accounted(PLAN, FAULTS, Arc::clone(&ledger), shutdown, consume);
    let panics = run.await;
    assert_eq!((ledger.unaccounted(), ledger.recorded_twice()), (0, 0));
    (ledger, panics)
}
// ANCHOR_END: accounted_run

fn count(ledger: &Ledger, fate: Fate) -> usize {
    ledger.count(fate)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_items_with_errors_and_a_panic_are_all_accounted_for() {
    let started = WallClock::now();
    let (ledger, panics) =
        run_million(CancellationToken::new(), |_| ControlFlow::Continue(()))
            .await;
    assert_eq!(panics, 1);
    let failed = (0..MILLION).filter(|id| fails(*id)).count();
    let failed_in_struck = struck().filter(|id| fails(*id)).count();
    assert_eq!(count(&ledger, Fate::Panicked), BATCH as usize);
    assert!(struck().all(|id| ledger.fate(id) == Some(Fate::Panicked)));
    assert_eq!(count(&ledger, Fate::Failed), failed - failed_in_struck);
    assert_eq!(count(&ledger, Fate::Cancelled), 0);
    assert!(
        (0..MILLION)
            .all(|id| { ledger.fate(id) != Some(Fate::Failed) || fails(id) })
    );
    eprintln!("a million items, full run: {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_that_stops_early_leaves_the_rest_reported() {
    let mut taken = 0;
    let (ledger, panics) = run_million(CancellationToken::new(), |_| {
        taken += 1;
        if taken == 600_000 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .await;
    assert_eq!(panics, 1);
    assert_eq!(count(&ledger, Fate::Delivered), 600_000);
    assert_eq!(count(&ledger, Fate::Panicked), BATCH as usize);
    assert!(count(&ledger, Fate::Cancelled) > 300_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_mid_stream_finishes_what_is_in_flight() {
    let shutdown = CancellationToken::new();
    let mut taken = 0;
    let (ledger, panics) = run_million(shutdown.clone(), |_| {
        taken += 1;
        if taken == 700_000 {
            shutdown.cancel();
        }
        ControlFlow::Continue(())
    })
    .await;
    assert_eq!(panics, 1);
    // Everything the producer sent finished; the rest was never sent.
    let first_cancelled = (0..MILLION)
        .find(|id| ledger.fate(*id) == Some(Fate::Cancelled))
        .expect("the shutdown came before the end");
    assert_eq!(first_cancelled % BATCH, 0, "whole batches are never sent");
    assert!(
        (first_cancelled..MILLION)
            .all(|id| { ledger.fate(id) == Some(Fate::Cancelled) })
    );
    // In flight at most: 4 batches in each of 3 channels, one in each of
    // the 4 workers' hands, one being parsed, one being consumed.
    let in_flight = (3 * 4 + 4 + 1 + 1) * BATCH;
    let delivered_by_then = 700_000 + count(&ledger, Fate::Panicked) as u64;
    assert!(first_cancelled <= delivered_by_then + in_flight + BATCH);
    assert!(count(&ledger, Fate::Delivered) > 700_000);
}
