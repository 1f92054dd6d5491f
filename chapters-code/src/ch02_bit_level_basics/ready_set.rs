//! A set of ready slots in one atomic word: bit `i` set means "slot `i` has
//! something to do". Wakers on any thread mark slots with `fetch_or`; the
//! executor takes every ready slot at once with `swap(0)` and walks the set
//! bits with `trailing_zeros`.
//!
//! One word holds 64 slots. An executor with more tasks keeps one word per 64
//! (or a word of words, as some runtimes do); the operations stay the same.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

// ANCHOR: ready_set_mark
/// Up to 64 slots, each ready or not, shared between threads.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::ReadySet;
///
/// let ready = ReadySet::new();
/// assert!(ready.mark_ready(3));
/// assert!(ready.mark_ready(40));
/// assert!(!ready.mark_ready(3)); // already marked
/// assert_eq!(ready.len(), 2);
/// let taken: Vec<usize> = ready.take_ready().collect();
/// assert_eq!(taken, [3, 40]);
/// assert!(ready.is_empty()); // taking emptied the set
/// ```
#[derive(Default)]
pub struct ReadySet {
    bits: AtomicU64,
}

impl ReadySet {
    /// How many slots one set holds: the bits of a `u64`.
    pub const CAPACITY: usize = u64::BITS as usize;

    /// An empty set.
    pub const fn new() -> Self {
        Self {
            bits: AtomicU64::new(0),
        }
    }

    /// Marks `slot` ready. Returns `true` if it was not ready yet: the caller
    /// that gets `true` is the one that made the change, the way a waker
    /// learns whether it must notify the executor. Panics if
    /// `slot >= CAPACITY`.
    ///
    /// Release ordering: what the caller wrote before marking is visible to
    /// the thread that takes the slot.
    pub fn mark_ready(&self, slot: usize) -> bool {
        let mask = Self::mask(slot);
        let before = self.bits.fetch_or(mask, Ordering::Release);
        before & mask == 0
    }
    // ANCHOR_END: ready_set_mark

    /// Whether `slot` is marked ready now. Panics if `slot >= CAPACITY`.
    ///
    /// ```
    /// use chapters_code::ch02_bit_level_basics::ReadySet;
    /// let ready = ReadySet::new();
    /// ready.mark_ready(7);
    /// assert!(ready.is_ready(7) && !ready.is_ready(6));
    /// ```
    pub fn is_ready(&self, slot: usize) -> bool {
        self.bits.load(Ordering::Acquire) & Self::mask(slot) != 0
    }

    /// Unmarks `slot`, returning whether it was ready. Panics if
    /// `slot >= CAPACITY`.
    ///
    /// ```
    /// use chapters_code::ch02_bit_level_basics::ReadySet;
    /// let ready = ReadySet::new();
    /// ready.mark_ready(7);
    /// assert!(ready.unmark(7));
    /// assert!(!ready.unmark(7));
    /// ```
    pub fn unmark(&self, slot: usize) -> bool {
        let mask = Self::mask(slot);
        self.bits.fetch_and(!mask, Ordering::AcqRel) & mask != 0
    }

    /// How many slots are ready now: `count_ones` of the word.
    pub fn len(&self) -> usize {
        self.bits.load(Ordering::Relaxed).count_ones() as usize
    }

    /// Whether no slot is ready now.
    pub fn is_empty(&self) -> bool {
        self.bits.load(Ordering::Relaxed) == 0
    }

    // ANCHOR: take_ready
    /// Takes every ready slot at once, leaving the set empty, and returns them
    /// in increasing order. A slot marked after the `swap` stays in the set
    /// for the next call: no mark is ever lost or taken twice.
    pub fn take_ready(&self) -> ReadySlots {
        ReadySlots {
            bits: self.bits.swap(0, Ordering::Acquire),
        }
    }
    // ANCHOR_END: take_ready

    fn mask(slot: usize) -> u64 {
        assert!(
            slot < Self::CAPACITY,
            "slot {slot} out of range: a ReadySet has {} slots",
            Self::CAPACITY
        );
        1 << slot
    }
}

impl fmt::Debug for ReadySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slots = ReadySlots {
            bits: self.bits.load(Ordering::Relaxed),
        };
        f.debug_set().entries(slots).finish()
    }
}

/// The slots taken by [`ReadySet::take_ready`], lowest first.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::ReadySlots;
/// let slots = ReadySlots::from_bits(0b1001_0100);
/// assert_eq!(slots.len(), 3);
/// assert_eq!(slots.collect::<Vec<_>>(), [2, 4, 7]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadySlots {
    bits: u64,
}

impl ReadySlots {
    /// The slots whose bits are set in `bits`.
    pub const fn from_bits(bits: u64) -> Self {
        Self { bits }
    }

    /// The slots not yet returned, as a word.
    pub const fn bits(self) -> u64 {
        self.bits
    }
}

// ANCHOR: ready_slots_next
impl Iterator for ReadySlots {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.bits == 0 {
            return None;
        }
        // The index of the lowest set bit is the next slot…
        let slot = self.bits.trailing_zeros() as usize;
        // …and clearing that bit moves on to the one after.
        self.bits &= self.bits - 1;
        Some(slot)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = self.bits.count_ones() as usize;
        (len, Some(len))
    }
}

impl ExactSizeIterator for ReadySlots {}
// ANCHOR_END: ready_slots_next
