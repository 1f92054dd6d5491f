//! The chapter's exercise: `yield_now`, the future behind Python's bare
//! `yield` (and `await asyncio.sleep(0)`). The solution lives in the
//! `*_solution` anchor; `cargo xtask exercise ch03` hands learners the same
//! code with that body replaced by `todo!()`, and the same tests.

// ANCHOR: yield_now_exercise
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A future that gives the executor one chance to run other tasks: it is
/// `Pending` on its first poll and `Ready` on the next.
#[derive(Debug, Default)]
pub struct YieldNow {
    yielded: bool,
}

/// Returns a [`YieldNow`]: `yield_now().await` steps aside once and resumes.
// The exercise crate copies this region without `chapters_code`: examples
// live in the tests below, not in doctests that would name this crate.
pub fn yield_now() -> YieldNow {
    YieldNow::default()
}

impl Future for YieldNow {
    type Output = ();

    /// First poll: ask to be polled again, and step aside. Second poll: done.
    /// Returning `Pending` without waking the waker would leave the task
    /// asleep forever: nobody else knows it wants to run again.
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // ANCHOR: yield_now_solution
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
        // ANCHOR_END: yield_now_solution
    }
}
// ANCHOR_END: yield_now_exercise

// ANCHOR: yield_now_exercise_tests
#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::task::{Wake, Waker};

    /// A waker that only counts how often it was woken.
    #[derive(Default)]
    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn pending_once_with_a_wake_up_then_ready() {
        let counter = Arc::new(CountingWaker::default());
        let waker = Waker::from(Arc::clone(&counter));
        let mut cx = Context::from_waker(&waker);
        let mut future = yield_now();

        assert_eq!(Pin::new(&mut future).poll(&mut cx), Poll::Pending);
        assert_eq!(
            counter.0.load(Ordering::SeqCst),
            1,
            "Pending without a wake-up: nobody would ever poll this task again"
        );
        assert_eq!(Pin::new(&mut future).poll(&mut cx), Poll::Ready(()));
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn three_tasks_all_start_then_all_finish() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let tasks: Vec<_> = (1..=3)
                .map(|id| {
                    let log = Arc::clone(&log);
                    tokio::spawn(async move {
                        log.lock().unwrap().push(format!("Starting id={id}"));
                        yield_now().await;
                        log.lock().unwrap().push(format!("Finished id={id}"));
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
        assert_eq!(
            *log.lock().unwrap(),
            [
                "Starting id=1",
                "Starting id=2",
                "Starting id=3",
                "Finished id=1",
                "Finished id=2",
                "Finished id=3",
            ]
        );
    }
}
// ANCHOR_END: yield_now_exercise_tests
