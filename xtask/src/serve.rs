//! Serves the built site on loopback and rebuilds it when a chapter, the
//! chapter code or the theme changes.
//!
//! The site is served under the path of `book.toml`'s `site-url`, as GitHub
//! Pages serves a project's site (`https://OWNER.github.io/REPOSITORY/`), so
//! that what works here works there: relative links, the 404 page's absolute
//! ones, the decks.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result};
use notify::{RecursiveMode, Watcher};
use tower_http::services::{ServeDir, ServeFile};

/// What a change to which rebuilds the book.
const WATCHED: [&str; 4] = ["src", "chapters-code", "theme", "book.toml"];

/// Builds the book, then serves `book/` on `127.0.0.1:port` until interrupted,
/// rebuilding on every change to the watched sources.
pub fn serve(root: &Path, port: u16, watch: bool) -> Result<()> {
    crate::book::build(root)?;
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let site = crate::book::site_dir(root)?;
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
    let prefix = site_path(root)?;
    println!(
        "serving the book on http://{address}{prefix} from {} (ctrl-c stops)",
        site.display()
    );
    runtime.block_on(async move {
        let app = router(&site, &prefix);
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("serving the book")
    })
}

/// The path part of `book.toml`'s `output.html.site-url`, with a slash at
/// each end (`/async-vs-parallel-rust/`), or `/` when there is none.
pub fn site_path(root: &Path) -> Result<String> {
    let site_url = crate::book::config(root)?
        .html_config()
        .and_then(|html| html.site_url)
        .unwrap_or_default();
    normalise_site_path(&site_url).context("reading book.toml: output.html.site-url")
}

fn normalise_site_path(site_url: &str) -> Result<String> {
    let path = match site_url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |slash| &rest[slash..]),
        None => site_url,
    };
    let trimmed = path.trim_matches('/');
    anyhow::ensure!(
        !trimmed.contains(['?', '#', ' ']),
        "`{site_url}` is not a path like `/REPOSITORY/`: remove the query, fragment or spaces"
    );
    Ok(if trimmed.is_empty() {
        "/".to_owned()
    } else {
        format!("/{trimmed}/")
    })
}

/// The site under `prefix`: a missing file gets the book's 404 page with a 404
/// status (as GitHub Pages answers); `/` and the prefix without its last slash
/// redirect to the prefix, so relative links resolve against it.
fn router(site: &Path, prefix: &str) -> axum::Router {
    use axum::response::{IntoResponse, Redirect};
    use tower::ServiceExt;

    let not_found = ServeFile::new(site.join("404.html"));
    let files = ServeDir::new(site).not_found_service(not_found.clone());
    let prefix = prefix.to_owned();
    axum::Router::new().fallback(move |request: axum::extract::Request| {
        let (files, not_found, prefix) = (files.clone(), not_found.clone(), prefix.clone());
        async move {
            let path = request.uri().path();
            if path != prefix && (path == "/" || path == prefix.trim_end_matches('/')) {
                return Redirect::temporary(&prefix).into_response();
            }
            let inside = path.strip_prefix(prefix.trim_end_matches('/'));
            let Some(rest) = inside.filter(|rest| rest.starts_with('/')) else {
                let mut page = not_found.oneshot(request).await.into_response();
                *page.status_mut() = axum::http::StatusCode::NOT_FOUND;
                return page;
            };
            let mut parts = request.uri().clone().into_parts();
            let query = request
                .uri()
                .query()
                .map(|query| format!("?{query}"))
                .unwrap_or_default();
            parts.path_and_query = format!("{rest}{query}").parse().ok();
            let (mut head, body) = request.into_parts();
            head.uri = axum::http::Uri::from_parts(parts).unwrap_or_default();
            files
                .oneshot(axum::extract::Request::from_parts(head, body))
                .await
                .into_response()
        }
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

#[cfg(test)]
mod tests {
    use super::normalise_site_path;

    #[test]
    fn site_paths_keep_only_the_path_with_a_slash_at_each_end() {
        for (site_url, path) in [
            ("", "/"),
            ("/", "/"),
            ("/async-vs-parallel-rust/", "/async-vs-parallel-rust/"),
            ("/async-vs-parallel-rust", "/async-vs-parallel-rust/"),
            (
                "https://example.github.io/async-vs-parallel-rust/",
                "/async-vs-parallel-rust/",
            ),
            ("https://book.example.org", "/"),
        ] {
            assert_eq!(normalise_site_path(site_url).unwrap(), path, "{site_url}");
        }
        let error = normalise_site_path("/book/?draft").unwrap_err().to_string();
        assert!(error.contains("`/book/?draft` is not a path"), "{error}");
    }
}
