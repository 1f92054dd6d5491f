//! The three benchmark workloads, each written once per executor compared:
//! the learner's [`NaiveExecutor`], the tuned [`Executor`], and tokio's
//! current-thread runtime. The task bodies are the same; only `spawn` and
//! the sleep differ.

use std::hint::black_box;
use std::time::{Duration, Instant};

use super::naive_executor::NaiveExecutor;
use super::one_slot_channel::{Receiver, Sender, channel};
use super::timers::{sleep_until, thread_sleep_until};
use super::tuned_executor::{Executor, spawn};
use crate::measured::{
    BenchImplementation, BenchSuite, BenchWorkload, Routine, Sampling,
};

// ANCHOR: spawn_many
/// Spawns `tasks` trivial tasks (each returns its index), then awaits their
/// handles in order. Returns the sum of the outputs.
///
/// ```
/// use chapters_code::ch03_event_loop_internals::{tuned_executor::Executor, workloads::spawn_many_own};
///
/// assert_eq!(spawn_many_own(&Executor::new(), 100), 4950);
/// ```
pub fn spawn_many_own(executor: &Executor, tasks: u64) -> u64 {
    executor.block_on(async move {
        let handles: Vec<_> =
            (0..tasks).map(|i| spawn(async move { i })).collect();
        let mut sum = 0;
        for handle in handles {
            sum += handle.await.expect("a trivial task cannot fail");
        }
        sum
    })
}

/// [`spawn_many_own`] on tokio's runtime.
pub fn spawn_many_tokio(runtime: &tokio::runtime::Runtime, tasks: u64) -> u64 {
    runtime.block_on(async move {
        let handles: Vec<_> =
            (0..tasks).map(|i| tokio::spawn(async move { i })).collect();
        let mut sum = 0;
        for handle in handles {
            sum += handle.await.expect("a trivial task cannot fail");
        }
        sum
    })
}
// ANCHOR_END: spawn_many

/// [`spawn_many_own`] on the learner's executor.
pub fn spawn_many_naive(executor: &NaiveExecutor, tasks: u64) -> u64 {
    let spawner = executor.spawner();
    executor.block_on(async move {
        let handles: Vec<_> = (0..tasks)
            .map(|i| spawner.spawn(async move { i }))
            .collect();
        let mut sum = 0;
        for handle in handles {
            sum += handle.await;
        }
        sum
    })
}

// ANCHOR: ping_pong
/// Sends 0 to `pong`, waits for the answer, sends that back, `rounds` times.
/// Returns the last answer: `rounds`, since `pong` adds one each time.
pub async fn ping(
    to_pong: Sender<u64>,
    mut from_pong: Receiver<u64>,
    rounds: u64,
) -> u64 {
    let mut value = 0;
    for _ in 0..rounds {
        to_pong.send(value).await.expect("pong outlives ping");
        value = from_pong.recv().await.expect("pong answers every value");
    }
    value
}

/// Answers every value with the value plus one, until `ping` hangs up.
/// Returns how many values it answered.
pub async fn pong(mut from_ping: Receiver<u64>, to_ping: Sender<u64>) -> u64 {
    let mut answered = 0;
    while let Some(value) = from_ping.recv().await {
        if to_ping.send(value + 1).await.is_err() {
            break;
        }
        answered += 1;
    }
    answered
}

/// Two tasks handing a value back and forth `rounds` times through two
/// one-slot channels. Returns what each task returned.
///
/// ```
/// use chapters_code::ch03_event_loop_internals::{tuned_executor::Executor, workloads::ping_pong_own};
///
/// assert_eq!(ping_pong_own(&Executor::new(), 100), (100, 100));
/// ```
pub fn ping_pong_own(executor: &Executor, rounds: u64) -> (u64, u64) {
    executor.block_on(async move {
        let (to_pong, from_ping) = channel();
        let (to_ping, from_pong) = channel();
        let ping = spawn(ping(to_pong, from_pong, rounds));
        let pong = spawn(pong(from_ping, to_ping));
        (ping.await.unwrap(), pong.await.unwrap())
    })
}
// ANCHOR_END: ping_pong

