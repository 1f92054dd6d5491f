//! Exclusive or: the bit is set in the result when it is set in exactly one
//! operand. Three identities make XOR useful:
//!
//! ```
//! let (x, y, z) = (0b1100_u32, 0b1010_u32, 0b0110_u32);
//! assert_eq!(x ^ x, 0); // a value cancels itself
//! assert_eq!(x ^ 0, x); // zero changes nothing
//! assert_eq!(x ^ y, y ^ x); // order does not matter…
//! assert_eq!((x ^ y) ^ z, x ^ (y ^ z)); // …nor grouping
//! assert_eq!(x ^ u32::MAX, !x); // XOR with all ones is NOT
//! assert_eq!(x ^ y ^ y, x); // so XOR with y twice undoes itself
//! ```

// ANCHOR: xor_unpaired
/// The XOR of every value (`0` for none).
///
/// ```
/// use chapters_code::ch02_bit_level_basics::xor_all;
/// assert_eq!(xor_all(&[0b1100, 0b1010]), 0b0110);
/// assert_eq!(xor_all(&[]), 0);
/// ```
pub fn xor_all(values: &[u32]) -> u32 {
    values.iter().fold(0, |acc, &value| acc ^ value)
}

/// The one value that appears an odd number of times, when every other value
/// appears an even number of times (typically: all in pairs but one).
///
/// Pairs cancel (`x ^ x == 0`) wherever they stand in the slice, because
/// order does not matter; what is left is the unpaired value XORed with zero.
/// One pass, no memory, no sorting. If the promise does not hold the answer is
/// meaningless: check with a count when the input is untrusted.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::find_unpaired;
/// assert_eq!(find_unpaired(&[4, 7, 9, 7, 4]), 9);
/// assert_eq!(find_unpaired(&[5]), 5);
/// ```
pub fn find_unpaired(values: &[u32]) -> u32 {
    xor_all(values)
}
// ANCHOR_END: xor_unpaired

// ANCHOR: xor_swap
/// Swaps two values with three XORs and no temporary: a classic trick, shown
/// for the identities it uses, not for use ([`std::mem::swap`] is clearer and
/// as fast).
///
/// In C the trick has a trap: swapping a variable with itself zeroes it
/// (`a ^= a`). Here the borrow checker refuses `xor_swap(&mut x, &mut x)`:
/// two `&mut` to one place cannot exist.
///
/// ```
/// use chapters_code::ch02_bit_level_basics::xor_swap;
/// let (mut a, mut b) = (3, 10);
/// xor_swap(&mut a, &mut b);
/// assert_eq!((a, b), (10, 3));
/// ```
#[allow(
    clippy::manual_swap,
    reason = "the XOR swap is what this function shows"
)]
pub fn xor_swap(a: &mut u32, b: &mut u32) {
    *a ^= *b; // a = a0 ^ b0
    *b ^= *a; // b = b0 ^ a0 ^ b0 = a0
    *a ^= *b; // a = a0 ^ b0 ^ a0 = b0
}
// ANCHOR_END: xor_swap
