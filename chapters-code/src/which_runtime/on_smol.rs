//! The program on smol: a small executor, with `async-io` for timers and
//! sockets and `blocking` for blocking calls, all re-exported by smol.

use std::io;

use smol::io::{AsyncReadExt, AsyncWriteExt};
use smol::net::{TcpListener, TcpStream};

use super::{GREETING, Outcome, PAUSE, blocking_digest};

// ANCHOR: smol_program
/// Runs the program on smol's global executor.
pub fn run_on_smol() -> io::Result<Outcome> {
    smol::block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let server = smol::spawn(async move {
            let (mut stream, _) = listener.accept().await?;
            let mut message = vec![0; GREETING.len()];
            stream.read_exact(&mut message).await?;
            stream.write_all(&message).await
        });

        smol::Timer::after(PAUSE).await;
        let mut client = TcpStream::connect(address).await?;
        client.write_all(GREETING).await?;
        let mut echoed = vec![0; GREETING.len()];
        client.read_exact(&mut echoed).await?;
        server.await?;

        let bytes = echoed.clone();
        let digest = smol::unblock(move || blocking_digest(&bytes)).await;
        Ok(Outcome { echoed, digest })
    })
}
// ANCHOR_END: smol_program
