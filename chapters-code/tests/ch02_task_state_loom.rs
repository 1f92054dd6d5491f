//! The task-state word under loom, which runs each model once per possible
//! interleaving of its atomic operations (and for many of the stale values a
//! weak memory order lets a load see), so a race that a stress test would hit
//! once in a million runs is hit every time.
//!
//! ```console
//! cargo test -p chapters-code --features loom --release --test ch02_task_state_loom
//! ```
//!
//! Only with the `loom` feature: it swaps the word's `AtomicUsize` for loom's,
//! which works only inside `loom::model`. The feature is scoped to
//! `chapters-code`; a global `--cfg loom` would switch other crates (tokio…)
//! to their own loom builds, which do not compile outside loom tests.
#![cfg(feature = "loom")]

use chapters_code::ch02_bit_level_basics::Mailbox;
use chapters_code::ch02_bit_level_basics::task_state::*;
use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use loom::thread;

/// Checked after every model: a complete task is neither running nor queued.
fn assert_consistent(state: &TaskState) {
    let snapshot = state.snapshot();
    assert!(
        !(snapshot.is_complete()
            && (snapshot.is_running() || snapshot.is_scheduled())),
        "inconsistent end state {snapshot:?}"
    );
}

// ANCHOR: loom_two_wakers
#[test]
fn two_wakers_racing_on_an_idle_task_enqueue_it_once() {
    loom::model(|| {
        let state = Arc::new(TaskState::new(JOIN_INTERESTED, 2));
        let other = {
            let state = Arc::clone(&state);
            thread::spawn(move || state.transition_to_scheduled())
        };
        let mine = state.transition_to_scheduled();
        let theirs = other.join().unwrap();
        assert!(
            mine ^ theirs,
            "exactly one waker enqueues (mine {mine}, theirs {theirs})"
        );
        assert!(state.snapshot().is_scheduled());
    });
}
// ANCHOR_END: loom_two_wakers

// ANCHOR: loom_waker_vs_poller
/// A waker fires on another thread while the poller finishes a `Pending`
/// poll with `go_idle`: exactly one of them must queue the task.
fn a_wake_during_a_poll(go_idle: fn(&TaskState) -> AfterPoll) {
    let state = Arc::new(TaskState::new(SCHEDULED, 2));
    // The executor took the task off the queue and is polling it.
    state.transition_to_running().unwrap();
    let waker = {
        let state = Arc::clone(&state);
        thread::spawn(move || state.transition_to_scheduled())
    };
    // The poll returned Pending.
    let requeued_by_poller = go_idle(&state) == AfterPoll::Notified;
    let enqueued_by_waker = waker.join().unwrap();
    assert!(
        requeued_by_poller ^ enqueued_by_waker,
        "queued {} times (poller {requeued_by_poller}, waker \
         {enqueued_by_waker})",
        u8::from(requeued_by_poller) + u8::from(enqueued_by_waker)
    );
}

#[test]
fn a_wake_during_a_poll_is_never_lost_nor_doubled() {
    loom::model(|| a_wake_during_a_poll(TaskState::transition_to_idle));
}
// ANCHOR_END: loom_waker_vs_poller

// ANCHOR: loom_lost_wakeup
#[test]
#[should_panic(expected = "queued 0 times (poller false, waker false)")]
fn loom_finds_the_wake_that_a_load_then_a_store_loses() {
    loom::model(|| a_wake_during_a_poll(racy::transition_to_idle));
}
// ANCHOR_END: loom_lost_wakeup

#[test]
fn after_a_wake_during_a_poll_the_next_poll_can_start() {
    loom::model(|| {
        let state = Arc::new(TaskState::new(SCHEDULED, 2));
        state.transition_to_running().unwrap();
        let waker = {
            let state = Arc::clone(&state);
            thread::spawn(move || state.transition_to_scheduled())
        };
        state.transition_to_idle();
        waker.join().unwrap();
        // Whoever queued it, the next poll can start.
        assert!(state.transition_to_running().is_ok());
    });
}

