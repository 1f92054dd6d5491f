//! A limit over time rather than in flight: at most so many requests per
//! second, from `tokio::time::interval`.

use std::time::Duration;

use futures::future::join_all;
use tokio::sync::Mutex;
use tokio::time::{Interval, MissedTickBehavior, interval};

use super::limit::Outcome;
use crate::creature_service::CreatureClient;

// ANCHOR: rate_limit
/// Lets callers through one at a time, `per_second` times a second at
/// most, in the order they asked.
pub struct RateLimit {
    ticks: Mutex<Interval>,
}

impl RateLimit {
    /// A limit of `per_second` (at least one) calls a second.
    pub fn per_second(per_second: u32) -> Self {
        Self::with_behavior(per_second, MissedTickBehavior::Delay)
    }

    /// The same with another `behavior` after missed ticks: only `Delay`
    /// keeps every two calls a whole period apart.
    pub fn with_behavior(
        per_second: u32,
        behavior: MissedTickBehavior,
    ) -> Self {
        let period = Duration::from_secs(1) / per_second.max(1);
        let mut ticks = interval(period);
        ticks.set_missed_tick_behavior(behavior);
        Self {
            ticks: Mutex::new(ticks),
        }
    }

    /// Waits for this caller's turn.
    pub async fn until_ready(&self) {
        self.ticks.lock().await.tick().await;
    }
}
// ANCHOR_END: rate_limit

// ANCHOR: fetch_at_rate
/// Every request gathered, each sent only when `rate` lets it through.
pub async fn fetch_at_rate(
    client: &CreatureClient,
    names: &[&str],
    rate: &RateLimit,
) -> Vec<Outcome> {
    let requests = names.iter().map(|name| async move {
        rate.until_ready().await;
        client.fetch_creature(name).await
    });
    join_all(requests).await
}
// ANCHOR_END: fetch_at_rate

/// The most of `instants` (sorted or not) that fall in any half-open
/// window `[t, t + width)`.
///
/// ```
/// use std::time::Duration;
/// use chapters_code::ch07_semaphores::rate::most_in_any_window;
///
/// let at = |ms| Duration::from_millis(ms);
/// let sent = [at(0), at(500), at(1000), at(1200)];
/// assert_eq!(most_in_any_window(&sent, Duration::from_secs(1)), 3);
/// ```
pub fn most_in_any_window(instants: &[Duration], width: Duration) -> usize {
    let mut sorted = instants.to_vec();
    sorted.sort_unstable();
    // A busiest window can always start at one of the instants.
    (0..sorted.len())
        .map(|first| {
            sorted[first..]
                .iter()
                .take_while(|at| **at < sorted[first] + width)
                .count()
        })
        .max()
        .unwrap_or(0)
}
