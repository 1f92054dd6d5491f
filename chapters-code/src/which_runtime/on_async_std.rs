//! The program on async-std (discontinued upstream: see the module above).

use std::io;

use async_std::io::{ReadExt, WriteExt};
use async_std::net::{TcpListener, TcpStream};
use async_std::task;

use super::{GREETING, Outcome, PAUSE, blocking_digest};

// ANCHOR: async_std_program
/// Runs the program on async-std's global executor.
pub fn run_on_async_std() -> io::Result<Outcome> {
    task::block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let server = task::spawn(async move {
            let (mut stream, _) = listener.accept().await?;
            let mut message = vec![0; GREETING.len()];
            stream.read_exact(&mut message).await?;
            stream.write_all(&message).await
        });

        task::sleep(PAUSE).await;
        let mut client = TcpStream::connect(address).await?;
        client.write_all(GREETING).await?;
        let mut echoed = vec![0; GREETING.len()];
        client.read_exact(&mut echoed).await?;
        server.await?;

        let bytes = echoed.clone();
        let digest =
            task::spawn_blocking(move || blocking_digest(&bytes)).await;
        Ok(Outcome { echoed, digest })
    })
}
// ANCHOR_END: async_std_program
