//! The composite report recorded as timelines: one job per kind of wait (the
//! tax table, the exchange rate, the discount, the orders), so that the
//! pictures show the bad version's waits one after another, with the
//! blocking read holding the only thread, against the same waits overlapping
//! when done right.
//!
//! The recorded versions repeat the structure of
//! [`composite`](super::composite)'s, with each wait wrapped as a job: the
//! listings the page shows stay free of instrumentation.

use std::time::Duration;

use futures::future::join_all;

use super::composite::{
    Order, Scenario, Version, expected_total, fetch_discount,
    fetch_exchange_rate, fetch_order, read_tax_table, report_total,
};
use crate::ch01_concurrency_vs_parallelism::milliseconds;
use crate::measured::RecordedPicture;
use crate::timeline::{Recorder, Timeline};

/// Job 0: reading the tax table, a blocking call.
pub const TAX_TABLE: usize = 0;
/// Job 1: the exchange rate.
pub const RATE: usize = 1;
/// Job 2: the discount.
pub const DISCOUNT: usize = 2;
/// Job 3: every order fetch (one by one or together).
pub const ORDERS: usize = 3;
const JOBS: usize = 4;

/// The versions drawn, in recording order.
const PICTURED: [Version; 3] = [
    Version::BadHabits,
    Version::SourcesJoined,
    Version::DoneRight,
];

/// The chapter's picture names, in recording order.
pub fn picture_names() -> Vec<String> {
    PICTURED
        .iter()
        .map(|version| picture_name(*version))
        .collect()
}

fn picture_name(version: Version) -> String {
    version.id().to_owned()
}

/// Records three versions of the chapter's report on one time axis.
pub fn record_pictures() -> Vec<RecordedPicture> {
    let scenario = Scenario::REPORT;
    PICTURED
        .iter()
        .map(|&version| {
            let timeline = record_version(version, scenario);
            RecordedPicture::from_timeline(
                &picture_name(version),
                format!(
                    "{}: job 0 tax table (blocking), 1 exchange rate, \
                     2 discount, 3 all {} orders; done at {:.0} ms \
                     (longest wait {:.0} ms)",
                    title_of(version),
                    scenario.orders,
                    milliseconds(timeline.end()),
                    milliseconds(scenario.ideal())
                ),
                "composite",
                JOBS,
                &timeline,
            )
        })
        .collect()
}

fn title_of(version: Version) -> &'static str {
    match version {
        Version::BadHabits => "All the bad habits",
        Version::OrdersGathered => "The orders in one join_all",
        Version::SourcesJoined => {
            "Every wait in one join!, blocking read first"
        }
        Version::DoneRight => "Done right: spawn_blocking and join!",
    }
}

/// Runs `version` of the report on a fresh current-thread runtime on the
/// calling thread and returns the timeline of its waits: jobs
/// [`TAX_TABLE`], [`RATE`], [`DISCOUNT`] and [`ORDERS`].
///
/// The blocking read is one segment on the thread that ran it; each async
/// wait shows as a poll when it starts and one when it ends.
pub fn record_version(version: Version, scenario: Scenario) -> Timeline {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    let (total, timeline) = Timeline::record(|recorder| {
        runtime.block_on(recorded_report(version, scenario, recorder.clone()))
    });
    assert_eq!(total, expected_total(&scenario), "{version:?}");
    timeline
}

async fn recorded_report(
    version: Version,
    scenario: Scenario,
    recorder: Recorder,
) -> f64 {
    let s = &scenario;
    let r = &recorder;
    let all_orders = || (0..s.orders).map(|id| fetch_order(s, id));
    let orders_one_by_one = async {
        let mut orders = Vec::new();
        for id in 0..s.orders {
            orders.push(fetch_order(s, id).await);
        }
        orders
    };
    match version {
        Version::BadHabits => {
            let tax = r.run_job(TAX_TABLE, || read_tax_table(s));
            let rate = r.job_future(RATE, fetch_exchange_rate(s)).await;
            let discount = r.job_future(DISCOUNT, fetch_discount(s)).await;
            let orders = r.job_future(ORDERS, orders_one_by_one).await;
            report_total(&orders, rate, discount, tax)
        }
        Version::OrdersGathered => {
            let tax = r.run_job(TAX_TABLE, || read_tax_table(s));
            let rate = r.job_future(RATE, fetch_exchange_rate(s)).await;
            let discount = r.job_future(DISCOUNT, fetch_discount(s)).await;
            let orders = r.job_future(ORDERS, join_all(all_orders())).await;
            report_total(&orders, rate, discount, tax)
        }
        Version::SourcesJoined => {
            let tax = r.run_job(TAX_TABLE, || read_tax_table(s));
            let (rate, discount, orders) = tokio::join!(
                r.job_future(RATE, fetch_exchange_rate(s)),
                r.job_future(DISCOUNT, fetch_discount(s)),
                r.job_future(ORDERS, join_all(all_orders())),
            );
            report_total(&orders, rate, discount, tax)
        }
        Version::DoneRight => {
            let blocking = recorder.clone();
            let tax = tokio::task::spawn_blocking(move || {
                blocking.run_job(TAX_TABLE, || read_tax_table(&scenario))
            });
            let (rate, discount, orders): (f64, f64, Vec<Order>) = tokio::join!(
                r.job_future(RATE, fetch_exchange_rate(s)),
                r.job_future(DISCOUNT, fetch_discount(s)),
                r.job_future(ORDERS, join_all(all_orders())),
            );
            let tax = tax.await.expect("reading the tax table does not panic");
            report_total(&orders, rate, discount, tax)
        }
    }
}

