//! The join handle: a future that resolves to the task's output, or to the
//! panic that ended it.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::task::TaskRef;

// ANCHOR: join_error
/// Why a task produced no output.
pub enum JoinError {
    /// The future panicked; the payload is what `panic!` was given.
    Panicked(Box<dyn Any + Send + 'static>),
    /// The executor was dropped before the task finished.
    Cancelled,
}
// ANCHOR_END: join_error

impl JoinError {
    /// Whether the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self, Self::Panicked(_))
    }

    /// The panic's message, when it was a string (as `panic!("…")` makes).
    pub fn panic_message(&self) -> Option<&str> {
        let Self::Panicked(payload) = self else {
            return None;
        };
        payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
    }

    /// Continues the task's panic on the calling thread, as if it had
    /// happened there; `Cancelled` becomes a panic of its own.
    pub fn resume_unwind(self) -> ! {
        match self {
            Self::Panicked(payload) => std::panic::resume_unwind(payload),
            Self::Cancelled => panic!("the task was cancelled"),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Panicked(_) => f
                .debug_tuple("Panicked")
                .field(&self.panic_message().unwrap_or("<non-string payload>"))
                .finish(),
            Self::Cancelled => f.write_str("Cancelled"),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Panicked(_) => write!(
                f,
                "the task panicked: {}",
                self.panic_message().unwrap_or("<non-string payload>")
            ),
            Self::Cancelled => f.write_str("the task was cancelled"),
        }
    }
}

impl std::error::Error for JoinError {}

// ANCHOR: join_handle
/// Awaits a spawned task: resolves to `Ok(output)`, or to the [`JoinError`]
/// that says why there is none. Dropping the handle detaches the task: it
/// still runs, and its output is dropped when it finishes.
///
/// The handle is `!Send`: it reads the output slot, which belongs to the
/// executor's thread.
pub struct JoinHandle<T> {
    task: TaskRef,
    _output: PhantomData<T>,
    _executor_thread_only: PhantomData<*const ()>,
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let header = self.task.header();
        let state = header.state.snapshot();
        if !state.is_complete() {
            // SAFETY: the handle is `!Send`, so this is the executor's thread.
            // No re-check is needed after registering: the task can only
            // complete on this same thread, later.
            unsafe { header.set_join_waker(cx.waker()) };
            return Poll::Pending;
        }
        // SAFETY: spawn made this handle for a task whose output is `T`; this
        // is the executor's thread; the state says COMPLETE.
        match unsafe { self.task.take_output::<T>() } {
            Some(output) => Poll::Ready(output),
            None if state.is_cancelled() => {
                Poll::Ready(Err(JoinError::Cancelled))
            }
            None => {
                panic!("JoinHandle polled again after it returned the output")
            }
        }
    }
}
// ANCHOR_END: join_handle

impl<T> JoinHandle<T> {
    /// Takes over the join handle's reference to a task whose output is `T`.
    pub(super) fn new(task: TaskRef) -> Self {
        Self {
            task,
            _output: PhantomData,
            _executor_thread_only: PhantomData,
        }
    }

    /// Whether the task has finished (or was cancelled): awaiting the handle
    /// now returns at once.
    pub fn is_finished(&self) -> bool {
        self.task.header().state.snapshot().is_complete()
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let header = self.task.header();
        let before = header.state.drop_join_interest();
        // SAFETY: executor's thread (the handle is `!Send`).
        drop(unsafe { header.take_join_waker() });
        if before.is_complete() {
            // SAFETY: as in `poll`; the output nobody read is dropped here.
            drop(unsafe { self.task.take_output::<T>() });
        }
        // Then `self.task` releases the handle's reference.
    }
}
