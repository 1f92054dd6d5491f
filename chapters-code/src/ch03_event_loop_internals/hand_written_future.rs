//! The talk's task as a Rust future: first written by hand as a state
//! machine, then as an `async fn`, which makes the compiler write the same
//! state machine.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::exercise::yield_now;
use super::log::Log;

// ANCHOR: start_then_finish_future
/// "Starting", step aside once, "Finished": the generator of
/// [`generator_loop`](super::generator_loop), as a future. Where the generator
/// yielded, the future returns `Pending`, after waking its own waker so that
/// the executor polls it again.
#[derive(Debug)]
pub enum StartThenFinishFuture {
    /// Not polled yet.
    Start {
        /// The task's number.
        id: u32,
        /// Where "print" goes.
        log: Log,
    },
    /// Returned `Pending` once; the next poll finishes.
    AtYield {
        /// The task's number.
        id: u32,
        /// Where "print" goes.
        log: Log,
    },
    /// Returned `Ready`: polling again is a bug.
    Done,
}

impl StartThenFinishFuture {
    /// A future that has not been polled: nothing is printed yet, because
    /// futures, like generators, do nothing until driven.
    pub fn new(id: u32, log: Log) -> Self {
        Self::Start { id, log }
    }
}

impl Future for StartThenFinishFuture {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        // Every field is `Unpin`, so `get_mut` may unpin the future.
        let this = self.get_mut();
        match std::mem::replace(this, Self::Done) {
            Self::Start { id, log } => {
                log.say(format!("Starting id={id}"));
                *this = Self::AtYield { id, log };
                // The yield: ask to be polled again, then step aside.
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Self::AtYield { id, log } => {
                log.say(format!("Finished id={id}"));
                Poll::Ready(id)
            }
            Self::Done => {
                panic!("a future that returned Ready was polled again")
            }
        }
    }
}
// ANCHOR_END: start_then_finish_future

// ANCHOR: start_then_finish_async
/// The same task as an `async fn`: the compiler turns it into an enum much
/// like [`StartThenFinishFuture`], with one state per `.await`.
pub async fn start_then_finish(id: u32, log: Log) -> u32 {
    log.say(format!("Starting id={id}"));
    yield_now().await;
    log.say(format!("Finished id={id}"));
    id
}
// ANCHOR_END: start_then_finish_async
