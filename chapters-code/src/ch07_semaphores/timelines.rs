//! The fragile service's twenty requests recorded as timelines, each
//! request one job: all at once against its limit (half of them refused at
//! once), and behind a semaphore of 8 (three waves, the later requests
//! waiting for a permit).
//!
//! The recorded designs repeat [`limit`](super::limit)'s with each request
//! wrapped as a job, so the listings the page shows stay free of
//! instrumentation.

use std::time::Duration;

use futures::future::join_all;
use tokio::sync::Semaphore;

use super::limit::{
    REQUESTS, SERVICE_LIMIT, Tally, names, start_fragile_service,
};
use crate::ch01_concurrency_vs_parallelism::milliseconds;
use crate::creature_service::CreatureClient;
use crate::measured::RecordedPicture;
use crate::timeline::{Recorder, Timeline};

/// The latency of every request in the pictures.
pub const LATENCY: Duration = Duration::from_millis(50);
/// The semaphore's permits in the second picture.
pub const PERMITS: usize = 8;

/// The pictures: name, permits (`None`: unbounded).
const PICTURES: [(&str, Option<usize>); 2] =
    [("unbounded", None), ("semaphore-8", Some(PERMITS))];

/// The chapter's picture names, in recording order.
pub fn picture_names() -> Vec<String> {
    PICTURES
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect()
}

/// Records both pictures, on one time axis.
pub fn record_pictures() -> Vec<RecordedPicture> {
    PICTURES
        .iter()
        .map(|&(name, permits)| {
            let (tally, timeline) = record(permits);
            let done = milliseconds(timeline.end());
            let title = match permits {
                None => format!(
                    "All {REQUESTS} at once against a limit of \
                     {SERVICE_LIMIT}: {} answered, {} refused (503); \
                     done at {done:.0} ms",
                    tally.completed, tally.overloaded
                ),
                Some(permits) => format!(
                    "Semaphore of {permits}: {} of {REQUESTS} answered, in \
                     waves of {permits}; done at {done:.0} ms",
                    tally.completed
                ),
            };
            RecordedPicture::from_timeline(
                name, title, "fragile", REQUESTS, &timeline,
            )
        })
        .collect()
}

/// Sends the twenty requests to a fresh fragile service, gathered, behind
/// a semaphore of `permits` if any, on a current-thread runtime on the
/// calling thread; request `i` is job `i`.
pub fn record(permits: Option<usize>) -> (Tally, Timeline) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let service = runtime
        .block_on(start_fragile_service(LATENCY))
        .expect("a service");
    let client = CreatureClient::new(service.addr(), Duration::from_secs(60))
        .expect("a client");
    let names = names(REQUESTS);
    let (tally, timeline) = Timeline::record(|recorder| {
        runtime.block_on(run(&client, &names, permits, recorder))
    });
    runtime.block_on(service.shutdown()).expect("a clean stop");
    (tally, timeline)
}

async fn run(
    client: &CreatureClient,
    names: &[&str],
    permits: Option<usize>,
    recorder: &Recorder,
) -> Tally {
    let semaphore = Semaphore::new(permits.unwrap_or(Semaphore::MAX_PERMITS));
    let semaphore = &semaphore;
    let requests = names.iter().enumerate().map(|(index, name)| {
        recorder.job_future(index, async move {
            let _permit = semaphore.acquire().await.expect("never closed");
            client.fetch_creature(name).await
        })
    });
    Tally::of(&join_all(requests).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_semaphore_picture_ends_after_three_waves() {
        let (tally, timeline) = record(Some(PERMITS));
        assert_eq!(tally.completed, REQUESTS);
        assert_eq!(timeline.jobs(), (0..REQUESTS).collect::<Vec<_>>());
        // Requests 16..20 get their permits in the third wave.
        let third_wave = timeline.job_extents()[16].1;
        assert!(third_wave >= LATENCY * 2, "{timeline:?}");
        assert!(timeline.end() >= LATENCY * 3);
    }

    #[test]
    fn the_unbounded_picture_has_refusals() {
        let (tally, timeline) = record(None);
        assert!(tally.overloaded > 0, "{tally:?}");
        assert_eq!(tally.completed + tally.overloaded, REQUESTS);
        assert_eq!(timeline.jobs().len(), REQUESTS);
    }
}
