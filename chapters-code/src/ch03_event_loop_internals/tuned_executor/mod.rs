//! The tuned executor: single-threaded, tasks may be `!Send`, wakers may be
//! woken from any thread.
//!
//! - Each task is one allocation holding its future and its output
//!   (`task.rs`), with chapter 2's [`TaskState`] word: the SCHEDULED flag means
//!   a task is never queued twice, and the reference count replaces an `Arc`.
//! - The run queue is a plain `VecDeque` that only the executor's thread
//!   touches. A waker woken on that thread pushes onto it directly; a waker
//!   woken on another thread pushes onto a `Mutex`-protected injection queue
//!   and unparks the executor's thread.
//! - A poll allocates nothing: the waker handed to the future borrows the
//!   queue entry's reference.
//! - Timers live in a heap ([`TimerHeap`]); with nothing to run, the executor
//!   parks until the earliest deadline.
//!
//! [`TaskState`]: crate::ch02_bit_level_basics::task_state::TaskState

mod join;
mod task;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::marker::PhantomData;
use std::mem;
use std::pin::pin;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::Instant;

use crate::ch02_bit_level_basics::task_state::AfterPoll;

use super::timers::TimerHeap;
use task::{OwnedTasks, TaskRef};

pub use join::{JoinError, JoinHandle};

/// How many tasks run between two looks at the main future, the injection
/// queue and the clock: a task that keeps waking itself cannot starve them.
const TASKS_PER_TICK: usize = 128;

// ANCHOR: shared
/// The part of the executor that other threads may reach, through wakers.
pub(super) struct Shared {
    /// Tasks woken from other threads, waiting to join the run queue.
    injected: Mutex<Injected>,
    /// Set with every injection, so the executor's loop looks at the `Mutex`
    /// only when there is something behind it.
    has_injected: AtomicBool,
    /// The future given to `block_on` asked to be polled again.
    main_woken: AtomicBool,
    /// The executor's thread, to unpark.
    thread: Thread,
}

impl Shared {
    /// A wake from another thread (or from outside `block_on`).
    fn inject(&self, task: TaskRef) {
        let mut injected =
            self.injected.lock().unwrap_or_else(PoisonError::into_inner);
        if injected.closed {
            // Released outside the lock: freeing a task drops its join
            // waker, which may run any code.
            drop(injected);
            drop(task);
            return;
        }
        injected.tasks.push(task);
        self.has_injected.store(true, Ordering::Release);
        drop(injected);
        self.thread.unpark();
    }
}
// ANCHOR_END: shared

struct Injected {
    tasks: Vec<TaskRef>,
    /// The executor is gone: drop late arrivals instead of queueing them.
    closed: bool,
}

impl Shared {
    fn is_current(self: &Arc<Self>) -> bool {
        with_current(|local| {
            local.is_some_and(|local| Arc::ptr_eq(&local.shared, self))
        })
    }
}

/// The waker of the future given to `block_on`, which is not a task.
impl Wake for Shared {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.main_woken.store(true, Ordering::Release);
        if !self.is_current() {
            self.thread.unpark();
        }
    }
}

/// The executor's thread-local half: only its own thread touches it.
struct Local {
    shared: Arc<Shared>,
    run_queue: RefCell<VecDeque<TaskRef>>,
    owned: OwnedTasks,
    timers: RefCell<TimerHeap>,
    /// How many times the thread parked: tests check that it sleeps.
    parks: Cell<u64>,
}

thread_local! {
    /// The executor whose `block_on` is running on this thread, if any.
    static CURRENT: Cell<*const Local> = const { Cell::new(ptr::null()) };
}

fn with_current<R>(f: impl FnOnce(Option<&Local>) -> R) -> R {
    let local = CURRENT.with(Cell::get);
    // SAFETY: `block_on` stores a pointer to its executor's `Local` for the
    // duration of the call only (the guard restores it, even on unwind), and
    // the executor cannot move or drop while `block_on` borrows it.
    f(unsafe { local.as_ref() })
}

// ANCHOR: schedule
/// Queues a task that a waker has just marked SCHEDULED: on the local run
/// queue when woken on the executor's thread inside `block_on`, otherwise on
/// the injection queue.
fn schedule(task: TaskRef) {
    with_current(|local| match local {
        Some(local) if Arc::ptr_eq(&local.shared, &task.header().shared) => {
            local.run_queue.borrow_mut().push_back(task);
        }
        _ => {
            let shared = Arc::clone(&task.header().shared);
            shared.inject(task);
        }
    });
}
// ANCHOR_END: schedule

