//! The chapter's exercise: gather calls with at most so many in flight,
//! with a semaphore. The solution lives in the `*_solution` anchor;
//! `cargo xtask exercise ch07` hands learners the same code with that body
//! replaced by `todo!()`.

// ANCHOR: limit_exercise
use std::future::Future;

use tokio::sync::Semaphore;

/// Calls `call` on every item, all gathered, with at most `limit` calls in
/// flight at once (`limit` at least one), and returns the results in the
/// order of `items`. A call starts as soon as any running one finishes.
// The exercise crate copies this region without `chapters_code`: examples
// live in the tests below, not in doctests that would name this crate.
pub async fn gather_limited<I, T, F, Fut>(
    items: Vec<I>,
    limit: usize,
    call: F,
) -> Vec<T>
where
    F: FnMut(I) -> Fut,
    Fut: Future<Output = T>,
{
    // ANCHOR: limit_solution
    let permits = Semaphore::new(limit.max(1));
    let permits = &permits;
    let mut call = call;
    let calls = items.into_iter().map(|item| {
        let call = call(item);
        async move {
            let _permit = permits.acquire().await.expect("never closed");
            call.await
        }
    });
    futures::future::join_all(calls).await
    // ANCHOR_END: limit_solution
}
// ANCHOR_END: limit_exercise

// ANCHOR: limit_exercise_tests
#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::time::Duration;
    use tokio::time::{Instant, sleep};

    /// A fake request: waits `ms` of virtual time, counting how many are
    /// in flight at once, and answers with `ms`.
    async fn fake_call(
        ms: u64,
        in_flight: &Cell<usize>,
        peak: &Cell<usize>,
    ) -> u64 {
        in_flight.set(in_flight.get() + 1);
        peak.set(peak.get().max(in_flight.get()));
        sleep(Duration::from_millis(ms)).await;
        in_flight.set(in_flight.get() - 1);
        ms
    }

    #[tokio::test(start_paused = true)]
    async fn keeps_the_order_and_never_exceeds_the_limit() {
        let (in_flight, peak) = (Cell::new(0), Cell::new(0));
        let latencies: Vec<u64> = (1..=10).map(|i| i * 10).collect();
        let answers = gather_limited(latencies.clone(), 3, |ms| {
            fake_call(ms, &in_flight, &peak)
        })
        .await;
        assert_eq!(answers, latencies);
        assert_eq!(peak.get(), 3, "the limit is reached, never passed");
        let empty =
            gather_limited(Vec::<u64>::new(), 3, |ms| async move { ms }).await;
        assert!(empty.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn twenty_calls_of_100_ms_with_8_permits_take_three_rounds() {
        let (in_flight, peak) = (Cell::new(0), Cell::new(0));
        let start = Instant::now();
        let answers = gather_limited(vec![100; 20], 8, |ms| {
            fake_call(ms, &in_flight, &peak)
        })
        .await;
        assert_eq!(answers.len(), 20);
        assert_eq!(start.elapsed(), Duration::from_millis(300));
        assert_eq!(peak.get(), 8);
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_call_does_not_hold_back_the_others() {
        let (in_flight, peak) = (Cell::new(0), Cell::new(0));
        // Chunks of two, or `buffered(2)`, take 130 ms: a slow call must
        // not keep the quick ones waiting for its slot.
        let latencies = vec![100, 10, 10, 10, 10, 10, 10, 10];
        let start = Instant::now();
        let answers = gather_limited(latencies.clone(), 2, |ms| {
            fake_call(ms, &in_flight, &peak)
        })
        .await;
        assert_eq!(answers, latencies);
        assert_eq!(start.elapsed(), Duration::from_millis(100));
        assert_eq!(peak.get(), 2);
    }
}
// ANCHOR_END: limit_exercise_tests
