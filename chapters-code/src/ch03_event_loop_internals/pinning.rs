//! Why a future must stay where it is once polled: an `async fn` may keep a
//! reference into its own state across an `.await`, and moving the state
//! would leave that reference pointing at the old place.

use super::exercise::yield_now;

// ANCHOR: borrow_across_await
/// Borrows one of its own locals across an `.await`. Returns the sum of
/// `numbers`, read partly through the borrow after the `.await`, and whether
/// `numbers` was still where the borrow points.
///
/// ```
/// use chapters_code::ch03_event_loop_internals::block_on::block_on;
/// use chapters_code::ch03_event_loop_internals::pinning::borrow_across_await;
///
/// assert_eq!(block_on(borrow_across_await()), (6, true));
/// ```
pub async fn borrow_across_await() -> (u32, bool) {
    let numbers = [1, 2, 3];
    // While the future is suspended, `numbers` lives in the future's state,
    // and `first` points into that same state.
    let first = &numbers[0];
    yield_now().await;
    let stayed = std::ptr::eq(first, &numbers[0]);
    (*first + numbers[1] + numbers[2], stayed)
}
// ANCHOR_END: borrow_across_await
