//! A task's whole state in one atomic word, the way async runtimes keep it.
//!
//! The low bits are flags; the bits above them count references. One word
//! means one atomic operation per transition: a waker and the executor can
//! race on the same task, and each sees either the state before the other's
//! change or after it, never half of it.
//!
//! ```text
//!  bit:  63 …………………… 5 │ 4               │ 3         │ 2        │ 1       │ 0
//!        reference count │ JOIN_INTERESTED │ CANCELLED │ COMPLETE │ RUNNING │ SCHEDULED
//! ```
//!
//! With the `loom` feature the word is a loom atomic, so that the tests in
//! `tests/ch02_task_state_loom.rs` can explore every interleaving of the
//! transitions (`cargo test -p chapters-code --features loom --release --test ch02_task_state_loom`).

use std::fmt;

#[cfg(feature = "loom")]
use loom::sync::atomic::{AtomicUsize, Ordering};
#[cfg(not(feature = "loom"))]
use std::sync::atomic::{AtomicUsize, Ordering};

// ANCHOR: state_flags
/// The task is in a run queue, or will be pushed onto one. Invariant: the
/// task is queued at most once. Only the caller whose transition set this flag
/// on an idle task (neither running nor complete) enqueues it; set while the
/// task runs, it tells the poller to queue the task again. Never set together
/// with [`COMPLETE`].
pub const SCHEDULED: usize = 1 << 0;
/// A thread is polling the future. Invariant: at most one poller at a time;
/// only `transition_to_running` sets it, only the poller clears it (idle or
/// complete).
pub const RUNNING: usize = 1 << 1;
/// The future returned `Ready` or was dropped: it is never polled again.
/// Invariant: once set, never cleared, and `RUNNING` and `SCHEDULED` stay
/// clear.
pub const COMPLETE: usize = 1 << 2;
/// Someone asked the task to stop: the next poller drops the future instead of
/// polling it. Invariant: once set, never cleared; never set on a task that
/// was already complete.
pub const CANCELLED: usize = 1 << 3;
/// A join handle still wants the output. Invariant: only cleared, by the
/// handle being dropped; when it is clear nobody will read the output.
pub const JOIN_INTERESTED: usize = 1 << 4;

/// How many low bits hold flags.
pub const FLAG_BITS: u32 = 5;
/// All flag bits: `0b1_1111`.
pub const FLAG_MASK: usize = (1 << FLAG_BITS) - 1;
/// One reference, in the count above the flags.
pub const REF_ONE: usize = 1 << FLAG_BITS;
// ANCHOR_END: state_flags

/// A copy of the word at one instant, to read flags and the count from.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::task_state::{Snapshot, RUNNING, REF_ONE};
///
/// let snapshot = Snapshot(RUNNING | 2 * REF_ONE);
/// assert!(snapshot.is_running() && !snapshot.is_scheduled());
/// assert_eq!(snapshot.ref_count(), 2);
/// assert_eq!(format!("{snapshot:?}"), "Snapshot { flags: RUNNING, refs: 2 }");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Snapshot(pub usize);

impl Snapshot {
    /// [`SCHEDULED`] is set.
    pub fn is_scheduled(self) -> bool {
        self.0 & SCHEDULED != 0
    }
    /// [`RUNNING`] is set.
    pub fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    /// [`COMPLETE`] is set.
    pub fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    /// [`CANCELLED`] is set.
    pub fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    /// [`JOIN_INTERESTED`] is set.
    pub fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTERESTED != 0
    }
    /// The reference count, from the bits above the flags.
    pub fn ref_count(self) -> usize {
        self.0 >> FLAG_BITS
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (SCHEDULED, "SCHEDULED"),
            (RUNNING, "RUNNING"),
            (COMPLETE, "COMPLETE"),
            (CANCELLED, "CANCELLED"),
            (JOIN_INTERESTED, "JOIN_INTERESTED"),
        ];
        let flags: Vec<&str> = names
            .iter()
            .filter(|(bit, _)| self.0 & bit != 0)
            .map(|(_, name)| *name)
            .collect();
        let flags = if flags.is_empty() {
            "none".to_string()
        } else {
            flags.join("|")
        };
        write!(
            f,
            "Snapshot {{ flags: {flags}, refs: {} }}",
            self.ref_count()
        )
    }
}

