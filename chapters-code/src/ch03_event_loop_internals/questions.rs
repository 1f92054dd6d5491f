//! The chapter's predict-the-outcome questions: each function below is what
//! a question shows, and each test asserts the answer the page reveals.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::exercise::yield_now;
use super::generator_loop::{StartThenFinish, run_generators};
use super::hand_written_future::{StartThenFinishFuture, start_then_finish};
use super::log::Log;
use super::naive_executor::NaiveExecutor;
use super::never_woken::{GaveUp, NeverWoken, block_on_for};
use super::timers::sleep_until;
use super::tuned_executor::Executor;

// ANCHOR: three_tasks
/// The talk's three tasks on the Rust version of its loop; returns what
/// they printed.
pub fn three_tasks() -> Vec<String> {
    let log = Log::new();
    let tasks = (1..=3)
        .map(|id| StartThenFinish::new(id, log.clone()))
        .collect();
    run_generators(tasks);
    log.lines()
}
// ANCHOR_END: three_tasks

// ANCHOR: never_woken_for_200_ms
/// Gives [`NeverWoken`] to a `block_on` that gives up after 200 ms.
pub fn never_woken_for_200_ms() -> Result<(), GaveUp> {
    block_on_for(NeverWoken, Duration::from_millis(200))
}
// ANCHOR_END: never_woken_for_200_ms

// ANCHOR: wakes_thrice
/// Wakes its own waker three times during its first poll, then waits for
/// something that never comes: `Pending`, and nobody holds its waker.
pub struct WakesThrice {
    polls: Arc<AtomicUsize>,
}

// ANCHOR: wakes_thrice_slide
impl Future for WakesThrice {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.polls.fetch_add(1, Ordering::Relaxed) == 0 {
            for _ in 0..3 {
                cx.waker().wake_by_ref();
            }
        }
        Poll::Pending
    }
}
// ANCHOR_END: wakes_thrice_slide
// ANCHOR_END: wakes_thrice

/// How many times the naive executor polls a [`WakesThrice`] while the
/// main task yields three times.
pub fn naive_polls_of_wakes_thrice() -> usize {
    let executor = NaiveExecutor::new();
    let spawner = executor.spawner();
    let polls = Arc::new(AtomicUsize::new(0));
    let future = WakesThrice {
        polls: Arc::clone(&polls),
    };
    executor.block_on(async move {
        drop(spawner.spawn(future));
        for _ in 0..3 {
            yield_now().await;
        }
    });
    polls.load(Ordering::Relaxed)
}

/// [`naive_polls_of_wakes_thrice`] on the tuned executor.
pub fn tuned_polls_of_wakes_thrice() -> usize {
    let executor = Executor::new();
    let polls = Arc::new(AtomicUsize::new(0));
    drop(executor.spawn(WakesThrice {
        polls: Arc::clone(&polls),
    }));
    executor.block_on(async {
        for _ in 0..3 {
            yield_now().await;
        }
    });
    polls.load(Ordering::Relaxed)
}

// ANCHOR: behind_a_busy_task
/// Three sleepers, spawned in the order 60, 20 and 40 ms, then a task that
/// keeps the thread for 100 ms without an `.await`. Returns what finished,
/// in the order it finished, on the tuned executor.
pub fn timers_behind_a_busy_task() -> Vec<&'static str> {
    let executor = Executor::new();
    let finished = Rc::new(RefCell::new(Vec::new()));
    let start = Instant::now();
    for (name, millis) in [("60 ms", 60), ("20 ms", 20), ("40 ms", 40)] {
        let finished = Rc::clone(&finished);
        drop(executor.spawn(async move {
            sleep_until(start + Duration::from_millis(millis)).await;
            finished.borrow_mut().push(name);
        }));
    }
    let busy = Rc::clone(&finished);
    drop(executor.spawn(async move {
        // Computing, with no `.await`: here, spinning on the clock.
        while start.elapsed() < Duration::from_millis(100) {}
        busy.borrow_mut().push("busy");
    }));
    executor.block_on(sleep_until(start + Duration::from_millis(110)));
    finished.take()
}
// ANCHOR_END: behind_a_busy_task

