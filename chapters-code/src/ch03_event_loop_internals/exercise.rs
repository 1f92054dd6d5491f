//! The chapter's exercises: `yield_now`, the future behind Python's bare
//! `yield` (and `await asyncio.sleep(0)`), and `join`, which runs two
//! futures in one task (a two-future `asyncio.gather`). The solutions live
//! in the `*_solution` anchors; `cargo xtask exercise ch03` hands learners
//! the same code with those bodies replaced by `todo!()`, and the same tests.
//!
//! The exercise crate puts the two regions one after the other in one file,
//! so the second region uses the first one's imports and declares none.

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
mod yield_now_tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::task::{Wake, Waker};

    // ANCHOR: yield_now_first_test
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
    // ANCHOR_END: yield_now_first_test

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

// ANCHOR: join_exercise
/// Two futures polled in turn, in one task, until both are done.
pub struct Join<A: Future, B: Future> {
    // `Box::pin`: the heap keeps each future where it is while `Join`
    // itself moves, so `Join` needs no pinning of its own.
    first: Pin<Box<A>>,
    second: Pin<Box<B>>,
    first_output: Option<A::Output>,
    second_output: Option<B::Output>,
}

impl<A: Future, B: Future> Future for Join<A, B> {
    type Output = (A::Output, B::Output);

    /// Polls each future that has not finished yet (a finished one must not
    /// be polled again), and returns both outputs once both are in.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // ANCHOR: join_solution
        let this = self.get_mut();
        if this.first_output.is_none()
            && let Poll::Ready(output) = this.first.as_mut().poll(cx)
        {
            this.first_output = Some(output);
        }
        if this.second_output.is_none()
            && let Poll::Ready(output) = this.second.as_mut().poll(cx)
        {
            this.second_output = Some(output);
        }
        if this.first_output.is_none() || this.second_output.is_none() {
            // Pending keeps its promise: the unfinished future returned
            // Pending with this same waker, so it has arranged the wake-up.
            return Poll::Pending;
        }
        let first = this.first_output.take().expect("checked just above");
        let second = this.second_output.take().expect("checked just above");
        Poll::Ready((first, second))
        // ANCHOR_END: join_solution
    }
}

// Sound without `unsafe`: `Join` never pins its outputs, and its futures
// are pinned in their boxes, which may move freely.
impl<A: Future, B: Future> Unpin for Join<A, B> {}

/// Runs `first` and `second` concurrently; resolves to both outputs.
pub fn join<A: Future, B: Future>(first: A, second: B) -> Join<A, B> {
    Join {
        first: Box::pin(first),
        second: Box::pin(second),
        first_output: None,
        second_output: None,
    }
}
// ANCHOR_END: join_exercise

// ANCHOR: join_exercise_tests
#[cfg(test)]
mod join_tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    /// Steps aside once: `Pending` after waking its own waker, then `Ready`.
    struct StepAside(bool);

    impl Future for StepAside {
        type Output = ();

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                return Poll::Ready(());
            }
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    #[test]
    fn join_resolves_to_both_outputs() {
        let both =
            futures::executor::block_on(join(async { 1 }, async { "two" }));
        assert_eq!(both, (1, "two"));
    }

    #[test]
    fn join_polls_both_in_turn_and_a_finished_one_never_again() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let say = |line: &'static str| {
            let log = Arc::clone(&log);
            move || log.lock().unwrap().push(line)
        };
        let (a_starts, a_ends) = (say("a starts"), say("a ends"));
        let (b_starts, b_ends) = (say("b starts"), say("b ends"));
        let a = async move {
            a_starts();
            StepAside(false).await;
            a_ends();
        };
        // `b` steps aside twice: `a` is done by the third poll of `join`,
        // and an `async` block polled after it finished would panic.
        let b = async move {
            b_starts();
            StepAside(false).await;
            StepAside(false).await;
            b_ends();
        };
        futures::executor::block_on(join(a, b));
        assert_eq!(
            *log.lock().unwrap(),
            ["a starts", "b starts", "a ends", "b ends"]
        );
    }

    // ANCHOR: join_sleeps_test
    #[tokio::test(start_paused = true)]
    async fn joined_sleeps_take_as_long_as_the_longer_one() {
        let start = tokio::time::Instant::now();
        join(
            tokio::time::sleep(Duration::from_secs(1)),
            tokio::time::sleep(Duration::from_secs(2)),
        )
        .await;
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }
    // ANCHOR_END: join_sleeps_test
}
// ANCHOR_END: join_exercise_tests
