//! A three-stage pipeline that accounts for every item: fetch (I/O-like,
//! N workers, may fail per item or crash a worker), parse (CPU, on rayon),
//! consume (may stop early), with graceful shutdown through a
//! [`CancellationToken`]. Items travel in batches, so that a million of
//! them cost a thousand channel messages per stage, not a million.
//!
//! Every item ends with exactly one [`Fate`] in the [`Ledger`]: delivered,
//! failed, lost with a crashed worker (reported, not lost), or cancelled
//! (never sent because of a shutdown, or left in flight when the consumer
//! stopped).

use std::collections::HashMap;
use std::ops::{ControlFlow, Range};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError};

use rayon::prelude::*;
use tokio::sync::mpsc::error::SendError;
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::cpu_stage::{crunch, on_rayon};

/// An item's id: items are numbered from 0.
pub type Id = u64;

/// What became of an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Fate {
    /// It reached the consumer.
    Delivered = 1,
    /// Fetching it failed.
    Failed = 2,
    /// The worker holding it panicked.
    Panicked = 3,
    /// Never sent (shutdown) or left undelivered (the consumer stopped).
    Cancelled = 4,
}

impl Fate {
    /// Every fate, in the order of their numbers.
    pub const ALL: [Fate; 4] = [
        Fate::Delivered,
        Fate::Failed,
        Fate::Panicked,
        Fate::Cancelled,
    ];

    fn from_number(number: u8) -> Option<Fate> {
        Fate::ALL.into_iter().find(|fate| *fate as u8 == number)
    }
}

/// One fate per item, each recorded at most once: a second record of the
/// same id is counted, not stored.
#[derive(Debug)]
pub struct Ledger {
    fates: Vec<AtomicU8>,
    recorded_twice: AtomicUsize,
}

impl Ledger {
    /// A ledger for items `0..items`, none recorded yet.
    pub fn new(items: usize) -> Self {
        Self {
            fates: (0..items).map(|_| AtomicU8::new(0)).collect(),
            recorded_twice: AtomicUsize::new(0),
        }
    }

    /// Records `fate` for `id`, unless `id` already has one.
    pub fn record(&self, id: Id, fate: Fate) {
        let slot = usize::try_from(id).ok().and_then(|i| self.fates.get(i));
        let first = slot.is_some_and(|slot| {
            slot.compare_exchange(
                0,
                fate as u8,
                Ordering::Relaxed,
                Ordering::Relaxed,
            )
            .is_ok()
        });
        if !first {
            self.recorded_twice.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records `fate` for every id of `ids`.
    pub fn record_all(&self, ids: impl IntoIterator<Item = Id>, fate: Fate) {
        for id in ids {
            self.record(id, fate);
        }
    }

    /// The fate of `id`, if recorded.
    pub fn fate(&self, id: Id) -> Option<Fate> {
        let slot = self.fates.get(usize::try_from(id).ok()?)?;
        Fate::from_number(slot.load(Ordering::Relaxed))
    }

    /// How many items have `fate`.
    pub fn count(&self, fate: Fate) -> usize {
        let number = fate as u8;
        let fates = self.fates.iter();
        fates
            .filter(|slot| slot.load(Ordering::Relaxed) == number)
            .count()
    }

    /// How many items have no fate yet.
    pub fn unaccounted(&self) -> usize {
        let fates = self.fates.iter();
        fates
            .filter(|slot| slot.load(Ordering::Relaxed) == 0)
            .count()
    }

    /// How many records found their item already recorded (or out of
    /// range): zero when every item was accounted for at most once.
    pub fn recorded_twice(&self) -> usize {
        self.recorded_twice.load(Ordering::Relaxed)
    }
}

/// What goes wrong on purpose.
#[derive(Clone, Copy, Debug)]
pub struct Faults {
    /// Which items fail to fetch.
    pub fails: fn(Id) -> bool,
    /// The item whose fetch crashes its worker, if any.
    pub panics_at: Option<Id>,
}

/// The pipeline's shape.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// How many items the source holds (ids `0..items`).
    pub items: u64,
    /// Items per message.
    pub batch: u64,
    /// Fetch workers.
    pub workers: usize,
    /// Each channel's capacity, in batches.
    pub capacity: usize,
}

/// A fetched item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fetched {
    /// Its id.
    pub id: Id,
    /// What the fetch returned.
    pub body: u64,
}

