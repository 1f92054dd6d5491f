//! Timers, twice. The learner's first sleep starts a thread per sleep that
//! wakes the task when the time is up. The tuned executor keeps a heap of
//! deadlines instead: a sleep registers its deadline and waker, and the
//! executor, when it has nothing to run, parks until the earliest deadline.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use super::tuned_executor::register_timer;

// ANCHOR: thread_sleep
/// The async book's timer: on its first poll it starts a thread that sleeps
/// until the deadline and then wakes the latest waker. One OS thread per
/// sleep; works under any executor.
#[derive(Debug)]
pub struct ThreadSleep {
    deadline: Instant,
    waker: Option<Arc<Mutex<Option<Waker>>>>,
}

impl Future for ThreadSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        match &self.waker {
            // Polled again early: make sure the thread wakes the latest waker.
            Some(shared) => {
                *shared.lock().unwrap_or_else(PoisonError::into_inner) =
                    Some(cx.waker().clone());
            }
            None => {
                let shared = Arc::new(Mutex::new(Some(cx.waker().clone())));
                let for_thread = Arc::clone(&shared);
                let deadline = self.deadline;
                thread::spawn(move || {
                    thread::sleep(
                        deadline.saturating_duration_since(Instant::now()),
                    );
                    let waker = for_thread
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .take();
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                });
                self.waker = Some(shared);
            }
        }
        Poll::Pending
    }
}
// ANCHOR_END: thread_sleep

/// A [`ThreadSleep`] for `duration` from now.
///
/// ```
/// use std::time::{Duration, Instant};
/// use chapters_code::ch03_event_loop_internals::{block_on::block_on, timers::thread_sleep};
///
/// let start = Instant::now();
/// block_on(thread_sleep(Duration::from_millis(5)));
/// assert!(start.elapsed() >= Duration::from_millis(5));
/// ```
pub fn thread_sleep(duration: Duration) -> ThreadSleep {
    thread_sleep_until(Instant::now() + duration)
}

/// A [`ThreadSleep`] until `deadline`.
pub fn thread_sleep_until(deadline: Instant) -> ThreadSleep {
    ThreadSleep {
        deadline,
        waker: None,
    }
}

// ANCHOR: timer_heap
/// Deadlines and the wakers to wake at them, earliest first. Equal deadlines
/// fire in the order they were registered.
#[derive(Debug, Default)]
pub struct TimerHeap {
    entries: BinaryHeap<Reverse<TimerEntry>>,
    registered: u64,
}

#[derive(Debug)]
struct TimerEntry {
    deadline: Instant,
    order: u64,
    waker: Waker,
}

impl TimerEntry {
    fn key(&self) -> (Instant, u64) {
        (self.deadline, self.order)
    }
}

impl TimerHeap {
    /// Asks for `waker` to be woken at `deadline`.
    pub fn register(&mut self, deadline: Instant, waker: Waker) {
        self.registered += 1;
        self.entries.push(Reverse(TimerEntry {
            deadline,
            order: self.registered,
            waker,
        }));
    }

    /// When the executor must wake up next, if any timer is pending.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.entries.peek().map(|Reverse(entry)| entry.deadline)
    }

    /// Removes the earliest timer if its deadline has passed at `now`, and
    /// returns its waker for the caller to wake.
    ///
    /// ```
    /// use std::task::Waker;
    /// use std::time::{Duration, Instant};
    /// use chapters_code::ch03_event_loop_internals::timers::TimerHeap;
    ///
    /// let now = Instant::now();
    /// let mut timers = TimerHeap::new();
    /// timers.register(now + Duration::from_millis(20), Waker::noop().clone());
    /// timers.register(now + Duration::from_millis(10), Waker::noop().clone());
    /// assert_eq!(timers.next_deadline(), Some(now + Duration::from_millis(10)));
    /// assert!(timers.pop_expired(now).is_none());
    /// assert!(timers.pop_expired(now + Duration::from_millis(15)).is_some());
    /// assert_eq!(timers.len(), 1);
    /// ```
    pub fn pop_expired(&mut self, now: Instant) -> Option<Waker> {
        if self.next_deadline()? > now {
            return None;
        }
        self.entries.pop().map(|Reverse(entry)| entry.waker)
    }
}
// ANCHOR_END: timer_heap

impl TimerHeap {
    /// An empty heap.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many timers are pending.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no timer is pending.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl PartialEq for TimerEntry {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for TimerEntry {}
impl PartialOrd for TimerEntry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for TimerEntry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

// ANCHOR: sleep_future
/// A sleep on the tuned executor's timer heap. Its first `Pending` poll
/// registers the deadline with the executor; the executor wakes it when the
/// deadline has passed. Polled outside that executor, it panics.
///
/// Dropping a `Sleep` early leaves its entry in the heap until the deadline,
/// when it wakes the task for nothing: a simplification (tokio unlinks it).
#[derive(Debug)]
pub struct Sleep {
    deadline: Instant,
    registered: Option<Waker>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        let registered = self.registered.as_ref();
        if !registered.is_some_and(|waker| waker.will_wake(cx.waker())) {
            // First poll, or moved to another task: the latest waker must be
            // the one woken. An older entry will wake its task for nothing.
            register_timer(self.deadline, cx.waker().clone());
            self.registered = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}
// ANCHOR_END: sleep_future

/// A [`Sleep`] until `deadline`.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        registered: None,
    }
}

/// A [`Sleep`] for `duration` from now.
///
/// ```
/// use std::time::{Duration, Instant};
/// use chapters_code::ch03_event_loop_internals::{timers::sleep, tuned_executor::Executor};
///
/// let executor = Executor::new();
/// let start = Instant::now();
/// executor.block_on(sleep(Duration::from_millis(5)));
/// assert!(start.elapsed() >= Duration::from_millis(5));
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(Instant::now() + duration)
}

impl Sleep {
    /// When the sleep ends.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }
}
