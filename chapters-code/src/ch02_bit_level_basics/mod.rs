//! Chapter 2, *Bit-level basics*: masks, shifts and XOR tricks, up to the
//! atomic state word a runtime keeps for each task.
//!
//! - Single bits ([`bits`]): [`bit`], [`set_bit`], [`clear_bit`],
//!   [`flip_bit`], [`test_bit`], [`modify_bit`] (branchless, with
//!   [`modify_bit_branchy`] to compare), [`is_even`], [`is_odd`],
//!   [`is_power_of_two`], [`lowest_set_bit`], [`clear_lowest_set_bit`],
//!   [`count_ones_naive_loop`], [`count_ones_kernighan`].
//! - XOR ([`xor`]): [`xor_all`], [`find_unpaired`], [`xor_swap`].
//! - Shifts ([`shifts`]): [`mul_pow2`], [`div_pow2`], [`arithmetic_shr`],
//!   [`logical_shr`], [`div_pow2_signed`], [`release_shl`].
//! - Memory orderings ([`orderings`]): a [`Mailbox`] whose flag is raised
//!   with Release and read with Acquire, as a waker and a poller do.
//! - [`ReadySet`]: 64 ready flags in one `AtomicU64`, taken all at once and
//!   walked with `trailing_zeros` ([`ReadySlots`]).
//! - [`task_state`]: a task's flags and reference count in one atomic word,
//!   [`TaskState`], used by chapter 3's executor, and
//!   [`task_state::racy`], the lost wake-up that loom finds.
//! - The exercise: [`SlotAllocator`], 64 slots claimed with `compare_exchange`.

pub mod benchmarks;
pub mod bits;
mod exercise;
pub mod orderings;
// The questions run the word on std atomics, which loom replaces.
#[cfg(not(feature = "loom"))]
mod questions;
pub mod ready_set;
pub mod shifts;
pub mod task_state;
pub mod xor;

pub use bits::{
    bit, clear_bit, clear_lowest_set_bit, count_ones_kernighan,
    count_ones_naive_loop, flip_bit, is_even, is_odd, is_power_of_two,
    lowest_set_bit, modify_bit, modify_bit_branchy, set_bit, test_bit,
};
pub use exercise::SlotAllocator;
pub use orderings::Mailbox;
pub use ready_set::{ReadySet, ReadySlots};
pub use shifts::{
    arithmetic_shr, div_pow2, div_pow2_signed, logical_shr, mul_pow2,
    release_shl,
};
pub use task_state::{AfterPoll, Snapshot, TaskState};
pub use xor::{find_unpaired, xor_all, xor_swap};

use crate::registry::{ChapterMaterial, TableSource, TableSpec};

/// What the chapter publishes: the criterion benchmark of its bit tricks and
/// the table made from it.
pub const MATERIAL: ChapterMaterial = ChapterMaterial {
    key: "ch02",
    tables: &[TableSpec {
        name: "ch02-timings",
        source: TableSource::Bench(&benchmarks::BENCH),
    }],
    timelines: None,
    benches: &[&benchmarks::BENCH],
};
