//! The source article's designs and the right ones, each fed by a paced
//! producer and each returning when every result reached its consumer:
//! collect everything then gather, a consumer that polls a queue, a
//! bounded channel with N workers, a `Stream` with `buffer_unordered`, and
//! three stages whose middle one computes on rayon.

use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use futures::{Stream, StreamExt, stream};
use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep};

use super::cpu_stage::cpu_stage;
use super::producers::Item;

/// One result as its consumer saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The item's id.
    pub id: u64,
    /// When the producer made it.
    pub produced_at: Instant,
    /// When its result reached the consumer.
    pub consumed_at: Instant,
}

impl Delivery {
    /// From production to consumption.
    pub fn latency(&self) -> Duration {
        self.consumed_at - self.produced_at
    }
}

/// What every consumer here does with a result: note when it arrived.
pub fn consume(item: Item) -> Delivery {
    Delivery {
        id: item.id,
        produced_at: item.produced_at,
        consumed_at: Instant::now(),
    }
}

// ANCHOR: fetch
/// The I/O stage: waiting `work` for, say, a download.
pub async fn fetch(item: Item, work: Duration) -> Item {
    sleep(work).await;
    item
}
// ANCHOR_END: fetch

// ANCHOR: collect_then_gather
/// Waits for the producer to finish, then fetches everything at once.
pub async fn collect_then_gather(
    items: impl Stream<Item = Item>,
    work: Duration,
) -> Vec<Delivery> {
    let all: Vec<Item> = items.collect().await;
    let fetched = join_all(all.into_iter().map(|item| fetch(item, work)));
    fetched.await.into_iter().map(consume).collect()
}
// ANCHOR_END: collect_then_gather

// ANCHOR: polling_consumer
/// The source's queue design: a consumer that wakes every `every`, drains
/// the queue, and starts a fetch for each item it found.
pub async fn polling_consumer(
    items: impl Stream<Item = Item> + Send + 'static,
    work: Duration,
    every: Duration,
) -> Vec<Delivery> {
    let (queue, mut waiting) = mpsc::unbounded_channel();
    tokio::spawn(items.for_each(move |item| {
        let _ = queue.send(item);
        async {}
    }));
    let mut fetches = JoinSet::new();
    loop {
        match waiting.try_recv() {
            Ok(item) => {
                fetches.spawn(async move { consume(fetch(item, work).await) });
            }
            Err(TryRecvError::Empty) => sleep(every).await,
            Err(TryRecvError::Disconnected) => break,
        }
    }
    fetches.join_all().await
}
// ANCHOR_END: polling_consumer

// ANCHOR: send_all
/// The producer's side of a channel: every item, in order, until the
/// items run out or nobody receives any more. Dropping `to` at the end
/// closes the channel: that is the end of the stream.
pub async fn send_all(items: impl Stream<Item = Item>, to: mpsc::Sender<Item>) {
    let mut items = std::pin::pin!(items);
    while let Some(item) = items.next().await {
        if to.send(item).await.is_err() {
            return;
        }
    }
}
// ANCHOR_END: send_all

// ANCHOR: spawn_fetchers
/// Starts `workers` fetchers into `tasks`, sharing one inbox. Each exits
/// when the inbox is closed and empty, or when nobody takes its results.
pub fn spawn_fetchers(
    tasks: &mut JoinSet<()>,
    inbox: mpsc::Receiver<Item>,
    outbox: &mpsc::Sender<Item>,
    workers: usize,
    work: Duration,
) {
    let inbox = Arc::new(Mutex::new(inbox));
    for _ in 0..workers {
        let (inbox, outbox) = (Arc::clone(&inbox), outbox.clone());
        tasks.spawn(async move {
            // ANCHOR: spawn_fetchers_slide
            loop {
                // The lock is held only while waiting for the next item.
                let next = inbox.lock().await.recv().await;
                let Some(item) = next else { break };
                if outbox.send(fetch(item, work).await).await.is_err() {
                    break;
                }
            }
            // ANCHOR_END: spawn_fetchers_slide
        });
    }
}
// ANCHOR_END: spawn_fetchers

// ANCHOR: bounded_workers
/// A bounded channel to `workers` fetchers, and another to the consumer.
pub async fn bounded_workers(
    items: impl Stream<Item = Item> + Send + 'static,
    work: Duration,
    workers: usize,
    capacity: usize,
) -> Vec<Delivery> {
    let (to_fetchers, inbox) = mpsc::channel(capacity);
    let (to_consumer, mut results) = mpsc::channel(capacity);
    let mut tasks = JoinSet::new();
    tasks.spawn(send_all(items, to_fetchers));
    spawn_fetchers(&mut tasks, inbox, &to_consumer, workers, work);
    drop(to_consumer);
    let mut delivered = Vec::new();
    while let Some(item) = results.recv().await {
        delivered.push(consume(item));
    }
    tasks.join_all().await;
    delivered
}
// ANCHOR_END: bounded_workers

// ANCHOR: stream_pipeline
/// The same pipeline as one stream: at most `limit` fetches at once.
pub async fn stream_pipeline(
    items: impl Stream<Item = Item>,
    work: Duration,
    limit: usize,
) -> Vec<Delivery> {
    items
        .map(|item| fetch(item, work))
        .buffer_unordered(limit)
        .map(consume)
        .collect()
        .await
}
// ANCHOR_END: stream_pipeline

/// A receiver as a stream of what it receives, ending when it is closed.
pub fn receiver_stream<T>(
    receiver: mpsc::Receiver<T>,
) -> impl Stream<Item = T> {
    stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    })
}

// ANCHOR: three_stages
/// Fetch (I/O, `workers` tasks), parse (CPU, on rayon), consume.
pub async fn three_stages<P>(
    items: impl Stream<Item = Item> + Send + 'static,
    work: Duration,
    parse: P,
    workers: usize,
    capacity: usize,
) -> Vec<Delivery>
where
    P: Fn(Item) -> Item + Clone + Send + 'static,
{
    let (to_fetchers, inbox) = mpsc::channel(capacity);
    let (to_parser, fetched) = mpsc::channel(capacity);
    let mut tasks = JoinSet::new();
    tasks.spawn(send_all(items, to_fetchers));
    spawn_fetchers(&mut tasks, inbox, &to_parser, workers, work);
    drop(to_parser);
    let cores = rayon::current_num_threads();
    let parsed = cpu_stage(receiver_stream(fetched), parse, cores);
    let delivered = parsed.map(consume).collect().await;
    tasks.join_all().await;
    delivered
}
// ANCHOR_END: three_stages