/// A parsed item, as the consumer receives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// Its id.
    pub id: Id,
    /// What parsing computed.
    pub checksum: u64,
}

fn fetch(id: Id, faults: &Faults) -> Result<Fetched, Id> {
    if faults.panics_at == Some(id) {
        panic!("fetching item {id} crashed its worker");
    }
    if (faults.fails)(id) {
        return Err(id);
    }
    Ok(Fetched {
        id,
        body: id.wrapping_mul(0x9E37_79B9_7F4A_7C15),
    })
}

/// The CPU stage's work for one item.
pub fn parse(fetched: Fetched) -> Parsed {
    Parsed {
        id: fetched.id,
        checksum: crunch(fetched.body, 16),
    }
}

// ANCHOR: produce
async fn produce(
    plan: Plan,
    to_fetchers: mpsc::Sender<Range<Id>>,
    shutdown: CancellationToken,
    ledger: Arc<Ledger>,
) {
    let mut next = 0;
    while next < plan.items {
        let batch = next..plan.items.min(next + plan.batch);
        tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            sent = to_fetchers.send(batch.clone()) => {
                if sent.is_err() {
                    break;
                }
            }
        }
        next = batch.end;
    }
    // Never sent: the shutdown came first, or nobody receives any more.
    ledger.record_all(next..plan.items, Fate::Cancelled);
}
// ANCHOR_END: produce

// ANCHOR: drain
/// Stops a stage's inbox: nothing more can be sent to it, and what was
/// already sent is reported instead of being dropped with the receiver.
async fn close_and_drain<T>(
    inbox: &mut mpsc::Receiver<T>,
    ledger: &Ledger,
    ids: impl Fn(T) -> Vec<Id>,
) {
    inbox.close();
    while let Some(batch) = inbox.recv().await {
        ledger.record_all(ids(batch), Fate::Cancelled);
    }
}
// ANCHOR_END: drain

fn fetched_ids(batch: Vec<Fetched>) -> Vec<Id> {
    batch.into_iter().map(|fetched| fetched.id).collect()
}

fn parsed_ids(batch: Vec<Parsed>) -> Vec<Id> {
    batch.into_iter().map(|parsed| parsed.id).collect()
}

/// What a fetch worker holds: the batch it took and has not yet passed on.
type InHand = Arc<std::sync::Mutex<Option<Range<Id>>>>;

// ANCHOR: fetch_worker
async fn fetch_worker(
    inbox: Arc<Mutex<mpsc::Receiver<Range<Id>>>>,
    to_parser: mpsc::Sender<Vec<Fetched>>,
    in_hand: InHand,
    faults: Faults,
    ledger: Arc<Ledger>,
) {
    loop {
        let next = inbox.lock().await.recv().await;
        let Some(batch) = next else { break };
        set(&in_hand, Some(batch.clone()));
        let (mut fetched, mut failed) = (Vec::new(), Vec::new());
        for id in batch {
            match fetch(id, &faults) {
                Ok(item) => fetched.push(item),
                Err(id) => failed.push(id),
            }
        }
        let refused = to_parser.send(fetched).await.err();
        // A batch is recorded only once it has left the worker's hands.
        ledger.record_all(failed, Fate::Failed);
        set(&in_hand, None);
        if let Some(SendError(fetched)) = refused {
            ledger.record_all(fetched_ids(fetched), Fate::Cancelled);
            let mut inbox = inbox.lock().await;
            close_and_drain(&mut inbox, &ledger, Iterator::collect).await;
            break;
        }
    }
}
// ANCHOR_END: fetch_worker

