//! Memory orderings on the smallest program that needs them: one thread
//! writes a letter and raises a flag, another sees the flag and reads the
//! letter. A waker and a poller do the same with a task: the waker writes
//! what the task will need, then sets `SCHEDULED`; the poller sees the flag,
//! then polls the future, which reads it.
//!
//! With the `loom` feature the atomics are loom's, so that
//! `tests/ch02_task_state_loom.rs` can check the pairing in every
//! interleaving, and show what goes wrong without it.

#[cfg(feature = "loom")]
use loom::sync::atomic::{AtomicBool, AtomicU64, Ordering};
#[cfg(not(feature = "loom"))]
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

// ANCHOR: mailbox
/// One letter, posted by one thread and collected by another.
///
/// The letter is an atomic only so that a version with the wrong orderings
/// is a stale read rather than undefined behaviour; in a runtime it is plain
/// memory (the future's state, a channel's slot), published the same way.
#[derive(Debug, Default)]
pub struct Mailbox {
    letter: AtomicU64,
    posted: AtomicBool,
}

impl Mailbox {
    /// Writes the letter, then raises the flag.
    pub fn post(&self, letter: u64) {
        self.letter.store(letter, Ordering::Relaxed);
        // Release: whoever reads `true` here with Acquire also sees every
        // write this thread made before, the letter included.
        self.posted.store(true, Ordering::Release);
    }

    /// The letter, if the flag is up.
    pub fn collect(&self) -> Option<u64> {
        // Acquire pairs with the Release in `post`: the flag is never seen
        // without the letter written before it.
        if self.posted.load(Ordering::Acquire) {
            Some(self.letter.load(Ordering::Relaxed))
        } else {
            None
        }
    }
}
// ANCHOR_END: mailbox

impl Mailbox {
    /// An empty mailbox: no letter, flag down.
    pub fn new() -> Self {
        Self::default()
    }
}

#[cfg(all(test, not(feature = "loom")))]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn an_empty_mailbox_has_nothing_to_collect() {
        assert_eq!(Mailbox::new().collect(), None);
    }

    #[test]
    fn a_letter_posted_on_one_thread_is_collected_on_another() {
        for letter in [1, 42, u64::MAX] {
            let mailbox = Mailbox::new();
            let collected = thread::scope(|scope| {
                let collector = scope.spawn(|| {
                    loop {
                        if let Some(letter) = mailbox.collect() {
                            return letter;
                        }
                        std::hint::spin_loop();
                    }
                });
                mailbox.post(letter);
                collector.join().unwrap()
            });
            assert_eq!(collected, letter);
        }
    }
}
