//! The program on `futures::executor`: an executor and nothing else. It has
//! no reactor, so the timer and the sockets come from `async-io` (through
//! smol's re-exports, `Async` and `Timer`, whose reactor thread drives them
//! under any executor), and the blocking call gets a thread of its own.

use std::io;
use std::net::{TcpListener, TcpStream};

use futures::channel::oneshot;
use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;
use futures::{AsyncReadExt, AsyncWriteExt};
use smol::{Async, Timer};

use super::{GREETING, Outcome, PAUSE, blocking_digest};

// ANCHOR: futures_program
/// Runs the program on a `futures::executor::LocalPool` (one thread).
pub fn run_on_futures_executor() -> io::Result<Outcome> {
    let mut pool = LocalPool::new();
    let spawner = pool.spawner();
    pool.run_until(async move {
        let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0))?;
        let address = listener.get_ref().local_addr()?;
        let server = spawner
            .spawn_local_with_handle(async move {
                let (mut stream, _) = listener.accept().await?;
                let mut message = vec![0; GREETING.len()];
                stream.read_exact(&mut message).await?;
                stream.write_all(&message).await
            })
            .map_err(io::Error::other)?;

        Timer::after(PAUSE).await;
        let mut client = Async::<TcpStream>::connect(address).await?;
        client.write_all(GREETING).await?;
        let mut echoed = vec![0; GREETING.len()];
        client.read_exact(&mut echoed).await?;
        server.await?;

        let (sender, digest) = oneshot::channel();
        let bytes = echoed.clone();
        std::thread::spawn(move || sender.send(blocking_digest(&bytes)));
        let digest = digest.await.map_err(io::Error::other)?;
        Ok(Outcome { echoed, digest })
    })
}
// ANCHOR_END: futures_program
