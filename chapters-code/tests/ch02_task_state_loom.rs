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

use chapters_code::ch02_bit_level_basics::task_state::*;
use loom::sync::Arc;
use loom::thread;

/// Checked after every model: a complete task is neither running nor queued.
fn assert_consistent(state: &TaskState) {
    let snapshot = state.snapshot();
    assert!(
        !(snapshot.is_complete() && (snapshot.is_running() || snapshot.is_scheduled())),
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
#[test]
fn a_wake_during_a_poll_is_never_lost_nor_doubled() {
    loom::model(|| {
        let state = Arc::new(TaskState::new(SCHEDULED, 2));
        // The executor took the task off the queue and is polling it.
        state.transition_to_running().unwrap();
        let waker = {
            let state = Arc::clone(&state);
            thread::spawn(move || state.transition_to_scheduled())
        };
        // The poll returned Pending.
        let requeued_by_poller = state.transition_to_idle() == AfterPoll::Notified;
        let enqueued_by_waker = waker.join().unwrap();
        assert!(
            requeued_by_poller ^ enqueued_by_waker,
            "the task must be queued exactly once \
             (poller {requeued_by_poller}, waker {enqueued_by_waker})"
        );
        // Whoever queued it, the next poll can start.
        assert!(state.transition_to_running().is_ok());
    });
}
// ANCHOR_END: loom_waker_vs_poller

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