/// [`ping_pong_own`] on tokio's runtime.
pub fn ping_pong_tokio(
    runtime: &tokio::runtime::Runtime,
    rounds: u64,
) -> (u64, u64) {
    runtime.block_on(async move {
        let (to_pong, from_ping) = channel();
        let (to_ping, from_pong) = channel();
        let ping = tokio::spawn(ping(to_pong, from_pong, rounds));
        let pong = tokio::spawn(pong(from_ping, to_ping));
        (ping.await.unwrap(), pong.await.unwrap())
    })
}

/// [`ping_pong_own`] on the learner's executor.
pub fn ping_pong_naive(executor: &NaiveExecutor, rounds: u64) -> (u64, u64) {
    let spawner = executor.spawner();
    executor.block_on(async move {
        let (to_pong, from_ping) = channel();
        let (to_ping, from_pong) = channel();
        let ping = spawner.spawn(ping(to_pong, from_pong, rounds));
        let pong = spawner.spawn(pong(from_ping, to_ping));
        (ping.await, pong.await)
    })
}

// ANCHOR: staggered_timers
/// When sleep number `index` of `sleeps` ends: deadlines `stagger` apart, in
/// a scrambled order (7919 is prime, so `index * 7919 % sleeps` visits every
/// slot once) so that the timer heap has to sort them.
pub fn staggered_deadline(
    start: Instant,
    index: u32,
    sleeps: u32,
    stagger: Duration,
) -> Instant {
    let slot = (u64::from(index) * 7919 % u64::from(sleeps)) as u32;
    start + stagger * (slot + 1)
}

/// Spawns `sleeps` tasks, each sleeping until its [`staggered_deadline`],
/// and awaits them all. Returns how many finished.
///
/// ```
/// use std::time::Duration;
/// use chapters_code::ch03_event_loop_internals::{tuned_executor::Executor, workloads::timers_own};
///
/// assert_eq!(timers_own(&Executor::new(), 20, Duration::from_micros(50)), 20);
/// ```
pub fn timers_own(executor: &Executor, sleeps: u32, stagger: Duration) -> u32 {
    executor.block_on(async move {
        let start = Instant::now();
        let handles: Vec<_> = (0..sleeps)
            .map(|i| {
                spawn(sleep_until(staggered_deadline(
                    start, i, sleeps, stagger,
                )))
            })
            .collect();
        let mut finished = 0;
        for handle in handles {
            handle.await.unwrap();
            finished += 1;
        }
        finished
    })
}
// ANCHOR_END: staggered_timers

/// [`timers_own`] on tokio's runtime (its timer rounds deadlines up to the
/// next millisecond).
pub fn timers_tokio(
    runtime: &tokio::runtime::Runtime,
    sleeps: u32,
    stagger: Duration,
) -> u32 {
    runtime.block_on(async move {
        let start = Instant::now();
        let handles: Vec<_> = (0..sleeps)
            .map(|i| {
                let deadline = staggered_deadline(start, i, sleeps, stagger);
                tokio::spawn(tokio::time::sleep_until(deadline.into()))
            })
            .collect();
        let mut finished = 0;
        for handle in handles {
            handle.await.unwrap();
            finished += 1;
        }
        finished
    })
}

/// [`timers_own`] on the learner's executor, with a thread per sleep.
pub fn timers_naive(
    executor: &NaiveExecutor,
    sleeps: u32,
    stagger: Duration,
) -> u32 {
    let spawner = executor.spawner();
    executor.block_on(async move {
        let start = Instant::now();
        let handles: Vec<_> = (0..sleeps)
            .map(|i| {
                spawner.spawn(thread_sleep_until(staggered_deadline(
                    start, i, sleeps, stagger,
                )))
            })
            .collect();
        let mut finished = 0;
        for handle in handles {
            handle.await;
            finished += 1;
        }
        finished
    })
}

/// The runtime the benchmarks compare against: tokio's current-thread
/// runtime with its timer, as `#[tokio::main(flavor = "current_thread")]`
/// builds it (this workspace enables no I/O driver).
pub fn tokio_current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("building a current-thread runtime")
}

/// The environment variable that makes the chapter's benchmark keep glibc's
/// default malloc tuning (see `benches/ch03_executor.rs`).
pub const DEFAULT_MALLOC_ENV: &str = "CH03_DEFAULT_MALLOC";

/// The executors the benchmark compares, each built once and reused by every
/// iteration, as a server would.
pub struct Executors {
    naive: NaiveExecutor,
    own: Executor,
    tokio: tokio::runtime::Runtime,
}