/// What the poller does after a poll that returned `Pending`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterPoll {
    /// Nobody woke the task during the poll: leave it until a waker schedules it.
    Idle,
    /// A waker fired while the task was running: it is still marked
    /// [`SCHEDULED`], and the poller must put it back on the run queue.
    Notified,
}

/// One task's state word.
pub struct TaskState {
    word: AtomicUsize,
}

impl TaskState {
    /// A state with `flags` set and `refs` references.
    ///
    /// ```
    /// use chapters_code::ch02_bit_level_basics::task_state::*;
    ///
    /// // A freshly spawned task: queued, a join handle waiting, two owners
    /// // (the run queue's entry and the handle).
    /// let state = TaskState::new(SCHEDULED | JOIN_INTERESTED, 2);
    /// assert_eq!(format!("{:?}", state.snapshot()), "Snapshot { flags: SCHEDULED|JOIN_INTERESTED, refs: 2 }");
    /// ```
    pub fn new(flags: usize, refs: usize) -> Self {
        assert_eq!(
            flags & !FLAG_MASK,
            0,
            "flags {flags:#b} spill into the reference count"
        );
        let count = refs
            .checked_mul(REF_ONE)
            .expect("reference count too large for the word");
        Self {
            word: AtomicUsize::new(flags | count),
        }
    }

    /// The word as it is now.
    ///
    /// ```
    /// use chapters_code::ch02_bit_level_basics::task_state::*;
    /// let state = TaskState::new(RUNNING, 3);
    /// assert_eq!(state.snapshot(), Snapshot(RUNNING | 3 * REF_ONE));
    /// ```
    pub fn snapshot(&self) -> Snapshot {
        Snapshot(self.word.load(Ordering::Acquire))
    }

    // ANCHOR: transition_to_scheduled
    /// A waker's move: mark the task scheduled. Returns `true` when the caller
    /// must push the task onto the run queue: it was neither queued already,
    /// nor running (the poller will see the flag and requeue it), nor complete.
    ///
    /// ```
    /// use chapters_code::ch02_bit_level_basics::task_state::*;
    ///
    /// let state = TaskState::new(0, 1);
    /// assert!(state.transition_to_scheduled()); // first wake: enqueue
    /// assert!(!state.transition_to_scheduled()); // second wake: already queued
    /// ```
    pub fn transition_to_scheduled(&self) -> bool {
        // Not a bare `fetch_or`: that would also mark a complete task, and
        // COMPLETE promises that SCHEDULED stays clear. So: read, decide, and
        // write only if the word has not changed in between.
        let mut current = self.word.load(Ordering::Acquire);
        loop {
            let before = Snapshot(current);
            if before.is_complete() {
                return false;
            }
            match self.word.compare_exchange_weak(
                current,
                current | SCHEDULED,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return !before.is_scheduled() && !before.is_running(),
                Err(actual) => current = actual,
            }
        }
    }
    // ANCHOR_END: transition_to_scheduled