#[test]
fn a_wake_racing_with_completion_enqueues_nothing() {
    loom::model(|| {
        let state = Arc::new(TaskState::new(SCHEDULED | JOIN_INTERESTED, 2));
        state.transition_to_running().unwrap();
        let waker = {
            let state = Arc::clone(&state);
            thread::spawn(move || state.transition_to_scheduled())
        };
        // The poll returned Ready.
        let done = state.transition_to_complete();
        assert!(done.is_complete());
        assert!(
            !waker.join().unwrap(),
            "a running or complete task is never enqueued by a waker"
        );
        assert_consistent(&state);
        assert!(!state.snapshot().is_scheduled());
    });
}

#[test]
fn a_whole_poll_loop_sees_every_wake() {
    // The executor polls until the task goes idle without being notified; a
    // waker fires once, at any moment. Afterwards the task has been queued
    // once for the wake, or the wake happened during a poll that was repeated.
    loom::model(|| {
        let state = Arc::new(TaskState::new(SCHEDULED, 2));
        let waker = {
            let state = Arc::clone(&state);
            thread::spawn(move || state.transition_to_scheduled())
        };
        let mut polls = 0;
        loop {
            state.transition_to_running().unwrap();
            polls += 1;
            if state.transition_to_idle() == AfterPoll::Idle {
                break;
            }
        }
        let enqueued_by_waker = waker.join().unwrap();
        // At most one extra poll for one wake, and never a queued task left
        // behind without someone having enqueued it.
        assert!(polls <= 2, "{polls} polls for one wake");
        assert_eq!(state.snapshot().is_scheduled(), enqueued_by_waker);
    });
}

#[test]
fn cancel_racing_with_a_wake_enqueues_the_task_once_and_cancelled() {
    loom::model(|| {
        let state = Arc::new(TaskState::new(JOIN_INTERESTED, 2));
        let canceller = {
            let state = Arc::clone(&state);
            thread::spawn(move || state.cancel())
        };
        let woke = state.transition_to_scheduled();
        let cancelled = canceller.join().unwrap();
        assert!(
            woke ^ cancelled,
            "exactly one enqueues (wake {woke}, cancel {cancelled})"
        );
        // Whichever enqueued it, the poller finds the cancellation.
        assert!(state.transition_to_running().unwrap().is_cancelled());
    });
}

#[test]
fn cancel_racing_with_a_poll_is_seen_by_the_next_poll() {
    loom::model(|| {
        let state = Arc::new(TaskState::new(SCHEDULED | JOIN_INTERESTED, 2));
        state.transition_to_running().unwrap();
        let canceller = {
            let state = Arc::clone(&state);
            thread::spawn(move || state.cancel())
        };
        let requeued = state.transition_to_idle() == AfterPoll::Notified;
        let enqueued_by_cancel = canceller.join().unwrap();
        assert!(requeued ^ enqueued_by_cancel);
        assert!(state.transition_to_running().unwrap().is_cancelled());
    });
}

#[test]
fn cancel_racing_with_completion_leaves_the_output_alone() {
    loom::model(|| {
        let state = Arc::new(TaskState::new(SCHEDULED | JOIN_INTERESTED, 2));
        state.transition_to_running().unwrap();
        let canceller = {
            let state = Arc::clone(&state);
            thread::spawn(move || state.cancel())
        };
        state.transition_to_complete();
        assert!(!canceller.join().unwrap(), "nothing to enqueue");
        assert_consistent(&state);
    });
}

// ANCHOR: loom_last_reference
#[test]
fn of_two_owners_dropping_at_once_exactly_one_is_last() {
    loom::model(|| {
        let state = Arc::new(TaskState::new(COMPLETE, 2));
        let other = {
            let state = Arc::clone(&state);
            thread::spawn(move || state.ref_dec())
        };
        let mine = state.ref_dec();
        let theirs = other.join().unwrap();
        assert!(mine ^ theirs, "exactly one frees the task");
        assert_eq!(state.snapshot(), Snapshot(COMPLETE));
    });
}
// ANCHOR_END: loom_last_reference

#[test]
fn a_new_reference_and_a_drop_race_without_losing_the_count() {
    loom::model(|| {
        let state = Arc::new(TaskState::new(SCHEDULED, 2));
        let other = {
            let state = Arc::clone(&state);
            thread::spawn(move || {
                // A waker clones itself, then the clone is dropped.
                state.ref_inc();
                state.ref_dec()
            })
        };
        let mine = state.ref_dec();
        let theirs = other.join().unwrap();
        assert!(!mine && !theirs, "one owner is left");
        assert_eq!(state.snapshot().ref_count(), 1);
        assert!(state.ref_dec());
    });
}

