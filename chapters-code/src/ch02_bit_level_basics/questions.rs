//! The chapter's predict-the-outcome questions. Each test holds a question
//! (the `*_question` anchor the page shows first) and its answer (the
//! `*_answer` anchor, the assertions the page reveals), so a change to the
//! chapter's code that changes an answer fails `cargo test`.

#[cfg(test)]
mod tests {
    use std::hint::black_box;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use crate::ch02_bit_level_basics::task_state::{
        AfterPoll, RUNNING, TaskState,
    };
    use crate::ch02_bit_level_basics::{ReadySet, arithmetic_shr};

    #[test]
    fn signed_right_shifts_round_down() {
        // ANCHOR: signed_shift_question
        let halved = -8_i32 >> 1;
        let shifted = -7_i32 >> 1;
        let divided = -7_i32 / 2;
        // ANCHOR_END: signed_shift_question

        // ANCHOR: signed_shift_answer
        assert_eq!(halved, -4); // the sign bit is copied in at the top
        assert_eq!(shifted, -4); // -3.5 rounded towards negative infinity
        assert_eq!(divided, -3); // -3.5 rounded towards zero
        assert_eq!(shifted, arithmetic_shr(-7, 1));
        // ANCHOR_END: signed_shift_answer
    }

    /// Whether rustc accepts `source` as a library when asked to `emit`
    /// `metadata` (what `cargo check` stops at) or `obj` (machine code, as
    /// `cargo build` needs); the compiler's complaints otherwise.
    fn rustc_accepts(source: &str, emit: &str) -> Result<(), String> {
        // The rustc beside the cargo running the tests: the same toolchain.
        let rustc = std::env::var_os("CARGO")
            .map(|cargo| {
                std::path::PathBuf::from(cargo).with_file_name("rustc")
            })
            .filter(|rustc| rustc.exists())
            .unwrap_or_else(|| "rustc".into());
        let folder = std::env::temp_dir().join(format!(
            "ch02-{emit}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&folder).unwrap();
        let file = folder.join("shift.rs");
        std::fs::write(&file, source).unwrap();
        let output = std::process::Command::new(rustc)
            .args(["--edition", "2024", "--crate-type", "lib"])
            .arg(format!("--emit={emit}"))
            .arg("--out-dir")
            .arg(&folder)
            .arg(&file)
            .output()
            .expect("rustc runs");
        std::fs::remove_dir_all(&folder).unwrap();
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    }

    #[test]
    fn a_shift_by_the_full_width() {
        // ANCHOR: overlong_shift_question
        let amount = black_box(32_u32); // a value the compiler cannot see
        let checked = 1_u32.checked_shl(amount);
        let wrapped = 1_u32.wrapping_shl(amount);
        // And written out: does this function compile?
        let source = "pub fn shifted() -> u32 { 1_u32 << 32 }";
        // ANCHOR_END: overlong_shift_question

        // ANCHOR: overlong_shift_answer
        assert_eq!(checked, None); // refused: 32 is not a bit of a u32
        assert_eq!(wrapped, 1); // the amount taken modulo 32: shifted by 0
        // `cargo check` accepts the function, `cargo build` does not:
        assert_eq!(rustc_accepts(source, "metadata"), Ok(()));
        let refused = rustc_accepts(source, "obj").unwrap_err();
        assert!(refused.contains("this arithmetic operation will overflow"));
        // ANCHOR_END: overlong_shift_answer
    }

    #[test]
    fn a_compare_exchange_from_a_stale_guess() {
        // ANCHOR: cas_question
        let word = AtomicUsize::new(5);
        let mut current = 0; // a guess, not a load
        let mut attempts = 0;
        loop {
            attempts += 1;
            let next = current + 1;
            match word.compare_exchange(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
        // ANCHOR_END: cas_question

        // ANCHOR: cas_answer
        // The first attempt fails and hands back the 5 it found; the second
        // succeeds from there, with no second load.
        assert_eq!(attempts, 2);
        assert_eq!(word.load(Ordering::Relaxed), 6);
        // ANCHOR_END: cas_answer
    }

    #[test]
    fn a_wake_during_a_poll() {
        // ANCHOR: wake_during_poll_question
        let state = TaskState::new(RUNNING, 1); // a poll is under way
        let waker_pushes = state.transition_to_scheduled(); // a wake arrives
        let after_poll = state.transition_to_idle(); // the poll ends: Pending
        // ANCHOR_END: wake_during_poll_question

        // ANCHOR: wake_during_poll_answer
        assert!(!waker_pushes, "running: the waker leaves it to the poller");
        assert_eq!(after_poll, AfterPoll::Notified); // the poller pushes it
        assert!(
            state.snapshot().is_scheduled(),
            "so it is queued exactly once"
        );
        // ANCHOR_END: wake_during_poll_answer
    }

    #[test]
    fn the_order_ready_slots_come_out_in() {
        // ANCHOR: ready_order_question
        let ready = ReadySet::new();
        for slot in [40, 3, 17, 3] {
            ready.mark_ready(slot);
        }
        let taken: Vec<usize> = ready.take_ready().collect();
        // ANCHOR_END: ready_order_question

        // ANCHOR: ready_order_answer
        // Lowest first, whatever the order of the marks; slot 3 only once.
        assert_eq!(taken, [3, 17, 40]);
        assert!(ready.is_empty());
        // ANCHOR_END: ready_order_answer
    }
}
