//! A task's memory and its waker: one allocation holds the header (chapter
//! 2's state word, a vtable, the links of the executor's task list), the
//! output slot and the future. A waker is a pointer to that allocation with a
//! hand-written `RawWakerVTable`; the reference count lives in the state word.
//!
//! Who may touch what:
//!
//! - the state word (atomic), the vtable and `shared`: any thread holding a
//!   reference;
//! - the future, the output slot, the join waker and the list links: only the
//!   executor's thread. The executor, its join handles and its tasks are all
//!   `!Send`, so they stay on that thread; only wakers travel.
//!
//! The future and the output are always emptied on the executor's thread
//! before the executor gives up its own reference, so the last reference,
//! whichever thread drops it, frees memory that holds neither.

use std::cell::{Cell, UnsafeCell};
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use crate::ch02_bit_level_basics::task_state::{
    JOIN_INTERESTED, SCHEDULED, TaskState,
};

use super::join::JoinError;
use super::{Shared, schedule};

// ANCHOR: task_layout
/// The part of every task that does not depend on its future's type. It comes
/// first in the allocation (`repr(C)`), so a pointer to the header is a
/// pointer to the whole task.
#[repr(C)]
pub(super) struct Header {
    /// Chapter 2's word: SCHEDULED, RUNNING, COMPLETE, CANCELLED,
    /// JOIN_INTERESTED, and the reference count above them.
    pub(super) state: TaskState,
    /// The operations that need to know the future's type.
    vtable: &'static TaskVTable,
    /// The executor's thread-safe half: where a wake from another thread goes.
    pub(super) shared: Arc<Shared>,
    /// The waker of whoever awaits the join handle. Executor's thread only.
    join_waker: UnsafeCell<Option<Waker>>,
    /// Links in the executor's list of unfinished tasks. Executor's thread only.
    owned_prev: Cell<Option<NonNull<Header>>>,
    owned_next: Cell<Option<NonNull<Header>>>,
}

/// The header and the output slot: the prefix of the allocation that a
/// `JoinHandle<T>` can read without knowing the future's type.
#[repr(C)]
struct Core<T> {
    header: Header,
    output: UnsafeCell<Option<Result<T, JoinError>>>,
}

/// The whole task, one allocation: header, output slot, future.
#[repr(C)]
struct TaskCell<F: Future> {
    core: Core<F::Output>,
    /// `None` once the future has returned `Ready`, panicked or been cancelled.
    future: UnsafeCell<Option<F>>,
}

/// Monomorphised per future type, reached through the header.
struct TaskVTable {
    poll: unsafe fn(NonNull<Header>, &Waker) -> bool,
    drop_future: unsafe fn(NonNull<Header>),
    dealloc: unsafe fn(NonNull<Header>),
}
// ANCHOR_END: task_layout

