//! The chapter's exercise: a lock-free allocator of 64 slots in one atomic
//! word. The solutions live in the `*_solution` anchors; `cargo xtask exercise
//! ch02` hands learners the same code with those bodies replaced by `todo!()`,
//! and the same tests.
//!
//! The exercise crate copies the region without `chapters_code`, so the
//! examples live in the tests, not in doctests that would name this crate.

// ANCHOR: slot_allocator_exercise
use std::sync::atomic::{AtomicU64, Ordering};

/// 64 slots (say, the entries of a fixed task table), one bit each in one
/// atomic word: a set bit means the slot is taken. Any thread may claim and
/// release slots; no lock is involved.
#[derive(Debug, Default)]
pub struct SlotAllocator {
    taken: AtomicU64,
}

impl SlotAllocator {
    /// How many slots there are: the bits of a `u64`.
    pub const SLOTS: usize = 64;

    /// An allocator with every slot free.
    pub const fn new() -> Self {
        Self {
            taken: AtomicU64::new(0),
        }
    }

    /// Takes the lowest free slot and returns its index, or `None` when all 64
    /// are taken. Two threads calling at once never get the same slot.
    ///
    /// Hints: the free slots are the zero bits, so `!taken` has them set and
    /// `trailing_zeros` finds the lowest; claim it with `compare_exchange`
    /// (another thread may have changed the word since you read it: then try
    /// again with the value it returns).
    pub fn claim(&self) -> Option<usize> {
        // ANCHOR: claim_solution
        let mut current = self.taken.load(Ordering::Relaxed);
        loop {
            let free = !current;
            if free == 0 {
                return None;
            }
            let slot = free.trailing_zeros();
            match self.taken.compare_exchange_weak(
                current,
                current | (1 << slot),
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(slot as usize),
                Err(actual) => current = actual,
            }
        }
        // ANCHOR_END: claim_solution
    }

    /// Gives `slot` back. Panics if `slot >= 64` or if the slot was not taken
    /// (a double release is a bug in the caller), with a message containing
    /// "was not taken".
    ///
    /// Hint: one `fetch_and` clears the bit and returns the word as it was.
    pub fn release(&self, slot: usize) {
        assert!(slot < Self::SLOTS, "slot {slot} out of range");
        // ANCHOR: release_solution
        let mask = 1_u64 << slot;
        let before = self.taken.fetch_and(!mask, Ordering::Release);
        assert!(before & mask != 0, "slot {slot} was not taken");
        // ANCHOR_END: release_solution
    }

    /// How many slots are taken now.
    pub fn taken(&self) -> usize {
        self.taken.load(Ordering::Relaxed).count_ones() as usize
    }
}
// ANCHOR_END: slot_allocator_exercise

// ANCHOR: slot_allocator_exercise_tests
#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::thread;

    #[test]
    fn claims_the_lowest_free_slot_first() {
        let slots = SlotAllocator::new();
        assert_eq!(slots.claim(), Some(0));
        assert_eq!(slots.claim(), Some(1));
        assert_eq!(slots.claim(), Some(2));
        slots.release(1);
        assert_eq!(slots.taken(), 2);
        assert_eq!(slots.claim(), Some(1), "slot 1 is free again");
        assert_eq!(slots.claim(), Some(3));
    }

    #[test]
    fn a_full_allocator_has_nothing_to_give() {
        let slots = SlotAllocator::new();
        let all: Vec<usize> = (0..SlotAllocator::SLOTS)
            .map(|_| slots.claim().unwrap())
            .collect();
        assert_eq!(all, (0..64).collect::<Vec<_>>());
        assert_eq!(slots.claim(), None);
        slots.release(63);
        assert_eq!(slots.claim(), Some(63), "the top bit is a slot too");
        assert_eq!(slots.claim(), None);
    }

    #[test]
    #[should_panic(expected = "was not taken")]
    fn releasing_a_free_slot_is_a_bug() {
        let slots = SlotAllocator::new();
        slots.claim();
        slots.release(0);
        slots.release(0);
    }

    #[test]
    fn threads_never_share_a_slot() {
        let slots = SlotAllocator::new();
        let owned: Vec<AtomicBool> = (0..SlotAllocator::SLOTS)
            .map(|_| AtomicBool::new(false))
            .collect();
        thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..2_000 {
                        // Claim a handful, check that nobody else holds
                        // them, give them back.
                        let mine: Vec<usize> =
                            (0..8).filter_map(|_| slots.claim()).collect();
                        for &slot in &mine {
                            let was_owned =
                                owned[slot].swap(true, Ordering::Relaxed);
                            assert!(!was_owned, "slot {slot} handed out twice");
                        }
                        for &slot in &mine {
                            owned[slot].store(false, Ordering::Relaxed);
                            slots.release(slot);
                        }
                    }
                });
            }
        });
        assert_eq!(slots.taken(), 0);
    }

    #[test]
    fn racing_threads_share_out_every_slot_exactly_once() {
        let slots = SlotAllocator::new();
        let mut claimed: Vec<usize> = thread::scope(|scope| {
            let workers: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        std::iter::from_fn(|| slots.claim()).collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|worker| worker.join().unwrap())
                .collect()
        });
        claimed.sort_unstable();
        assert_eq!(claimed, (0..64).collect::<Vec<_>>());
    }
}
// ANCHOR_END: slot_allocator_exercise_tests
