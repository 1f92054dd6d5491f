//! The "Calling sync from async and back" appendix: each bridge where it is
//! right, and each misuse's symptom, bounded.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use chapters_code::sync_async_bridges::misuse::{
    self, FirstToFinish, STUCK_AFTER,
};
use chapters_code::sync_async_bridges::{
    digest_off_the_runtime, fetch_from_sync_code, ready_without_a_runtime,
    wait_in_place,
};
use chapters_code::which_runtime::blocking_digest;

#[tokio::test]
async fn spawn_blocking_returns_the_blocking_result() {
    let digest = digest_off_the_runtime(b"bytes".to_vec()).await;
    assert_eq!(digest, blocking_digest(b"bytes"));
}

/// One worker thread: the answer comes from a task that needs a worker. It
/// runs because `block_in_place` handed the worker's tasks on; a plain
/// `recv()` in the same place would wait for it forever.
#[test]
fn block_in_place_lets_the_other_tasks_run() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .expect("a runtime");
    let (answer, answered) = mpsc::channel();
    let (finished, done) = mpsc::channel();
    runtime.spawn(async move {
        let _ = finished.send(wait_in_place(answered));
    });
    runtime.spawn(async move {
        tokio::task::yield_now().await;
        answer.send(42).expect("the waiter listens");
    });
    let got = done.recv_timeout(Duration::from_secs(10));
    assert_eq!(got, Ok(42), "the answering task never ran");
}

#[test]
fn handle_block_on_runs_async_code_from_a_plain_thread() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let handle = runtime.handle().clone();
    let digest = std::thread::spawn(move || {
        fetch_from_sync_code(&handle, b"sync".to_vec())
    })
    .join()
    .expect("the thread does not panic");
    assert_eq!(digest, blocking_digest(b"sync"));
}

#[test]
fn futures_block_on_needs_no_runtime_for_a_runtime_free_future() {
    assert_eq!(ready_without_a_runtime(), blocking_digest(b"ready"));
}

#[test]
fn a_blocking_client_starves_the_server_on_the_same_thread() {
    let start = Instant::now();
    let blocked = misuse::blocking_client_in_the_runtime().expect("sockets");
    assert!(
        matches!(
            blocked.read_error,
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "the read should end on its timeout, ended with {:?}",
        blocked.read_error
    );
    assert!(
        !blocked.server_had_accepted,
        "the server task ran meanwhile"
    );
    assert!(start.elapsed() >= STUCK_AFTER);
}

#[test]
#[should_panic(expected = "Cannot start a runtime from within a runtime")]
fn a_nested_block_on_panics() {
    misuse::nested_block_on();
}

#[test]
#[should_panic(
    expected = "can call blocking only when running on the multi-threaded runtime"
)]
fn block_in_place_panics_on_a_current_thread_runtime() {
    misuse::block_in_place_on_current_thread();
}

#[test]
fn futures_block_on_a_tokio_timer_never_sees_it_fire() {
    let start = Instant::now();
    let first = misuse::futures_block_on_a_tokio_timer();
    assert_eq!(first, FirstToFinish::Bound);
    assert!(start.elapsed() >= STUCK_AFTER);
}

/// Outside any tokio runtime, a tokio timer has no driver to register with.
#[test]
#[should_panic(expected = "there is no reactor running")]
fn a_tokio_timer_outside_tokio_panics() {
    futures::executor::block_on(tokio::time::sleep(Duration::from_millis(1)));
}