impl Header {
    /// Registers the waker to wake when the task completes.
    ///
    /// # Safety
    ///
    /// Only on the executor's thread (the join waker is not synchronised).
    pub(super) unsafe fn set_join_waker(&self, waker: &Waker) {
        // SAFETY: the caller is on the executor's thread, the only thread that
        // touches the join waker, and no other reference to it is live: every
        // access is a short read or write that calls no other code.
        let slot = unsafe { &mut *self.join_waker.get() };
        match slot {
            Some(registered) if registered.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }

    /// Takes the registered join waker out, if any.
    ///
    /// # Safety
    ///
    /// Only on the executor's thread.
    pub(super) unsafe fn take_join_waker(&self) -> Option<Waker> {
        // SAFETY: as in `set_join_waker`.
        unsafe { (*self.join_waker.get()).take() }
    }
}

// ANCHOR: allocate_task
/// Puts `future` into a new task: the one allocation of its life. The state
/// starts SCHEDULED (it is about to be queued) and JOIN_INTERESTED (a handle
/// exists), with three references: the executor's task list, the run queue's
/// entry and the join handle.
pub(super) fn allocate<F>(future: F, shared: Arc<Shared>) -> NonNull<Header>
where
    F: Future + 'static,
{
    let cell = Box::new(TaskCell {
        core: Core {
            header: Header {
                state: TaskState::new(SCHEDULED | JOIN_INTERESTED, 3),
                vtable: vtable::<F>(),
                shared,
                join_waker: UnsafeCell::new(None),
                owned_prev: Cell::new(None),
                owned_next: Cell::new(None),
            },
            output: UnsafeCell::new(None),
        },
        future: UnsafeCell::new(Some(future)),
    });
    NonNull::from(Box::leak(cell)).cast()
}

fn vtable<F: Future + 'static>() -> &'static TaskVTable {
    &TaskVTable {
        poll: poll_future::<F>,
        drop_future: drop_future::<F>,
        dealloc: dealloc::<F>,
    }
}
// ANCHOR_END: allocate_task

// ANCHOR: poll_future
/// Polls the future once. On `Ready` (or a panic), drops the future, stores
/// the output, marks the task COMPLETE and wakes the join handle's waker.
/// Returns whether the task completed.
///
/// # Safety
///
/// `ptr` points to a live `TaskCell<F>`, the caller holds a reference to it,
/// is on the executor's thread, and has moved the state to RUNNING.
unsafe fn poll_future<F: Future>(ptr: NonNull<Header>, waker: &Waker) -> bool {
    // SAFETY: `allocate::<F>` made this pointer from a `Box<TaskCell<F>>`,
    // whose header is its first field (`repr(C)`); the caller's reference
    // keeps it alive.
    let cell = unsafe { ptr.cast::<TaskCell<F>>().as_ref() };
    let polled = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: RUNNING makes this thread the only one touching the
        // future, and no other reference to it is live during the poll.
        let future = unsafe { &mut *cell.future.get() }
            .as_mut()
            .expect("a complete task is never polled");
        // ANCHOR: pin_in_place
        // SAFETY: the future lives in the heap cell, which never moves, and
        // is only ever dropped in place: pinning it is sound.
        unsafe { Pin::new_unchecked(future) }
            .poll(&mut Context::from_waker(waker))
        // ANCHOR_END: pin_in_place
    }));
    let output = match polled {
        Ok(Poll::Pending) => return false,
        Ok(Poll::Ready(output)) => Ok(output),
        Err(panic) => Err(JoinError::Panicked(panic)),
    };
    // SAFETY: still RUNNING on the executor's thread.
    unsafe { drop_future_in_place(cell) };
    // SAFETY: the output slot is only touched on the executor's thread, and
    // the join handle reads it only after seeing COMPLETE, set below.
    unsafe { *cell.core.output.get() = Some(output) };
    let completed = cell.core.header.state.transition_to_complete();
    if completed.is_join_interested() {
        // SAFETY: executor's thread.
        let join_waker = unsafe { cell.core.header.take_join_waker() };
        if let Some(join_waker) = join_waker {
            join_waker.wake();
        }
    } else {
        // The handle is gone: nobody will read the output, drop it here.
        // SAFETY: executor's thread, as above.
        let unread = unsafe { (*cell.core.output.get()).take() };
        let _ = catch_unwind(AssertUnwindSafe(move || drop(unread)));
    }
    true
}
// ANCHOR_END: poll_future

/// Drops the future in place, leaving `None`, even if its `Drop` panics.
///
/// # Safety
///
/// The caller has exclusive access to the future (RUNNING, or the executor
/// being dropped on its own thread).
unsafe fn drop_future_in_place<F: Future>(cell: &TaskCell<F>) {
    struct LeaveEmpty<F>(*mut Option<F>);
    impl<F> Drop for LeaveEmpty<F> {
        fn drop(&mut self) {
            // SAFETY: the slot's old value has just been dropped in place (or
            // its drop unwound), so it is overwritten without dropping again.
            unsafe { self.0.write(None) }
        }
    }
    let slot = cell.future.get();
    let _leave_empty = LeaveEmpty(slot);
    // SAFETY: exclusive access (caller's contract); dropping in place keeps
    // the pinning promise that a pinned future is dropped where it lives.
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe { slot.drop_in_place() }));
}

/// # Safety
///
/// As for [`drop_future_in_place`], with `ptr` from `allocate::<F>`.
unsafe fn drop_future<F: Future>(ptr: NonNull<Header>) {
    // SAFETY: see `poll_future`: same allocation, kept alive by the caller.
    let cell = unsafe { ptr.cast::<TaskCell<F>>().as_ref() };
    // SAFETY: the caller's exclusive access.
    unsafe { drop_future_in_place(cell) }
}

/// # Safety
///
/// The last reference is gone: nothing else points at the task any more.
unsafe fn dealloc<F: Future>(ptr: NonNull<Header>) {
    // SAFETY: `allocate::<F>` leaked this `Box<TaskCell<F>>`, and no other
    // reference exists. Its future and output slots are empty (module
    // comment), so dropping it runs none of the task's code on this thread.
    drop(unsafe { Box::from_raw(ptr.cast::<TaskCell<F>>().as_ptr()) });
}

