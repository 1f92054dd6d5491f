//! What `cargo bench --bench ch02_bit_level_basics` measures: each bit trick
//! (the baseline) against the plain way of doing the same, in one criterion
//! group, `ch02_bits`. Every routine works through a batch (1024 words, 1001
//! numbers, 64 slots, 100 transitions) so that each figure is large enough to
//! measure; the ids are `ch02_bits/<workload>/<implementation>`.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::{
    AfterPoll, ReadySet, TaskState, count_ones_kernighan,
    count_ones_naive_loop, find_unpaired, modify_bit, modify_bit_branchy,
};
use crate::measured::{
    BenchImplementation, BenchSuite, BenchWorkload, Routine, Sampling,
};

/// The inputs every routine works on, built once per bench run.
pub struct Inputs {
    words: Vec<u64>,
    edits: Vec<(u32, u32, bool)>,
    numbers: Vec<u32>,
    ready_slots: Vec<usize>,
    ready: ReadySet,
    flags: Vec<AtomicBool>,
    state: TaskState,
    locked: Mutex<LockedFlags>,
}

/// Builds the inputs, and checks that both ways of finding the unpaired
/// number agree on them.
pub fn inputs() -> Inputs {
    let words = random_words(1024, 42);
    // Bit index and new state both vary, so a branch could mispredict.
    let edits = words
        .iter()
        .map(|&w| (w as u32, (w >> 32) as u32 % 32, w >> 63 == 1))
        .collect();
    let numbers = paired_numbers();
    assert_eq!(find_unpaired(&numbers), unpaired_by_counting(&numbers));
    // Wakers make 16 of 64 slots ready; the executor collects them: one
    // word taken at once, or 64 flags scanned one by one.
    let ready_slots = random_words(16, 3)
        .iter()
        .map(|&w| (w % 64) as usize)
        .collect();
    Inputs {
        words,
        edits,
        numbers,
        ready_slots,
        ready: ReadySet::new(),
        flags: (0..64).map(|_| AtomicBool::new(false)).collect(),
        state: TaskState::new(0, 1),
        locked: Mutex::new(LockedFlags::default()),
    }
}

/// xorshift64: reproducible pseudo-random inputs without another dependency.
fn random_words(count: usize, mut seed: u64) -> Vec<u64> {
    (0..count)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        })
        .collect()
}

/// 500 pairs and one unpaired value, shuffled.
fn paired_numbers() -> Vec<u32> {
    let words = random_words(1001, 7);
    let mut values: Vec<u32> = words[..500].iter().map(|&w| w as u32).collect();
    values.extend_from_within(..);
    values.push(0xDEAD_BEEF);
    for i in (1..values.len()).rev() {
        values.swap(i, (words[i] % (i as u64 + 1)) as usize);
    }
    values
}

fn unpaired_by_counting(values: &[u32]) -> u32 {
    let mut counts: HashMap<u32, usize> = HashMap::new();
    for &value in values {
        *counts.entry(value).or_default() += 1;
    }
    counts
        .into_iter()
        .find(|&(_, count)| count % 2 == 1)
        .map(|(value, _)| value)
        .expect("one value is unpaired")
}

/// The same transitions as `TaskState`, with a lock around plain booleans.
#[derive(Default)]
struct LockedFlags {
    scheduled: bool,
    running: bool,
    complete: bool,
}

fn wake_locked(flags: &Mutex<LockedFlags>) -> bool {
    let mut flags = flags.lock().unwrap();
    let enqueue = !flags.scheduled && !flags.running && !flags.complete;
    flags.scheduled |= !flags.complete;
    enqueue
}

fn run_locked(flags: &Mutex<LockedFlags>) -> bool {
    let mut flags = flags.lock().unwrap();
    if flags.running || flags.complete {
        return false;
    }
    flags.scheduled = false;
    flags.running = true;
    true
}

fn idle_locked(flags: &Mutex<LockedFlags>) -> bool {
    let mut flags = flags.lock().unwrap();
    flags.running = false;
    flags.scheduled
}

const SAMPLING: Sampling = Sampling {
    samples: 20,
    warm_up: Duration::from_millis(200),
    measurement: Duration::from_millis(600),
    flat: false,
};

