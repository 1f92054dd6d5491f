//! Single bits of a word: masks to set, clear, flip, test and modify them;
//! parity; powers of two; counting the bits that are set.
//!
//! Bits are numbered from the least significant: bit 0 is worth 1, bit 31 of a
//! `u32` is worth 2³¹. Rust's integers already know most of these tricks as
//! methods, which compile to single instructions where the CPU has them:
//!
//! ```
//! let x: u32 = 0b0010_1100;
//! assert_eq!(x.count_ones(), 3); // population count
//! assert_eq!(x.trailing_zeros(), 2); // index of the lowest set bit
//! assert_eq!(x.leading_zeros(), 26); // zeros above the highest set bit
//! assert_eq!(31 - x.leading_zeros(), 5); // index of the highest set bit
//! assert!(!x.is_power_of_two() && 0b0010_0000_u32.is_power_of_two());
//! assert_eq!(0x8000_0001_u32.rotate_left(1), 0b11); // the top bit comes round
//! assert_eq!(!x, 0xFFFF_FFD3); // `!` is bitwise not on integers
//! assert_eq!(0_u32.trailing_zeros(), 32); // zero has no set bit at all
//! assert_eq!(x.swap_bytes(), 0x2C00_0000); // byte order reversed
//! assert_eq!(x.reverse_bits(), 0x3400_0000); // bit order reversed: bit 2 → bit 29
//! ```

// ANCHOR: bit_masks
/// The mask with only bit `n` set: `1 << n`.
///
/// Panics when `n` is not a bit of a `u32` (`n >= 32`), in every build:
/// `1 << 32` would panic in debug and silently give `1` in release.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::bit;
/// assert_eq!(bit(0), 0b1);
/// assert_eq!(bit(3), 0b1000);
/// ```
pub const fn bit(n: u32) -> u32 {
    assert!(n < u32::BITS, "bit index out of range for u32");
    1 << n
}

/// `x` with bit `n` set: OR with the mask.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::set_bit;
/// assert_eq!(set_bit(0b0001, 2), 0b0101);
/// assert_eq!(set_bit(0b0101, 2), 0b0101); // already set: unchanged
/// ```
pub const fn set_bit(x: u32, n: u32) -> u32 {
    x | bit(n)
}

/// `x` with bit `n` cleared: AND with the mask's complement.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::clear_bit;
/// assert_eq!(clear_bit(0b0111, 1), 0b0101);
/// assert_eq!(clear_bit(0b0101, 1), 0b0101); // already clear: unchanged
/// ```
pub const fn clear_bit(x: u32, n: u32) -> u32 {
    x & !bit(n)
}

/// `x` with bit `n` flipped: XOR with the mask.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::flip_bit;
/// assert_eq!(flip_bit(0b0101, 0), 0b0100);
/// assert_eq!(flip_bit(0b0100, 0), 0b0101);
/// ```
pub const fn flip_bit(x: u32, n: u32) -> u32 {
    x ^ bit(n)
}

/// Whether bit `n` of `x` is set: AND with the mask, compare with zero.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::test_bit;
/// assert!(test_bit(0b0100, 2));
/// assert!(!test_bit(0b0100, 1));
/// ```
pub const fn test_bit(x: u32, n: u32) -> bool {
    x & bit(n) != 0
}
// ANCHOR_END: bit_masks

// ANCHOR: modify_bit
/// `x` with bit `n` set to `state`, without a branch.
///
/// `state as u32` is 0 or 1, and its two's-complement negation is 0 or
/// `0xFFFF_FFFF`: all zeros or all ones. ANDed with the mask it gives the new
/// bit; the rest of `x` is kept by `x & !mask`.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::modify_bit;
/// assert_eq!(modify_bit(0b0000, 2, true), 0b0100);
/// assert_eq!(modify_bit(0b0111, 2, false), 0b0011);
/// assert_eq!(1_u32.wrapping_neg(), 0xFFFF_FFFF);
/// ```
pub const fn modify_bit(x: u32, n: u32, state: bool) -> u32 {
    let mask = bit(n);
    (x & !mask) | ((state as u32).wrapping_neg() & mask)
}

