//! Paced producers: an item every `period`, as a stream. The sleep loop
//! drifts (every sleep starts when the one before it ended, so each
//! overshoot and each stretch of time spent between sleeps adds up); the
//! schedule and the interval do not (each deadline is computed from the
//! start).

use std::time::Duration;

use futures::Stream;
use futures::stream;
use tokio::time::{Instant, MissedTickBehavior, sleep, sleep_until};

/// One item of work travelling through a pipeline: its id and when the
/// producer made it, from which the consumer computes its latency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item {
    /// The item's number, from 0 in production order.
    pub id: u64,
    /// When the producer handed it over.
    pub produced_at: Instant,
}

impl Item {
    /// Item `id`, produced now.
    pub fn new(id: u64) -> Self {
        Self {
            id,
            produced_at: Instant::now(),
        }
    }
}

/// The deadline of item `id` on a schedule that starts at `start`: one
/// period after the item before it, counted from the start.
pub fn deadline(start: Instant, period: Duration, id: u64) -> Instant {
    let periods = u32::try_from(id + 1).expect("fewer than 2^32 items");
    start + period * periods
}

// ANCHOR: sleep_loop
/// `n` items, each after sleeping one `period` from the item before it.
pub fn sleep_loop(n: u64, period: Duration) -> impl Stream<Item = Item> {
    stream::unfold(0, move |id| async move {
        if id == n {
            return None;
        }
        sleep(period).await;
        Some((Item::new(id), id + 1))
    })
}
// ANCHOR_END: sleep_loop

// ANCHOR: on_schedule
/// `n` items, item `id` at `start + (id + 1) × period`, where `start` is
/// when this is called.
pub fn on_schedule(n: u64, period: Duration) -> impl Stream<Item = Item> {
    let start = Instant::now();
    stream::unfold(0, move |id| async move {
        if id == n {
            return None;
        }
        sleep_until(deadline(start, period, id)).await;
        Some((Item::new(id), id + 1))
    })
}
// ANCHOR_END: on_schedule

// ANCHOR: on_interval
/// `n` items from a tokio `Interval` whose first tick is one `period` from
/// now; a late consumer gets the missed ticks at once (`Burst`).
pub fn on_interval(n: u64, period: Duration) -> impl Stream<Item = Item> {
    let mut ticks = tokio::time::interval_at(Instant::now() + period, period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    stream::unfold((0, ticks), move |(id, mut ticks)| async move {
        if id == n {
            return None;
        }
        ticks.tick().await;
        Some((Item::new(id), (id + 1, ticks)))
    })
}
// ANCHOR_END: on_interval

/// The three producers, for tests and tables that run each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pacing {
    /// [`sleep_loop`].
    SleepLoop,
    /// [`on_schedule`].
    Schedule,
    /// [`on_interval`].
    Interval,
}

impl Pacing {
    /// Every pacing, in table order.
    pub const ALL: [Pacing; 3] =
        [Pacing::SleepLoop, Pacing::Schedule, Pacing::Interval];

    /// The producer of `n` items `period` apart, paced this way.
    pub fn items(
        self,
        n: u64,
        period: Duration,
    ) -> std::pin::Pin<Box<dyn Stream<Item = Item> + Send>> {
        match self {
            Pacing::SleepLoop => Box::pin(sleep_loop(n, period)),
            Pacing::Schedule => Box::pin(on_schedule(n, period)),
            Pacing::Interval => Box::pin(on_interval(n, period)),
        }
    }
}
