//! A channel that holds at most one value: `send` waits while the slot is
//! full, `recv` waits while it is empty. Two tasks passing a value back and
//! forth through a pair of these switch on every hand-over, which is what
//! the ping-pong benchmark measures.
//!
//! It is `Send + Sync` (a `Mutex` around the slot), so the same channel runs
//! on every executor compared, including tokio's `spawn`, which requires
//! `Send` futures.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

// ANCHOR: one_slot_state
struct Slot<T> {
    value: Option<T>,
    /// The receiver waits for a value (or for the sender to go).
    receiver_waker: Option<Waker>,
    /// The sender waits for the slot to empty (or for the receiver to go).
    sender_waker: Option<Waker>,
    sender_alive: bool,
    receiver_alive: bool,
}

/// Stores the waker to wake later, cloning only when it changed.
fn remember(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(known) if known.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
}
// ANCHOR_END: one_slot_state

/// The sending end of a [`channel`].
pub struct Sender<T> {
    slot: Arc<Mutex<Slot<T>>>,
}

/// The receiving end of a [`channel`].
pub struct Receiver<T> {
    slot: Arc<Mutex<Slot<T>>>,
}

/// A one-slot channel: one sender, one receiver.
///
/// ```
/// use chapters_code::ch03_event_loop_internals::{block_on::block_on, one_slot_channel::channel};
///
/// let (sender, mut receiver) = channel();
/// block_on(async {
///     sender.send(7).await.unwrap();
///     assert_eq!(receiver.recv().await, Some(7));
///     drop(sender);
///     assert_eq!(receiver.recv().await, None);
/// });
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let slot = Arc::new(Mutex::new(Slot {
        value: None,
        receiver_waker: None,
        sender_waker: None,
        sender_alive: true,
        receiver_alive: true,
    }));
    (
        Sender {
            slot: Arc::clone(&slot),
        },
        Receiver { slot },
    )
}

fn lock<T>(slot: &Mutex<Slot<T>>) -> MutexGuard<'_, Slot<T>> {
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<T> Sender<T> {
    /// Puts `value` in the slot once it is empty. Fails, giving the value
    /// back, when the receiver is gone.
    pub fn send(&self, value: T) -> SendValue<'_, T> {
        SendValue {
            sender: self,
            value: Some(value),
        }
    }
}

impl<T> Receiver<T> {
    /// Takes the next value; `None` once the slot is empty and the sender is
    /// gone.
    pub fn recv(&mut self) -> RecvValue<'_, T> {
        RecvValue { receiver: self }
    }
}

/// The future of [`Sender::send`].
pub struct SendValue<'a, T> {
    sender: &'a Sender<T>,
    value: Option<T>,
}

impl<T> Unpin for SendValue<'_, T> {}

impl<T> Future for SendValue<'_, T> {
    type Output = Result<(), T>;

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), T>> {
        let value = self
            .value
            .take()
            .expect("SendValue polled after completion");
        let mut slot = lock(&self.sender.slot);
        if !slot.receiver_alive {
            return Poll::Ready(Err(value));
        }
        if slot.value.is_some() {
            remember(&mut slot.sender_waker, cx.waker());
            drop(slot);
            self.value = Some(value);
            return Poll::Pending;
        }
        slot.value = Some(value);
        let receiver = slot.receiver_waker.take();
        drop(slot);
        // Woken outside the lock: the waker may run code that locks it.
        if let Some(receiver) = receiver {
            receiver.wake();
        }
        Poll::Ready(Ok(()))
    }
}

// ANCHOR: one_slot_futures
/// The future of [`Receiver::recv`].
pub struct RecvValue<'a, T> {
    receiver: &'a mut Receiver<T>,
}

impl<T> Future for RecvValue<'_, T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut slot = lock(&self.receiver.slot);
        match slot.value.take() {
            Some(value) => {
                let sender = slot.sender_waker.take();
                drop(slot);
                if let Some(sender) = sender {
                    sender.wake();
                }
                Poll::Ready(Some(value))
            }
            None if !slot.sender_alive => Poll::Ready(None),
            None => {
                remember(&mut slot.receiver_waker, cx.waker());
                Poll::Pending
            }
        }
    }
}
// ANCHOR_END: one_slot_futures

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut slot = lock(&self.slot);
        slot.sender_alive = false;
        let receiver = slot.receiver_waker.take();
        drop(slot);
        if let Some(receiver) = receiver {
            receiver.wake();
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut slot = lock(&self.slot);
        slot.receiver_alive = false;
        let unread = slot.value.take();
        let sender = slot.sender_waker.take();
        drop(slot);
        drop(unread);
        if let Some(sender) = sender {
            sender.wake();
        }
    }
}
