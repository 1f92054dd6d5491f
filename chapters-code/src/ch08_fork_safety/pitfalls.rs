//! Each pitfall of `fork` in a multi-threaded process, set up for real and
//! observed from the parent. The helper binary `fork-pitfalls` runs one per
//! process and prints its [`ForkReport`]; the tests read it.

use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::{Mutex, TryLockError, mpsc};
use std::thread;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use serde::{Deserialize, Serialize};

use super::child::{
    Ending, FINISH_BOUND, ForkedChild, STUCK_BOUND, fork_child,
    threads_of_this_process,
};
use super::exercise::ConnectionCache;

/// What the parent saw of one pitfall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForkReport {
    /// The threads of the forking process just before `fork`.
    pub threads_before_fork: usize,
    /// The child's threads, counted while it was alive, if they were.
    pub threads_in_child: Option<usize>,
    /// The lines the child wrote to the parent, in order.
    pub child_said: Vec<String>,
    /// How the child ended.
    pub ending: Ending,
    /// What the parent itself observed, in order.
    pub parent_saw: Vec<String>,
}

impl ForkReport {
    /// The report on a child that should block at the call it announces
    /// with `line`: watched for [`STUCK_BOUND`] only once it has said it
    /// got there (so a child slow to get there cannot pass for a stuck
    /// one), its threads counted while it waits.
    fn of_blocked_child(
        mut child: ForkedChild,
        line: &str,
        threads_before_fork: usize,
        parent_saw: Vec<String>,
    ) -> ForkReport {
        child.wait_for(line, FINISH_BOUND);
        let threads_in_child = Some(child.threads());
        let (ending, child_said) = child.finish(STUCK_BOUND);
        ForkReport {
            threads_before_fork,
            threads_in_child,
            child_said,
            ending,
            parent_saw,
        }
    }
}

// ANCHOR: only_the_caller
/// Three threads wait; the main thread forks. The child says it is there,
/// and the parent counts its threads before letting it exit.
pub fn only_the_caller_survives() -> ForkReport {
    let (stops, waiters): (Vec<_>, Vec<_>) = (0..3)
        .map(|_| {
            let (stop, stopped) = mpsc::channel::<()>();
            (stop, thread::spawn(move || stopped.recv().ok()))
        })
        .unzip();
    // ANCHOR: only_the_caller_slide
    let threads_before_fork = threads_of_this_process();
    let mut child = fork_child(|parent| {
        parent.say(b"child: here");
        parent.wait_for_parent();
        0
    });
    child.wait_for("child: here", FINISH_BOUND);
    let threads_in_child = Some(child.threads());
    child.release();
    let (ending, child_said) = child.finish(FINISH_BOUND);
    // ANCHOR_END: only_the_caller_slide
    drop(stops);
    waiters.into_iter().for_each(|waiter| drop(waiter.join()));
    ForkReport {
        threads_before_fork,
        threads_in_child,
        child_said,
        ending,
        parent_saw: Vec::new(),
    }
}
// ANCHOR_END: only_the_caller

// ANCHOR: held_mutex
/// A thread holds a mutex while the main thread forks; then it lets go.
/// The child tries the same mutex.
pub fn mutex_held_at_fork() -> ForkReport {
    static SHARED: Mutex<u32> = Mutex::new(0);
    let (locked, is_locked) = mpsc::channel();
    let (unlock, unlocked) = mpsc::channel::<()>();
    let holder = thread::spawn(move || {
        let _guard = SHARED.lock().unwrap();
        locked.send(()).unwrap();
        unlocked.recv().ok(); // holds the lock until told to let go
    });
    is_locked.recv().unwrap();
    let threads_before_fork = threads_of_this_process();
    // ANCHOR: held_mutex_slide
    let child = fork_child(|parent| {
        // Runs in the child, forked while the holder holds SHARED.
        if let Err(TryLockError::WouldBlock) = SHARED.try_lock() {
            parent.say(b"try_lock: WouldBlock");
        }
        parent.say(b"calling lock()");
        let _guard = SHARED.lock();
        parent.say(b"lock() returned");
        0
    });
    unlock.send(()).unwrap();
    holder.join().unwrap();
    // ANCHOR_END: held_mutex_slide
    let mut parent_saw = Vec::new();
    if SHARED.lock().is_ok() {
        parent_saw.push("parent: lock() returned".to_string());
    }
    ForkReport::of_blocked_child(
        child,
        "calling lock()",
        threads_before_fork,
        parent_saw,
    )
}
// ANCHOR_END: held_mutex

// ANCHOR: tokio_before_fork
/// A multi-thread runtime, started and used before `fork`, used again in
/// the child.
pub fn tokio_runtime_before_fork() -> ForkReport {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let on_a_worker = runtime.block_on(runtime.spawn(async { 1 })).unwrap();
    let threads_before_fork = threads_of_this_process();
    let child = fork_child(|parent| {
        if runtime.block_on(async { on_a_worker }) == 1 {
            parent.say(b"block_on(async block) returned");
        }
        // Unsafe here, and the reason this child exists: spawning
        // allocates, which POSIX does not allow after a multi-threaded
        // fork.
        let task = runtime.spawn(async { 2 });
        parent.say(b"spawned; awaiting the task");
        let _ = runtime.block_on(task);
        parent.say(b"the task ran");
        0
    });
    let report = ForkReport::of_blocked_child(
        child,
        "spawned; awaiting the task",
        threads_before_fork,
        Vec::new(),
    );
    runtime.shutdown_background();
    report
}
// ANCHOR_END: tokio_before_fork

