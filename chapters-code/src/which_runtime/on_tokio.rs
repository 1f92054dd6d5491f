//! The program on tokio: timers, sockets and a blocking pool come with the
//! runtime.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{GREETING, Outcome, PAUSE, blocking_digest};

// ANCHOR: tokio_program
/// Runs the program on a new multi-thread tokio runtime.
pub fn run_on_tokio() -> io::Result<Outcome> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await?;
            let mut message = vec![0; GREETING.len()];
            stream.read_exact(&mut message).await?;
            stream.write_all(&message).await
        });

        tokio::time::sleep(PAUSE).await;
        let mut client = TcpStream::connect(address).await?;
        client.write_all(GREETING).await?;
        let mut echoed = vec![0; GREETING.len()];
        client.read_exact(&mut echoed).await?;
        server.await??;

        let bytes = echoed.clone();
        let digest =
            tokio::task::spawn_blocking(move || blocking_digest(&bytes))
                .await?;
        Ok(Outcome { echoed, digest })
    })
}
// ANCHOR_END: tokio_program
