//! Serves the built site on loopback and rebuilds it when a chapter, the
//! chapter code or the theme changes.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result};
use notify::{RecursiveMode, Watcher};
use tower_http::services::ServeDir;

/// What a change to which rebuilds the book.
const WATCHED: [&str; 4] = ["src", "chapters-code", "theme", "book.toml"];

/// Builds the book, then serves `book/` on `127.0.0.1:port` until interrupted,
/// rebuilding on every change to the watched sources.
pub fn serve(root: &Path, port: u16, watch: bool) -> Result<()> {
    crate::book::build(root)?;
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let site = root.join("book");
    let runtime = tokio::runtime::Runtime::new().context("starting the server's runtime")?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(address))
        .with_context(|| {
            format!("binding {address}: is another server using port {port}? pass --port N")
        })?;
    let _watcher = if watch {
        Some(rebuild_on_change(root)?)
    } else {
        None
    };
    println!("serving the book on http://{address}/ (ctrl-c stops)");
    runtime.block_on(async move {
        let app = axum::Router::new().fallback_service(ServeDir::new(site));
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("serving the book")
    })
}

/// Starts a watcher whose events rebuild the book on a thread of its own; the
/// watcher stops when the returned value is dropped.
fn rebuild_on_change(root: &Path) -> Result<notify::RecommendedWatcher> {
    let (changes, changed) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|event| !event.kind.is_access()) {
            let _ = changes.send(());
        }
    })
    .context("starting the file watcher")?;
    for name in WATCHED {
        let path = root.join(name);
        watcher
            .watch(&path, RecursiveMode::Recursive)
            .with_context(|| format!("watching {}", path.display()))?;
    }
    let root: PathBuf = root.to_path_buf();
    std::thread::spawn(move || {
        while changed.recv().is_ok() {
            // Editors save in bursts (temp file, rename, metadata): one rebuild per burst.
            while changed.recv_timeout(Duration::from_millis(300)).is_ok() {}
            match crate::book::build(&root) {
                Ok(()) => println!("rebuilt the book"),
                Err(error) => eprintln!("error: {error:#}\n(still serving the last good build)"),
            }
        }
    });
    Ok(watcher)
}
