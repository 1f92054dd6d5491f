//! The source talk's fragile service, and the ways to stay under its limit:
//! every request at once (which breaks it), a semaphore around each call,
//! spawned tasks that each own a permit, and `buffer_unordered`.

use std::sync::Arc;

use futures::future::join_all;
use futures::stream::{self, StreamExt};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::creature_service::{Creature, FetchError};
use crate::creature_service::{
    CreatureClient, CreatureService, Latency, ServiceConfig, dataset,
};

/// What a fetch gives for one name: the creature, `None` for an unknown
/// name, or the error that stopped the request.
pub type Outcome = Result<Option<Creature>, FetchError>;

/// The fragile service's limit: an eleventh request in flight gets 503.
pub const SERVICE_LIMIT: usize = 10;

/// How many requests the chapter gathers at once: twice the limit.
pub const REQUESTS: usize = 20;

// ANCHOR: fragile_service
/// The source talk's fragile service: at most ten requests in flight, each
/// answered after `latency`; the eleventh at once is refused with 503.
pub async fn start_fragile_service(
    latency: std::time::Duration,
) -> std::io::Result<CreatureService> {
    let config = ServiceConfig::default()
        .with_latency(Latency::Fixed(latency))
        .with_max_in_flight(SERVICE_LIMIT);
    CreatureService::start(config).await
}
// ANCHOR_END: fragile_service

/// The first `count` names of the shipped dataset (cycling if needed).
pub fn names(count: usize) -> Vec<&'static str> {
    dataset::shipped()
        .iter()
        .cycle()
        .take(count)
        .map(|creature| creature.name.as_str())
        .collect()
}

// ANCHOR: unlimited
/// Every request at once, one outcome per name, in input order.
pub async fn fetch_all(
    client: &CreatureClient,
    names: &[&str],
) -> Vec<Outcome> {
    join_all(names.iter().map(|name| client.fetch_creature(name))).await
}
// ANCHOR_END: unlimited

// ANCHOR: with_semaphore
/// Every request gathered, but each waits for one of `permits` before it
/// is sent and gives it back when its answer is in.
pub async fn fetch_all_limited(
    client: &CreatureClient,
    names: &[&str],
    permits: &Semaphore,
) -> Vec<Outcome> {
    let requests = names.iter().map(|name| async move {
        let _permit = permits.acquire().await.expect("never closed here");
        client.fetch_creature(name).await
    });
    join_all(requests).await
}
// ANCHOR_END: with_semaphore

// ANCHOR: owned_permits
/// One spawned task per name, each carrying the permit it was spawned
/// with: the loop waits for a permit before it spawns, so at most
/// `permits` tasks exist at once. When the semaphore is closed, the loop
/// spawns nothing more and the tasks already running finish. Outcomes come
/// as `(index in names, outcome)`, in completion order.
pub async fn fetch_in_tasks(
    client: &CreatureClient,
    names: &[&str],
    permits: Arc<Semaphore>,
) -> Vec<(usize, Outcome)> {
    let mut tasks = JoinSet::new();
    for (index, name) in names.iter().enumerate() {
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            break; // closed: send nothing more
        };
        let (client, name) = (client.clone(), name.to_string());
        tasks.spawn(async move {
            let outcome = client.fetch_creature(&name).await;
            drop(permit);
            (index, outcome)
        });
    }
    tasks.join_all().await
}
// ANCHOR_END: owned_permits

// ANCHOR: window
/// The same limit as a stream: at most `window` requests in flight, a new
/// one sent as soon as any answer is in. Outcomes in completion order.
pub async fn fetch_in_window(
    client: &CreatureClient,
    names: &[&str],
    window: usize,
) -> Vec<Outcome> {
    stream::iter(names)
        .map(|name| client.fetch_creature(name))
        .buffer_unordered(window)
        .collect()
        .await
}
// ANCHOR_END: window

/// How many outcomes are creatures and how many are `Overloaded`, and
/// whether anything else happened (it never should against this service).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Requests answered with a creature.
    pub completed: usize,
    /// Requests refused with 503.
    pub overloaded: usize,
    /// Any other outcome: an unknown name, another error.
    pub other: usize,
}

impl Tally {
    /// Counts `outcomes`.
    pub fn of<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> Self {
        let mut tally = Self::default();
        for outcome in outcomes {
            match outcome {
                Ok(Some(_)) => tally.completed += 1,
                Err(FetchError::Overloaded) => tally.overloaded += 1,
                Ok(None) | Err(_) => tally.other += 1,
            }
        }
        tally
    }
}