/// The chapter's benchmark, ids and routines.
pub const BENCH: BenchSuite<Inputs> = BenchSuite {
    bench: "ch02_bit_level_basics",
    group: "ch02_bits",
    fixture: inputs,
    workloads: &[
        BenchWorkload {
            id: "count_ones",
            baseline: "builtin",
            sampling: SAMPLING,
            implementations: &[
                BenchImplementation {
                    id: "builtin",
                    routine: Routine::Iter(|inputs| {
                        black_box(
                            black_box(&inputs.words)
                                .iter()
                                .map(|w| w.count_ones())
                                .sum::<u32>(),
                        );
                    }),
                },
                BenchImplementation {
                    id: "kernighan",
                    routine: Routine::Iter(|inputs| {
                        let words = black_box(&inputs.words);
                        black_box(
                            words
                                .iter()
                                .map(|&w| count_ones_kernighan(w))
                                .sum::<u32>(),
                        );
                    }),
                },
                BenchImplementation {
                    id: "naive_loop",
                    routine: Routine::Iter(|inputs| {
                        let words = black_box(&inputs.words);
                        black_box(
                            words
                                .iter()
                                .map(|&w| count_ones_naive_loop(w))
                                .sum::<u32>(),
                        );
                    }),
                },
            ],
        },
        BenchWorkload {
            id: "modify_bit",
            baseline: "branchless",
            sampling: SAMPLING,
            implementations: &[
                BenchImplementation {
                    id: "branchless",
                    routine: Routine::Iter(|inputs| {
                        let edits = black_box(&inputs.edits).iter();
                        black_box(edits.fold(0, |acc, &(x, n, state)| {
                            acc ^ modify_bit(x, n, state)
                        }));
                    }),
                },
                BenchImplementation {
                    id: "if_else",
                    routine: Routine::Iter(|inputs| {
                        let edits = black_box(&inputs.edits).iter();
                        black_box(edits.fold(0, |acc, &(x, n, state)| {
                            acc ^ modify_bit_branchy(x, n, state)
                        }));
                    }),
                },
            ],
        },
        BenchWorkload {
            id: "unpaired",
            baseline: "xor_fold",
            sampling: SAMPLING,
            implementations: &[
                BenchImplementation {
                    id: "xor_fold",
                    routine: Routine::Iter(|inputs| {
                        black_box(find_unpaired(black_box(&inputs.numbers)));
                    }),
                },
                BenchImplementation {
                    id: "hash_map",
                    routine: Routine::Iter(|inputs| {
                        black_box(unpaired_by_counting(black_box(
                            &inputs.numbers,
                        )));
                    }),
                },
            ],
        },
        BenchWorkload {
            id: "ready_set",
            baseline: "take_all",
            sampling: SAMPLING,
            implementations: &[
                // Both wakers learn whether they made the slot ready (and must notify).
                BenchImplementation {
                    id: "take_all",
                    routine: Routine::Iter(|inputs| {
                        let newly_ready = black_box(&inputs.ready_slots)
                            .iter()
                            .filter(|&&slot| inputs.ready.mark_ready(slot))
                            .count();
                        black_box(
                            newly_ready
                                + inputs.ready.take_ready().sum::<usize>(),
                        );
                    }),
                },
                BenchImplementation {
                    id: "scan_flags",
                    routine: Routine::Iter(|inputs| {
                        let flags = &inputs.flags;
                        let newly_ready = black_box(&inputs.ready_slots)
                            .iter()
                            .filter(|&&slot| {
                                !flags[slot].swap(true, Ordering::AcqRel)
                            })
                            .count();
                        let taken = (0..64)
                            .filter(|&slot| {
                                flags[slot].load(Ordering::Relaxed)
                                    && flags[slot]
                                        .swap(false, Ordering::Acquire)
                            })
                            .sum::<usize>();
                        black_box(newly_ready + taken);
                    }),
                },
            ],
        },
        BenchWorkload {
            id: "task_state",
            baseline: "atomic_word",
            sampling: SAMPLING,
            implementations: &[
                // A hundred wake → poll → idle cycles of one task, uncontended.
                BenchImplementation {
                    id: "atomic_word",
                    routine: Routine::Iter(|inputs| {
                        let state = &inputs.state;
                        let mut notified = 0;
                        for _ in 0..100 {
                            black_box(state.transition_to_scheduled());
                            black_box(state.transition_to_running().is_ok());
                            notified += usize::from(
                                state.transition_to_idle()
                                    == AfterPoll::Notified,
                            );
                        }
                        black_box(notified);
                    }),
                },
                BenchImplementation {
                    id: "mutex_flags",
                    routine: Routine::Iter(|inputs| {
                        let locked = &inputs.locked;
                        let mut notified = 0;
                        for _ in 0..100 {
                            black_box(wake_locked(locked));
                            black_box(run_locked(locked));
                            notified += usize::from(idle_locked(locked));
                        }
                        black_box(notified);
                    }),
                },
            ],
        },
    ],
};