// ANCHOR: task_ref
/// One counted reference to a task: the run queue's entry, the task list's
/// entry, a join handle's or a waker's. Dropping it releases the reference;
/// the last one frees the task.
pub(super) struct TaskRef {
    ptr: NonNull<Header>,
}

// SAFETY: another thread holding a TaskRef can only touch the atomic state
// word, the vtable and the `Arc<Shared>` (all thread-safe), or drop the last
// reference, which frees a task whose future and output are already gone.
// Everything else needs the executor's thread (see the module comment).
unsafe impl Send for TaskRef {}

impl Drop for TaskRef {
    fn drop(&mut self) {
        let dealloc = self.header().vtable.dealloc;
        if self.header().state.ref_dec() {
            // SAFETY: that was the last reference: nobody else can reach the
            // task, and its future and output are already dropped.
            unsafe { dealloc(self.ptr) };
        }
    }
}

impl TaskRef {
    /// A waker that borrows this reference instead of counting a new one:
    /// no atomic operation per poll. Cloning it counts a reference as usual.
    pub(super) fn borrowed_waker(&self) -> BorrowedWaker<'_> {
        let raw =
            RawWaker::new(self.ptr.as_ptr().cast_const().cast(), &WAKER_VTABLE);
        BorrowedWaker {
            // SAFETY: `raw` follows WAKER_VTABLE's contract while `self`
            // lives; ManuallyDrop keeps it from releasing a reference it
            // does not own.
            waker: ManuallyDrop::new(unsafe { Waker::from_raw(raw) }),
            _task: PhantomData,
        }
    }
}

/// A [`Waker`] valid for as long as the [`TaskRef`] it borrows.
pub(super) struct BorrowedWaker<'a> {
    waker: ManuallyDrop<Waker>,
    _task: PhantomData<&'a TaskRef>,
}

impl Deref for BorrowedWaker<'_> {
    type Target = Waker;

    fn deref(&self) -> &Waker {
        &self.waker
    }
}
// ANCHOR_END: task_ref

impl TaskRef {
    /// Takes over one reference that the caller owns.
    ///
    /// # Safety
    ///
    /// `ptr` comes from [`allocate`], the task is alive, and the caller gives
    /// up one of the references counted in its state word.
    pub(super) unsafe fn from_raw(ptr: NonNull<Header>) -> Self {
        Self { ptr }
    }

    pub(super) fn header(&self) -> &Header {
        // SAFETY: this reference keeps the task alive.
        unsafe { self.ptr.as_ref() }
    }

    /// Polls the task's future once; see [`poll_future`].
    ///
    /// # Safety
    ///
    /// On the executor's thread, after `transition_to_running` succeeded.
    pub(super) unsafe fn poll(&self, waker: &Waker) -> bool {
        // SAFETY: forwarded from the caller; `self` keeps the task alive.
        unsafe { (self.header().vtable.poll)(self.ptr, waker) }
    }

    /// Drops the future of a task that will never be polled again.
    ///
    /// # Safety
    ///
    /// On the executor's thread, after `transition_to_running` succeeded.
    pub(super) unsafe fn drop_future(&self) {
        // SAFETY: forwarded from the caller; `self` keeps the task alive.
        unsafe { (self.header().vtable.drop_future)(self.ptr) }
    }

    /// Takes the output of a completed task.
    ///
    /// # Safety
    ///
    /// `T` is the task's output type, the call is on the executor's thread,
    /// and the state word says COMPLETE.
    pub(super) unsafe fn take_output<T>(&self) -> Option<Result<T, JoinError>> {
        // SAFETY: the task is a `TaskCell<F>` with `F::Output = T`, whose
        // `repr(C)` prefix is a `Core<T>`, kept alive by this reference.
        let core = unsafe { self.ptr.cast::<Core<T>>().as_ref() };
        // SAFETY: the output slot is only touched on the executor's thread,
        // and COMPLETE means the poller is done with it.
        unsafe { (*core.output.get()).take() }
    }

    /// A waker's move: mark the task scheduled and queue it, unless it was
    /// queued already, is running (its poller requeues it) or is complete.
    pub(super) fn wake(self) {
        if self.header().state.transition_to_scheduled() {
            schedule(self);
        }
    }
}

