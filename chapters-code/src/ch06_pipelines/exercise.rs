//! The chapter's exercise: a paced producer that stops on shutdown and
//! hands back every id it did not send, so that the caller can report
//! them. The solution lives in the `*_solution` anchor; `cargo xtask
//! exercise ch06` hands learners the same code with that body replaced by
//! `todo!()`.

// ANCHOR: producer_exercise
use std::future::Future;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

/// Sends ids `0..n` on `to`, id `i` at `(i + 1) × period` from the call
/// (never later because an earlier send had to wait), until `shutdown`
/// completes or nobody receives any more. Returns the ids it did not send,
/// in order; dropping `to` on return closes the channel.
// The exercise crate copies this region without `chapters_code`: examples
// live in the tests below, not in doctests that would name this crate.
pub async fn produce_until(
    to: mpsc::Sender<u64>,
    n: u64,
    period: Duration,
    shutdown: impl Future<Output = ()>,
) -> Vec<u64> {
    // ANCHOR: producer_solution
    let start = Instant::now();
    let mut shutdown = std::pin::pin!(shutdown);
    for id in 0..n {
        let periods = u32::try_from(id + 1).expect("fewer than 2^32 ids");
        let sent = async {
            sleep_until(start + period * periods).await;
            to.send(id).await
        };
        tokio::select! {
            biased;
            () = &mut shutdown => return (id..n).collect(),
            sent = sent => {
                if sent.is_err() {
                    return (id..n).collect();
                }
            }
        }
    }
    Vec::new()
    // ANCHOR_END: producer_solution
}
// ANCHOR_END: producer_exercise

// ANCHOR: producer_exercise_tests
#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::sleep;

    const PERIOD: Duration = Duration::from_millis(10);

    #[tokio::test(start_paused = true)]
    async fn sends_everything_on_time_and_closes_the_channel() {
        let (to, mut from) = mpsc::channel(1);
        let start = Instant::now();
        let producer =
            tokio::spawn(produce_until(to, 6, PERIOD, std::future::pending()));
        // A late consumer: id 1 waits for room until 25 ms. The ids after
        // it still leave on the schedule (30, 40, … ms), not 10 ms after
        // that late send.
        sleep(Duration::from_millis(25)).await;
        let mut arrivals = Vec::new();
        while let Some(id) = from.recv().await {
            arrivals.push((id, start.elapsed().as_millis()));
        }
        assert_eq!(
            arrivals,
            [(0, 25), (1, 25), (2, 30), (3, 40), (4, 50), (5, 60)]
        );
        assert!(producer.await.unwrap().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_shutdown_returns_what_was_not_sent() {
        let (to, mut from) = mpsc::channel(8);
        let shutdown = sleep(Duration::from_millis(55));
        let unsent = produce_until(to, 10, PERIOD, shutdown).await;
        assert_eq!(unsent, [5, 6, 7, 8, 9]);
        let mut received = Vec::new();
        while let Some(id) = from.recv().await {
            received.push(id);
        }
        assert_eq!(received, [0, 1, 2, 3, 4], "and the channel closed");
    }

    #[tokio::test(start_paused = true)]
    async fn a_send_still_waiting_at_shutdown_is_not_lost() {
        let (to, mut from) = mpsc::channel(1);
        // Nobody receives: id 0 fills the channel, id 1 waits for room.
        let shutdown = sleep(Duration::from_millis(25));
        let unsent = produce_until(to, 4, PERIOD, shutdown).await;
        assert_eq!(unsent, [1, 2, 3]);
        assert_eq!(from.recv().await, Some(0));
        assert_eq!(from.recv().await, None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_receiver_gone_stops_the_producer() {
        let (to, mut from) = mpsc::channel(4);
        let consumer = tokio::spawn(async move {
            let first_three =
                [from.recv().await, from.recv().await, from.recv().await];
            first_three.map(Option::unwrap)
        });
        let start = Instant::now();
        let unsent =
            produce_until(to, 10, PERIOD, std::future::pending()).await;
        assert_eq!(consumer.await.unwrap(), [0, 1, 2]);
        assert_eq!(unsent, [3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(start.elapsed(), PERIOD * 4, "it noticed at id 3");
    }
}
// ANCHOR_END: producer_exercise_tests
