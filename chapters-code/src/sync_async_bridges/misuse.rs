//! The bridges used where they are wrong. Each function returns what went
//! wrong instead of hanging: every wait that would last forever has a bound,
//! and the tests check both the symptom and the bound.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::FutureExt;
use tokio::io::AsyncWriteExt;

/// How long a misuse is given before it counts as stuck.
pub const STUCK_AFTER: Duration = Duration::from_millis(300);

/// What the blocking client saw.
#[derive(Debug)]
pub struct BlockedClient {
    /// The error its read ended with (its timeout).
    pub read_error: io::ErrorKind,
    /// Whether the server task, on the same runtime, had accepted the
    /// connection by the time the read gave up.
    pub server_had_accepted: bool,
}

// ANCHOR: blocking_client
/// A blocking client inside async code, on a current-thread runtime whose
/// one thread must also run the server task: while the client blocks, the
/// server cannot accept, so the read can only time out.
pub fn blocking_client_in_the_runtime() -> io::Result<BlockedClient> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let accepted = Arc::new(AtomicBool::new(false));
        let seen = Arc::clone(&accepted);
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await?;
            seen.store(true, Ordering::SeqCst);
            stream.write_all(b"pong").await
        });

        // The kernel completes the connection without the server's help;
        // the answer needs the server task, which never gets the thread.
        let mut client = TcpStream::connect(address)?;
        client.set_read_timeout(Some(STUCK_AFTER))?;
        client.write_all(b"ping")?;
        let read_error = client.read(&mut [0; 4]).map_or_else(
            |error| error.kind(),
            |_| io::ErrorKind::UnexpectedEof,
        );
        let server_had_accepted = accepted.load(Ordering::SeqCst);
        Ok(BlockedClient {
            read_error,
            server_had_accepted,
        })
    })
}
// ANCHOR_END: blocking_client

// ANCHOR: nested_block_on
/// `Runtime::block_on` from inside async code: tokio refuses (panics)
/// rather than let the outer runtime's thread stall.
pub fn nested_block_on() -> u64 {
    let outer = tokio::runtime::Runtime::new().expect("a runtime");
    outer.block_on(async {
        let inner = tokio::runtime::Runtime::new().expect("a runtime");
        inner.block_on(async { 7 })
    })
}
// ANCHOR_END: nested_block_on

// ANCHOR: block_in_place_current_thread
/// `block_in_place` on a current-thread runtime: there is no other worker
/// to hand the tasks to, so tokio panics.
pub fn block_in_place_on_current_thread() -> u64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    runtime.block_on(async { tokio::task::block_in_place(|| 7) })
}
// ANCHOR_END: block_in_place_current_thread

/// Which of the two waits ended first.
#[derive(Debug, PartialEq, Eq)]
pub enum FirstToFinish {
    /// The one-millisecond tokio timer.
    TokioTimer,
    /// The bound, fired from another thread.
    Bound,
}

// ANCHOR: futures_block_on_tokio_timer
/// `futures::executor::block_on` on a tokio timer, inside a task of a
/// current-thread runtime: the runtime's only thread is the one blocked, so
/// nothing drives the timer. A second thread ends the wait after
/// [`STUCK_AFTER`].
pub fn futures_block_on_a_tokio_timer() -> FirstToFinish {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let (give_up, bound) = futures::channel::oneshot::channel::<()>();
    std::thread::spawn(move || {
        std::thread::sleep(STUCK_AFTER);
        let _ = give_up.send(());
    });
    runtime.block_on(async {
        let timer = tokio::time::sleep(Duration::from_millis(1));
        futures::executor::block_on(async {
            futures::select! {
                () = timer.fuse() => FirstToFinish::TokioTimer,
                _ = bound.fuse() => FirstToFinish::Bound,
            }
        })
    })
}
// ANCHOR_END: futures_block_on_tokio_timer