/// Called by [`Sleep`](super::timers::Sleep): wake `waker` at `deadline`.
pub(super) fn register_timer(deadline: Instant, waker: Waker) {
    with_current(|local| {
        local
            .expect(
                "a Sleep must be polled inside the tuned executor's block_on",
            )
            .timers
            .borrow_mut()
            .register(deadline, waker);
    });
}

impl Local {
    // ANCHOR: spawn_task
    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        let ptr = task::allocate(future, Arc::clone(&self.shared));
        // SAFETY: `allocate` counted three references: one each for the task
        // list, the run queue and the join handle. This is the executor's
        // thread (Local is only reachable from it) and the task is new.
        unsafe {
            self.owned.push(TaskRef::from_raw(ptr));
            self.run_queue
                .borrow_mut()
                .push_back(TaskRef::from_raw(ptr));
        }
        // SAFETY: the third reference.
        JoinHandle::new(unsafe { TaskRef::from_raw(ptr) })
    }
    // ANCHOR_END: spawn_task

    // ANCHOR: run_task
    /// Polls one task taken off the run queue, with the queue's reference.
    fn run_task(&self, task: TaskRef) {
        let state = &task.header().state;
        if state.transition_to_running().is_err() {
            return; // Already complete (cancelled): drop the queue's reference.
        }
        let waker = task.borrowed_waker();
        // SAFETY: executor's thread, and the transition to RUNNING succeeded.
        let completed = unsafe { task.poll(&waker) };
        if completed {
            // SAFETY: executor's thread; an unfinished task is in the list.
            drop(unsafe { self.owned.remove(&task) });
        } else if state.transition_to_idle() == AfterPoll::Notified {
            // Woken while it ran: the wake left SCHEDULED set for us, and the
            // queue's reference is reused for the new entry.
            self.run_queue.borrow_mut().push_back(task);
        }
    }
    // ANCHOR_END: run_task

    fn run_ready_tasks(&self) {
        for _ in 0..TASKS_PER_TICK {
            let next = self.run_queue.borrow_mut().pop_front();
            match next {
                Some(task) => self.run_task(task),
                None => return,
            }
        }
    }

    // ANCHOR: take_injected
    fn take_injected(&self) {
        if !self.shared.has_injected.swap(false, Ordering::Acquire) {
            return;
        }
        let tasks = mem::take(
            &mut self
                .shared
                .injected
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .tasks,
        );
        self.run_queue.borrow_mut().extend(tasks);
    }
    // ANCHOR_END: take_injected

    // ANCHOR: fire_timers
    /// Wakes every timer whose deadline has passed; returns the next deadline.
    fn fire_timers(&self) -> Option<Instant> {
        if self.timers.borrow().is_empty() {
            return None;
        }
        let now = Instant::now();
        loop {
            // The heap is not borrowed while a waker runs.
            let expired = self.timers.borrow_mut().pop_expired(now);
            match expired {
                Some(waker) => {
                    waker.wake();
                }
                None => return self.timers.borrow().next_deadline(),
            }
        }
    }
    // ANCHOR_END: fire_timers

    fn has_work(&self) -> bool {
        !self.run_queue.borrow().is_empty()
            || self.shared.main_woken.load(Ordering::Acquire)
            || self.shared.has_injected.load(Ordering::Acquire)
    }

    /// Sleeps until a waker unparks the thread or the next timer is due.
    fn park(&self, next_deadline: Option<Instant>) {
        self.parks.set(self.parks.get() + 1);
        // ANCHOR: park
        match next_deadline {
            Some(deadline) => thread::park_timeout(
                deadline.saturating_duration_since(Instant::now()),
            ),
            None => thread::park(),
        }
        // ANCHOR_END: park
    }
}

/// A single-threaded executor: tasks run on the thread that calls
/// [`Executor::block_on`], one after another.
///
/// ```
/// use chapters_code::ch03_event_loop_internals::tuned_executor::{spawn, Executor};
///
/// let executor = Executor::new();
/// let sum = executor.block_on(async {
///     let handles: Vec<_> = (1..=3).map(|i| spawn(async move { i * 10 })).collect();
///     let mut sum = 0;
///     for handle in handles {
///         sum += handle.await.unwrap();
///     }
///     sum
/// });
/// assert_eq!(sum, 60);
/// ```
pub struct Executor {
    local: Local,
    /// Tasks, join handles and the run queue belong to this thread.
    _not_send: PhantomData<*const ()>,
}

