//! The seven smells of the chapter, in its order, each as the bad version
//! and the fix. Every remote call is simulated by a tokio sleep, so the tests
//! can time them under the paused clock.

use std::ops::Range;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::join_all;
use tokio::task::{JoinError, JoinSet};
use tokio::time::sleep;

/// How long every simulated remote call of this module waits.
pub const LATENCY: Duration = Duration::from_millis(100);

/// A simulated price service: waits [`LATENCY`], then answers `id * 10`.
pub async fn fetch_price(id: u64) -> u64 {
    sleep(LATENCY).await;
    id * 10
}

// ANCHOR: never_awaits
/// Smell 1, bad: an `async fn` with nothing to wait for.
#[expect(clippy::unused_async, reason = "the smell this listing shows")]
pub async fn total_async(prices: &[u64]) -> u64 {
    prices.iter().sum()
}
// ANCHOR_END: never_awaits

// ANCHOR: never_awaits_fixed
/// Smell 1, fixed: a plain function, callable from sync and async code.
pub fn total(prices: &[u64]) -> u64 {
    prices.iter().sum()
}
// ANCHOR_END: never_awaits_fixed

// ANCHOR: legacy_lookup
/// A blocking client, as a legacy library offers it: the calling thread
/// sleeps until the answer is there.
pub fn legacy_price_lookup(id: u64) -> u64 {
    std::thread::sleep(LATENCY);
    id * 10
}
// ANCHOR_END: legacy_lookup

// ANCHOR: blocking_call
/// Smell 2, bad: a blocking call inside async code.
// Clippy only notices because nothing else here awaits: beside an `.await`
// the same blocking call would pass every default lint.
#[expect(clippy::unused_async, reason = "the smell this listing shows")]
pub async fn price_blocking(id: u64) -> u64 {
    legacy_price_lookup(id) // holds the runtime's thread for the whole wait
}
// ANCHOR_END: blocking_call

// ANCHOR: blocking_call_fixed
/// Smell 2, fixed: the blocking call runs on tokio's blocking pool.
pub async fn price_off_the_runtime(id: u64) -> u64 {
    tokio::task::spawn_blocking(move || legacy_price_lookup(id))
        .await
        .expect("the lookup does not panic")
}
// ANCHOR_END: blocking_call_fixed

/// A CPU-bound job: an FNV-1a hash of the bytes.
pub fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

// ANCHOR: cpu_on_rayon
/// Smell 2, fixed for computation: rayon computes, the task only waits.
pub async fn checksum_on_rayon(bytes: Vec<u8>) -> u64 {
    let (answer, answered) = tokio::sync::oneshot::channel();
    rayon::spawn(move || {
        // The receiver is gone only if the caller stopped waiting.
        let _ = answer.send(checksum(&bytes));
    });
    answered.await.expect("rayon runs every job it is given")
}
// ANCHOR_END: cpu_on_rayon

// ANCHOR: await_in_loop
/// Smell 3, bad: independent iterations awaited one after another.
pub async fn prices_one_by_one(ids: &[u64]) -> Vec<u64> {
    let mut prices = Vec::new();
    for &id in ids {
        prices.push(fetch_price(id).await);
    }
    prices
}
// ANCHOR_END: await_in_loop

// ANCHOR: await_in_loop_fixed
/// Smell 3, fixed: every fetch waits at once; results keep `ids`' order.
pub async fn prices_gathered(ids: &[u64]) -> Vec<u64> {
    join_all(ids.iter().map(|&id| fetch_price(id))).await
}
// ANCHOR_END: await_in_loop_fixed

/// A simulated order service: 100 ms.
pub async fn fetch_order_count() -> u64 {
    sleep(Duration::from_millis(100)).await;
    12
}

/// A simulated bank: 200 ms.
pub async fn fetch_balance() -> u64 {
    sleep(Duration::from_millis(200)).await;
    4_250
}

/// A simulated mailbox: 300 ms.
pub async fn fetch_message_count() -> u64 {
    sleep(Duration::from_millis(300)).await;
    3
}

// ANCHOR: sequential_awaits
/// Smell 4, bad: three independent calls, each waiting for the last.
/// Returns the order count, the balance and the unread messages.
pub async fn dashboard_in_turn() -> (u64, u64, u64) {
    let orders = fetch_order_count().await;
    let balance = fetch_balance().await;
    let messages = fetch_message_count().await;
    (orders, balance, messages)
}
// ANCHOR_END: sequential_awaits

// ANCHOR: sequential_awaits_fixed
/// Smell 4, fixed: the three calls wait together.
pub async fn dashboard_joined() -> (u64, u64, u64) {
    tokio::join!(fetch_order_count(), fetch_balance(), fetch_message_count())
}
// ANCHOR_END: sequential_awaits_fixed