// ANCHOR: waker_vtable
/// A task's waker: its data pointer is the task, and it owns one reference.
static WAKER_VTABLE: RawWakerVTable =
    RawWakerVTable::new(clone_waker, wake_by_value, wake_by_ref, drop_waker);

/// The task behind a waker's data pointer.
///
/// # Safety
///
/// `data` comes from a waker of WAKER_VTABLE that is still alive.
unsafe fn header<'a>(data: *const ()) -> &'a Header {
    // SAFETY: the waker owns (or borrows) a reference, so the task is alive.
    unsafe { &*data.cast::<Header>() }
}

unsafe fn clone_waker(data: *const ()) -> RawWaker {
    // SAFETY: called through a live waker (RawWakerVTable's contract).
    unsafe { header(data) }.state.ref_inc();
    RawWaker::new(data, &WAKER_VTABLE)
}

unsafe fn wake_by_value(data: *const ()) {
    // SAFETY: waking by value consumes the waker, and with it its reference,
    // which the TaskRef now owns.
    let task = unsafe {
        TaskRef::from_raw(NonNull::new_unchecked(data.cast_mut().cast()))
    };
    task.wake();
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: called through a live waker.
    let header = unsafe { header(data) };
    // Only a wake that must enqueue pays for a reference: the queue's entry.
    if header.state.transition_to_scheduled() {
        header.state.ref_inc();
        // SAFETY: the reference counted just above belongs to this TaskRef.
        // The pointer is rebuilt from `data`, which covers the whole task.
        schedule(unsafe {
            TaskRef::from_raw(NonNull::new_unchecked(data.cast_mut().cast()))
        });
    }
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: dropping the waker releases the reference it owns.
    drop(unsafe {
        TaskRef::from_raw(NonNull::new_unchecked(data.cast_mut().cast()))
    });
}
// ANCHOR_END: waker_vtable

// ANCHOR: owned_tasks
/// The executor's list of unfinished tasks, threaded through their headers:
/// inserting and removing allocate nothing. The list owns one reference per
/// task; dropping the executor cancels whatever is still in it, so that a
/// task nobody will ever wake does not leak.
pub(super) struct OwnedTasks {
    head: Cell<Option<NonNull<Header>>>,
}

impl OwnedTasks {
    pub(super) fn new() -> Self {
        Self {
            head: Cell::new(None),
        }
    }

    /// Adds a task, taking over one of its references.
    ///
    /// # Safety
    ///
    /// On the executor's thread; `task` is in no list.
    pub(super) unsafe fn push(&self, task: TaskRef) {
        let task = ManuallyDrop::new(task);
        let header = task.header();
        header.owned_prev.set(None);
        header.owned_next.set(self.head.get());
        if let Some(old_head) = self.head.get() {
            // SAFETY: tasks in the list are alive (the list holds a reference).
            unsafe { old_head.as_ref() }.owned_prev.set(Some(task.ptr));
        }
        self.head.set(Some(task.ptr));
    }
}
// ANCHOR_END: owned_tasks

impl OwnedTasks {
    /// Removes a task and returns the list's reference to it.
    ///
    /// # Safety
    ///
    /// On the executor's thread; `task` is in this list.
    pub(super) unsafe fn remove(&self, task: &TaskRef) -> TaskRef {
        let header = task.header();
        let (prev, next) = (header.owned_prev.take(), header.owned_next.take());
        match prev {
            // SAFETY: neighbours in the list are alive.
            Some(prev) => unsafe { prev.as_ref() }.owned_next.set(next),
            None => self.head.set(next),
        }
        if let Some(next) = next {
            // SAFETY: as above.
            unsafe { next.as_ref() }.owned_prev.set(prev);
        }
        // SAFETY: the list owned one reference to this task, handed back here.
        unsafe { TaskRef::from_raw(task.ptr) }
    }

    /// Removes the first task, with the list's reference to it.
    ///
    /// # Safety
    ///
    /// On the executor's thread.
    pub(super) unsafe fn pop(&self) -> Option<TaskRef> {
        let head = self.head.get()?;
        // SAFETY: borrow the list's reference just long enough to unlink it.
        let borrowed = ManuallyDrop::new(unsafe { TaskRef::from_raw(head) });
        // SAFETY: on the executor's thread, and `head` is in the list.
        Some(unsafe { self.remove(&borrowed) })
    }
}
