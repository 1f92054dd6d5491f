//! The best each design can do, given the latencies the service will draw:
//! the service draws one latency per request in arrival order from a seeded
//! [`LatencySampler`], so the same seed gives the table its bounds.

use std::time::Duration;

use crate::creature_service::{Latency, LatencySampler, SlowTail};

/// The slow tail of the chapter's table: about 50 ms, one request in seven
/// five times slower, seed 5.
pub fn slow_tail() -> Latency {
    Latency::SlowTail(SlowTail {
        base: Duration::from_millis(50),
        jitter: 0.2,
        tail_probability: 0.15,
        tail_factor: 5,
        seed: 5,
    })
}

/// The designs table's rows as (id, label), in order.
pub const DESIGN_ROWS: [(&str, &str); 8] = [
    ("one-by-one", "one by one"),
    ("gathered", "gathered (`try_join_all`)"),
    ("as-completed-first", "as completed: first result"),
    ("as-completed-last", "as completed: last result"),
    ("chunks", "fixed chunks of 4, slow tail"),
    ("window", "`buffer_unordered(4)`, slow tail"),
    ("gathered-1000", "gathered, 1 000 requests, new connections"),
    (
        "gathered-1000-warm",
        "gathered, 1 000 requests, open connections",
    ),
];

/// The designs table's row ids, in order.
pub fn design_ids() -> Vec<String> {
    DESIGN_ROWS.iter().map(|(id, _)| (*id).to_owned()).collect()
}

/// The first `n` latencies the service will draw from `model`.
pub fn draws(model: &Latency, n: usize) -> Vec<Duration> {
    let mut sampler = LatencySampler::new(model.clone());
    (0..n).map(|_| sampler.sample()).collect()
}

// ANCHOR: chunk_bound
/// Fixed chunks: each chunk lasts as long as its slowest request, and the
/// chunks follow one another.
pub fn chunks_bound(latencies: &[Duration], chunk: usize) -> Duration {
    latencies
        .chunks(chunk)
        .map(|slice| slice.iter().copied().max().unwrap_or_default())
        .sum()
}
// ANCHOR_END: chunk_bound

// ANCHOR: window_bound
/// A sliding window: each request starts in the first slot to come free
/// and is given the next latency drawn; done when the last slot is.
pub fn window_bound(latencies: &[Duration], window: usize) -> Duration {
    let mut slots_free_at = vec![Duration::ZERO; window.max(1)];
    for latency in latencies {
        let first_free =
            slots_free_at.iter_mut().min().expect("at least one slot");
        *first_free += *latency;
    }
    slots_free_at.into_iter().max().unwrap_or_default()
}
// ANCHOR_END: window_bound

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: &[u64]) -> Vec<Duration> {
        values.iter().copied().map(Duration::from_millis).collect()
    }

    #[test]
    fn a_window_overlaps_the_slow_request_with_the_quick_ones() {
        let latencies = ms(&[100, 10, 10, 10, 10, 10, 10, 10]);
        assert_eq!(chunks_bound(&latencies, 2), Duration::from_millis(130));
        assert_eq!(window_bound(&latencies, 2), Duration::from_millis(100));
        assert_eq!(window_bound(&latencies, 1), Duration::from_millis(170));
        assert_eq!(window_bound(&[], 4), Duration::ZERO);
    }
}