// ANCHOR: rayon_before_fork
/// A rayon pool, started and used before `fork`, used again in the child.
pub fn rayon_pool_before_fork() -> ForkReport {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    pool.broadcast(|_| ()); // every worker has started and run a job
    let threads_before_fork = threads_of_this_process();
    let child = fork_child(|parent| {
        parent.say(b"calling install");
        // Unsafe for the same reason as `spawn` above: it allocates a job.
        let sum = pool.install(|| 1 + 1);
        if sum == 2 {
            parent.say(b"install returned");
        }
        0
    });
    ForkReport::of_blocked_child(
        child,
        "calling install",
        threads_before_fork,
        Vec::new(),
    )
}
// ANCHOR_END: rayon_before_fork

// ANCHOR: cache_across_fork
/// The source article's story: a cache filled in the parent, handed to a
/// forked child. The child reports how many connections it finds.
pub fn cache_across_fork() -> ForkReport {
    let mut cache = ConnectionCache::new();
    for (name, port) in [("orders", 5432), ("users", 5433), ("audit", 5434)] {
        cache.connect(name, port);
    }
    let threads_before_fork = threads_of_this_process();
    // ANCHOR: cache_across_fork_slide
    let child = fork_child(|parent| {
        // Not async-signal-safe: the cache frees its entries here. This
        // parent has one thread, so no lock can be held by a lost thread.
        let found = cache.len();
        parent.say(if found == 0 {
            b"cache: empty"
        } else {
            b"cache: full"
        });
        found as i32
    });
    let (ending, child_said) = child.finish(FINISH_BOUND);
    let parent_saw = vec![format!("parent: {} connections", cache.len())];
    // ANCHOR_END: cache_across_fork_slide
    ForkReport {
        threads_before_fork,
        threads_in_child: None,
        child_said,
        ending,
        parent_saw,
    }
}
// ANCHOR_END: cache_across_fork

// ANCHOR: pre_exec_lock
/// A thread holds a mutex while another spawns a `Command` whose `pre_exec`
/// closure takes the same mutex, in the forked child, before `exec`.
pub fn pre_exec_takes_a_held_lock() -> ForkReport {
    static LOG: Mutex<()> = Mutex::new(());
    let (locked, is_locked) = mpsc::channel();
    let (unlock, unlocked) = mpsc::channel::<()>();
    let holder = thread::spawn(move || {
        let _guard = LOG.lock().unwrap();
        locked.send(()).unwrap();
        unlocked.recv().ok();
    });
    is_locked.recv().unwrap();
    let threads_before_fork = threads_of_this_process() + 1; // + spawner
    let (answer, spawn_answered) = mpsc::channel();
    let spawner = thread::spawn(move || {
        let mut command = Command::new("true");
        // SAFETY: none, on purpose: taking a lock in `pre_exec` is the
        // hazard this function shows.
        unsafe {
            command.pre_exec(|| {
                drop(LOG.lock());
                Ok(())
            });
        }
        let status = command.spawn().and_then(|mut child| child.wait());
        answer.send(status).ok();
    });
    let mut parent_saw = Vec::new();
    if spawn_answered.recv_timeout(STUCK_BOUND).is_err() {
        parent_saw.push("spawn: no answer while the lock is held".into());
    }
    unlock.send(()).unwrap();
    holder.join().unwrap();
    if spawn_answered.recv_timeout(STUCK_BOUND).is_err() {
        parent_saw.push("spawn: no answer after the lock is released".into());
    }
    // ANCHOR_END: pre_exec_lock
    let stuck = children_of_this_process();
    let threads_in_child = stuck
        .first()
        .map(|pid| super::child::thread_count(&format!("/proc/{pid}/task")));
    for pid in &stuck {
        let _ = kill(*pid, Signal::SIGKILL);
    }
    let ending = if stuck.is_empty() {
        Ending::Exited(0)
    } else {
        Ending::Stuck
    };
    // Killed before `exec`, the child closes std's error channel without a
    // word: to `spawn`, that means the `exec` succeeded.
    match spawn_answered.recv_timeout(FINISH_BOUND) {
        Ok(Ok(status)) => parent_saw.push(format!("spawn: Ok, {status}")),
        Ok(Err(error)) => parent_saw.push(format!("spawn: Err, {error}")),
        Err(_) => parent_saw.push("spawn: still no answer".into()),
    }
    drop(spawner.join());
    ForkReport {
        threads_before_fork,
        threads_in_child,
        child_said: Vec::new(),
        ending,
        parent_saw,
    }
}

/// The processes whose parent is this one, from `/proc/*/stat`.
fn children_of_this_process() -> Vec<Pid> {
    let me = std::process::id().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"));
            // The parent's pid is the second field after the command name,
            // which ends at the last ')' and may itself hold spaces.
            stat.ok().is_some_and(|stat| {
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                    .is_some_and(|parent| parent == me)
            })
        })
        .filter_map(|pid| pid.parse().ok().map(Pid::from_raw))
        .collect()
}

/// Runs the pitfall called `name`, or says there is none by that name.
pub fn run_pitfall(name: &str) -> Option<ForkReport> {
    PITFALLS
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, run)| run())
}

/// A pitfall's name, as the helper binary takes it, and the function
/// that runs it.
pub type Pitfall = (&'static str, fn() -> ForkReport);

/// The pitfalls, by the name the helper binary takes.
pub const PITFALLS: &[Pitfall] = &[
    ("only-the-caller", only_the_caller_survives),
    ("mutex-held", mutex_held_at_fork),
    ("tokio-runtime", tokio_runtime_before_fork),
    ("rayon-pool", rayon_pool_before_fork),
    ("pid-cache", cache_across_fork),
    ("pre-exec-lock", pre_exec_takes_a_held_lock),
];
