//! The source articles' designs, against the local creature service: one by
//! one, gathered, as completed, in fixed chunks, in a sliding window, and as
//! a task group. Every design hands back each name's outcome with its index
//! in the input, so tests can check order and completeness.

use futures::stream::{self, FuturesUnordered, Stream, StreamExt};
use futures::{TryStreamExt, future};
use tokio::task::JoinSet;

use crate::creature_service::{Creature, CreatureClient, FetchError};

/// What a fetch gives for one name: the creature, `None` for an unknown
/// name, or the error that stopped the request.
pub type Outcome = Result<Option<Creature>, FetchError>;

// ANCHOR: one_by_one
/// Each request waits for the one before it: the time is the sum of the
/// latencies. The first error stops the loop.
pub async fn fetch_one_by_one(
    client: &CreatureClient,
    names: &[&str],
) -> Result<Vec<Option<Creature>>, FetchError> {
    let mut creatures = Vec::with_capacity(names.len());
    for name in names {
        creatures.push(client.fetch_creature(name).await?);
    }
    Ok(creatures)
}
// ANCHOR_END: one_by_one

// ANCHOR: gathered
/// Every request at once, results in input order: Python's `gather`. The
/// first error drops every request still in flight.
pub async fn fetch_gathered(
    client: &CreatureClient,
    names: &[&str],
) -> Result<Vec<Option<Creature>>, FetchError> {
    let requests = names.iter().map(|name| client.fetch_creature(name));
    future::try_join_all(requests).await
}
// ANCHOR_END: gathered

/// Every request at once, waiting for all of them whatever fails: one
/// outcome per name, in input order.
pub async fn fetch_gathered_all(
    client: &CreatureClient,
    names: &[&str],
) -> Vec<Outcome> {
    future::join_all(names.iter().map(|name| client.fetch_creature(name))).await
}

// ANCHOR: as_completed
/// Every request at once, each outcome as soon as it arrives: Python's
/// `as_completed`. The stream yields `(index in names, outcome)`.
pub fn as_completed<'a>(
    client: &'a CreatureClient,
    names: &'a [&'a str],
) -> impl Stream<Item = (usize, Outcome)> + 'a {
    names
        .iter()
        .enumerate()
        .map(|(index, name)| async move {
            (index, client.fetch_creature(name).await)
        })
        .collect::<FuturesUnordered<_>>()
}
// ANCHOR_END: as_completed

// ANCHOR: chunks
/// The rate-limit workaround of the third article: `chunk` requests at a
/// time, each chunk processed as completed, the next chunk only once the
/// whole previous one is in. Yields `(index, creature)` in completion order.
pub async fn fetch_in_chunks(
    client: &CreatureClient,
    names: &[&str],
    chunk: usize,
) -> Result<Vec<(usize, Option<Creature>)>, FetchError> {
    let mut done = Vec::with_capacity(names.len());
    for (number, slice) in names.chunks(chunk).enumerate() {
        let mut pending = as_completed(client, slice);
        while let Some((index, outcome)) = pending.next().await {
            done.push((number * chunk + index, outcome?));
        }
    }
    Ok(done)
}
// ANCHOR_END: chunks

// ANCHOR: sliding_window
/// At most `window` requests in flight, and a new one starts as soon as any
/// finishes. Yields `(index, creature)` in completion order.
pub async fn fetch_in_window(
    client: &CreatureClient,
    names: &[&str],
    window: usize,
) -> Result<Vec<(usize, Option<Creature>)>, FetchError> {
    stream::iter(names.iter().enumerate())
        .map(|(index, name)| async move {
            Ok((index, client.fetch_creature(name).await?))
        })
        .buffer_unordered(window)
        .try_collect()
        .await
}
// ANCHOR_END: sliding_window

// ANCHOR: ordered_window
/// At most `window` requests in flight, results in input order: a finished
/// request waits in the buffer until those before it are in.
pub async fn fetch_in_window_ordered(
    client: &CreatureClient,
    names: &[&str],
    window: usize,
) -> Result<Vec<Option<Creature>>, FetchError> {
    stream::iter(names)
        .map(|name| client.fetch_creature(name))
        .buffered(window)
        .try_collect()
        .await
}
// ANCHOR_END: ordered_window

// ANCHOR: join_set
/// Every request as a task of a [`JoinSet`], the task group: tasks run
/// even while nobody polls the set, and returning early (the first error)
/// drops the set, which aborts every task still running.
pub async fn fetch_in_join_set(
    client: &CreatureClient,
    names: &[&str],
) -> Result<Vec<(usize, Option<Creature>)>, FetchError> {
    // ANCHOR: join_set_slide
    let mut tasks = JoinSet::new();
    for (index, name) in names.iter().enumerate() {
        let (client, name) = (client.clone(), name.to_string());
        tasks.spawn(async move { (index, client.fetch_creature(&name).await) });
    }
    let mut done = Vec::with_capacity(names.len());
    while let Some(joined) = tasks.join_next().await {
        let (index, outcome) = joined.expect("a fetch task never panics");
        done.push((index, outcome?));
    }
    // ANCHOR_END: join_set_slide
    Ok(done)
}
// ANCHOR_END: join_set

// ANCHOR: detached
/// The same with plain `tokio::spawn`, joined as they finish: returning on
/// the first error drops the handles, which detaches the tasks. They keep
/// running, and their requests stay in flight.
pub async fn fetch_in_detached_tasks(
    client: &CreatureClient,
    names: &[&str],
) -> Result<Vec<Option<Creature>>, FetchError> {
    let mut handles: FuturesUnordered<_> = names
        .iter()
        .map(|name| {
            let (client, name) = (client.clone(), name.to_string());
            tokio::spawn(async move { client.fetch_creature(&name).await })
        })
        .collect();
    let mut creatures = Vec::with_capacity(handles.len());
    while let Some(joined) = handles.next().await {
        creatures.push(joined.expect("a fetch task never panics")?);
    }
    Ok(creatures)
}
// ANCHOR_END: detached

// ANCHOR: first_of_two
/// Asks two services for the same creature and keeps whichever answers
/// first; `select!` drops the other request.
pub async fn fetch_from_first(
    primary: &CreatureClient,
    mirror: &CreatureClient,
    name: &str,
) -> Outcome {
    tokio::select! {
        outcome = primary.fetch_creature(name) => outcome,
        outcome = mirror.fetch_creature(name) => outcome,
    }
}
// ANCHOR_END: first_of_two
