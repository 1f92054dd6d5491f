//! The smallest executor: poll one future on the calling thread, and park
//! the thread whenever the future is `Pending`. Its waker unparks the thread.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

// ANCHOR: thread_waker
/// A waker that unparks one thread. `Thread::unpark` may be called from any
/// thread, before or after the target parks: an unpark that comes first is
/// remembered, so the next `park` returns at once and no wake-up is lost.
pub struct ThreadWaker {
    thread: Thread,
}

impl ThreadWaker {
    /// A waker for the calling thread.
    pub fn for_current_thread() -> Waker {
        Waker::from(Arc::new(ThreadWaker {
            thread: thread::current(),
        }))
    }
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.thread.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.thread.unpark();
    }
}
// ANCHOR_END: thread_waker

// ANCHOR: block_on_fn
/// Runs `future` to completion on the calling thread: poll, and when it says
/// `Pending`, sleep until its waker unparks us, then poll again.
///
/// `park` may also return spuriously; polling once too often is harmless,
/// because a future must cope with being polled when it is not ready.
///
/// ```
/// use chapters_code::ch03_event_loop_internals::block_on::block_on;
///
/// assert_eq!(block_on(async { 6 * 7 }), 42);
/// ```
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = ThreadWaker::for_current_thread();
    let mut cx = Context::from_waker(&waker);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(output) => return output,
            Poll::Pending => thread::park(),
        }
    }
}
// ANCHOR_END: block_on_fn
