//! Chapter 2's identities, checked by proptest over random inputs against
//! naive references: strings of `0` and `1`, plain arithmetic in a wider
//! type, a `HashMap` that counts. Then the task-state word, transition by
//! transition and against a model made of plain booleans.

use std::collections::{BTreeSet, HashMap};

use chapters_code::ch02_bit_level_basics::{
    ReadySet, ReadySlots, arithmetic_shr, bit, clear_bit, clear_lowest_set_bit,
    count_ones_kernighan, count_ones_naive_loop, div_pow2, div_pow2_signed,
    find_unpaired, flip_bit, is_even, is_odd, is_power_of_two, logical_shr,
    lowest_set_bit, modify_bit, modify_bit_branchy, mul_pow2, release_shl,
    set_bit, test_bit, xor_all, xor_swap,
};
use proptest::prelude::*;
use proptest::test_runner::{TestError, TestRunner};

/// The 32 binary digits of `x`, most significant first: the reference the
/// bit operations are checked against.
fn digits(x: u32) -> Vec<u8> {
    format!("{x:032b}").into_bytes()
}

/// The number whose binary digits these are.
fn from_digits(digits: &[u8]) -> u32 {
    u32::from_str_radix(std::str::from_utf8(digits).unwrap(), 2).unwrap()
}

/// `x` with the digit of bit `n` replaced by `f(old digit)`.
fn with_digit(x: u32, n: u32, f: impl Fn(u8) -> u8) -> u32 {
    let mut digits = digits(x);
    let index = 31 - n as usize; // bit 0 is the last digit
    digits[index] = f(digits[index]);
    from_digits(&digits)
}

