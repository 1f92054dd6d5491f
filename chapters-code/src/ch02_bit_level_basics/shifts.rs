//! Shifts: multiplying and dividing by powers of two, the two kinds of right
//! shift, and what happens when the shift amount is too large.
//!
//! A shift by the full width or more has no useful answer, and Rust says so
//! in three different ways:
//!
//! ```
//! let amount = std::hint::black_box(32); // a value the compiler cannot see
//! assert_eq!(1_u32.checked_shl(amount), None); // checked: refuses
//! assert_eq!(1_u32.wrapping_shl(amount), 1); // wrapping: shifts by 32 % 32 = 0
//! // Plain `1_u32 << amount` panics in a debug build ("attempt to shift left
//! // with overflow") and computes `wrapping_shl` in a release build; with a
//! // literal `1_u32 << 32`, the `arithmetic_overflow` lint stops the build.
//!
//! // `checked_shl` only checks the amount, never the bits that fall off:
//! assert_eq!(0x8000_0000_u32.checked_shl(1), Some(0));
//! ```

// ANCHOR: shift_multiply
/// `x * 2^k`, or `None` when the product does not fit in a `u32` (a set bit
/// would be shifted out) or `k >= 32`.
///
/// Shifting back and comparing detects lost bits; [`u32::checked_shl`] alone
/// would not, since it only checks `k`.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::mul_pow2;
/// assert_eq!(mul_pow2(5, 3), Some(40));
/// assert_eq!(mul_pow2(1 << 31, 1), None); // the set bit falls off
/// assert_eq!(mul_pow2(1, 32), None);
/// ```
pub const fn mul_pow2(x: u32, k: u32) -> Option<u32> {
    match x.checked_shl(k) {
        Some(product) if product >> k == x => Some(product),
        _ => None,
    }
}

/// `x / 2^k`, rounded down: the bits shifted out are the remainder, which is
/// `x & ((1 << k) - 1)`. Every bit is shifted out when `k >= 32`.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::div_pow2;
/// assert_eq!(div_pow2(45, 3), 5); // 45 = 5 * 8 + 5
/// assert_eq!(45 & ((1 << 3) - 1), 5); // the remainder, by mask
/// assert_eq!(div_pow2(45, 40), 0);
/// ```
pub const fn div_pow2(x: u32, k: u32) -> u32 {
    match x.checked_shr(k) {
        Some(quotient) => quotient,
        None => 0,
    }
}
// ANCHOR_END: shift_multiply

// ANCHOR: signed_shifts
/// `x >> k` on a signed integer: an *arithmetic* shift, which copies the sign
/// bit into the bits freed at the top. It divides by `2^k` rounding towards
/// negative infinity, where `/` rounds towards zero. Panics if `k >= 32`.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::arithmetic_shr;
/// assert_eq!(arithmetic_shr(-7, 1), -4); // floor(-3.5)
/// assert_eq!(-7 / 2, -3); // truncates towards zero
/// assert_eq!(arithmetic_shr(-1, 31), -1); // all ones stay all ones
/// ```
pub const fn arithmetic_shr(x: i32, k: u32) -> i32 {
    assert!(k < i32::BITS, "shift amount out of range for i32");
    x >> k
}

/// A *logical* right shift of a signed integer's bits: zeros come in at the
/// top, as for every unsigned type. Rust has no `>>>` operator; a cast to the
/// unsigned type picks the logical shift. Panics if `k >= 32`.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::logical_shr;
/// assert_eq!(logical_shr(-1, 28), 0b1111);
/// assert_eq!(logical_shr(-8, 1), i32::MAX - 3); // a huge positive number
/// assert_eq!(logical_shr(40, 3), 5); // same as arithmetic for x >= 0
/// ```
pub const fn logical_shr(x: i32, k: u32) -> i32 {
    assert!(k < i32::BITS, "shift amount out of range for i32");
    ((x as u32) >> k) as i32
}

/// `x / 2^k` rounded towards zero, like `/`, with a shift: the code compilers
/// emit for a signed division by a constant power of two. A negative `x` first
/// gets `2^k - 1` added, so that the floor of the shift lands on the
/// truncated quotient. Panics if `k >= 32`.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::div_pow2_signed;
/// assert_eq!(div_pow2_signed(-7, 1), -7 / 2);
/// assert_eq!(div_pow2_signed(7, 1), 3);
/// ```
pub const fn div_pow2_signed(x: i32, k: u32) -> i32 {
    assert!(k < i32::BITS, "shift amount out of range for i32");
    // All ones for a negative x, zero otherwise; keep its low k bits.
    let bias = (x >> (i32::BITS - 1)) as u32 & ((1_u32 << k) - 1);
    (x + bias as i32) >> k
}
// ANCHOR_END: signed_shifts

// ANCHOR: overlong_shift
/// What `x << k` computes in a release build, for any `k`: the amount is
/// taken modulo the width, exactly as [`u32::wrapping_shl`] does. (A debug
/// build panics instead when `k >= 32`.) So `x << 32` gives `x`, not `0`.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::release_shl;
/// assert_eq!(release_shl(1, 32), 1);
/// assert_eq!(release_shl(1, 33), 2);
/// assert_eq!(release_shl(1, 33), 1_u32.wrapping_shl(33));
/// ```
pub const fn release_shl(x: u32, k: u32) -> u32 {
    x << (k % u32::BITS)
}
// ANCHOR_END: overlong_shift