impl Executor {
    /// An executor for the calling thread.
    pub fn new() -> Self {
        let shared = Arc::new(Shared {
            injected: Mutex::new(Injected {
                tasks: Vec::new(),
                closed: false,
            }),
            has_injected: AtomicBool::new(false),
            main_woken: AtomicBool::new(false),
            thread: thread::current(),
        });
        Self {
            local: Local {
                shared,
                run_queue: RefCell::new(VecDeque::new()),
                owned: OwnedTasks::new(),
                timers: RefCell::new(TimerHeap::new()),
                parks: Cell::new(0),
            },
            _not_send: PhantomData,
        }
    }

    /// Queues `future` as a task; it runs during the next `block_on`.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        self.local.spawn(future)
    }

    /// How many times the thread has parked because nothing was ready: a
    /// busy loop would never park. Tests read it; the executor does not.
    pub fn parks(&self) -> u64 {
        self.local.parks.get()
    }
}

impl Executor {
    // ANCHOR: executor
    /// Runs the tasks until `future` completes, and returns its output. The
    /// future itself is polled in place, not spawned; tasks still unfinished
    /// when it completes stay queued for the next call.
    ///
    /// # Panics
    ///
    /// When called from inside another `block_on` on the same thread: it
    /// would block the outer executor.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _current = CurrentGuard::enter(&self.local);
        let local = &self.local;
        let mut future = pin!(future);
        let waker = Waker::from(Arc::clone(&local.shared));
        let mut cx = Context::from_waker(&waker);
        local.shared.main_woken.store(true, Ordering::Release);
        loop {
            if local.shared.main_woken.swap(false, Ordering::Acquire)
                && let Poll::Ready(output) = future.as_mut().poll(&mut cx)
            {
                return output;
            }
            local.run_ready_tasks();
            local.take_injected();
            let next_deadline = local.fire_timers();
            if !local.has_work() {
                // Nothing to run: sleep until a waker unparks us or a timer
                // is due. A wake between the check and the park is not
                // lost: its unpark makes the park return at once.
                local.park(next_deadline);
            }
        }
    }
    // ANCHOR_END: executor
}

impl Default for Executor {
    fn default() -> Self {
        Self::new()
    }
}

/// Queues `future` on the executor whose `block_on` is running on this
/// thread, like `tokio::spawn`.
///
/// # Panics
///
/// Outside the tuned executor's `block_on`.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    with_current(|local| {
        local
            .expect("spawn must be called inside the tuned executor's block_on")
            .spawn(future)
    })
}

/// Sets [`CURRENT`] for the duration of `block_on`.
struct CurrentGuard;

impl CurrentGuard {
    fn enter(local: &Local) -> Self {
        CURRENT.with(|current| {
            assert!(
                current.get().is_null(),
                "block_on inside block_on: the inner call would block the outer executor"
            );
            current.set(local);
        });
        CurrentGuard
    }
}

impl Drop for CurrentGuard {
    fn drop(&mut self) {
        CURRENT.with(|current| current.set(ptr::null()));
    }
}

// ANCHOR: executor_drop
impl Drop for Executor {
    /// Cancels the unfinished tasks: drops their futures here, on the
    /// executor's thread, and tells their join handles. Late wakes from other
    /// threads find the injection queue closed.
    fn drop(&mut self) {
        let local = &self.local;
        let injected = {
            let mut injected = local
                .shared
                .injected
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            injected.closed = true;
            mem::take(&mut injected.tasks)
        };
        let queued = mem::take(&mut *local.run_queue.borrow_mut());
        // SAFETY: executor's thread, and no task is running: `block_on` holds
        // a borrow of the executor, so it is not running while we drop.
        while let Some(task) = unsafe { local.owned.pop() } {
            let state = &task.header().state;
            state.cancel();
            if state.transition_to_running().is_ok() {
                // SAFETY: executor's thread, RUNNING held.
                unsafe { task.drop_future() };
                if state.transition_to_complete().is_join_interested() {
                    // SAFETY: executor's thread.
                    let join_waker = unsafe { task.header().take_join_waker() };
                    if let Some(join_waker) = join_waker {
                        join_waker.wake();
                    }
                }
            }
        }
        // Queue entries and timers only hold references: release them last,
        // once every future is gone.
        drop((injected, queued));
        drop(mem::take(&mut *local.timers.borrow_mut()));
    }
}
// ANCHOR_END: executor_drop