// ANCHOR: edge_strategies
/// Half the time one of `edges`, half the time any value of the type.
fn with_edges<T>(edges: &'static [T]) -> impl Strategy<Value = T>
where
    T: Arbitrary + Clone + std::fmt::Debug + 'static,
{
    prop_oneof![prop::sample::select(edges), any::<T>()]
}

/// The `u32`s where bit tricks break: no bit, the lowest, the highest, all.
fn u32s() -> impl Strategy<Value = u32> {
    with_edges(&[0, 1, 1 << 31, u32::MAX])
}
// ANCHOR_END: edge_strategies

/// The same edges for a `u64`.
fn u64s() -> impl Strategy<Value = u64> {
    with_edges(&[0, 1, 1 << 63, u64::MAX])
}

/// The `i32`s where signed shifts and division disagree or overflow.
fn i32s() -> impl Strategy<Value = i32> {
    with_edges(&[0, 1, -1, -7, i32::MIN, i32::MAX])
}

// ANCHOR: bit_properties
proptest! {
    #[test]
    fn a_power_of_two_has_exactly_one_bit_set(x in u32s()) {
        let by_counting = format!("{x:b}").matches('1').count() == 1;
        prop_assert_eq!(is_power_of_two(x), by_counting);
        prop_assert_eq!(is_power_of_two(x), x.is_power_of_two());
    }

    #[test]
    fn set_clear_and_test_edit_one_binary_digit(
        x in u32s(),
        n in 0..32_u32,
    ) {
        prop_assert_eq!(set_bit(x, n), with_digit(x, n, |_| b'1'));
        prop_assert_eq!(clear_bit(x, n), with_digit(x, n, |_| b'0'));
        prop_assert_eq!(test_bit(x, n), digits(x)[31 - n as usize] == b'1');
    }

    #[test]
    fn shifting_left_multiplies_by_a_power_of_two(
        x in u32s(),
        k in 0..40_u32,
    ) {
        let by_multiplying =
            2_u32.checked_pow(k).and_then(|power| x.checked_mul(power));
        prop_assert_eq!(mul_pow2(x, k), by_multiplying);
    }
}
// ANCHOR_END: bit_properties

proptest! {
    #[test]
    fn flip_bit_flips_one_binary_digit(x in u32s(), n in 0..32_u32) {
        let flipped = with_digit(x, n, |d| if d == b'0' { b'1' } else { b'0' });
        prop_assert_eq!(flip_bit(x, n), flipped);
    }

    #[test]
    fn modify_bit_sets_or_clears_without_a_branch(
        x in u32s(),
        n in 0..32_u32,
        state: bool,
    ) {
        let expected = if state { set_bit(x, n) } else { clear_bit(x, n) };
        prop_assert_eq!(modify_bit(x, n, state), expected);
        prop_assert_eq!(modify_bit_branchy(x, n, state), expected);
    }

    #[test]
    fn the_unpaired_number_is_the_one_with_an_odd_count(
        pairs in prop::collection::vec(u32s(), 0..40),
        unpaired in u32s(),
        seed: u64,
    ) {
        let mut values: Vec<u32> = pairs.iter().chain(&pairs).copied().collect();
        values.push(unpaired);
        shuffle(&mut values, seed);
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for &value in &values {
            *counts.entry(value).or_default() += 1;
        }
        let odd: Vec<u32> = counts.into_iter().filter(|&(_, n)| n % 2 == 1).map(|(v, _)| v).collect();
        prop_assert_eq!(odd, vec![unpaired]);
        prop_assert_eq!(find_unpaired(&values), unpaired);
    }
}

/// `is_power_of_two` without its zero guard, as a release build computes it
/// (`0 - 1` wraps to `u32::MAX` there).
fn is_power_of_two_unguarded(x: u32) -> bool {
    x & x.wrapping_sub(1) == 0
}

#[test]
fn named_edges_catch_a_missing_zero_guard_where_uniform_inputs_miss_it() {
    let agrees_with_std = |x: u32| {
        prop_assert_eq!(is_power_of_two_unguarded(x), x.is_power_of_two());
        Ok(())
    };
    // A fixed seed, so that both verdicts are the same on every run.
    let uniform =
        TestRunner::deterministic().run(&any::<u32>(), agrees_with_std);
    assert!(
        uniform.is_ok(),
        "256 uniform draws from 2^32 values met 0: {uniform:?}"
    );
    match TestRunner::deterministic().run(&u32s(), agrees_with_std) {
        Err(TestError::Fail(_, minimal)) => assert_eq!(minimal, 0),
        other => panic!("the edges missed the unguarded zero: {other:?}"),
    }
}

/// A Fisher–Yates shuffle driven by a small xorshift generator: proptest
/// picks the seed, so a failing order can be replayed.
fn shuffle(values: &mut [u32], mut seed: u64) {
    seed |= 1;
    for i in (1..values.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        values.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

proptest! {
    #[test]
    fn bit_is_one_shifted(n in 0..32_u32) {
        prop_assert_eq!(bit(n), 2_u32.pow(n));
        prop_assert_eq!(bit(n).trailing_zeros(), n);
    }

    #[test]
    fn parity_is_the_lowest_bit(x in u32s()) {
        prop_assert_eq!(is_even(x), x % 2 == 0);
        prop_assert_eq!(is_odd(x), x % 2 == 1);
        prop_assert_ne!(is_even(x), is_odd(x));
    }

    #[test]
    fn signed_parity_ignores_the_sign(x in i32s()) {
        // `%` keeps the sign (-7 % 2 == -1); the lowest bit does not.
        prop_assert_eq!(x & 1 == 1, x.rem_euclid(2) == 1);
    }

    #[test]
    fn powers_of_two_are_exactly_the_shifted_ones(k in 0..32_u32, noise in u32s()) {
        prop_assert!(is_power_of_two(1 << k));
        let extra = noise & !(1 << k);
        if extra != 0 {
            prop_assert!(!is_power_of_two((1 << k) | extra));
        }
    }

    #[test]
    fn lowest_set_bit_matches_a_scan(x in u64s()) {
        let scanned = (0..64).map(|k| 1_u64 << k).find(|&mask| x & mask != 0).unwrap_or(0);
        prop_assert_eq!(lowest_set_bit(x), scanned);
        prop_assert_eq!(clear_lowest_set_bit(x), x - scanned);
        if x != 0 {
            prop_assert_eq!(lowest_set_bit(x), 1 << x.trailing_zeros());
        }
    }

    #[test]
    fn every_way_of_counting_ones_agrees(x in u64s()) {
        let by_string = format!("{x:b}").matches('1').count() as u32;
        prop_assert_eq!(x.count_ones(), by_string);
        prop_assert_eq!(count_ones_naive_loop(x), by_string);
        prop_assert_eq!(count_ones_kernighan(x), by_string);
        prop_assert_eq!(x.count_zeros(), 64 - by_string);
    }

    #[test]
    fn trailing_and_leading_zeros_match_the_digits(x in u32s()) {
        let digits = format!("{x:032b}");
        let trailing = digits.bytes().rev().take_while(|&d| d == b'0').count() as u32;
        let leading = digits.bytes().take_while(|&d| d == b'0').count() as u32;
        prop_assert_eq!(x.trailing_zeros(), trailing);
        prop_assert_eq!(x.leading_zeros(), leading);
        if x != 0 {
            // The highest set bit's index is the base-2 logarithm, rounded down.
            prop_assert_eq!(31 - x.leading_zeros(), x.ilog2());
        }
    }

    #[test]
    fn rotate_left_moves_digits_round(x in u32s(), k in 0..32_u32) {
        let digits = format!("{x:032b}");
        let rotated = format!("{}{}", &digits[k as usize..], &digits[..k as usize]);
        prop_assert_eq!(x.rotate_left(k), u32::from_str_radix(&rotated, 2).unwrap());
        prop_assert_eq!(x.rotate_left(k).rotate_right(k), x);
    }

    #[test]
    fn not_is_the_complement(x in u32s()) {
        // Rust's `!x` flips every bit of a fixed-width integer: `u32::MAX - x`.
        // (Python's `~x` is `-x - 1`, since its integers have no width.)
        prop_assert_eq!(!x, u32::MAX - x);
        prop_assert_eq!(i64::from(!(x as i32)), -i64::from(x as i32) - 1);
    }

    #[test]
    #[allow(clippy::identity_op, reason = "`x ^ 0 == x` is the identity under test")]
    fn xor_identities_hold(x in u32s(), y in u32s(), z in u32s()) {
        prop_assert_eq!(x ^ x, 0);
        prop_assert_eq!(x ^ 0, x);
        prop_assert_eq!(x ^ y, y ^ x);
        prop_assert_eq!((x ^ y) ^ z, x ^ (y ^ z));
        prop_assert_eq!(x ^ u32::MAX, !x);
        prop_assert_eq!(x ^ y ^ y, x);
        // XOR is addition without carries: the sum minus twice the carries.
        prop_assert_eq!(x ^ y, x.wrapping_add(y).wrapping_sub((x & y).wrapping_mul(2)));
    }

    #[test]
    fn xor_all_ignores_order(values in prop::collection::vec(u32s(), 0..30), seed: u64) {
        let mut shuffled = values.clone();
        shuffle(&mut shuffled, seed);
        prop_assert_eq!(xor_all(&values), xor_all(&shuffled));
        let mut reversed = values.clone();
        reversed.reverse();
        prop_assert_eq!(xor_all(&values), xor_all(&reversed));
    }

    #[test]
    fn xor_swap_swaps(a in u32s(), b in u32s()) {
        let (mut x, mut y) = (a, b);
        xor_swap(&mut x, &mut y);
        prop_assert_eq!((x, y), (b, a));
    }

    #[test]
    fn shifting_right_divides_by_a_power_of_two(x in u32s(), k in 0..64_u32) {
        let quotient = u64::from(x) / 2_u64.pow(k);
        prop_assert_eq!(u64::from(div_pow2(x, k)), quotient);
        if k < 32 {
            prop_assert_eq!(x >> k, x / (1 << k));
            prop_assert_eq!(x & ((1 << k) - 1), x % (1 << k), "the bits shifted out are the remainder");
            // Wrapping multiplication is what `<<` does to the bits that overflow.
            prop_assert_eq!(x << k, x.wrapping_mul(1 << k));
        }
    }

    #[test]
    fn signed_right_shifts_round_down_and_division_rounds_to_zero(x in i32s(), k in 0..32_u32) {
        let power = 1_i64 << k;
        prop_assert_eq!(i64::from(arithmetic_shr(x, k)), i64::from(x).div_euclid(power));
        prop_assert_eq!(i64::from(div_pow2_signed(x, k)), i64::from(x) / power);
        prop_assert_eq!(logical_shr(x, k) as u32, ((x as u32) as u64 / power as u64) as u32);
        if x >= 0 {
            prop_assert_eq!(arithmetic_shr(x, k), logical_shr(x, k));
        }
    }

    #[test]
    fn an_overlong_shift_takes_the_amount_modulo_the_width(x in u32s(), k in with_edges(&[31, 32, 33, 63, 64, u32::MAX])) {
        prop_assert_eq!(release_shl(x, k), x.wrapping_shl(k));
        prop_assert_eq!(x.checked_shl(k).is_none(), k >= 32);
        prop_assert_eq!(x.checked_shl(k).unwrap_or(release_shl(x, k)), release_shl(x, k));
    }

    #[test]
    fn ready_slots_are_the_set_bits_in_order(bits in u64s()) {
        let slots: Vec<usize> = ReadySlots::from_bits(bits).collect();
        let scanned: Vec<usize> = (0..64).filter(|&k| bits & (1 << k) != 0).collect();
        prop_assert_eq!(ReadySlots::from_bits(bits).len(), scanned.len());
        prop_assert_eq!(slots, scanned);
    }

    #[test]
    fn a_ready_set_behaves_like_a_set_of_slots(marks in prop::collection::vec(0..64_usize, 0..100)) {
        let ready = ReadySet::new();
        let mut model = BTreeSet::new();
        for &slot in &marks {
            prop_assert_eq!(ready.mark_ready(slot), model.insert(slot));
            prop_assert!(ready.is_ready(slot));
        }
        prop_assert_eq!(ready.len(), model.len());
        let taken: Vec<usize> = ready.take_ready().collect();
        prop_assert_eq!(taken, model.into_iter().collect::<Vec<_>>());
        prop_assert!(ready.is_empty());
    }
}

#[test]
fn a_ready_set_loses_no_mark_when_threads_race_with_the_taker() {
    let ready = ReadySet::new();
    let mut taken = vec![0_usize; ReadySet::CAPACITY];
    std::thread::scope(|scope| {
        let wakers: Vec<_> = (0..2)
            .map(|half| {
                let ready = &ready;
                scope.spawn(move || {
                    // Each waker owns half the slots and marks each 500 times.
                    let mut marked = 0;
                    for _ in 0..500 {
                        for slot in (half * 32)..(half * 32 + 32) {
                            marked += usize::from(ready.mark_ready(slot));
                        }
                    }
                    marked
                })
            })
            .collect();
        while wakers.iter().any(|waker| !waker.is_finished()) {
            for slot in ready.take_ready() {
                taken[slot] += 1;
            }
        }
        for slot in ready.take_ready() {
            taken[slot] += 1;
        }
        let marked: usize = wakers.into_iter().map(|w| w.join().unwrap()).sum();
        // Every `true` from mark_ready is taken exactly once, never more.
        assert_eq!(taken.iter().sum::<usize>(), marked);
    });
}

#[test]
fn ready_set_debug_lists_the_slots() {
    let ready = ReadySet::new();
    ready.mark_ready(1);
    ready.mark_ready(63);
    assert_eq!(format!("{ready:?}"), "{1, 63}");
    assert!(ready.unmark(1));
    assert_eq!(format!("{ready:?}"), "{63}");
}

#[test]
#[should_panic(expected = "slot 64 out of range")]
fn a_ready_set_has_64_slots() {
    ReadySet::new().mark_ready(64);
}

#[test]
#[should_panic(expected = "bit index out of range")]
fn bit_refuses_an_index_past_the_width() {
    bit(std::hint::black_box(32));
}

/// With `--features loom` the word is a loom atomic, usable only inside
/// `loom::model`: those runs test the word in `ch02_task_state_loom.rs`.
#[cfg(not(feature = "loom"))]
mod task_state {
    use chapters_code::ch02_bit_level_basics::task_state::*;
    use proptest::prelude::*;

    fn idle(refs: usize) -> TaskState {
        TaskState::new(JOIN_INTERESTED, refs)
    }

    #[test]
    fn waking_an_idle_task_enqueues_it_once() {
        let state = idle(1);
        assert!(state.transition_to_scheduled());
        assert!(!state.transition_to_scheduled());
        assert!(!state.transition_to_scheduled());
        assert_eq!(
            state.snapshot(),
            Snapshot(SCHEDULED | JOIN_INTERESTED | REF_ONE)
        );
    }

    #[test]
    fn running_clears_scheduled_and_refuses_a_second_poller() {
        let state = TaskState::new(SCHEDULED | JOIN_INTERESTED, 1);
        let running = state.transition_to_running().unwrap();
        assert_eq!(running, Snapshot(RUNNING | JOIN_INTERESTED | REF_ONE));
        assert_eq!(state.transition_to_running(), Err(running));
    }

    /// A poller's step after a poll that returned `Pending`.
    type GoIdle = fn(&TaskState) -> AfterPoll;

    /// Both ways of going idle after `Pending`: the word's single
    /// `fetch_and`, and the load-then-store variant that loom shows losing a
    /// wake-up. Every ordinary test below passes with both.
    const GO_IDLE: [(&str, GoIdle); 2] = [
        ("fetch_and", TaskState::transition_to_idle),
        ("load then store", racy::transition_to_idle),
    ];

    #[test]
    fn a_wake_during_the_poll_is_handed_to_the_poller() {
        for (variant, go_idle) in GO_IDLE {
            let state = TaskState::new(RUNNING, 1);
            assert!(
                !state.transition_to_scheduled(),
                "the poller requeues, not the waker"
            );
            assert_eq!(go_idle(&state), AfterPoll::Notified, "{variant}");
            assert_eq!(state.snapshot(), Snapshot(SCHEDULED | REF_ONE));
            assert!(
                !state.transition_to_scheduled(),
                "already queued by the poller"
            );
        }
    }

    #[test]
    fn a_poll_without_wake_leaves_the_task_idle() {
        for (variant, go_idle) in GO_IDLE {
            let state = TaskState::new(RUNNING, 1);
            assert_eq!(go_idle(&state), AfterPoll::Idle, "{variant}");
            assert_eq!(state.snapshot(), Snapshot(REF_ONE));
            assert!(state.transition_to_scheduled(), "{variant}: idle");
        }
    }

    #[test]
    fn a_wake_racing_a_poll_on_real_threads_is_queued_once_by_both_variants() {
        // The test one would write first: a waker thread started while the
        // poller goes idle, many times over. The racy variant's window is a
        // few instructions wide, and thread start-up is far slower, so this
        // passes for it too (a million runs here lost no wake); loom finds
        // what it misses.
        for (variant, go_idle) in GO_IDLE {
            for run in 0..1_000 {
                let state = TaskState::new(RUNNING, 2);
                let (by_waker, by_poller) = std::thread::scope(|scope| {
                    let waker = scope.spawn(|| state.transition_to_scheduled());
                    let by_poller = go_idle(&state) == AfterPoll::Notified;
                    (waker.join().unwrap(), by_poller)
                });
                assert!(
                    by_waker ^ by_poller,
                    "{variant}, run {run}: waker {by_waker}, poller {by_poller}"
                );
            }
        }
    }

    #[test]
    fn completion_clears_running_and_scheduled_for_good() {
        let state = TaskState::new(RUNNING | SCHEDULED | JOIN_INTERESTED, 2);
        let done = state.transition_to_complete();
        assert_eq!(done, Snapshot(COMPLETE | JOIN_INTERESTED | (2 * REF_ONE)));
        assert!(!state.transition_to_scheduled());
        assert!(!state.cancel());
        assert!(state.transition_to_running().is_err());
        assert_eq!(
            state.snapshot(),
            done,
            "nothing touches a complete task's flags"
        );
    }

    #[test]
    fn cancelling_an_idle_task_enqueues_it_for_dropping() {
        let state = idle(1);
        assert!(state.cancel());
        assert!(!state.transition_to_scheduled(), "cancel already queued it");
        let running = state.transition_to_running().unwrap();
        assert!(running.is_cancelled());
        // The poller drops the future instead of polling it, and completes.
        assert!(state.transition_to_complete().is_cancelled());
    }

    #[test]
    fn cancelling_a_queued_or_running_task_enqueues_nothing() {
        let queued = TaskState::new(SCHEDULED, 1);
        assert!(!queued.cancel());
        assert!(queued.snapshot().is_cancelled());

        let running = TaskState::new(RUNNING, 1);
        assert!(!running.cancel());
        // The poller sees SCHEDULED on its way out and requeues; the next poll drops it.
        assert_eq!(running.transition_to_idle(), AfterPoll::Notified);
        assert!(running.transition_to_running().unwrap().is_cancelled());
    }

    #[test]
    fn dropping_join_interest_reports_the_state_before() {
        let state = TaskState::new(COMPLETE | JOIN_INTERESTED, 1);
        let before = state.drop_join_interest();
        assert!(before.is_join_interested() && before.is_complete());
        assert!(!state.drop_join_interest().is_join_interested());
    }

    #[test]
    fn references_count_above_the_flags() {
        let state = TaskState::new(
            SCHEDULED | RUNNING | COMPLETE | CANCELLED | JOIN_INTERESTED,
            1,
        );
        for _ in 0..1000 {
            state.ref_inc();
        }
        assert_eq!(state.snapshot().ref_count(), 1001);
        assert_eq!(
            state.snapshot().0 & FLAG_MASK,
            FLAG_MASK,
            "the flags are untouched"
        );
        for _ in 0..1000 {
            assert!(!state.ref_dec());
        }
        assert!(state.ref_dec());
        assert_eq!(state.snapshot(), Snapshot(FLAG_MASK));
    }

    #[test]
    #[should_panic(expected = "underflow")]
    fn one_ref_dec_too_many_panics() {
        let state = TaskState::new(0, 0);
        state.ref_dec();
    }

    #[test]
    fn snapshots_print_their_flags_by_name() {
        assert_eq!(
            format!("{:?}", Snapshot(0)),
            "Snapshot { flags: none, refs: 0 }"
        );
        assert_eq!(
            format!("{:?}", TaskState::new(COMPLETE | CANCELLED, 3)),
            "Snapshot { flags: COMPLETE|CANCELLED, refs: 3 }"
        );
    }

    #[test]
    fn the_layout_leaves_no_gap_and_no_overlap() {
        let flags = [SCHEDULED, RUNNING, COMPLETE, CANCELLED, JOIN_INTERESTED];
        assert!(flags.iter().all(|flag| flag.is_power_of_two()));
        assert_eq!(flags.iter().fold(0, |all, flag| all | flag), FLAG_MASK);
        assert_eq!(FLAG_MASK.count_ones(), FLAG_BITS);
        assert_eq!(REF_ONE, FLAG_MASK + 1);
    }

    // ANCHOR: task_state_model
    /// The reference: the same state as plain fields, one per flag.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    struct Model {
        scheduled: bool,
        running: bool,
        complete: bool,
        cancelled: bool,
        join_interested: bool,
        refs: usize,
    }

    impl Model {
        fn word(self) -> Snapshot {
            let flags = [
                (self.scheduled, SCHEDULED),
                (self.running, RUNNING),
                (self.complete, COMPLETE),
                (self.cancelled, CANCELLED),
                (self.join_interested, JOIN_INTERESTED),
            ];
            let bits = flags
                .iter()
                .filter(|(on, _)| *on)
                .fold(0, |word, (_, bit)| word | bit);
            Snapshot(bits | (self.refs * REF_ONE))
        }
    }

    #[derive(Clone, Copy, Debug)]
    enum Op {
        Wake,
        Run,
        Idle,
        Complete,
        Cancel,
        DropJoin,
        RefInc,
        RefDec,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            Just(Op::Wake),
            Just(Op::Run),
            Just(Op::Idle),
            Just(Op::Complete),
            Just(Op::Cancel),
            Just(Op::DropJoin),
            Just(Op::RefInc),
            Just(Op::RefDec),
        ]
    }

    proptest! {
        // Each case is a whole sequence of transitions: fewer cases suffice.
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn the_word_follows_a_model_of_plain_booleans(
            ops in prop::collection::vec(op(), 0..60),
            variant in 0..GO_IDLE.len(),
        ) {
            let (_, go_idle) = GO_IDLE[variant];
            let state = TaskState::new(SCHEDULED | JOIN_INTERESTED, 2);
            let mut model = Model { scheduled: true, join_interested: true, refs: 2, ..Model::default() };
            for op in ops {
                let m = &mut model;
                let idle = !m.scheduled && !m.running && !m.complete;
                match op {
                    Op::Wake => {
                        let enqueue = !m.scheduled && !m.running && !m.complete;
                        m.scheduled |= !m.complete;
                        prop_assert_eq!(state.transition_to_scheduled(), enqueue);
                    }
                    Op::Run => {
                        let ok = !m.running && !m.complete;
                        if ok {
                            m.scheduled = false;
                            m.running = true;
                        }
                        prop_assert_eq!(state.transition_to_running().is_ok(), ok);
                    }
                    // Only the poller moves a running task on.
                    Op::Idle if m.running => {
                        let expected = if m.scheduled { AfterPoll::Notified } else { AfterPoll::Idle };
                        m.running = false;
                        prop_assert_eq!(go_idle(&state), expected);
                    }
                    Op::Complete if m.running => {
                        m.running = false;
                        m.scheduled = false;
                        m.complete = true;
                        prop_assert_eq!(state.transition_to_complete(), m.word());
                    }
                    Op::Idle | Op::Complete => continue,
                    Op::Cancel => {
                        if !m.complete {
                            m.cancelled = true;
                            m.scheduled = true;
                        }
                        prop_assert_eq!(state.cancel(), idle);
                    }
                    Op::DropJoin => {
                        let before = m.word();
                        m.join_interested = false;
                        prop_assert_eq!(state.drop_join_interest(), before);
                    }
                    Op::RefInc => {
                        m.refs += 1;
                        state.ref_inc();
                    }
                    Op::RefDec if m.refs > 1 => {
                        m.refs -= 1;
                        prop_assert!(!state.ref_dec());
                    }
                    Op::RefDec => continue,
                }
                prop_assert_eq!(state.snapshot(), model.word(), "after {:?}", op);
                prop_assert!(!(model.complete && (model.running || model.scheduled)));
            }
        }
    }
    // ANCHOR_END: task_state_model
}
