//! The bookkeeping around `fork`: a pipe each way between the parent and the
//! child, the child's side restricted to async-signal-safe calls, and the
//! parent's watch over the child, bounded so that nothing waits forever.

use std::io::{BufRead, BufReader, PipeReader, PipeWriter};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork};
use serde::{Deserialize, Serialize};

/// How long a child that should finish is given: generous, because on a
/// loaded machine a child can be slow, and the bound costs time only when
/// something is wrong.
pub const FINISH_BOUND: Duration = Duration::from_secs(10);

/// How long a child that should stay stuck is watched before it is killed:
/// short, because every run pays it in full. A child watched only once it
/// has said it reached the blocking call cannot look stuck by being slow
/// to get there.
pub const STUCK_BOUND: Duration = Duration::from_millis(400);

/// The exit code of a child whose body panicked.
pub const CHILD_PANICKED: i32 = 101;

/// How a watched child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ending {
    /// It exited on its own with this code.
    Exited(i32),
    /// It was still running at the end of its bound, and was killed.
    Stuck,
    /// A signal the watch did not send ended it (its number).
    Signaled(i32),
}

// ANCHOR: child_side
/// The child's ends of the two pipes. Everything here makes raw system
/// calls only (`write`, `read`): async-signal-safe, so usable in the child
/// of a multi-threaded parent.
pub struct ChildSide {
    to_parent: PipeWriter,
    from_parent: PipeReader,
}

impl ChildSide {
    /// Writes `line` and a newline to the parent, without allocating. A
    /// failed write is ignored: the child has nobody else to tell.
    pub fn say(&self, line: &[u8]) {
        let _ = nix::unistd::write(&self.to_parent, line);
        let _ = nix::unistd::write(&self.to_parent, b"\n");
    }

    /// Blocks until the parent calls [`ForkedChild::release`] (or dies).
    pub fn wait_for_parent(&self) {
        let mut byte = [0u8; 1];
        let _ = nix::unistd::read(&self.from_parent, &mut byte);
    }
}
// ANCHOR_END: child_side

// ANCHOR: fork_child
/// Forks; the child runs `body` and `_exit`s with the code it returns, the
/// parent gets a [`ForkedChild`] to watch.
///
/// `body` runs in the child of a process that may have other threads: it
/// must keep to async-signal-safe calls unless showing a hazard is its
/// point. It never returns into the caller's code in the child.
pub fn fork_child(body: impl FnOnce(&ChildSide) -> i32) -> ForkedChild {
    let (parent_reads, child_writes) = std::io::pipe().expect("a pipe");
    let (child_reads, parent_writes) = std::io::pipe().expect("a pipe");
    // SAFETY: the child runs `body` (whose callers uphold the rule above),
    // closes descriptors and calls `_exit`; it never returns from here, so
    // none of the parent's code runs twice.
    // ANCHOR: fork_child_slide
    match unsafe { fork() }.expect("fork") {
        ForkResult::Child => {
            // Closing is async-signal-safe; the parent's ends must close
            // here too, or a pipe would never report end-of-file.
            drop(parent_reads);
            drop(parent_writes);
            let side = ChildSide {
                to_parent: child_writes,
                from_parent: child_reads,
            };
            let run = std::panic::AssertUnwindSafe(|| body(&side));
            let code = std::panic::catch_unwind(run).unwrap_or(CHILD_PANICKED);
            // SAFETY: `_exit` ends the process at once: no destructors, no
            // atexit handlers, no flushing of buffers shared with the parent.
            unsafe { nix::libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            drop(child_writes);
            drop(child_reads);
            ForkedChild::watch(child, parent_reads, parent_writes)
        }
    }
    // ANCHOR_END: fork_child_slide
}
// ANCHOR_END: fork_child

/// The parent's view of a forked child: what it said so far, its thread
/// count, and a bounded wait for its end.
pub struct ForkedChild {
    pid: Pid,
    lines: Receiver<String>,
    said: Vec<String>,
    release: Option<PipeWriter>,
}

impl ForkedChild {
    fn watch(pid: Pid, from_child: PipeReader, to_child: PipeWriter) -> Self {
        let (sender, lines) = mpsc::channel();
        // A reader thread turns the pipe into a channel the parent can wait
        // on with a timeout; it ends when the child's end closes.
        std::thread::spawn(move || {
            for line in BufReader::new(from_child).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        ForkedChild {
            pid,
            lines,
            said: Vec::new(),
            release: Some(to_child),
        }
    }

    /// The child's process id.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// The child's threads, counted from outside in `/proc/<pid>/task`.
    pub fn threads(&self) -> usize {
        thread_count(&format!("/proc/{}/task", self.pid))
    }

    /// Waits at most `bound` until the child says `line`; true if it did.
    pub fn wait_for(&mut self, line: &str, bound: Duration) -> bool {
        let deadline = Instant::now() + bound;
        loop {
            if self.said.iter().any(|said| said == line) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(said) => self.said.push(said),
                Err(_) => return false,
            }
        }
    }

    /// Lets a child blocked in [`ChildSide::wait_for_parent`] go on.
    pub fn release(&mut self) {
        self.release = None;
    }

    /// Waits at most `bound` for the child to end, kills it if it has not,
    /// and returns how it ended with everything it said.
    pub fn finish(mut self, bound: Duration) -> (Ending, Vec<String>) {
        let ending = end_within(self.pid, bound);
        // The child is gone, so its end of the pipe is closed and the reader
        // thread is done once it has sent what was left.
        loop {
            match self.lines.recv_timeout(FINISH_BOUND) {
                Ok(said) => self.said.push(said),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => break,
            }
        }
        (ending, self.said)
    }
}

// ANCHOR: end_within
/// Waits at most `bound` for `pid` to end; on the bound, kills it with
/// `SIGKILL` (which it cannot ignore) and reaps it.
pub fn end_within(pid: Pid, bound: Duration) -> Ending {
    let deadline = Instant::now() + bound;
    loop {
        match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(_, code)) => return Ending::Exited(code),
            Ok(WaitStatus::Signaled(_, signal, _)) => {
                return Ending::Signaled(signal as i32);
            }
            Ok(_) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(2));
            }
            Ok(_) => {
                let _ = kill(pid, Signal::SIGKILL);
                let _ = waitpid(pid, None);
                return Ending::Stuck;
            }
            Err(error) => panic!("waiting for child {pid}: {error}"),
        }
    }
}
// ANCHOR_END: end_within

/// The threads of this process, from `/proc/self/task`.
pub fn threads_of_this_process() -> usize {
    thread_count("/proc/self/task")
}

pub(crate) fn thread_count(task_folder: &str) -> usize {
    std::fs::read_dir(task_folder)
        .map(|entries| entries.count())
        .unwrap_or(0)
}
