//! The rule every future must follow: return `Pending` only after arranging
//! for the waker to be woken. A future that breaks it is never polled again,
//! and the task waits forever. A `block_on` with a deadline shows it without
//! hanging.

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use std::thread;
use std::time::{Duration, Instant};

use super::block_on::ThreadWaker;

// ANCHOR: pending_forever
/// A future that is "not ready yet" and tells nobody when it will be: it
/// drops the waker on the floor.
#[derive(Debug, Default)]
pub struct NeverWoken;

impl Future for NeverWoken {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        // The bug: no `cx.waker()` stored or woken anywhere.
        Poll::Pending
    }
}
// ANCHOR_END: pending_forever

// ANCHOR: block_on_for
/// What [`block_on_for`] saw when it gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GaveUp {
    /// How many times the future was polled.
    pub polls: u64,
    /// How many times the thread woke up from a park before the limit: zero
    /// means nothing ever woke the future.
    pub wake_ups: u64,
}

/// [`block_on`](super::block_on::block_on) with a limit: parks at most until
/// `limit` has passed, then drops the future and reports what it saw.
///
/// ```
/// use std::time::Duration;
/// use chapters_code::ch03_event_loop_internals::never_woken::{block_on_for, NeverWoken};
///
/// assert_eq!(block_on_for(async { 1 }, Duration::from_millis(10)), Ok(1));
/// let gave_up = block_on_for(NeverWoken, Duration::from_millis(10)).unwrap_err();
/// assert_eq!(gave_up.polls, 1);
/// ```
pub fn block_on_for<F: Future>(
    future: F,
    limit: Duration,
) -> Result<F::Output, GaveUp> {
    let deadline = Instant::now() + limit;
    let mut future = pin!(future);
    let waker = ThreadWaker::for_current_thread();
    let mut cx = Context::from_waker(&waker);
    let mut seen = GaveUp {
        polls: 0,
        wake_ups: 0,
    };
    loop {
        seen.polls += 1;
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return Ok(output);
        }
        // Park until woken or out of time; `park_timeout` may also return
        // early for no reason, so only the clock decides that time is up.
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Err(seen);
            }
            thread::park_timeout(deadline - now);
            if Instant::now() < deadline {
                seen.wake_ups += 1;
                break;
            }
        }
    }
}
// ANCHOR_END: block_on_for
