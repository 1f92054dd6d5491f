//! Telling other tasks that something happened: `Notify` (an event),
//! `Barrier` (everyone arrived), `watch` (the latest value), `broadcast`
//! (every value), and waiting for a condition, with std's `Condvar` on
//! threads and `watch::Receiver::wait_for` in async code.

use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use tokio::sync::{Barrier, Notify, broadcast, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep};

// ANCHOR: notify
/// The washer's buzzer: one task waits for it, another presses it after
/// `cycle`. Returns when the waiting task heard it.
pub async fn wait_for_buzzer(cycle: Duration) -> Duration {
    let buzzer = Arc::new(Notify::new());
    let start = Instant::now();
    let washer = Arc::clone(&buzzer);
    tokio::spawn(async move {
        sleep(cycle).await;
        washer.notify_one();
    });
    buzzer.notified().await;
    start.elapsed()
}
// ANCHOR_END: notify

// ANCHOR: barrier
/// Parents who finish their chores after `chores` each, then leave
/// together: each returns when it left and whether it was the one
/// `Barrier` chose as leader.
pub async fn leave_together(chores: &[Duration]) -> Vec<(Duration, bool)> {
    let everyone = Arc::new(Barrier::new(chores.len()));
    let start = Instant::now();
    let mut parents = JoinSet::new();
    for &chore in chores {
        let everyone = Arc::clone(&everyone);
        parents.spawn(async move {
            sleep(chore).await;
            let arrived = everyone.wait().await;
            (start.elapsed(), arrived.is_leader())
        });
    }
    parents.join_all().await
}
// ANCHOR_END: barrier

// ANCHOR: watch
/// The washer's display: `watch` keeps only the latest value, so a reader
/// who looks after three updates sees the third, once.
pub fn latest_of_three() -> (Vec<&'static str>, bool) {
    let (display, mut reader) = watch::channel("idle");
    for status in ["filling", "washing", "spinning"] {
        display.send(status).expect("the reader is alive");
    }
    let mut seen = Vec::new();
    while reader.has_changed().expect("the display is alive") {
        seen.push(*reader.borrow_and_update());
    }
    let more_to_see = reader.has_changed().expect("the display is alive");
    (seen, more_to_see)
}
// ANCHOR_END: watch

// ANCHOR: broadcast
/// Sends `1..=sent` to two receivers through a channel of `capacity`: the
/// keen one reads after every send, the idle one only at the end.
pub async fn keen_and_idle(
    capacity: usize,
    sent: u32,
) -> (Vec<u32>, Vec<Result<u32, broadcast::error::RecvError>>) {
    let (sender, mut keen) = broadcast::channel(capacity);
    let mut idle = sender.subscribe();
    let mut keen_saw = Vec::new();
    for value in 1..=sent {
        sender.send(value).expect("two receivers");
        keen_saw.push(keen.recv().await.expect("keeps up"));
    }
    drop(sender);
    let mut idle_saw = Vec::new();
    loop {
        match idle.recv().await {
            Err(broadcast::error::RecvError::Closed) => break,
            other => idle_saw.push(other),
        }
    }
    (keen_saw, idle_saw)
}
// ANCHOR_END: broadcast

// ANCHOR: condvar
/// A washer thread waits until the basket holds `load` items, which
/// `threads` other threads drop in one each. Returns how many items it
/// found when it woke for good.
pub fn wait_for_a_full_basket(load: usize, threads: usize) -> usize {
    let basket = Arc::new((Mutex::new(0_usize), Condvar::new()));
    let washer = {
        let basket = Arc::clone(&basket);
        thread::spawn(move || {
            let (items, filled) = &*basket;
            let mut items = items.lock().expect("never poisoned");
            // A wake-up is a hint, not a promise: check again every time.
            while *items < load {
                items = filled.wait(items).expect("never poisoned");
            }
            *items
        })
    };
    for _ in 0..threads {
        let basket = Arc::clone(&basket);
        thread::spawn(move || {
            let (items, filled) = &*basket;
            *items.lock().expect("never poisoned") += 1;
            filled.notify_all();
        });
    }
    washer.join().expect("the washer never panics")
}
// ANCHOR_END: condvar

// ANCHOR: wait_for
/// The same in async code: `wait_for` re-checks the condition on every
/// change of a `watch` value. One item arrives every `every`.
pub async fn wait_for_a_full_basket_async(
    load: usize,
    every: Duration,
) -> (usize, Duration) {
    let (basket, mut watched) = watch::channel(0_usize);
    let start = Instant::now();
    tokio::spawn(async move {
        while !basket.is_closed() {
            sleep(every).await;
            basket.send_modify(|items| *items += 1);
        }
    });
    let items = *watched.wait_for(|items| *items >= load).await.unwrap();
    (items, start.elapsed())
}
// ANCHOR_END: wait_for