// ANCHOR: two_futures
/// The talk's task twice: written by hand, and as an `async fn`.
pub fn two_futures() -> (StartThenFinishFuture, impl Future<Output = u32>) {
    let log = Log::new();
    let by_hand = StartThenFinishFuture::new(1, log.clone());
    let by_compiler = start_then_finish(2, log);
    (by_hand, by_compiler)
}
// ANCHOR_END: two_futures

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_three_tasks_start_before_any_finishes() {
        // ANCHOR: three_tasks_answer
        assert_eq!(
            three_tasks(),
            [
                "Starting id=1",
                "Starting id=2",
                "Starting id=3",
                "Finished id=1",
                "Finished id=2",
                "Finished id=3",
            ]
        );
        // ANCHOR_END: three_tasks_answer
    }

    #[test]
    fn a_future_nobody_wakes_is_polled_once_and_never_finishes() {
        // A fresh thread, so that no stray unpark from another test is
        // pending on this one.
        let outcome =
            std::thread::spawn(never_woken_for_200_ms).join().unwrap();
        // ANCHOR: never_woken_answer
        assert_eq!(
            outcome,
            Err(GaveUp {
                polls: 1,
                wake_ups: 0
            }),
            "gave up after 200 ms: polled once, never woken"
        );
        // ANCHOR_END: never_woken_answer
    }

    #[test]
    fn the_naive_executor_polls_once_per_wake() {
        // ANCHOR: wakes_thrice_answer
        assert_eq!(naive_polls_of_wakes_thrice(), 1 + 3);
        assert_eq!(tuned_polls_of_wakes_thrice(), 1 + 1);
        // ANCHOR_END: wakes_thrice_answer
    }

    #[test]
    fn timers_due_during_a_busy_task_fire_after_it_in_deadline_order() {
        // ANCHOR: behind_a_busy_task_answer
        assert_eq!(
            timers_behind_a_busy_task(),
            ["busy", "20 ms", "40 ms", "60 ms"]
        );
        // ANCHOR_END: behind_a_busy_task_answer
    }

    /// A value of type `T`, for [`is_unpin!`] to ask about.
    struct Probe<T>(std::marker::PhantomData<T>);

    fn probe<T>(_: &T) -> Probe<T> {
        Probe(std::marker::PhantomData)
    }

    /// Picked first by method resolution (no auto-ref needed) when `T:
    /// Unpin` holds.
    trait WhenUnpin {
        fn is_unpin(&self) -> bool {
            true
        }
    }
    impl<T: Unpin> WhenUnpin for Probe<T> {}

    /// Picked otherwise, one auto-ref later.
    trait Otherwise {
        fn is_unpin(&self) -> bool {
            false
        }
    }
    impl<T> Otherwise for &Probe<T> {}

    /// Whether the value's type is `Unpin`: the compiler's verdict that
    /// decides whether `Pin::new(&mut value)` compiles.
    macro_rules! is_unpin {
        ($value:expr) => {
            (&probe(&$value)).is_unpin()
        };
    }

    #[test]
    fn the_probe_tells_unpin_types_apart() {
        assert!(is_unpin!(0_u32));
        assert!(!is_unpin!(std::marker::PhantomPinned));
    }

    #[test]
    fn only_the_hand_written_future_can_be_pinned_with_pin_new() {
        // ANCHOR: two_futures_answer
        let (mut by_hand, by_compiler) = two_futures();
        assert!(is_unpin!(by_hand), "Pin::new(&mut by_hand) compiles");
        assert!(!is_unpin!(by_compiler), "Pin::new(&mut …) does not");
        // ANCHOR_END: two_futures_answer
        let _pinned = Pin::new(&mut by_hand);
    }
}
