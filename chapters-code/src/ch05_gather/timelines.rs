//! The designs recorded as timelines against the local creature service,
//! each request one job: one by one against gathered under a fixed latency,
//! then as completed, fixed chunks of 4 and `buffer_unordered(4)` under the
//! slow tail, so that the pictures show the chunks' idle gaps and the window
//! staying full.
//!
//! The recorded designs repeat the structure of [`fetch`](super::fetch)'s,
//! with each request wrapped as a job: the listings the page shows stay free
//! of instrumentation.

use std::time::Duration;

use futures::stream::{self, FuturesUnordered, StreamExt};
use futures::{TryStreamExt, future};

use super::ideal::{chunks_bound, draws, slow_tail, window_bound};
use crate::ch01_concurrency_vs_parallelism::milliseconds;
use crate::creature_service::{
    CreatureClient, CreatureService, FetchError, Latency, ServiceConfig,
    dataset,
};
use crate::measured::RecordedPicture;
use crate::timeline::{Recorder, Timeline};

/// How many requests each picture makes.
pub const REQUESTS: usize = 12;
/// The chunk size and the window.
pub const WINDOW: usize = 4;
const FIXED: Duration = Duration::from_millis(50);

/// A design, as recorded: which combinator runs the requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Design {
    /// Each request awaited before the next starts.
    OneByOne,
    /// `try_join_all` of every request.
    Gathered,
    /// Every request in a `FuturesUnordered`, drained as they finish.
    AsCompleted,
    /// Chunks of [`WINDOW`], each drained as completed.
    Chunks,
    /// `buffer_unordered(WINDOW)`.
    Window,
}

/// The pictures: name, design, whether under the slow tail.
const PICTURES: [(&str, Design, bool); 5] = [
    ("one-by-one", Design::OneByOne, false),
    ("gathered", Design::Gathered, false),
    ("as-completed-slow-tail", Design::AsCompleted, true),
    ("chunks-slow-tail", Design::Chunks, true),
    ("window-slow-tail", Design::Window, true),
];

/// The chapter's picture names, in recording order.
pub fn picture_names() -> Vec<String> {
    PICTURES
        .iter()
        .map(|(name, ..)| (*name).to_owned())
        .collect()
}

/// Records the five pictures: two on one axis (fixed latency), three on
/// another (the slow tail).
pub fn record_pictures() -> Vec<RecordedPicture> {
    let names: Vec<&str> = dataset::shipped()
        .iter()
        .take(REQUESTS)
        .map(|creature| creature.name.as_str())
        .collect();
    let tail = slow_tail();
    let latencies = draws(&tail, REQUESTS);
    let slow = latencies.iter().filter(|l| **l > FIXED * 2).count();
    PICTURES
        .iter()
        .map(|&(name, design, tailed)| {
            let latency = if tailed {
                tail.clone()
            } else {
                Latency::Fixed(FIXED)
            };
            let timeline = record_design(design, &latency, &names);
            let done = milliseconds(timeline.end());
            let title = match design {
                Design::OneByOne => format!(
                    "One by one: {REQUESTS} requests, {:.0} ms each; \
                     all done at {done:.0} ms",
                    milliseconds(FIXED)
                ),
                Design::Gathered => format!(
                    "Gathered (try_join_all): {REQUESTS} requests, {:.0} ms \
                     each; all done at {done:.0} ms",
                    milliseconds(FIXED)
                ),
                Design::AsCompleted => format!(
                    "As completed: {REQUESTS} requests at once, {slow} of \
                     them in the slow tail; all done at {done:.0} ms"
                ),
                Design::Chunks => format!(
                    "Fixed chunks of {WINDOW}, same slow tail: all done at \
                     {done:.0} ms (bound {:.0} ms)",
                    milliseconds(chunks_bound(&latencies, WINDOW))
                ),
                Design::Window => format!(
                    "buffer_unordered({WINDOW}), same slow tail: all done \
                     at {done:.0} ms (bound {:.0} ms)",
                    milliseconds(window_bound(&latencies, WINDOW))
                ),
            };
            RecordedPicture::from_timeline(
                name,
                title,
                if tailed { "slow-tail" } else { "fixed" },
                names.len(),
                &timeline,
            )
        })
        .collect()
}

/// Runs `design` on `names` against a fresh service answering with
/// `latency`, on a current-thread runtime on the calling thread, and returns
/// the timeline of the requests: request `i` is job `i`. Only the requests
/// are recorded (the service's own tasks are not jobs).
pub fn record_design(
    design: Design,
    latency: &Latency,
    names: &[&str],
) -> Timeline {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let config = ServiceConfig::default().with_latency(latency.clone());
    let service = runtime
        .block_on(CreatureService::start(config))
        .expect("a service");
    let client = CreatureClient::new(service.addr(), Duration::from_secs(60))
        .expect("a client");
    let (fetched, timeline) = Timeline::record(|recorder| {
        runtime.block_on(run_design(design, &client, names, recorder))
    });
    assert_eq!(fetched.expect("the service answers"), names.len());
    runtime.block_on(service.shutdown()).expect("a clean stop");
    timeline
}

