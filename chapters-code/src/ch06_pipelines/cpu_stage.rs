//! The CPU-bound stage: real computation on rayon, handed over and back
//! through a oneshot channel so that the async worker threads only ever
//! wait for it. The wrong version computes on the async thread itself.

use std::panic::{AssertUnwindSafe, catch_unwind};

use futures::{Stream, StreamExt};
use tokio::sync::oneshot;

// ANCHOR: on_rayon
/// Runs `work` on rayon's pool and waits for it without holding the async
/// thread; a panic inside `work` comes back as `Err`.
pub async fn on_rayon<T, F>(work: F) -> std::thread::Result<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (done, result) = oneshot::channel();
    rayon::spawn(move || {
        // An uncaught panic in a rayon job aborts the process.
        let _ = done.send(catch_unwind(AssertUnwindSafe(work)));
    });
    result.await.expect("rayon runs every job it is given")
}
// ANCHOR_END: on_rayon

// ANCHOR: cpu_stage
/// The CPU stage: `parse` on rayon, up to `limit` items at once, in the
/// order they finish.
pub fn cpu_stage<T, P>(
    fetched: impl Stream<Item = T>,
    parse: P,
    limit: usize,
) -> impl Stream<Item = T>
where
    T: Send + 'static,
    P: Fn(T) -> T + Clone + Send + 'static,
{
    fetched
        .map(move |item| {
            let parse = parse.clone();
            on_rayon(move || parse(item))
        })
        .buffer_unordered(limit)
        .map(|parsed| parsed.expect("parse does not panic"))
}
// ANCHOR_END: cpu_stage

// ANCHOR: cpu_stage_inline
/// The wrong CPU stage: `parse` runs inside the stream, on whichever async
/// worker thread polls it, and nothing else runs there meanwhile.
pub fn cpu_stage_inline<T, P>(
    fetched: impl Stream<Item = T>,
    parse: P,
) -> impl Stream<Item = T>
where
    P: Fn(T) -> T,
{
    fetched.map(parse)
}
// ANCHOR_END: cpu_stage_inline

/// Real CPU work for one item: `rounds` steps of a xorshift generator
/// seeded with `seed`, so that the optimiser cannot skip it.
pub fn crunch(seed: u64, rounds: u64) -> u64 {
    let mut state = seed | 1;
    for _ in 0..rounds {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
    }
    std::hint::black_box(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_on_rayon_comes_back_as_an_error() {
        let answer = on_rayon(|| 6 * 7).await;
        assert_eq!(answer.ok(), Some(42));
        let crashed = on_rayon(|| -> u32 { panic!("parse failed") }).await;
        let message = crashed.expect_err("the panic is caught");
        assert_eq!(message.downcast_ref::<&str>(), Some(&"parse failed"));
    }

    #[test]
    fn crunch_depends_on_its_seed_and_rounds() {
        assert_ne!(crunch(1, 10), crunch(2, 10));
        assert_ne!(crunch(1, 10), crunch(1, 11));
        assert_eq!(crunch(5, 0), 5);
    }
}