fn set(in_hand: &InHand, batch: Option<Range<Id>>) {
    *in_hand.lock().unwrap_or_else(PoisonError::into_inner) = batch;
}

// ANCHOR: parse_stage
async fn parse_stage(
    mut inbox: mpsc::Receiver<Vec<Fetched>>,
    to_consumer: mpsc::Sender<Vec<Parsed>>,
    ledger: Arc<Ledger>,
) {
    while let Some(batch) = inbox.recv().await {
        let ids: Vec<Id> = batch.iter().map(|fetched| fetched.id).collect();
        let parsed = on_rayon(move || {
            batch.into_par_iter().map(parse).collect::<Vec<_>>()
        });
        let Ok(parsed) = parsed.await else {
            ledger.record_all(ids, Fate::Panicked);
            continue;
        };
        if let Err(SendError(parsed)) = to_consumer.send(parsed).await {
            ledger.record_all(parsed_ids(parsed), Fate::Cancelled);
            close_and_drain(&mut inbox, &ledger, fetched_ids).await;
            break;
        }
    }
}
// ANCHOR_END: parse_stage

// ANCHOR: consume_stage
async fn consume_stage(
    mut inbox: mpsc::Receiver<Vec<Parsed>>,
    ledger: Arc<Ledger>,
    mut consume: impl FnMut(&Parsed) -> ControlFlow<()>,
) {
    while let Some(batch) = inbox.recv().await {
        let mut rest = batch.into_iter();
        for parsed in rest.by_ref() {
            ledger.record(parsed.id, Fate::Delivered);
            if consume(&parsed).is_break() {
                ledger.record_all(rest.map(|p| p.id), Fate::Cancelled);
                close_and_drain(&mut inbox, &ledger, parsed_ids).await;
                return;
            }
        }
    }
}
// ANCHOR_END: consume_stage

// ANCHOR: run_accounted
/// Runs the pipeline over items `0..plan.items` until every item has a
/// fate in `ledger`; returns how many workers panicked.
pub async fn run_accounted(
    plan: Plan,
    faults: Faults,
    ledger: Arc<Ledger>,
    shutdown: CancellationToken,
    consume: impl FnMut(&Parsed) -> ControlFlow<()>,
) -> usize {
    let (to_fetchers, inbox) = mpsc::channel(plan.capacity);
    let (to_parser, fetched) = mpsc::channel(plan.capacity);
    let (to_consumer, parsed) = mpsc::channel(plan.capacity);
    let mut tasks = JoinSet::new();
    tasks.spawn(produce(plan, to_fetchers, shutdown, Arc::clone(&ledger)));
    let inbox = Arc::new(Mutex::new(inbox));
    let mut holding = HashMap::new();
    for _ in 0..plan.workers {
        let in_hand = InHand::default();
        let worker = fetch_worker(
            Arc::clone(&inbox),
            to_parser.clone(),
            Arc::clone(&in_hand),
            faults,
            Arc::clone(&ledger),
        );
        holding.insert(tasks.spawn(worker).id(), in_hand);
    }
    drop(to_parser);
    tasks.spawn(parse_stage(fetched, to_consumer, Arc::clone(&ledger)));
    let consumer = consume_stage(parsed, Arc::clone(&ledger), consume);
    let supervisor = async {
        let mut panics = 0;
        while let Some(joined) = tasks.join_next().await {
            let Err(error) = joined else { continue };
            assert!(error.is_panic(), "nothing here aborts a task");
            panics += 1;
            // The crashed worker's batch: reported, not lost.
            let lost =
                holding.get(&error.id()).and_then(|h| h.lock().ok()?.take());
            ledger.record_all(lost.into_iter().flatten(), Fate::Panicked);
        }
        panics
    };
    tokio::join!(consumer, supervisor).1
}
// ANCHOR_END: run_accounted