#[test]
fn three_wakers_still_enqueue_once() {
    loom::model(|| {
        let state = Arc::new(TaskState::new(0, 3));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let state = Arc::clone(&state);
                thread::spawn(move || state.transition_to_scheduled())
            })
            .collect();
        let mut enqueued = usize::from(state.transition_to_scheduled());
        for handle in handles {
            enqueued += usize::from(handle.join().unwrap());
        }
        assert_eq!(enqueued, 1);
    });
}

#[test]
fn a_collected_letter_is_always_the_one_posted() {
    loom::model(|| {
        let mailbox = Arc::new(Mailbox::new());
        let poster = {
            let mailbox = Arc::clone(&mailbox);
            thread::spawn(move || mailbox.post(42))
        };
        let collected = mailbox.collect();
        assert!(matches!(collected, None | Some(42)), "got {collected:?}");
        poster.join().unwrap();
    });
}

// ANCHOR: loom_relaxed_mailbox
#[test]
#[should_panic(expected = "the flag arrived without the letter")]
fn with_relaxed_orderings_the_flag_can_overtake_the_letter() {
    loom::model(|| {
        let letter = Arc::new(AtomicU64::new(0));
        let posted = Arc::new(AtomicBool::new(false));
        let poster = {
            let (letter, posted) = (Arc::clone(&letter), Arc::clone(&posted));
            thread::spawn(move || {
                letter.store(42, Ordering::Relaxed);
                posted.store(true, Ordering::Relaxed); // not Release
            })
        };
        if posted.load(Ordering::Relaxed) {
            let letter = letter.load(Ordering::Relaxed);
            assert_eq!(letter, 42, "the flag arrived without the letter");
        }
        poster.join().unwrap();
    });
}
// ANCHOR_END: loom_relaxed_mailbox

/// A task as loom sees it: the state word beside plain memory (here the
/// output) that owners write and the last owner frees.
struct Task {
    state: TaskState,
    output: UnsafeCell<u64>,
}

// SAFETY: `output` is written by one owner and then by whichever owner frees
// the task; the reference count must order the two, and loom checks that it
// does (a write not ordered before another is reported as a causality
// violation).
unsafe impl Sync for Task {}

// ANCHOR: loom_last_owner_frees
#[test]
fn the_last_owner_sees_every_write_before_it_frees_the_task() {
    loom::model(|| {
        let task = Arc::new(Task {
            state: TaskState::new(COMPLETE, 2),
            output: UnsafeCell::new(0),
        });
        let free = |task: &Task| {
            // SAFETY: the last owner; loom checks the other owner's write
            // happened before this one.
            task.output.with_mut(|output| unsafe { *output = 0 });
        };
        let other = {
            let task = Arc::clone(&task);
            thread::spawn(move || {
                // SAFETY: nobody frees the task while this owner holds it.
                task.output.with_mut(|output| unsafe { *output = 42 });
                if task.state.ref_dec() {
                    free(&task);
                }
            })
        };
        if task.state.ref_dec() {
            free(&task);
        }
        other.join().unwrap();
    });
}
// ANCHOR_END: loom_last_owner_frees

#[test]
#[should_panic(expected = "Causality violation")]
fn with_a_relaxed_decrement_the_last_owner_can_free_too_early() {
    loom::model(|| {
        let refs = Arc::new(AtomicUsize::new(2));
        let output = Arc::new(Output(UnsafeCell::new(0)));
        let other = {
            let (refs, output) = (Arc::clone(&refs), Arc::clone(&output));
            thread::spawn(move || {
                // SAFETY: loom reports the unordered write, which is the point.
                output.0.with_mut(|output| unsafe { *output = 42 });
                if refs.fetch_sub(1, Ordering::Relaxed) == 1 {
                    output.0.with_mut(|output| unsafe { *output = 0 });
                }
            })
        };
        if refs.fetch_sub(1, Ordering::Relaxed) == 1 {
            // SAFETY: as above: loom reports this write as unordered.
            output.0.with_mut(|output| unsafe { *output = 0 });
        }
        other.join().unwrap();
    });
}

/// Plain memory shared by the owners of a reference count.
struct Output(UnsafeCell<u64>);

// SAFETY: as for `Task`: the count must order the writes, and loom checks.
unsafe impl Sync for Output {}
