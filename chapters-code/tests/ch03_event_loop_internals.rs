//! Chapter 3's claims, checked by behaviour: what the tasks printed, how many
//! times each was polled (counted by the futures themselves, from outside
//! the executors), how many times the executor parked, how many allocations
//! a workload made. The only clock in a verdict is the limit of the
//! never-woken test, which says "did not complete within N ms".

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::thread;
use std::time::{Duration, Instant};

use chapters_code::ch03_event_loop_internals::block_on::block_on;
use chapters_code::ch03_event_loop_internals::exercise::yield_now;
use chapters_code::ch03_event_loop_internals::generator_loop::{
    self, run_generators,
};
use chapters_code::ch03_event_loop_internals::hand_written_future::{
    StartThenFinishFuture, start_then_finish,
};
use chapters_code::ch03_event_loop_internals::log::Log;
use chapters_code::ch03_event_loop_internals::naive_executor::NaiveExecutor;
use chapters_code::ch03_event_loop_internals::never_woken::{
    GaveUp, NeverWoken, block_on_for,
};
use chapters_code::ch03_event_loop_internals::one_slot_channel::channel;
use chapters_code::ch03_event_loop_internals::pinning::borrow_across_await;
use chapters_code::ch03_event_loop_internals::timers::{
    sleep, sleep_until, thread_sleep,
};
use chapters_code::ch03_event_loop_internals::tuned_executor::{
    Executor, JoinError, spawn,
};
use chapters_code::ch03_event_loop_internals::workloads::{
    ping, ping_pong_naive, ping_pong_own, ping_pong_tokio, pong,
    spawn_many_naive, spawn_many_own, spawn_many_tokio, timers_naive,
    timers_own, timers_tokio, tokio_current_thread,
};

// ANCHOR: talk_output
/// What the source talk's loop printed for three tasks.
const TALK_OUTPUT: [&str; 6] = [
    "Starting id=1",
    "Starting id=2",
    "Starting id=3",
    "Finished id=1",
    "Finished id=2",
    "Finished id=3",
];

#[test]
fn the_generator_loop_starts_all_three_tasks_then_finishes_them() {
    let log = Log::new();
    let tasks = (1..=3)
        .map(|id| generator_loop::StartThenFinish::new(id, log.clone()))
        .collect();
    assert_eq!(run_generators(tasks), [1, 2, 3]);
    assert_eq!(log.lines(), TALK_OUTPUT);
}
// ANCHOR_END: talk_output

// ANCHOR: executor_interleaving_test
#[test]
fn hand_written_futures_on_the_tuned_executor_print_the_same() {
    let log = Log::new();
    let executor = Executor::new();
    let handles: Vec<_> = (1..=3)
        .map(|id| executor.spawn(StartThenFinishFuture::new(id, log.clone())))
        .collect();
    let outputs = executor.block_on(async {
        let mut outputs = Vec::new();
        for handle in handles {
            outputs.push(handle.await.unwrap());
        }
        outputs
    });
    assert_eq!(outputs, [1, 2, 3]);
    assert_eq!(log.lines(), TALK_OUTPUT);
}
// ANCHOR_END: executor_interleaving_test

#[test]
fn async_fn_tasks_print_the_same_on_every_executor() {
    let tuned = Log::new();
    let executor = Executor::new();
    executor.block_on({
        let log = tuned.clone();
        async move {
            let handles: Vec<_> = (1..=3)
                .map(|id| spawn(start_then_finish(id, log.clone())))
                .collect();
            for handle in handles {
                handle.await.unwrap();
            }
        }
    });
    assert_eq!(tuned.lines(), TALK_OUTPUT);

    let naive = Log::new();
    let executor = NaiveExecutor::new();
    let spawner = executor.spawner();
    executor.block_on({
        let log = naive.clone();
        async move {
            let handles: Vec<_> = (1..=3)
                .map(|id| spawner.spawn(start_then_finish(id, log.clone())))
                .collect();
            for handle in handles {
                handle.await;
            }
        }
    });
    assert_eq!(naive.lines(), TALK_OUTPUT);

    let tokio = Log::new();
    tokio_current_thread().block_on({
        let log = tokio.clone();
        async move {
            let handles: Vec<_> = (1..=3)
                .map(|id| tokio::spawn(start_then_finish(id, log.clone())))
                .collect();
            for handle in handles {
                handle.await.unwrap();
            }
        }
    });
    assert_eq!(tokio.lines(), TALK_OUTPUT);
}

