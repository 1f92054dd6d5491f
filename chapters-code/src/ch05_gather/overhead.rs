//! Per-task overhead: many timer waits of the same length, gathered four
//! ways on two tokio runtimes, and once on smol's timer. The ideal is one
//! wait; what comes on top is the cost of registering, waking and
//! collecting every wait, plus the timer's rounding.

use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::future::join_all;
use futures::stream::FuturesUnordered;
use tokio::task::JoinSet;
use tokio::time::sleep;

/// How the waits are gathered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrangement {
    /// One `join_all` over `n` sleeps, polled by the caller's task.
    JoinAll,
    /// The same `join_all`, exempt from tokio's cooperative budget.
    UnconstrainedJoinAll,
    /// A `FuturesUnordered` of `n` sleeps, drained as they finish.
    FuturesUnordered,
    /// `n` tasks in a `JoinSet`, joined as they finish.
    JoinSet,
    /// `n` tasks from `tokio::spawn`, their handles awaited in order.
    Spawned,
}

impl Arrangement {
    /// Every arrangement, in table order.
    pub const ALL: [Arrangement; 5] = [
        Arrangement::JoinAll,
        Arrangement::UnconstrainedJoinAll,
        Arrangement::FuturesUnordered,
        Arrangement::JoinSet,
        Arrangement::Spawned,
    ];

    /// A stable key for tables.
    pub fn id(self) -> &'static str {
        match self {
            Arrangement::JoinAll => "join-all",
            Arrangement::UnconstrainedJoinAll => "unconstrained-join-all",
            Arrangement::FuturesUnordered => "futures-unordered",
            Arrangement::JoinSet => "join-set",
            Arrangement::Spawned => "spawned",
        }
    }

    /// The label readers see, in markdown.
    pub fn label(self) -> &'static str {
        match self {
            Arrangement::JoinAll => "`join_all`",
            Arrangement::UnconstrainedJoinAll => "`unconstrained(join_all)`",
            Arrangement::FuturesUnordered => "`FuturesUnordered`",
            Arrangement::JoinSet => "`JoinSet`",
            Arrangement::Spawned => "`tokio::spawn` handles",
        }
    }
}

// ANCHOR: gather_waits
/// Waits `n` times for `wait`, all at once, gathered as `arrangement` says.
pub async fn gather_waits(arrangement: Arrangement, n: usize, wait: Duration) {
    match arrangement {
        // ANCHOR: gather_waits_slide
        Arrangement::JoinAll => {
            join_all((0..n).map(|_| sleep(wait))).await;
        }
        Arrangement::UnconstrainedJoinAll => {
            let waits = join_all((0..n).map(|_| sleep(wait)));
            tokio::task::unconstrained(waits).await;
        }
        // ANCHOR_END: gather_waits_slide
        Arrangement::FuturesUnordered => {
            let mut waits: FuturesUnordered<_> =
                (0..n).map(|_| sleep(wait)).collect();
            while waits.next().await.is_some() {}
        }
        Arrangement::JoinSet => {
            let mut tasks = JoinSet::new();
            for _ in 0..n {
                tasks.spawn(sleep(wait));
            }
            while tasks.join_next().await.is_some() {}
        }
        Arrangement::Spawned => {
            let handles: Vec<_> =
                (0..n).map(|_| tokio::spawn(sleep(wait))).collect();
            for handle in handles {
                handle.await.expect("a sleep never panics");
            }
        }
    }
}
// ANCHOR_END: gather_waits

// ANCHOR: smol_waits
/// The same `join_all` on smol, whose timers come from `async-io`: a
/// deadline is kept to the nanosecond, not rounded to a millisecond.
pub fn smol_gather_waits(n: usize, wait: Duration) -> Duration {
    smol::block_on(async {
        let start = Instant::now();
        join_all((0..n).map(|_| smol::Timer::after(wait))).await;
        start.elapsed()
    })
}
// ANCHOR_END: smol_waits

/// Which tokio runtime runs the waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// One thread: `new_current_thread`.
    CurrentThread,
    /// A worker per core: `new_multi_thread`.
    MultiThread,
}

impl Flavor {
    /// Both flavours, in table order.
    pub const ALL: [Flavor; 2] = [Flavor::CurrentThread, Flavor::MultiThread];

    /// A stable key for tables.
    pub fn id(self) -> &'static str {
        match self {
            Flavor::CurrentThread => "current-thread",
            Flavor::MultiThread => "multi-thread",
        }
    }

    /// A runtime of this flavour with timers enabled.
    pub fn runtime(self) -> tokio::runtime::Runtime {
        let mut builder = match self {
            Flavor::CurrentThread => {
                tokio::runtime::Builder::new_current_thread()
            }
            Flavor::MultiThread => tokio::runtime::Builder::new_multi_thread(),
        };
        builder.enable_all().build().expect("a tokio runtime")
    }
}

/// Times [`gather_waits`] on a fresh runtime of `flavor` (built before the
/// clock starts); the waits start from the caller's task, inside the
/// runtime, so spawning costs are counted.
pub fn time_gather_waits(
    flavor: Flavor,
    arrangement: Arrangement,
    n: usize,
    wait: Duration,
) -> Duration {
    let runtime = flavor.runtime();
    runtime.block_on(async {
        let start = Instant::now();
        gather_waits(arrangement, n, wait).await;
        start.elapsed()
    })
}