/// Builds the three executors.
pub fn executors() -> Executors {
    Executors {
        naive: NaiveExecutor::new(),
        own: Executor::new(),
        tokio: tokio_current_thread(),
    }
}

const SPAWNED_TASKS: u64 = 10_000;
const PING_PONG_ROUNDS: u64 = 10_000;
const SLEEPS: u32 = 1_000;
const STAGGER: Duration = Duration::from_micros(5);

const CPU_SAMPLING: Sampling = Sampling {
    samples: 40,
    warm_up: Duration::from_millis(500),
    measurement: Duration::from_secs(3),
    flat: false,
};

// An iteration of `timers` is mostly waiting for the clock: few, flat samples.
const TIMER_SAMPLING: Sampling = Sampling {
    samples: 20,
    warm_up: Duration::from_millis(500),
    measurement: Duration::from_secs(2),
    flat: true,
};

/// What `cargo bench --bench ch03_executor` measures: three workloads, each
/// run by the learner's first executor (`naive`), the tuned one (`own`) and
/// tokio (`tokio_current_thread`, the baseline):
///
/// - `spawn_many`: spawn 10 000 trivial tasks, then await every handle;
/// - `ping_pong`: two tasks hand a value back and forth 10 000 times through
///   the chapter's one-slot channel;
/// - `timers`: 1 000 tasks sleep until deadlines 5 µs apart (in a scrambled
///   order), on the real clock: one iteration lasts about 5 ms, most of it
///   waiting, so the figure shows how late each timer fires, not CPU work.
pub const BENCH: BenchSuite<Executors> = BenchSuite {
    bench: "ch03_executor",
    group: "ch03_executor",
    fixture: executors,
    workloads: &[
        BenchWorkload {
            id: "spawn_many",
            baseline: "tokio_current_thread",
            sampling: CPU_SAMPLING,
            implementations: &[
                BenchImplementation {
                    id: "naive",
                    routine: Routine::Iter(|e| {
                        black_box(spawn_many_naive(
                            &e.naive,
                            black_box(SPAWNED_TASKS),
                        ));
                    }),
                },
                BenchImplementation {
                    id: "own",
                    routine: Routine::Iter(|e| {
                        black_box(spawn_many_own(
                            &e.own,
                            black_box(SPAWNED_TASKS),
                        ));
                    }),
                },
                BenchImplementation {
                    id: "tokio_current_thread",
                    routine: Routine::Iter(|e| {
                        black_box(spawn_many_tokio(
                            &e.tokio,
                            black_box(SPAWNED_TASKS),
                        ));
                    }),
                },
            ],
        },
        BenchWorkload {
            id: "ping_pong",
            baseline: "tokio_current_thread",
            sampling: CPU_SAMPLING,
            implementations: &[
                BenchImplementation {
                    id: "naive",
                    routine: Routine::Iter(|e| {
                        black_box(ping_pong_naive(
                            &e.naive,
                            black_box(PING_PONG_ROUNDS),
                        ));
                    }),
                },
                BenchImplementation {
                    id: "own",
                    routine: Routine::Iter(|e| {
                        black_box(ping_pong_own(
                            &e.own,
                            black_box(PING_PONG_ROUNDS),
                        ));
                    }),
                },
                BenchImplementation {
                    id: "tokio_current_thread",
                    routine: Routine::Iter(|e| {
                        black_box(ping_pong_tokio(
                            &e.tokio,
                            black_box(PING_PONG_ROUNDS),
                        ));
                    }),
                },
            ],
        },
        BenchWorkload {
            id: "timers",
            baseline: "tokio_current_thread",
            sampling: TIMER_SAMPLING,
            implementations: &[
                BenchImplementation {
                    id: "naive",
                    routine: Routine::Iter(|e| {
                        black_box(timers_naive(
                            &e.naive,
                            black_box(SLEEPS),
                            STAGGER,
                        ));
                    }),
                },
                BenchImplementation {
                    id: "own",
                    routine: Routine::Iter(|e| {
                        black_box(timers_own(
                            &e.own,
                            black_box(SLEEPS),
                            STAGGER,
                        ));
                    }),
                },
                BenchImplementation {
                    id: "tokio_current_thread",
                    routine: Routine::Iter(|e| {
                        black_box(timers_tokio(
                            &e.tokio,
                            black_box(SLEEPS),
                            STAGGER,
                        ));
                    }),
                },
            ],
        },
    ],
};
