//! The safe patterns: a child started with `Command` and handed a
//! description of its work, which builds its cache, runtime and pool itself;
//! threads where threads suffice; and `pre_exec` kept to async-signal-safe
//! calls.

use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde::{Deserialize, Serialize};

use super::child::threads_of_this_process;
use super::exercise::CacheConfig;

/// What a worker child reports on its standard output, as one JSON line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerReport {
    /// The worker's process id.
    pub pid: u32,
    /// The connections it found in the cache it built.
    pub connections: usize,
    /// Whether every connection was opened by the worker itself.
    pub all_opened_here: bool,
    /// What a task spawned on its own tokio runtime returned.
    pub tokio_task: u64,
    /// What its own rayon pool computed.
    pub rayon_sum: u64,
    /// Its threads while runtime and pool were alive.
    pub threads: usize,
}

// ANCHOR: spawn_worker
/// Starts `program`'s worker with the description of the cache it needs:
/// the child gets the configuration, never the cache.
pub fn spawn_worker(program: &Path, config: &CacheConfig) -> io::Result<Child> {
    Command::new(program)
        .arg("worker")
        .args(config.to_args())
        .stdout(Stdio::piped())
        .spawn()
}
// ANCHOR_END: spawn_worker

// ANCHOR: worker
/// The worker's side: a fresh process, so it builds everything itself,
/// after it has started.
pub fn run_worker(config: &CacheConfig) -> WorkerReport {
    let mut cache = config.build();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a runtime");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("a pool");
    let tokio_task = runtime.block_on(runtime.spawn(async { 40 + 2 }));
    let rayon_sum = pool.install(|| rayon_sum_to(1_000));
    let names: Vec<String> =
        config.endpoints.iter().map(|(n, _)| n.clone()).collect();
    let pid = std::process::id();
    let all_opened_here = names
        .iter()
        .all(|name| cache.get(name).is_some_and(|c| c.opened_by == pid));
    WorkerReport {
        pid,
        connections: cache.len(),
        all_opened_here,
        tokio_task: tokio_task.expect("the task ran"),
        rayon_sum,
        threads: threads_of_this_process(),
    }
}
// ANCHOR_END: worker

fn rayon_sum_to(n: u64) -> u64 {
    use rayon::prelude::*;
    (1..=n).into_par_iter().sum()
}

// ANCHOR: on_threads
/// The same cache shared with `workers` threads instead of child
/// processes: each thread reports how many connections it can see.
pub fn connections_seen_by_threads(
    config: &CacheConfig,
    workers: usize,
) -> Vec<usize> {
    let cache = std::sync::Mutex::new(config.build());
    std::thread::scope(|scope| {
        let seen: Vec<_> = (0..workers)
            .map(|_| scope.spawn(|| cache.lock().unwrap().len()))
            .collect();
        seen.into_iter().map(|t| t.join().unwrap()).collect()
    })
}
// ANCHOR_END: on_threads

// ANCHOR: pre_exec_setsid
/// Starts `program` with `args` as the leader of a new session. `setsid`
/// is async-signal-safe, and so is turning its error into an `io::Error`
/// (a raw OS error, no allocation): the closure is fit for `pre_exec`.
pub fn spawn_in_new_session(
    program: &Path,
    args: &[&str],
) -> io::Result<Child> {
    let mut command = Command::new(program);
    command.args(args).stdout(Stdio::piped());
    // SAFETY: the closure makes one async-signal-safe call and allocates
    // nothing, so it is sound in the child of a multi-threaded process.
    unsafe {
        command.pre_exec(|| {
            nix::unistd::setsid()?;
            Ok(())
        });
    }
    command.spawn()
}
// ANCHOR_END: pre_exec_setsid

/// This process's session and process group leaders, for the child started
/// by [`spawn_in_new_session`] to report.
pub fn session_and_group() -> (u32, u32, u32) {
    let pid = nix::unistd::getpid();
    let session = nix::unistd::getsid(None).expect("getsid");
    let group = nix::unistd::getpgrp();
    (
        pid.as_raw() as u32,
        session.as_raw() as u32,
        group.as_raw() as u32,
    )
}
