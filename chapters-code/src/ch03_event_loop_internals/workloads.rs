//! The three benchmark workloads, each written once per executor compared:
//! the learner's [`NaiveExecutor`], the tuned [`Executor`], and tokio's
//! current-thread runtime. The task bodies are the same; only `spawn` and
//! the sleep differ.

use std::time::{Duration, Instant};

use super::naive_executor::NaiveExecutor;
use super::one_slot_channel::{Receiver, Sender, channel};
use super::timers::{sleep_until, thread_sleep_until};
use super::tuned_executor::{Executor, spawn};

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
        let handles: Vec<_> = (0..tasks).map(|i| spawn(async move { i })).collect();
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
        let handles: Vec<_> = (0..tasks).map(|i| tokio::spawn(async move { i })).collect();
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
pub async fn ping(to_pong: Sender<u64>, mut from_pong: Receiver<u64>, rounds: u64) -> u64 {
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
pub fn ping_pong_tokio(runtime: &tokio::runtime::Runtime, rounds: u64) -> (u64, u64) {
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
pub fn staggered_deadline(start: Instant, index: u32, sleeps: u32, stagger: Duration) -> Instant {
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
            .map(|i| spawn(sleep_until(staggered_deadline(start, i, sleeps, stagger))))
            .collect();
        let mut finished = 0;
        for handle in handles {
            handle.await.unwrap();
            finished += 1;
        }
        finished
    })
}

/// [`timers_own`] on tokio's runtime (its timer rounds deadlines up to the
/// next millisecond).
pub fn timers_tokio(runtime: &tokio::runtime::Runtime, sleeps: u32, stagger: Duration) -> u32 {
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
// ANCHOR_END: staggered_timers

/// [`timers_own`] on the learner's executor, with a thread per sleep.
pub fn timers_naive(executor: &NaiveExecutor, sleeps: u32, stagger: Duration) -> u32 {
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