/// A simulated remote call that says how much to add: waits [`LATENCY`].
pub async fn fetch_increment() -> u64 {
    sleep(LATENCY).await;
    1
}

// ANCHOR: lock_across_await
/// Smell 5, bad: a `std::sync::Mutex` guard held across an `.await`.
#[expect(clippy::await_holding_lock, reason = "the smell this listing shows")]
pub async fn add_holding_the_lock(total: &Mutex<u64>) {
    let mut guard = total.lock().unwrap();
    *guard += fetch_increment().await;
}
// ANCHOR_END: lock_across_await

// ANCHOR: async_lock_across_await
/// Smell 5, the tempting fix: an async mutex, still held across the wait.
pub async fn add_holding_an_async_lock(total: &tokio::sync::Mutex<u64>) {
    let mut guard = total.lock().await;
    *guard += fetch_increment().await;
}
// ANCHOR_END: async_lock_across_await

// ANCHOR: lock_across_await_fixed
/// Smell 5, fixed: wait first, then hold the lock only to write.
pub async fn add_after_the_wait(total: &Mutex<u64>) {
    let increment = fetch_increment().await;
    *total.lock().unwrap() += increment;
}
// ANCHOR_END: lock_across_await_fixed

/// Where uploads record what they finished.
pub type Uploaded = Arc<Mutex<Vec<u64>>>;

/// The upload that always fails, to show where a failure goes.
pub const FAILING_UPLOAD: u64 = 3;

// ANCHOR: upload
/// A simulated upload: waits [`LATENCY`], then records `id`, except that
/// upload [`FAILING_UPLOAD`] panics.
pub async fn upload(id: u64, uploaded: Uploaded) {
    sleep(LATENCY).await;
    assert_ne!(id, FAILING_UPLOAD, "upload {id} failed");
    uploaded.lock().unwrap().push(id);
}
// ANCHOR_END: upload

// ANCHOR: dropped_handles
/// Smell 6, bad: fire and forget. Returns at once; nobody hears of a panic.
#[expect(
    clippy::let_underscore_future,
    reason = "the smell: a `JoinHandle` is a future, and `let _` drops it"
)]
pub fn upload_all_detached(ids: Range<u64>, uploaded: &Uploaded) {
    for id in ids {
        let _ = tokio::spawn(upload(id, Arc::clone(uploaded)));
    }
}
// ANCHOR_END: dropped_handles

// ANCHOR: dropped_handles_fixed
/// Smell 6, fixed: a task group that waits for every task and reports the
/// first failure.
pub async fn upload_all(
    ids: Range<u64>,
    uploaded: &Uploaded,
) -> Result<(), JoinError> {
    let mut uploads = JoinSet::new();
    for id in ids {
        uploads.spawn(upload(id, Arc::clone(uploaded)));
    }
    while let Some(finished) = uploads.join_next().await {
        finished?; // dropping `uploads` here aborts the tasks still running
    }
    Ok(())
}
// ANCHOR_END: dropped_handles_fixed

/// An audit trail behind a simulated remote write.
#[derive(Debug, Default)]
pub struct AuditLog {
    events: Mutex<Vec<&'static str>>,
}

impl AuditLog {
    /// Sends `event` to the log: waits [`LATENCY`], then it is recorded.
    pub async fn record(&self, event: &'static str) {
        sleep(LATENCY).await;
        self.events.lock().unwrap().push(event);
    }

    /// What has been recorded so far.
    pub fn events(&self) -> Vec<&'static str> {
        self.events.lock().unwrap().clone()
    }
}

// ANCHOR: never_awaited
/// Smell 7, bad: the future `record` returns is made and dropped.
#[expect(unused_must_use, reason = "the smell this listing shows")]
#[expect(clippy::unused_async, reason = "a missing .await leaves none")]
pub async fn check_out_forgetting(log: &AuditLog) {
    log.record("checked out"); // warning: unused implementer of `Future`
}

/// Smell 7, bad again: `let _ =` silences rustc, not clippy.
#[expect(clippy::let_underscore_future, reason = "the smell, once more")]
#[expect(clippy::unused_async, reason = "a missing .await leaves none")]
pub async fn check_out_discarding(log: &AuditLog) {
    let _ = log.record("checked out");
}
// ANCHOR_END: never_awaited

// ANCHOR: never_awaited_fixed
/// Smell 7, fixed: the future is awaited, so it runs.
pub async fn check_out(log: &AuditLog) {
    log.record("checked out").await;
}
// ANCHOR_END: never_awaited_fixed