/// When a job's first poll began and its last one ended.
pub fn extent(timeline: &Timeline, job: usize) -> Option<(Duration, Duration)> {
    let segments = timeline.segments().iter().filter(|s| s.job == job);
    let start = segments.clone().map(|s| s.start).min()?;
    let end = segments.map(|s| s.end).max()?;
    Some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: Scenario = Scenario {
        orders: 3,
        order_wait: Duration::from_millis(2),
        rate_wait: Duration::from_millis(8),
        discount_wait: Duration::from_millis(6),
        tax_table_wait: Duration::from_millis(4),
    };

    fn extent_of(timeline: &Timeline, job: usize) -> (Duration, Duration) {
        extent(timeline, job)
            .unwrap_or_else(|| panic!("job {job} missing: {timeline:?}"))
    }

    fn lane_of(timeline: &Timeline, job: usize) -> Vec<&str> {
        let mut lanes: Vec<&str> = timeline
            .segments()
            .iter()
            .filter(|s| s.job == job)
            .map(|s| s.lane.as_str())
            .collect();
        lanes.dedup();
        lanes
    }

    #[test]
    fn the_bad_habits_wait_one_after_another_on_one_thread() {
        let timeline = record_version(Version::BadHabits, TINY);
        assert_eq!(timeline.jobs(), [0, 1, 2, 3]);
        assert_eq!(timeline.lanes().len(), 1, "{timeline:?}");
        let order = [TAX_TABLE, RATE, DISCOUNT, ORDERS];
        for pair in order.windows(2) {
            let (_, earlier_end) = extent_of(&timeline, pair[0]);
            let (later_start, _) = extent_of(&timeline, pair[1]);
            assert!(
                earlier_end <= later_start,
                "job {} overlaps job {}: {timeline:?}",
                pair[0],
                pair[1]
            );
        }
        let (orders_start, orders_end) = extent_of(&timeline, ORDERS);
        assert!(orders_end - orders_start >= TINY.order_wait * 3);
        assert!(timeline.end() >= Version::BadHabits.expected_wait(&TINY));
    }

    #[test]
    fn done_right_the_waits_overlap_and_the_blocking_read_has_its_own_thread() {
        let timeline = record_version(Version::DoneRight, TINY);
        assert_eq!(timeline.jobs(), [0, 1, 2, 3]);
        let tax_lane = lane_of(&timeline, TAX_TABLE);
        assert_eq!(tax_lane.len(), 1);
        for job in [RATE, DISCOUNT, ORDERS] {
            assert!(
                !lane_of(&timeline, job).contains(&tax_lane[0]),
                "job {job} shares the blocking thread: {timeline:?}"
            );
        }
        let (rate_start, rate_end) = extent_of(&timeline, RATE);
        for job in [TAX_TABLE, DISCOUNT, ORDERS] {
            let (start, end) = extent_of(&timeline, job);
            assert!(
                start < rate_end && rate_start < end,
                "job {job} does not overlap the rate's wait: {timeline:?}"
            );
        }
    }

    #[test]
    fn with_the_blocking_read_first_the_other_waits_start_after_it() {
        let timeline = record_version(Version::SourcesJoined, TINY);
        let (_, tax_end) = extent_of(&timeline, TAX_TABLE);
        for job in [RATE, DISCOUNT, ORDERS] {
            assert!(extent_of(&timeline, job).0 >= tax_end);
        }
        let (_, rate_end) = extent_of(&timeline, RATE);
        assert!(extent_of(&timeline, ORDERS).0 < rate_end);
    }

    #[test]
    fn the_recorded_pictures_are_the_declared_ones() {
        assert_eq!(
            picture_names(),
            ["bad-habits", "sources-joined", "done-right"]
        );
    }
}
