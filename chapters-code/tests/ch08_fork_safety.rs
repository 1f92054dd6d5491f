//! Chapter 8: every fork-safety pitfall run for real in the helper binary
//! `fork-pitfalls`, one process per pitfall, and every safe pattern; each
//! child bounded, so that no test can hang.
//!
//! The tests never fork this process: the test harness runs tests on many
//! threads, so forking it would copy one thread of a process whose other
//! threads may hold locks, the very pitfall under study. They start the
//! helper with `Command`, which is safe from any number of threads.
// The pitfalls count threads in `/proc`, which only Linux has.
#![cfg(target_os = "linux")]

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chapters_code::ch08_fork_safety::child::{Ending, FINISH_BOUND};
use chapters_code::ch08_fork_safety::patterns::{
    WorkerReport, connections_seen_by_threads, spawn_in_new_session,
    spawn_worker,
};
use chapters_code::ch08_fork_safety::pitfalls::{ForkReport, PITFALLS};
use chapters_code::ch08_fork_safety::{CacheConfig, ConnectionCache};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

const HELPER: &str = env!("CARGO_BIN_EXE_fork-pitfalls");

// ANCHOR: finish_within
/// Waits at most `bound` for `child` and returns its standard output, or
/// `None` if it overstayed: then it is killed with its whole process group,
/// so that no grandchild it forked outlives the test.
fn finish_within(mut child: Child, bound: Duration) -> Option<String> {
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let (sender, printed) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        sender.send(text).ok();
    });
    let deadline = Instant::now() + bound;
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() >= deadline {
            // The child still exists, so its group does: this kills only it
            // and what it started.
            let group = Pid::from_raw(child.id() as i32);
            let _ = killpg(group, Signal::SIGKILL);
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    printed.recv_timeout(bound).ok()
}
// ANCHOR_END: finish_within

/// Runs one pitfall in the helper, in a process group of its own, and
/// reads its report.
fn pitfall(name: &str) -> ForkReport {
    let child = Command::new(HELPER)
        .arg(name)
        .process_group(0)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the helper starts");
    let printed = finish_within(child, FINISH_BOUND)
        .unwrap_or_else(|| panic!("the helper was stuck in {name}"));
    serde_json::from_str(printed.trim())
        .unwrap_or_else(|error| panic!("{name} printed {printed:?}: {error}"))
}

fn said(report: &ForkReport, line: &str) -> bool {
    report.child_said.iter().any(|said| said == line)
}

#[test]
fn the_bound_stops_a_child_that_never_ends() {
    let start = Instant::now();
    let sleeper = Command::new("sleep")
        .arg("30")
        .process_group(0)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    assert_eq!(finish_within(sleeper, Duration::from_millis(200)), None);
    assert!(start.elapsed() < Duration::from_secs(5));
}

// ANCHOR: threads_answer
#[test]
fn only_the_calling_thread_survives_fork() {
    let report = pitfall("only-the-caller");
    assert_eq!(report.threads_before_fork, 4);
    assert_eq!(report.threads_in_child, Some(1));
    assert_eq!(report.ending, Ending::Exited(0));
}
// ANCHOR_END: threads_answer

// ANCHOR: mutex_answer
#[test]
fn a_mutex_held_at_fork_stays_locked_in_the_child() {
    let report = pitfall("mutex-held");
    assert!(said(&report, "try_lock: WouldBlock"));
    assert!(said(&report, "calling lock()"));
    assert!(!said(&report, "lock() returned"));
    assert_eq!(report.ending, Ending::Stuck, "killed after its bound");
    assert_eq!(report.parent_saw, ["parent: lock() returned"]);
}
// ANCHOR_END: mutex_answer

#[test]
fn a_tokio_runtime_made_before_fork_has_no_workers_in_the_child() {
    let report = pitfall("tokio-runtime");
    assert_eq!(report.threads_before_fork, 3, "main and two workers");
    assert_eq!(report.threads_in_child, Some(1));
    assert!(said(&report, "block_on(async block) returned"));
    assert!(said(&report, "spawned; awaiting the task"));
    assert!(!said(&report, "the task ran"));
    assert_eq!(report.ending, Ending::Stuck);
}