// ANCHOR: join_handle_tests
#[test]
fn join_handles_return_outputs_and_carry_panics() {
    let executor = Executor::new();
    let (answer, failure, after) = executor.block_on(async {
        let answer = spawn(async { 42 });
        let failure = spawn(async {
            yield_now().await;
            panic!("boom");
        });
        let after = spawn(async { "still running" });
        (answer.await, failure.await, after.await)
    });
    assert_eq!(answer.unwrap(), 42);
    let failure: JoinError = failure.unwrap_err();
    assert!(failure.is_panic());
    assert_eq!(failure.panic_message(), Some("boom"));
    assert_eq!(
        after.unwrap(),
        "still running",
        "a panic ends its task only"
    );
}

#[test]
fn dropping_the_executor_cancels_what_is_left() {
    let executor = Executor::new();
    let stuck = executor.spawn(NeverWoken);
    executor.block_on(sleep(Duration::from_millis(5)));
    assert!(!stuck.is_finished());
    drop(executor);
    assert!(stuck.is_finished());
    assert!(matches!(block_on(stuck), Err(JoinError::Cancelled)));
}
// ANCHOR_END: join_handle_tests

#[test]
fn a_detached_task_still_runs_and_tasks_need_not_be_send() {
    let executor = Executor::new();
    let ran = Rc::new(Cell::new(false));
    drop(executor.spawn({
        let ran = Rc::clone(&ran);
        async move {
            yield_now().await;
            ran.set(true);
        }
    }));
    executor.block_on(async {
        // The detached task needs two polls. Each yield here lets the
        // executor run its queue once more: turns counted, not time waited,
        // so a slow machine (or valgrind) cannot make the task miss them.
        for _ in 0..3 {
            yield_now().await;
        }
    });
    assert!(ran.get(), "a dropped join handle must not cancel its task");
}

/// Wakes its own waker `wakes` times on the first poll, then finishes on
/// the second.
struct WakesItself {
    wakes: usize,
    polls: Arc<AtomicUsize>,
}

impl Future for WakesItself {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.polls.fetch_add(1, Ordering::SeqCst) > 0 {
            return Poll::Ready(());
        }
        for _ in 0..self.wakes {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

/// Counts the polls of the future it wraps, so that a test sees how often an
/// executor polled a task without asking the executor.
struct CountPolls<F> {
    future: Pin<Box<F>>,
    polls: Arc<AtomicUsize>,
}

impl<F: Future> CountPolls<F> {
    fn new(future: F) -> (Self, Arc<AtomicUsize>) {
        let polls = Arc::new(AtomicUsize::new(0));
        let counted = Self {
            future: Box::pin(future),
            polls: Arc::clone(&polls),
        };
        (counted, polls)
    }
}

impl<F: Future> Future for CountPolls<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        self.future.as_mut().poll(cx)
    }
}

fn polls(counter: &AtomicUsize) -> usize {
    counter.load(Ordering::SeqCst)
}

// ANCHOR: tuned_requeue_test
#[test]
fn the_tuned_executor_queues_a_task_once_however_often_it_is_woken() {
    let executor = Executor::new();
    let polls = Arc::new(AtomicUsize::new(0));
    let handle = executor.spawn(WakesItself {
        wakes: 3,
        polls: Arc::clone(&polls),
    });
    executor.block_on(handle).unwrap();
    assert_eq!(
        polls.load(Ordering::SeqCst),
        2,
        "three wakes, one more poll"
    );
}
// ANCHOR_END: tuned_requeue_test

