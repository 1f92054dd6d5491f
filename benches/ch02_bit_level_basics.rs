//! Chapter 2's bit tricks against their obvious alternatives, all in one
//! criterion group, `ch02_bits`:
//!
//! ```console
//! cargo bench --bench ch02_bit_level_basics
//! ```
//!
//! Every benchmark works through a batch (1024 words, 1001 numbers, 64 slots,
//! 100 transitions) so that each figure is large enough to measure; the ids
//! are `ch02_bits/<workload>/<implementation>`.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chapters_code::ch02_bit_level_basics::{
    AfterPoll, ReadySet, TaskState, count_ones_kernighan, count_ones_naive_loop, find_unpaired,
    modify_bit, modify_bit_branchy,
};
use criterion::{Criterion, criterion_group, criterion_main};

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

fn bits(c: &mut Criterion) {
    let mut group = c.benchmark_group("ch02_bits");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(600));

    let words = random_words(1024, 42);
    group.bench_function("count_ones/builtin", |b| {
        b.iter(|| {
            black_box(&words)
                .iter()
                .map(|w| w.count_ones())
                .sum::<u32>()
        });
    });
    group.bench_function("count_ones/naive_loop", |b| {
        b.iter(|| {
            black_box(&words)
                .iter()
                .map(|&w| count_ones_naive_loop(w))
                .sum::<u32>()
        });
    });
    group.bench_function("count_ones/kernighan", |b| {
        b.iter(|| {
            black_box(&words)
                .iter()
                .map(|&w| count_ones_kernighan(w))
                .sum::<u32>()
        });
    });

    // Bit index and new state both vary, so a branch could mispredict.
    let edits: Vec<(u32, u32, bool)> = words
        .iter()
        .map(|&w| (w as u32, (w >> 32) as u32 % 32, w >> 63 == 1))
        .collect();
    group.bench_function("modify_bit/branchless", |b| {
        b.iter(|| {
            black_box(&edits)
                .iter()
                .fold(0, |acc, &(x, n, state)| acc ^ modify_bit(x, n, state))
        });
    });
    group.bench_function("modify_bit/if_else", |b| {
        b.iter(|| {
            black_box(&edits).iter().fold(0, |acc, &(x, n, state)| {
                acc ^ modify_bit_branchy(x, n, state)
            })
        });
    });

    let numbers = paired_numbers();
    assert_eq!(find_unpaired(&numbers), unpaired_by_counting(&numbers));
    group.bench_function("unpaired/xor_fold", |b| {
        b.iter(|| find_unpaired(black_box(&numbers)));
    });
    group.bench_function("unpaired/hash_map", |b| {
        b.iter(|| unpaired_by_counting(black_box(&numbers)));
    });

    // Wakers make 16 of 64 slots ready; the executor collects them: one
    // word taken at once, or 64 flags scanned one by one.
    let ready_slots: Vec<usize> = random_words(16, 3)
        .iter()
        .map(|&w| (w % 64) as usize)
        .collect();
    let ready = ReadySet::new();
    // Both wakers learn whether they made the slot ready (and must notify).
    group.bench_function("ready_set/take_all", |b| {
        b.iter(|| {
            let newly_ready = black_box(&ready_slots)
                .iter()
                .filter(|&&slot| ready.mark_ready(slot))
                .count();
            newly_ready + ready.take_ready().sum::<usize>()
        });
    });
    let flags: Vec<AtomicBool> = (0..64).map(|_| AtomicBool::new(false)).collect();
    group.bench_function("ready_set/scan_flags", |b| {
        b.iter(|| {
            let newly_ready = black_box(&ready_slots)
                .iter()
                .filter(|&&slot| !flags[slot].swap(true, Ordering::AcqRel))
                .count();
            newly_ready
                + (0..64)
                    .filter(|&slot| {
                        flags[slot].load(Ordering::Relaxed)
                            && flags[slot].swap(false, Ordering::Acquire)
                    })
                    .sum::<usize>()
        });
    });

    // A hundred wake → poll → idle cycles of one task, uncontended.
    let state = TaskState::new(0, 1);
    group.bench_function("task_state/atomic_word", |b| {
        b.iter(|| {
            let mut notified = 0;
            for _ in 0..100 {
                black_box(state.transition_to_scheduled());
                black_box(state.transition_to_running().is_ok());
                notified += usize::from(state.transition_to_idle() == AfterPoll::Notified);
            }
            notified
        });
    });
    let locked = Mutex::new(LockedFlags::default());
    group.bench_function("task_state/mutex_flags", |b| {
        b.iter(|| {
            let mut notified = 0;
            for _ in 0..100 {
                black_box(wake_locked(&locked));
                black_box(run_locked(&locked));
                notified += usize::from(idle_locked(&locked));
            }
            notified
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // Twenty samples need far fewer resamples than criterion's default 100 000.
    config = Criterion::default().nresamples(10_000);
    targets = bits
}
criterion_main!(benches);
