//! The executor a learner writes first, after the async book: each task is
//! an `Arc` holding its boxed future behind a `Mutex`; the run queue is an
//! `mpsc` channel of those `Arc`s; waking a task sends it down the channel.
//! It works, and it is short. Its costs are measured in the chapter.

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use futures::channel::oneshot;
use futures::future::BoxFuture;

// ANCHOR: naive_task
/// A spawned task: its future (taken out while it is polled, `None` once it
/// has finished) and the way back onto the run queue.
struct Task {
    future: Mutex<Option<BoxFuture<'static, ()>>>,
    run_queue: Sender<Arc<Task>>,
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        // Every wake sends the task again, even when it is already queued.
        let _ = self.run_queue.send(Arc::clone(&self));
    }
}
// ANCHOR_END: naive_task

// ANCHOR: naive_spawn
/// Spawns tasks onto a [`NaiveExecutor`]; cheap to clone into tasks.
#[derive(Clone)]
pub struct NaiveSpawner {
    run_queue: Sender<Arc<Task>>,
}

impl NaiveSpawner {
    /// Boxes the future, wraps it so that its output goes down a oneshot
    /// channel, and queues it. The handle is the channel's receiving end.
    pub fn spawn<F>(&self, future: F) -> NaiveJoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (output_sender, output_receiver) = oneshot::channel();
        let task = Arc::new(Task {
            future: Mutex::new(Some(Box::pin(async move {
                // The handle may be gone: then nobody wants the output.
                let _ = output_sender.send(future.await);
            }))),
            run_queue: self.run_queue.clone(),
        });
        self.run_queue
            .send(task)
            .expect("the executor owns the receiving end");
        NaiveJoinHandle(output_receiver)
    }
}

/// Awaits a task of the [`NaiveExecutor`]; resolves to its output.
pub struct NaiveJoinHandle<T>(oneshot::Receiver<T>);

impl<T> Future for NaiveJoinHandle<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // The sender goes unsent only if the task is dropped unfinished:
        // it panicked (and so did `block_on`), or nothing could wake it.
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|output| output.expect("the task was dropped unfinished"))
    }
}
// ANCHOR_END: naive_spawn

impl NaiveExecutor {
    /// An executor with an empty run queue.
    pub fn new() -> Self {
        let (run_queue, ready) = mpsc::channel();
        Self {
            spawner: NaiveSpawner { run_queue },
            ready,
        }
    }

    /// A handle to spawn tasks with, from inside tasks too.
    pub fn spawner(&self) -> NaiveSpawner {
        self.spawner.clone()
    }
}

impl Default for NaiveExecutor {
    fn default() -> Self {
        Self::new()
    }
}

// ANCHOR: naive_executor
/// The learner's first executor. A panicking task is not caught: it unwinds
/// out of [`NaiveExecutor::block_on`].
///
/// ```
/// use chapters_code::ch03_event_loop_internals::naive_executor::NaiveExecutor;
///
/// let executor = NaiveExecutor::new();
/// let spawner = executor.spawner();
/// let sum = executor.block_on(async move {
///     let handles: Vec<_> = (1..=3).map(|i| spawner.spawn(async move { i * 10 })).collect();
///     let mut sum = 0;
///     for handle in handles {
///         sum += handle.await;
///     }
///     sum
/// });
/// assert_eq!(sum, 60);
/// ```
pub struct NaiveExecutor {
    spawner: NaiveSpawner,
    ready: Receiver<Arc<Task>>,
}

impl NaiveExecutor {
    /// Spawns `future` as the main task and runs tasks off the queue until
    /// the main task has finished. When the queue is empty, `recv` blocks the
    /// thread until some waker sends a task: that is how it sleeps.
    pub fn block_on<F>(&self, future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let NaiveJoinHandle(mut main_output) = self.spawner.spawn(future);
        loop {
            let task = self
                .ready
                .recv()
                .expect("the executor keeps a sender, so the queue stays open");
            let mut slot =
                task.future.lock().expect("a task panicked while polled");
            if let Some(mut future) = slot.take() {
                let waker = Waker::from(Arc::clone(&task));
                let mut cx = Context::from_waker(&waker);
                if future.as_mut().poll(&mut cx).is_pending() {
                    *slot = Some(future);
                }
            }
            drop(slot);
            if let Ok(Some(output)) = main_output.try_recv() {
                return output;
            }
        }
    }
}
// ANCHOR_END: naive_executor
