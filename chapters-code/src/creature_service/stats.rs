//! What the service saw: requests and their outcomes, requests in flight,
//! violations of the limit, connections opened and closed.

use std::collections::BTreeMap;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use axum::http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// A copy of the counters at one moment.
///
/// Every request the service receives ends in exactly one outcome: answered
/// with a status (counted in `by_status`) or abandoned (its client went away
/// before the answer was ready). So, once nothing is in flight,
/// `received == served() + abandoned`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Requests that reached the service.
    pub received: u64,
    /// Requests answered, per status code.
    pub by_status: BTreeMap<u16, u64>,
    /// Requests whose handler was dropped before it answered, because the
    /// connection closed (a client timeout) or the service stopped.
    pub abandoned: u64,
    /// Requests admitted and not yet finished.
    pub in_flight: usize,
    /// The most requests admitted at once.
    pub peak_in_flight: usize,
    /// Requests refused with 503 because the limit was reached.
    pub limit_violations: u64,
    /// TCP connections accepted.
    pub connections_opened: u64,
    /// TCP connections the service has closed or seen closed.
    pub connections_closed: u64,
}

impl StatsSnapshot {
    /// Requests answered, whatever the status.
    pub fn served(&self) -> u64 {
        self.by_status.values().sum()
    }

    /// Requests answered with `status`.
    pub fn with_status(&self, status: u16) -> u64 {
        self.by_status.get(&status).copied().unwrap_or(0)
    }
}

/// The live counters of one service instance, shared by its handlers.
///
/// One mutex guards them all, so a snapshot is consistent and admission
/// under the limit is one atomic step. It is never held across an `.await`.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    counters: Arc<Mutex<StatsSnapshot>>,
}

impl Stats {
    fn lock(&self) -> MutexGuard<'_, StatsSnapshot> {
        self.counters.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A copy of the counters now.
    pub fn snapshot(&self) -> StatsSnapshot {
        self.lock().clone()
    }

    /// Counts a request arriving; the returned guard records its outcome.
    pub fn request_received(&self) -> RequestOutcome {
        self.lock().received += 1;
        RequestOutcome {
            stats: self.clone(),
            answered: false,
        }
    }

    // ANCHOR: admit
    /// Admits a request unless `limit` requests are already in flight, in
    /// which case it counts a violation and returns `None`. The slot is
    /// given back when the returned guard drops, answered or not.
    pub fn admit(&self, limit: Option<usize>) -> Option<InFlightSlot> {
        let mut counters = self.lock();
        if limit.is_some_and(|limit| counters.in_flight >= limit) {
            counters.limit_violations += 1;
            return None;
        }
        counters.in_flight += 1;
        counters.peak_in_flight =
            counters.peak_in_flight.max(counters.in_flight);
        Some(InFlightSlot {
            stats: self.clone(),
        })
    }
    // ANCHOR_END: admit
}

/// Records how one request ended: [`answered`](Self::answered), or
/// abandoned when dropped without it.
#[derive(Debug)]
pub struct RequestOutcome {
    stats: Stats,
    answered: bool,
}

impl RequestOutcome {
    /// The request was answered with `status`.
    pub fn answered(mut self, status: StatusCode) {
        self.answered = true;
        let mut counters = self.stats.lock();
        *counters.by_status.entry(status.as_u16()).or_default() += 1;
    }
}

impl Drop for RequestOutcome {
    fn drop(&mut self) {
        if !self.answered {
            self.stats.lock().abandoned += 1;
        }
    }
}

/// One admitted request's place under the in-flight limit.
#[derive(Debug)]
pub struct InFlightSlot {
    stats: Stats,
}

impl Drop for InFlightSlot {
    fn drop(&mut self) {
        self.stats.lock().in_flight -= 1;
    }
}

/// A TCP listener that counts the connections it accepts and, through
/// [`CountedStream`], the ones that close.
#[derive(Debug)]
pub struct CountingListener {
    listener: TcpListener,
    stats: Stats,
}

impl CountingListener {
    /// Counts `listener`'s connections into `stats`.
    pub fn new(listener: TcpListener, stats: Stats) -> Self {
        Self { listener, stats }
    }
}

impl axum::serve::Listener for CountingListener {
    type Io = CountedStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) =
            axum::serve::Listener::accept(&mut self.listener).await;
        self.stats.lock().connections_opened += 1;
        let stream = CountedStream {
            stream,
            stats: self.stats.clone(),
        };
        (stream, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

/// An accepted connection that counts itself closed when the server drops
/// it (hyper does once the connection ends, whichever side ended it).
#[derive(Debug)]
pub struct CountedStream {
    stream: TcpStream,
    stats: Stats,
}

impl Drop for CountedStream {
    fn drop(&mut self) {
        self.stats.lock().connections_closed += 1;
    }
}

impl AsyncRead for CountedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for CountedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}