// ANCHOR: remote_wake_test
#[test]
fn a_wake_from_another_thread_reaches_the_parked_executor() {
    let executor = Executor::new();
    // A thread sleeps and wakes this task from there. The executor reaches
    // its park within microseconds; 100 ms leaves it that margin even on a
    // loaded machine or under valgrind.
    let (task, task_polls) =
        CountPolls::new(thread_sleep(Duration::from_millis(100)));
    executor.block_on(executor.spawn(task)).unwrap();
    assert_eq!(polls(&task_polls), 2, "polled to start, then when woken");
    assert!(
        executor.parks() >= 1,
        "the executor slept instead of spinning"
    );
}
// ANCHOR_END: remote_wake_test

// ANCHOR: timer_tests
#[test]
fn timers_fire_in_deadline_order_and_the_executor_parks_in_between() {
    let executor = Executor::new();
    let finished = Rc::new(RefCell::new(Vec::new()));
    // Deadlines far enough ahead that every sleeper's first poll comes
    // before its deadline, even on a loaded machine or under valgrind.
    let start = Instant::now();
    let mut sleepers = Vec::new();
    for millis in [300, 100, 200] {
        let finished = Rc::clone(&finished);
        let (sleeper, polls) = CountPolls::new(async move {
            sleep_until(start + Duration::from_millis(millis)).await;
            finished.borrow_mut().push(millis);
        });
        drop(executor.spawn(sleeper));
        sleepers.push(polls);
    }
    executor.block_on(sleep_until(start + Duration::from_millis(350)));
    assert_eq!(*finished.borrow(), [100, 200, 300]);
    for sleeper in &sleepers {
        assert_eq!(polls(sleeper), 2, "one poll to register, one to finish");
    }
    // A busy loop would never park: it would spin thousands of times.
    let parks = executor.parks();
    assert!((1..=20).contains(&parks), "parked {parks} times");
}
// ANCHOR_END: timer_tests

#[test]
fn a_future_that_never_arranges_a_wake_up_never_completes() {
    const LIMIT: Duration = Duration::from_millis(200);
    // A fresh thread, so that no stray unpark from another test is pending.
    let outcome = thread::spawn(|| block_on_for(NeverWoken, LIMIT))
        .join()
        .unwrap();
    assert_eq!(
        outcome,
        Err(GaveUp {
            polls: 1,
            wake_ups: 0
        }),
        "did not complete within {LIMIT:?}, polled once and never woken"
    );
    // The same executor finishes a future that does arrange its wake-up.
    let outcome = thread::spawn(|| {
        block_on_for(thread_sleep(Duration::from_millis(1)), LIMIT)
    })
    .join()
    .unwrap();
    assert_eq!(outcome, Ok(()));
}

// ANCHOR: never_woken_tuned_test
#[test]
fn a_never_woken_task_is_polled_once_while_the_others_finish() {
    let executor = Executor::new();
    let (never_woken, stuck_polls) = CountPolls::new(NeverWoken);
    let stuck = executor.spawn(never_woken);
    let finished = executor.block_on(async {
        let others: Vec<_> = (0..3).map(|i| spawn(async move { i })).collect();
        sleep(Duration::from_millis(20)).await;
        let mut finished = 0;
        for other in others {
            finished += other.await.map(|_| 1).unwrap();
        }
        finished
    });
    assert_eq!(finished, 3);
    assert!(!stuck.is_finished(), "not complete after 20 ms, nor ever");
    assert_eq!(polls(&stuck_polls), 1, "the stuck task was polled once");
}
// ANCHOR_END: never_woken_tuned_test

