//! The polling consumer next to the bounded-channel workers, recorded as
//! timelines: each item's fetch is one job, and the consumer is one more,
//! so that the pictures show the polls the fetches wait for.
//!
//! The recorded designs repeat the structure of
//! [`designs`](super::designs)'s, with each step wrapped as a job: the
//! listings the page shows stay free of instrumentation.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinSet;
use tokio::time::sleep;

use super::designs::{fetch, send_all};
use super::producers::on_schedule;
use crate::ch01_concurrency_vs_parallelism::milliseconds;
use crate::measured::RecordedPicture;
use crate::timeline::{Recorder, Timeline};

/// How many items each picture produces.
pub const ITEMS: u64 = 30;
/// The producer's period.
pub const PERIOD: Duration = Duration::from_millis(10);
/// One item's work.
pub const WORK: Duration = Duration::from_millis(100);
/// The polling consumer's period.
pub const POLL: Duration = Duration::from_millis(50);
/// The workers of the bounded design.
pub const WORKERS: usize = 12;

/// A design, as recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Design {
    /// [`polling_consumer`](super::designs::polling_consumer).
    Polling,
    /// [`bounded_workers`](super::designs::bounded_workers).
    Workers,
}

const PICTURES: [(&str, Design); 2] = [
    ("polling-consumer", Design::Polling),
    ("bounded-workers", Design::Workers),
];

/// The chapter's picture names, in recording order.
pub fn picture_names() -> Vec<String> {
    PICTURES
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect()
}

/// Records both pictures on one time axis.
pub fn record_pictures() -> Vec<RecordedPicture> {
    PICTURES
        .iter()
        .map(|&(name, design)| {
            let timeline = record_design(design);
            let done = milliseconds(timeline.end());
            let ideal = milliseconds(PERIOD * ITEMS as u32 + WORK);
            let title = match design {
                Design::Polling => format!(
                    "Consumer polling every {:.0} ms: {ITEMS} items {:.0} ms \
                     apart, {:.0} ms each (job {ITEMS}: the consumer); \
                     done at {done:.0} ms, ideal {ideal:.0} ms",
                    milliseconds(POLL),
                    milliseconds(PERIOD),
                    milliseconds(WORK),
                ),
                Design::Workers => format!(
                    "Bounded mpsc, {WORKERS} workers: the same items (job \
                     {ITEMS}: the consumer); done at {done:.0} ms, ideal \
                     {ideal:.0} ms"
                ),
            };
            RecordedPicture::from_timeline(
                name,
                title,
                "designs",
                ITEMS as usize + 1,
                &timeline,
            )
        })
        .collect()
}

/// Runs `design` on a current-thread runtime on the calling thread and
/// returns its timeline: item `i`'s fetch is job `i`, the consumer job
/// [`ITEMS`].
pub fn record_design(design: Design) -> Timeline {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let (fetched, timeline) = Timeline::record(|recorder| {
        runtime.block_on(async {
            match design {
                Design::Polling => polling(recorder).await,
                Design::Workers => workers(recorder).await,
            }
        })
    });
    assert_eq!(fetched, ITEMS);
    timeline
}

async fn polling(recorder: &Recorder) -> u64 {
    let (queue, mut waiting) = mpsc::unbounded_channel();
    tokio::spawn(on_schedule(ITEMS, PERIOD).for_each(move |item| {
        let _ = queue.send(item);
        async {}
    }));
    let mut fetches = JoinSet::new();
    let consumer = async {
        loop {
            match waiting.try_recv() {
                Ok(item) => {
                    let job = recorder
                        .job_future(item.id as usize, fetch(item, WORK));
                    fetches.spawn(job);
                }
                Err(TryRecvError::Empty) => sleep(POLL).await,
                Err(TryRecvError::Disconnected) => break,
            }
        }
    };
    recorder.job_future(ITEMS as usize, consumer).await;
    fetches.join_all().await.len() as u64
}

async fn workers(recorder: &Recorder) -> u64 {
    let (to_fetchers, inbox) = mpsc::channel(WORKERS);
    let (to_consumer, mut results) = mpsc::channel(WORKERS);
    let mut tasks = JoinSet::new();
    tasks.spawn(send_all(on_schedule(ITEMS, PERIOD), to_fetchers));
    let inbox = Arc::new(Mutex::new(inbox));
    for _ in 0..WORKERS {
        let (inbox, outbox) = (Arc::clone(&inbox), to_consumer.clone());
        let recorder = recorder.clone();
        tasks.spawn(async move {
            loop {
                let next = inbox.lock().await.recv().await;
                let Some(item) = next else { break };
                let job =
                    recorder.job_future(item.id as usize, fetch(item, WORK));
                if outbox.send(job.await).await.is_err() {
                    break;
                }
            }
        });
    }
    drop(to_consumer);
    let consumer = async {
        let mut count = 0;
        while results.recv().await.is_some() {
            count += 1;
        }
        count
    };
    let count = recorder.job_future(ITEMS as usize, consumer).await;
    tasks.join_all().await;
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    /// When each fetch job's first poll began, by item.
    fn starts(timeline: &Timeline) -> Vec<Duration> {
        (0..ITEMS as usize)
            .map(|job| {
                let polls = timeline.segments().iter().filter(|s| s.job == job);
                polls.map(|s| s.start).min().expect("every item fetched")
            })
            .collect()
    }

    #[test]
    fn polled_fetches_start_in_bursts_and_workers_start_each_on_arrival() {
        let polled = starts(&record_design(Design::Polling));
        let worked = starts(&record_design(Design::Workers));
        // Workers: one item every period, each fetched on arrival, so
        // starts are a period apart (a loaded machine may bunch a few).
        let close = |starts: &[Duration]| {
            starts
                .windows(2)
                .filter(|w| w[1] - w[0] < PERIOD / 2)
                .count()
        };
        assert!(close(&worked) <= 5, "{worked:?}");
        // The poller: the five items made between two polls start
        // together, so four of every five starts follow one closely.
        assert!(close(&polled) >= 20, "{polled:?}");
    }
}