/// The same as [`modify_bit`], with a branch: the obvious version, kept to
/// compare with (the optimiser usually turns both into the same code).
///
/// ```
/// use chapters_code::ch02_bit_level_basics::{modify_bit, modify_bit_branchy};
/// assert_eq!(modify_bit_branchy(0b1010, 0, true), modify_bit(0b1010, 0, true));
/// ```
pub const fn modify_bit_branchy(x: u32, n: u32, state: bool) -> u32 {
    if state {
        set_bit(x, n)
    } else {
        clear_bit(x, n)
    }
}
// ANCHOR_END: modify_bit

// ANCHOR: even_odd
/// Whether `x` is even: its lowest bit, worth 1, is clear.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::is_even;
/// assert!(is_even(0) && is_even(10) && !is_even(7));
/// ```
pub const fn is_even(x: u32) -> bool {
    x & 1 == 0
}

/// Whether `x` is odd: its lowest bit is set. For a negative `i32` too, since
/// two's complement keeps the lowest bit of `-7` set.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::is_odd;
/// assert!(is_odd(7) && !is_odd(10));
/// assert_eq!(-7_i32 & 1, 1); // while -7 % 2 == -1
/// ```
pub const fn is_odd(x: u32) -> bool {
    x & 1 == 1
}
// ANCHOR_END: even_odd

// ANCHOR: power_of_two
/// Whether `x` is a power of two: exactly one bit set.
///
/// Subtracting 1 clears the lowest set bit and sets every bit below it, so
/// `x & (x - 1)` is `x` without its lowest set bit: zero when that bit was
/// the only one. Zero has no bit at all and needs its own test; without it,
/// `0 - 1` panics in debug and wraps to `u32::MAX` in release, which makes
/// zero pass.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::is_power_of_two;
/// assert!(is_power_of_two(1) && is_power_of_two(64) && is_power_of_two(1 << 31));
/// assert!(!is_power_of_two(0) && !is_power_of_two(12));
/// assert_eq!(0_u32 & 0_u32.wrapping_sub(1), 0); // why zero needs `x != 0`
/// ```
pub const fn is_power_of_two(x: u32) -> bool {
    x != 0 && x & (x - 1) == 0
}
// ANCHOR_END: power_of_two

// ANCHOR: lowest_set_bit
/// The lowest set bit of `x`, as a mask (`0` for `0`). `-x` is `!x + 1`: the
/// bits below the lowest set bit stay zero, that bit stays one, and every bit
/// above it is flipped, so only that bit survives the AND.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::lowest_set_bit;
/// assert_eq!(lowest_set_bit(0b0110_1000), 0b0000_1000);
/// assert_eq!(lowest_set_bit(0b0110_1000), 1 << 0b0110_1000_u64.trailing_zeros());
/// ```
pub const fn lowest_set_bit(x: u64) -> u64 {
    x & x.wrapping_neg()
}

/// `x` without its lowest set bit (`0` stays `0`).
///
/// ```
/// use chapters_code::ch02_bit_level_basics::clear_lowest_set_bit;
/// assert_eq!(clear_lowest_set_bit(0b0110_1000), 0b0110_0000);
/// ```
pub const fn clear_lowest_set_bit(x: u64) -> u64 {
    x & x.wrapping_sub(1)
}
// ANCHOR_END: lowest_set_bit

// ANCHOR: count_ones_by_hand
/// How many bits of `x` are set, one bit at a time: 64 turns of the loop at
/// most, whatever `x` holds. [`u64::count_ones`] does the same in one
/// instruction on CPUs that have one.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::count_ones_naive_loop;
/// assert_eq!(count_ones_naive_loop(0b1011), 3);
/// assert_eq!(count_ones_naive_loop(u64::MAX), u64::MAX.count_ones());
/// ```
pub const fn count_ones_naive_loop(mut x: u64) -> u32 {
    let mut count = 0;
    while x != 0 {
        count += (x & 1) as u32;
        x >>= 1;
    }
    count
}

/// How many bits of `x` are set, Kernighan's way: each turn clears the lowest
/// set bit, so the loop turns once per set bit.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::count_ones_kernighan;
/// assert_eq!(count_ones_kernighan(0b1011), 3);
/// assert_eq!(count_ones_kernighan(0), 0);
/// ```
pub const fn count_ones_kernighan(mut x: u64) -> u32 {
    let mut count = 0;
    while x != 0 {
        x &= x - 1;
        count += 1;
    }
    count
}
// ANCHOR_END: count_ones_by_hand