// ANCHOR: pinned_tests
#[test]
fn a_future_stays_where_it_was_first_polled_on_every_executor() {
    // Stack-pinned by `block_on`, in the tuned executor's task cell, in the
    // naive executor's `Box::pin`, in tokio's task.
    assert_eq!(block_on(borrow_across_await()), (6, true));
    let executor = Executor::new();
    let tuned = executor.block_on(executor.spawn(borrow_across_await()));
    assert_eq!(tuned.unwrap(), (6, true));
    let naive = NaiveExecutor::new();
    let spawner = naive.spawner();
    let on_naive = naive
        .block_on(async move { spawner.spawn(borrow_across_await()).await });
    assert_eq!(on_naive, (6, true));
    let on_tokio = tokio_current_thread()
        .block_on(async { tokio::spawn(borrow_across_await()).await });
    assert_eq!(on_tokio.unwrap(), (6, true));
}

#[test]
fn the_borrowed_local_and_the_borrow_both_live_in_the_future() {
    let future = borrow_across_await();
    assert!(size_of_val(&future) >= size_of::<[u32; 3]>() + size_of::<&u32>());
    // Not polled yet, so nothing points into it: moving it is fine.
    let moved = Box::new(future);
    assert_eq!(block_on(*moved), (6, true));
}
// ANCHOR_END: pinned_tests

// ANCHOR: shutdown_test
/// Counts how many of its kind were dropped.
struct CountDrop(Rc<Cell<u32>>);