    // ANCHOR: transition_to_running
    /// The executor's move when it takes the task off the queue: clear
    /// [`SCHEDULED`], set [`RUNNING`]. Fails, returning the state, when the task
    /// is complete or another thread is polling it.
    ///
    /// ```
    /// use chapters_code::ch02_bit_level_basics::task_state::*;
    ///
    /// let state = TaskState::new(SCHEDULED, 1);
    /// let running = state.transition_to_running().unwrap();
    /// assert!(running.is_running() && !running.is_scheduled());
    /// assert!(state.transition_to_running().is_err()); // one poller at a time
    /// ```
    pub fn transition_to_running(&self) -> Result<Snapshot, Snapshot> {
        let mut current = self.word.load(Ordering::Acquire);
        loop {
            let snapshot = Snapshot(current);
            if snapshot.is_complete() || snapshot.is_running() {
                return Err(snapshot);
            }
            let next = (current & !SCHEDULED) | RUNNING;
            match self.word.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Ok(Snapshot(next)),
                Err(actual) => current = actual,
            }
        }
    }
    // ANCHOR_END: transition_to_running

    // ANCHOR: transition_to_idle
    /// After a poll that returned `Pending`: clear [`RUNNING`]. If a waker set
    /// [`SCHEDULED`] meanwhile, the flag stays and the poller must requeue.
    ///
    /// ```
    /// use chapters_code::ch02_bit_level_basics::task_state::*;
    ///
    /// let state = TaskState::new(RUNNING, 1);
    /// assert!(!state.transition_to_scheduled()); // woken during the poll
    /// assert_eq!(state.transition_to_idle(), AfterPoll::Notified);
    /// ```
    pub fn transition_to_idle(&self) -> AfterPoll {
        let before = Snapshot(self.word.fetch_and(!RUNNING, Ordering::AcqRel));
        debug_assert!(
            before.is_running(),
            "idle from a state not running: {before:?}"
        );
        if before.is_scheduled() {
            AfterPoll::Notified
        } else {
            AfterPoll::Idle
        }
    }
    // ANCHOR_END: transition_to_idle

    /// After a poll that returned `Ready` (or after dropping a cancelled
    /// future): clear [`RUNNING`] and [`SCHEDULED`], set [`COMPLETE`]. Returns
    /// the new state: without [`JOIN_INTERESTED`] nobody wants the output.
    ///
    /// ```
    /// use chapters_code::ch02_bit_level_basics::task_state::*;
    ///
    /// let state = TaskState::new(RUNNING | SCHEDULED | JOIN_INTERESTED, 1);
    /// let done = state.transition_to_complete();
    /// assert_eq!(done, Snapshot(COMPLETE | JOIN_INTERESTED | REF_ONE));
    /// assert!(!state.transition_to_scheduled()); // a late wake changes nothing
    /// assert_eq!(state.snapshot(), done);
    /// ```
    pub fn transition_to_complete(&self) -> Snapshot {
        let mut current = self.word.load(Ordering::Acquire);
        loop {
            debug_assert!(
                Snapshot(current).is_running(),
                "complete from {:?}",
                Snapshot(current)
            );
            let next = (current & !(RUNNING | SCHEDULED)) | COMPLETE;
            match self.word.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Snapshot(next),
                Err(actual) => current = actual,
            }
        }
    }

    /// Ask the task to stop. Returns `true` when the caller must enqueue it so
    /// that a poller drops its future (it was idle: not queued, not running,
    /// not complete); a running or queued task sees [`CANCELLED`] on its own.
    ///
    /// Cancelling a complete task changes nothing: its output, if any, stands.
    ///
    /// ```
    /// use chapters_code::ch02_bit_level_basics::task_state::*;
    ///
    /// let state = TaskState::new(0, 1);
    /// assert!(state.cancel()); // idle: enqueue it so that a poller drops it
    /// assert!(!state.cancel()); // already queued
    /// assert!(state.transition_to_running().unwrap().is_cancelled());
    /// ```
    pub fn cancel(&self) -> bool {
        let mut current = self.word.load(Ordering::Acquire);
        loop {
            let before = Snapshot(current);
            if before.is_complete() {
                return false;
            }
            match self.word.compare_exchange_weak(
                current,
                current | CANCELLED | SCHEDULED,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return !before.is_scheduled() && !before.is_running(),
                Err(actual) => current = actual,
            }
        }
    }

    /// The join handle is gone: clear [`JOIN_INTERESTED`]. Returns the state
    /// before, so that the caller can drop an output nobody will read.
    ///
    /// ```
    /// use chapters_code::ch02_bit_level_basics::task_state::*;
    ///
    /// let state = TaskState::new(COMPLETE | JOIN_INTERESTED, 1);
    /// let before = state.drop_join_interest();
    /// assert!(before.is_join_interested() && before.is_complete()); // drop the output
    /// assert!(!state.snapshot().is_join_interested());
    /// ```
    pub fn drop_join_interest(&self) -> Snapshot {
        Snapshot(self.word.fetch_and(!JOIN_INTERESTED, Ordering::AcqRel))
    }

    // ANCHOR: ref_counting
    /// One more owner. Relaxed is enough: the new owner got the task from an
    /// existing one, which already synchronises with everything before.
    ///
    /// ```
    /// use chapters_code::ch02_bit_level_basics::task_state::*;
    ///
    /// let state = TaskState::new(SCHEDULED, 1);
    /// state.ref_inc(); // a waker clones its handle on the task
    /// assert_eq!(state.snapshot().ref_count(), 2);
    /// assert!(state.snapshot().is_scheduled(), "the flags are untouched");
    /// ```
    pub fn ref_inc(&self) {
        // Relaxed: the caller holds a reference already, so nobody can free
        // the task meanwhile, and counting one more publishes nothing.
        let before = self.word.fetch_add(REF_ONE, Ordering::Relaxed);
        assert!(
            before <= usize::MAX - REF_ONE,
            "task reference count overflow"
        );
    }

    /// One owner fewer. Returns `true` for the last one, which must free the
    /// task: AcqRel so that it sees every other owner's writes first.
    ///
    /// ```
    /// use chapters_code::ch02_bit_level_basics::task_state::*;
    ///
    /// let state = TaskState::new(COMPLETE, 2);
    /// assert!(!state.ref_dec()); // someone else still holds the task
    /// assert!(state.ref_dec()); // the last owner frees it
    /// ```
    pub fn ref_dec(&self) -> bool {
        // Release: this owner's uses of the task come before its decrement.
        // Acquire: the last owner, which frees the task, sees all of them.
        let before = Snapshot(self.word.fetch_sub(REF_ONE, Ordering::AcqRel));
        assert!(
            before.ref_count() > 0,
            "task reference count underflow: {before:?}"
        );
        before.ref_count() == 1
    }
    // ANCHOR_END: ref_counting
}

