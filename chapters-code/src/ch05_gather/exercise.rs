//! The chapter's exercise: a sliding window that keeps the input order
//! without letting a slow call hold the window back.
//! The solution lives in the `*_solution` anchor; `cargo xtask exercise ch05`
//! hands learners the same code with that body replaced by `todo!()`.

// ANCHOR: window_exercise
use std::future::Future;

use futures::StreamExt;

/// Calls `fetch` on every item with at most `window` calls in flight, and
/// returns the results in the order of `items`. A new call starts as soon as
/// any running one finishes, even when an earlier call is still running.
// The exercise crate copies this region without `chapters_code`: examples
// live in the tests below, not in doctests that would name this crate.
pub async fn fetch_in_window<I, T, F, Fut>(
    items: Vec<I>,
    window: usize,
    fetch: F,
) -> Vec<T>
where
    F: FnMut(I) -> Fut,
    Fut: Future<Output = T>,
{
    // ANCHOR: window_solution
    let mut fetch = fetch;
    let mut answers: Vec<(usize, T)> =
        futures::stream::iter(items.into_iter().enumerate())
            .map(|(index, item)| {
                let call = fetch(item);
                async move { (index, call.await) }
            })
            .buffer_unordered(window)
            .collect()
            .await;
    answers.sort_by_key(|(index, _)| *index);
    answers.into_iter().map(|(_, answer)| answer).collect()
    // ANCHOR_END: window_solution
}
// ANCHOR_END: window_exercise

// ANCHOR: window_exercise_tests
#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::time::Duration;
    use tokio::time::{Instant, sleep};

    /// A fake request: waits `ms` of virtual time, counting how many are
    /// in flight at once, and answers with `ms`.
    async fn fake_fetch(
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
    async fn keeps_the_input_order_and_the_window() {
        let (in_flight, peak) = (Cell::new(0), Cell::new(0));
        let latencies = vec![30, 10, 20, 10, 40, 10];
        let answers = fetch_in_window(latencies.clone(), 3, |ms| {
            fake_fetch(ms, &in_flight, &peak)
        })
        .await;
        assert_eq!(answers, latencies);
        assert_eq!(peak.get(), 3, "the window is full, never overfull");
        let empty =
            fetch_in_window(Vec::<u64>::new(), 3, |ms| async move { ms }).await;
        assert!(empty.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_call_does_not_hold_back_the_others() {
        let (in_flight, peak) = (Cell::new(0), Cell::new(0));
        // One slow call and seven quick ones, two at a time. Chunks of two,
        // or `buffered(2)`, take 130 ms; a sliding window runs the seven
        // quick ones beside the slow one and finishes with it.
        let latencies = vec![100, 10, 10, 10, 10, 10, 10, 10];
        let start = Instant::now();
        let answers = fetch_in_window(latencies.clone(), 2, |ms| {
            fake_fetch(ms, &in_flight, &peak)
        })
        .await;
        assert_eq!(answers, latencies);
        assert_eq!(start.elapsed(), Duration::from_millis(100));
        assert_eq!(peak.get(), 2);
    }
}
// ANCHOR_END: window_exercise_tests