impl Drop for CountDrop {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

#[test]
fn dropping_the_executor_frees_tasks_waiting_on_each_other() {
    // Each task keeps the other's waker alive (in the channel it waits on),
    // a reference cycle that only the executor's task list can break. Under
    // valgrind, a leak here fails the run.
    let dropped = Rc::new(Cell::new(0));
    let executor = Executor::new();
    let (to_b, from_a) = channel::<u32>();
    let (to_a, from_b) = channel::<u32>();
    for (sender, mut receiver) in [(to_b, from_b), (to_a, from_a)] {
        let guard = CountDrop(Rc::clone(&dropped));
        drop(executor.spawn(async move {
            let _guard = guard;
            let _sender = sender;
            receiver.recv().await
        }));
    }
    executor.block_on(sleep(Duration::from_millis(1)));
    assert_eq!(dropped.get(), 0, "both tasks are waiting");
    drop(executor);
    assert_eq!(dropped.get(), 2, "the executor dropped both futures");
}
// ANCHOR_END: shutdown_test

// ANCHOR: workload_tests
#[test]
fn spawn_many_returns_every_output_on_every_executor() {
    let expected = (0..1_000).sum::<u64>();
    assert_eq!(spawn_many_own(&Executor::new(), 1_000), expected);
    assert_eq!(spawn_many_naive(&NaiveExecutor::new(), 1_000), expected);
    assert_eq!(spawn_many_tokio(&tokio_current_thread(), 1_000), expected);
}

#[test]
fn ping_pong_hands_the_value_back_and_forth_on_every_executor() {
    assert_eq!(ping_pong_own(&Executor::new(), 1_000), (1_000, 1_000));
    assert_eq!(
        ping_pong_naive(&NaiveExecutor::new(), 1_000),
        (1_000, 1_000)
    );
    assert_eq!(
        ping_pong_tokio(&tokio_current_thread(), 1_000),
        (1_000, 1_000)
    );
}

#[test]
fn ping_pong_switches_tasks_on_every_hand_over() {
    let executor = Executor::new();
    let (to_pong, from_ping) = channel();
    let (to_ping, from_pong) = channel();
    let (ping_task, ping_polls) =
        CountPolls::new(ping(to_pong, from_pong, 100));
    let (pong_task, pong_polls) = CountPolls::new(pong(from_ping, to_ping));
    let answers = executor.block_on(async {
        let ping = spawn(ping_task);
        let pong = spawn(pong_task);
        (ping.await.unwrap(), pong.await.unwrap())
    });
    assert_eq!(answers, (100, 100));
    // Each round polls each task once, plus a first and a last poll or so.
    for polls in [polls(&ping_polls), polls(&pong_polls)] {
        assert!((100..=103).contains(&polls), "{polls} polls");
    }
    assert_eq!(executor.parks(), 0, "nothing waits on the outside world");
}

#[test]
fn staggered_timers_all_finish_on_every_executor() {
    let stagger = Duration::from_micros(100);
    assert_eq!(timers_own(&Executor::new(), 50, stagger), 50);
    assert_eq!(timers_naive(&NaiveExecutor::new(), 20, stagger), 20);
    assert_eq!(timers_tokio(&tokio_current_thread(), 50, stagger), 50);
}
// ANCHOR_END: workload_tests

// ANCHOR: tuned_allocation_tests
#[test]
fn the_tuned_executor_allocates_once_per_task() {
    let executor = Executor::new();
    spawn_many_own(&executor, 1_000); // grows the run queue once and for all
    let allocations = allocations_during(|| {
        spawn_many_own(&executor, 1_000);
    });
    // One task each, plus the Vec of join handles.
    assert_eq!(allocations, 1_000 + 1);
}

#[test]
fn a_tuned_poll_allocates_nothing() {
    let executor = Executor::new();
    ping_pong_own(&executor, 10);
    let short = allocations_during(|| {
        ping_pong_own(&executor, 100);
    });
    let long = allocations_during(|| {
        ping_pong_own(&executor, 10_000);
    });
    assert_eq!(short, long, "19 800 more polls, not one more allocation");
}
// ANCHOR_END: tuned_allocation_tests

#[test]
fn tokio_also_allocates_once_per_task_and_not_per_poll() {
    let runtime = tokio_current_thread();
    spawn_many_tokio(&runtime, 1_000);
    let allocations = allocations_during(|| {
        spawn_many_tokio(&runtime, 1_000);
    });
    assert_eq!(allocations, 1_000 + 1, "one per task, and the Vec");
    ping_pong_tokio(&runtime, 10);
    let short = allocations_during(|| {
        ping_pong_tokio(&runtime, 100);
    });
    let long = allocations_during(|| {
        ping_pong_tokio(&runtime, 10_000);
    });
    assert_eq!(short, long, "{short} allocations, however many rounds");
}

// ANCHOR: naive_allocation_tests
// ANCHOR: naive_allocation_tests_slide
#[test]
fn the_naive_executor_allocates_several_times_per_task() {
    let executor = NaiveExecutor::new();
    spawn_many_naive(&executor, 1_000);
    let allocations = allocations_during(|| {
        spawn_many_naive(&executor, 1_000);
    });
    // The Arc'd task, the boxed future, the oneshot channel, and a block of
    // the mpsc queue every 31 sends.
    assert!(
        allocations > 3 * 1_000,
        "{allocations} allocations for 1 000 tasks"
    );
}
// ANCHOR_END: naive_allocation_tests_slide

#[test]
fn a_naive_wake_allocates_now_and_then() {
    let executor = NaiveExecutor::new();
    ping_pong_naive(&executor, 10);
    let short = allocations_during(|| {
        ping_pong_naive(&executor, 100);
    });
    let long = allocations_during(|| {
        ping_pong_naive(&executor, 10_000);
    });
    // 19 800 more wakes, each a send on the mpsc queue, which allocates a
    // block of 31 slots as the sends fill the last one.
    let per_block = (long - short) as f64 / 19_800.0;
    assert!(
        (1.0 / 32.0..=1.0 / 30.0).contains(&per_block),
        "{short} allocations for 100 rounds, {long} for 10 000"
    );
}
// ANCHOR_END: naive_allocation_tests

// ANCHOR: counting_allocator
/// Counts the allocations each thread makes, so that tests running in
/// parallel do not see each other's.
struct CountingAllocator;

// ANCHOR: counting_allocator_slide
thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// How many allocations `work` made on this thread.
fn allocations_during(work: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    work();
    ALLOCATIONS.with(Cell::get) - before
}
// ANCHOR_END: counting_allocator_slide

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counter is a thread-local `Cell` with a const initialiser and no
// destructor, so touching it never allocates or re-enters the allocator.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(
        &self,
        ptr: *mut u8,
        layout: Layout,
        new_size: usize,
    ) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;
// ANCHOR_END: counting_allocator