/// Transitions written the tempting wrong way, kept so that the book can show
/// what loom finds in them and what ordinary tests miss. Nothing runs them but
/// the tests.
pub mod racy {
    use super::{AfterPoll, Ordering, RUNNING, Snapshot, TaskState};

    // ANCHOR: transition_to_idle_racy
    /// [`TaskState::transition_to_idle`] as a load, then a separate store.
    /// Right whenever one step follows another; wrong when a waker's step
    /// falls between the two, which loses its wake-up.
    pub fn transition_to_idle(state: &TaskState) -> AfterPoll {
        let before = Snapshot(state.word.load(Ordering::Acquire));
        // A waker that runs here sees RUNNING and leaves the queueing to the
        // poller, which is about to store a word without its SCHEDULED.
        state.word.store(before.0 & !RUNNING, Ordering::Release);
        if before.is_scheduled() {
            AfterPoll::Notified
        } else {
            AfterPoll::Idle
        }
    }
    // ANCHOR_END: transition_to_idle_racy
}

impl fmt::Debug for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.snapshot().fmt(f)
    }
}

#[cfg(all(test, not(feature = "loom")))]
mod tests {
    use super::*;

    #[test]
    fn a_task_lives_through_wake_poll_and_completion() {
        let state = TaskState::new(SCHEDULED | JOIN_INTERESTED, 2);
        assert!(state.transition_to_running().is_ok());
        assert!(
            !state.transition_to_scheduled(),
            "running: the poller requeues"
        );
        assert_eq!(state.transition_to_idle(), AfterPoll::Notified);
        assert!(state.snapshot().is_scheduled());
        assert!(state.transition_to_running().is_ok());
        assert_eq!(state.transition_to_idle(), AfterPoll::Idle);
        assert!(state.transition_to_scheduled());
        state.transition_to_running().unwrap();
        let done = state.transition_to_complete();
        assert!(
            done.is_complete() && !done.is_running() && !done.is_scheduled()
        );
        assert!(
            !state.transition_to_scheduled(),
            "a complete task is never queued again"
        );
        assert!(state.transition_to_running().is_err());
        assert!(state.drop_join_interest().is_join_interested());
        assert!(!state.ref_dec());
        assert!(state.ref_dec());
    }

    #[test]
    fn cancelling_an_idle_task_asks_for_one_more_poll() {
        let state = TaskState::new(0, 1);
        assert!(state.cancel());
        assert!(!state.cancel(), "already queued by the first cancel");
        let running = state.transition_to_running().unwrap();
        assert!(running.is_cancelled());
    }

    #[test]
    #[should_panic(expected = "spill into the reference count")]
    fn flags_cannot_spill_into_the_count() {
        TaskState::new(REF_ONE, 1);
    }
}
