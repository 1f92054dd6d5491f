//! The chapter's exercise: fetch quotes as tasks of one `JoinSet` and hand
//! them back in the order they were asked for. `cargo xtask exercise ch04`
//! gives learners this region with the solution replaced by `todo!()`, and
//! the same tests.

// ANCHOR: quotes_exercise
use std::time::Duration;

use tokio::task::JoinSet;

/// How long the quote service takes for `id`: ids differ, so quotes finish
/// in another order than they were asked for.
pub fn quote_latency(id: u64) -> Duration {
    Duration::from_millis(300 - 40 * (id % 5))
}

/// A simulated quote service: waits [`quote_latency`], answers `id * 3`.
pub async fn fetch_quote(id: u64) -> u64 {
    tokio::time::sleep(quote_latency(id)).await;
    id * 3
}

/// Every quote of `ids`, in `ids`' order, fetched concurrently as tasks of
/// one `JoinSet`. A task that panics panics the caller.
pub async fn all_quotes(ids: Vec<u64>) -> Vec<u64> {
    // ANCHOR: quotes_solution
    let mut quotes = JoinSet::new();
    for (index, id) in ids.iter().copied().enumerate() {
        quotes.spawn(async move { (index, fetch_quote(id).await) });
    }
    // Tasks finish in any order: each brings back its place in the list.
    let mut in_order = vec![0; ids.len()];
    while let Some(finished) = quotes.join_next().await {
        let (index, quote) = finished.expect("a quote task panicked");
        in_order[index] = quote;
    }
    in_order
    // ANCHOR_END: quotes_solution
}
// ANCHOR_END: quotes_exercise

// ANCHOR: quotes_exercise_tests
#[cfg(test)]
mod quotes_tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn quotes_come_back_in_the_order_asked() {
        let quotes = all_quotes(vec![4, 0, 7, 2]).await;
        assert_eq!(quotes, [12, 0, 21, 6]);
    }

    #[tokio::test(start_paused = true)]
    async fn ten_quotes_take_as_long_as_the_slowest() {
        let ids: Vec<u64> = (0..10).collect();
        let slowest = ids.iter().map(|&id| quote_latency(id)).max().unwrap();
        let start = tokio::time::Instant::now();
        all_quotes(ids).await;
        assert_eq!(start.elapsed(), slowest);
    }

    #[tokio::test(start_paused = true)]
    async fn no_ids_no_quotes() {
        assert_eq!(all_quotes(Vec::new()).await, Vec::<u64>::new());
    }
}
// ANCHOR_END: quotes_exercise_tests