#[test]
fn a_rayon_pool_made_before_fork_has_no_workers_in_the_child() {
    let report = pitfall("rayon-pool");
    assert_eq!(report.threads_before_fork, 3, "main and two workers");
    assert_eq!(report.threads_in_child, Some(1));
    assert!(said(&report, "calling install"));
    assert!(!said(&report, "install returned"));
    assert_eq!(report.ending, Ending::Stuck);
}

// ANCHOR: cache_answer
#[test]
fn the_cache_handed_to_a_forked_child_arrives_empty() {
    let report = pitfall("pid-cache");
    assert_eq!(report.child_said, ["cache: empty"]);
    assert_eq!(report.ending, Ending::Exited(0), "the child counted 0");
    assert_eq!(report.parent_saw, ["parent: 3 connections"]);
}
// ANCHOR_END: cache_answer

#[test]
fn the_cache_forker_has_one_thread_so_its_child_may_allocate() {
    assert_eq!(pitfall("pid-cache").threads_before_fork, 1);
}

#[test]
fn a_lock_taken_in_pre_exec_hangs_spawn_until_the_child_is_killed() {
    let report = pitfall("pre-exec-lock");
    assert_eq!(
        report.parent_saw,
        [
            "spawn: no answer while the lock is held",
            "spawn: no answer after the lock is released",
            "spawn: Ok, signal: 9 (SIGKILL)",
        ]
    );
    assert_eq!(report.threads_in_child, Some(1));
    assert_eq!(report.ending, Ending::Stuck);
}

#[test]
fn every_pitfall_has_a_test() {
    let tested = [
        "only-the-caller",
        "mutex-held",
        "tokio-runtime",
        "rayon-pool",
        "pid-cache",
        "pre-exec-lock",
    ];
    let known: Vec<&str> = PITFALLS.iter().map(|(name, _)| *name).collect();
    assert_eq!(known, tested);
}

#[test]
fn the_helper_refuses_an_unknown_pitfall() {
    let status = Command::new(HELPER)
        .arg("no-such-pitfall")
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
}

fn three_endpoints() -> CacheConfig {
    CacheConfig {
        endpoints: vec![
            ("orders".to_string(), 5432),
            ("users".to_string(), 5433),
            ("audit".to_string(), 5434),
        ],
    }
}

// ANCHOR: worker_test
#[test]
fn the_worker_builds_its_own_cache_runtime_and_pool() {
    let config = three_endpoints();
    let mut cache = config.build(); // the parent's, which stays here
    let worker = spawn_worker(Path::new(HELPER), &config).unwrap();
    let printed = finish_within(worker, FINISH_BOUND).expect("not stuck");
    let report: WorkerReport = serde_json::from_str(printed.trim()).unwrap();
    assert_ne!(report.pid, std::process::id());
    assert_eq!(report.connections, 3);
    assert!(report.all_opened_here);
    assert_eq!(report.tokio_task, 42);
    assert_eq!(report.rayon_sum, 500_500);
    assert_eq!(report.threads, 5, "main, two tokio and two rayon workers");
    assert_eq!(cache.len(), 3);
}
// ANCHOR_END: worker_test

#[test]
fn a_worker_given_a_bad_description_says_so() {
    let status = Command::new(HELPER)
        .args(["worker", "--endpoint", "orders"])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
}

#[test]
fn threads_all_see_the_one_cache() {
    let seen = connections_seen_by_threads(&three_endpoints(), 4);
    assert_eq!(seen, [3, 3, 3, 3]);
}

#[test]
fn the_cache_keeps_its_connections_in_its_own_process() {
    let mut cache = ConnectionCache::new();
    cache.connect("orders", 5432);
    cache.connect("orders", 9999); // already open: kept as it was
    assert_eq!(cache.len(), 1);
    assert_eq!(cache.get("orders").map(|c| c.port), Some(5432));
}

// ANCHOR: session_test
#[test]
fn pre_exec_with_setsid_makes_the_child_a_session_leader() {
    let child = spawn_in_new_session(Path::new(HELPER), &["session"]).unwrap();
    let printed = finish_within(child, FINISH_BOUND).expect("not stuck");
    let (pid, session, group): (u32, u32, u32) =
        serde_json::from_str(printed.trim()).unwrap();
    assert_eq!(session, pid);
    assert_eq!(group, pid);
    let ours = nix::unistd::getsid(None).unwrap().as_raw() as u32;
    assert_ne!(session, ours);
}
// ANCHOR_END: session_test
