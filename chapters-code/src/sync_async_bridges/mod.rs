//! The "Calling sync from async and back" appendix: the four bridges, each
//! used where it is right, and what each does when it is not.
//!
//! - Async calling sync: [`digest_off_the_runtime`] (`spawn_blocking`) and
//!   [`wait_in_place`] (`block_in_place`).
//! - Sync calling async: [`fetch_from_sync_code`] (`Handle::block_on`) and
//!   [`ready_without_a_runtime`] (`futures::executor::block_on`).
//! - [`misuse`]: a blocking client inside the runtime, a nested `block_on`,
//!   `block_in_place` on a current-thread runtime, and
//!   `futures::executor::block_on` on a tokio timer, each bounded.

pub mod misuse;

use std::sync::mpsc;

use tokio::runtime::Handle;

use crate::which_runtime::blocking_digest;

// ANCHOR: spawn_blocking_bridge
/// Async code calling a blocking function: the call runs on tokio's
/// blocking pool, and the worker thread goes on polling other tasks.
pub async fn digest_off_the_runtime(bytes: Vec<u8>) -> u64 {
    tokio::task::spawn_blocking(move || blocking_digest(&bytes))
        .await
        .expect("the digest does not panic")
}
// ANCHOR_END: spawn_blocking_bridge

// ANCHOR: block_in_place_bridge
/// Code running inside a task that must block where it stands (a
/// synchronous callback API, say): on the multi-thread runtime,
/// `block_in_place` hands this worker's other tasks to a new worker thread
/// first, so they keep running.
pub fn wait_in_place(answer: mpsc::Receiver<u64>) -> u64 {
    tokio::task::block_in_place(|| answer.recv()).expect("the sender answers")
}
// ANCHOR_END: block_in_place_bridge

// ANCHOR: handle_block_on_bridge
/// Synchronous code on a thread of its own (not a runtime thread) running
/// async code on an existing runtime through its handle.
pub fn fetch_from_sync_code(runtime: &Handle, bytes: Vec<u8>) -> u64 {
    runtime.block_on(digest_off_the_runtime(bytes))
}
// ANCHOR_END: handle_block_on_bridge

// ANCHOR: futures_block_on_bridge
/// Synchronous code driving a future that needs no runtime's timers or
/// sockets: `futures::executor::block_on` polls it on this thread.
pub fn ready_without_a_runtime() -> u64 {
    futures::executor::block_on(async {
        let (sender, receiver) = futures::channel::oneshot::channel();
        std::thread::spawn(move || sender.send(blocking_digest(b"ready")));
        receiver.await.expect("the thread sends")
    })
}
// ANCHOR_END: futures_block_on_bridge