async fn run_design(
    design: Design,
    client: &CreatureClient,
    names: &[&str],
    recorder: &Recorder,
) -> Result<usize, FetchError> {
    let request = |index: usize| {
        recorder.job_future(index, client.fetch_creature(names[index]))
    };
    let all = || (0..names.len()).map(request);
    let fetched = match design {
        Design::OneByOne => {
            let mut creatures = Vec::new();
            for index in 0..names.len() {
                creatures.push(request(index).await?);
            }
            creatures.len()
        }
        Design::Gathered => future::try_join_all(all()).await?.len(),
        Design::AsCompleted => {
            let mut pending: FuturesUnordered<_> = all().collect();
            let mut count = 0;
            while let Some(outcome) = pending.next().await {
                outcome?;
                count += 1;
            }
            count
        }
        Design::Chunks => {
            let indices: Vec<usize> = (0..names.len()).collect();
            let mut count = 0;
            for chunk in indices.chunks(WINDOW) {
                let mut pending: FuturesUnordered<_> =
                    chunk.iter().map(|&index| request(index)).collect();
                while let Some(outcome) = pending.next().await {
                    outcome?;
                    count += 1;
                }
            }
            count
        }
        Design::Window => {
            let done: Vec<_> = stream::iter(0..names.len())
                .map(|index| async move { request(index).await })
                .buffer_unordered(WINDOW)
                .try_collect()
                .await?;
            done.len()
        }
    };
    Ok(fetched)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::creature_service::SlowTail;

    const TINY: Duration = Duration::from_millis(10);

    fn names() -> Vec<&'static str> {
        dataset::shipped()
            .iter()
            .take(8)
            .map(|creature| creature.name.as_str())
            .collect()
    }

    #[test]
    fn one_by_one_each_request_starts_after_the_one_before_ends() {
        let timeline =
            record_design(Design::OneByOne, &Latency::Fixed(TINY), &names());
        assert_eq!(timeline.jobs(), (0..8).collect::<Vec<_>>());
        let extents = timeline.job_extents();
        for (job, pair) in extents.windows(2).enumerate() {
            assert!(pair[0].1 <= pair[1].0, "job {job}: {timeline:?}");
        }
        assert!(timeline.end() >= TINY * 8);
    }

    #[test]
    fn gathered_every_request_starts_before_any_ends() {
        let timeline =
            record_design(Design::Gathered, &Latency::Fixed(TINY), &names());
        assert_eq!(timeline.jobs(), (0..8).collect::<Vec<_>>());
        let extents = timeline.job_extents();
        let last_start = extents.iter().map(|e| e.0).max().unwrap();
        let first_end = extents.iter().map(|e| e.1).min().unwrap();
        assert!(last_start < first_end, "{timeline:?}");
    }

    #[test]
    fn chunks_wait_for_their_slowest_and_a_window_refills_at_once() {
        // A first chunk with fast and slow requests: the chunk after it
        // waits for the slowest, the window refills after the fastest.
        let mixed = |seed| {
            Latency::SlowTail(SlowTail {
                base: Duration::from_millis(4),
                jitter: 0.0,
                tail_probability: 0.5,
                tail_factor: 6,
                seed,
            })
        };
        let seed = (0..)
            .find(|&seed| {
                let first = draws(&mixed(seed), WINDOW);
                first.iter().min() != first.iter().max()
            })
            .expect("some seed mixes fast and slow");
        let slow_first = mixed(seed);
        let names = names();
        for design in [Design::Chunks, Design::Window] {
            let timeline = record_design(design, &slow_first, &names);
            assert_eq!(timeline.jobs(), (0..8).collect::<Vec<_>>());
            let extents = timeline.job_extents();
            let first_chunk_end =
                extents[..WINDOW].iter().map(|e| e.1).max().unwrap();
            let first_end =
                extents[..WINDOW].iter().map(|e| e.1).min().unwrap();
            match design {
                Design::Chunks => assert!(
                    extents[WINDOW..].iter().all(|e| e.0 >= first_chunk_end),
                    "a request of chunk 2 started early: {timeline:?}"
                ),
                _ => assert!(
                    extents[WINDOW].0 >= first_end
                        && extents[WINDOW].0 < first_chunk_end,
                    "request {WINDOW} did not start in the first slot \
                     to come free: {timeline:?}"
                ),
            }
        }
    }
}
