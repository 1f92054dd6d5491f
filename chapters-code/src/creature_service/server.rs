//! The HTTP service: an axum router over the shipped creatures, wrapped in
//! middleware that records outcomes, limits requests in flight and injects
//! latency and faults.

use std::future::IntoFuture;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::config::{Fault, FaultSampler, LatencySampler, ServiceConfig};
use super::dataset::{self, Creature};
use super::stats::{CountingListener, Stats, StatsSnapshot};

/// Creatures per page when the request does not say.
pub const DEFAULT_PER_PAGE: u32 = 20;

/// The most creatures one page may hold; more is a 400.
pub const MAX_PER_PAGE: u32 = 100;

/// The body of a 200 answer to
/// `GET /creatures?page=P&per_page=N` (pages count from 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreaturePage {
    /// This page's creatures, in id order; empty past the last page.
    pub creatures: Vec<Creature>,
    /// The page asked for.
    pub page: u32,
    /// The page size asked for.
    pub per_page: u32,
    /// How many creatures there are in all.
    pub total: usize,
    /// The page after this one, if it holds any creature.
    pub next_page: Option<u32>,
}

/// The body a malformed-body fault sends with status 200: JSON cut short.
pub const MALFORMED_BODY: &str = r#"{"id": 1, "name": "kar"#;

/// Tells a router's hung requests, and its server, to stop.
#[derive(Debug, Clone)]
pub struct StopSignal {
    sender: Arc<watch::Sender<bool>>,
}

impl Default for StopSignal {
    fn default() -> Self {
        Self {
            sender: Arc::new(watch::Sender::new(false)),
        }
    }
}

impl StopSignal {
    /// Stops everything waiting on this signal, now and later.
    pub fn stop(&self) {
        self.sender.send_replace(true);
    }

    /// Completes once [`stop`](Self::stop) has been called.
    pub async fn stopped(&self) {
        let mut receiver = self.sender.subscribe();
        // An error means the sender is gone, which cannot happen while
        // `self` holds it: either way, stopping is the answer.
        let _ = receiver.wait_for(|stopped| *stopped).await;
    }
}

struct App {
    creatures: &'static [Creature],
    max_in_flight: Option<usize>,
    latency: Mutex<LatencySampler>,
    faults: Mutex<FaultSampler>,
    stats: Stats,
    stop: StopSignal,
}

// ANCHOR: router
/// The service's routes and middleware, answering from the shipped
/// dataset and counting into `stats`; hung requests end on `stop`.
///
/// A router is a tower service, so tests may call it without a socket.
pub fn router(
    config: &ServiceConfig,
    stats: Stats,
    stop: StopSignal,
) -> Router {
    let app = Arc::new(App {
        creatures: dataset::shipped(),
        max_in_flight: config.max_in_flight,
        latency: Mutex::new(LatencySampler::new(config.latency.clone())),
        faults: Mutex::new(FaultSampler::new(config.faults.clone())),
        stats,
        stop,
    });
    // The last layer added is the outermost: outcomes are recorded for
    // every request, the limit applies before the latency is waited.
    Router::new()
        .route("/creatures", get(list_creatures))
        .route("/creatures/{name}", get(one_creature))
        .layer(from_fn_with_state(app.clone(), misbehave))
        .layer(from_fn_with_state(app.clone(), limit_in_flight))
        .layer(from_fn_with_state(app.clone(), record_outcome))
        .with_state(app)
}

async fn one_creature(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
) -> Result<Json<Creature>, StatusCode> {
    let found = app.creatures.iter().find(|c| c.name == name);
    found.cloned().map(Json).ok_or(StatusCode::NOT_FOUND)
}
// ANCHOR_END: router

#[derive(Debug, Deserialize)]
struct PageQuery {
    page: Option<u32>,
    per_page: Option<u32>,
}

async fn list_creatures(
    State(app): State<Arc<App>>,
    Query(query): Query<PageQuery>,
) -> Result<Json<CreaturePage>, StatusCode> {
    let page = query.page.unwrap_or(1);
    let per_page = query.per_page.unwrap_or(DEFAULT_PER_PAGE);
    if page == 0 || per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(StatusCode::BAD_REQUEST);
    }
    let size = per_page as usize;
    let start = (page as usize - 1).saturating_mul(size);
    let creatures: Vec<Creature> = app
        .creatures
        .iter()
        .skip(start)
        .take(size)
        .cloned()
        .collect();
    let total = app.creatures.len();
    let next_page = (start.saturating_add(size) < total).then(|| page + 1);
    Ok(Json(CreaturePage {
        creatures,
        page,
        per_page,
        total,
        next_page,
    }))
}

async fn record_outcome(
    State(app): State<Arc<App>>,
    request: Request,
    next: Next,
) -> Response {
    // Dropped unanswered when hyper drops this future: the connection
    // closed (a client timeout) or the service stopped.
    let outcome = app.stats.request_received();
    let response = next.run(request).await;
    outcome.answered(response.status());
    response
}

// ANCHOR: in_flight_limit
async fn limit_in_flight(
    State(app): State<Arc<App>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(_slot) = app.stats.admit(app.max_in_flight) else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    next.run(request).await
}
// ANCHOR_END: in_flight_limit

async fn misbehave(
    State(app): State<Arc<App>>,
    request: Request,
    next: Next,
) -> Response {
    // Both samplers are locked only to draw, never across the sleep.
    let latency = app
        .latency
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .sample();
    let fault = app
        .faults
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .sample();
    tokio::time::sleep(latency).await;
    match fault {
        None => next.run(request).await,
        Some(Fault::Error) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        Some(Fault::Malformed) => {
            let json = [(header::CONTENT_TYPE, "application/json")];
            (json, MALFORMED_BODY).into_response()
        }
        Some(Fault::Hang) => {
            app.stop.stopped().await;
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// A running service on `127.0.0.1` and a port the system chose.
///
/// Dropping it stops the server without waiting; [`shutdown`](Self::shutdown)
/// waits until every connection has closed.
///
/// ```
/// use chapters_code::creature_service::{
///     CreatureClient, CreatureService, ServiceConfig,
/// };
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let service = CreatureService::start(ServiceConfig::default()).await?;
/// let client = CreatureClient::new(service.addr(), Duration::from_secs(5))?;
/// let creature = client.fetch_creature("brasipup").await?;
/// assert_eq!(creature.map(|c| c.id), Some(1));
/// service.shutdown().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct CreatureService {
    addr: SocketAddr,
    stats: Stats,
    stop: StopSignal,
    server: Option<JoinHandle<io::Result<()>>>,
}

impl CreatureService {
    /// Binds `127.0.0.1:0` and serves on the current tokio runtime.
    ///
    /// Fails with [`io::ErrorKind::InvalidInput`] when `config` does not
    /// [validate](ServiceConfig::validate), or with the bind error.
    pub async fn start(config: ServiceConfig) -> io::Result<Self> {
        config.validate().map_err(|error| {
            io::Error::new(io::ErrorKind::InvalidInput, error)
        })?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let stats = Stats::default();
        let stop = StopSignal::default();
        let routes = router(&config, stats.clone(), stop.clone());
        let listener = CountingListener::new(listener, stats.clone());
        let stopped = stop.clone();
        let server = axum::serve(listener, routes)
            .with_graceful_shutdown(async move { stopped.stopped().await })
            .into_future();
        Ok(Self {
            addr,
            stats,
            stop,
            server: Some(tokio::spawn(server)),
        })
    }

    /// The address it listens on: always `127.0.0.1`, never a fixed port.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, for printing and for curl.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What the service has seen so far.
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// The stats once `done` holds for them, checked every millisecond of
    /// tokio's clock for at most `within`; then the last snapshot, for the
    /// caller to judge. For a test waiting on what the service saw (a
    /// request admitted, a connection closed) without sleeping a fixed time.
    pub async fn stats_when(
        &self,
        within: Duration,
        done: impl Fn(&StatsSnapshot) -> bool,
    ) -> StatsSnapshot {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let stats = self.stats();
            if done(&stats) || tokio::time::Instant::now() >= deadline {
                return stats;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// Stops accepting, answers hung requests with 503, lets every
    /// connection finish, and once all are closed returns the final stats.
    pub async fn shutdown(mut self) -> io::Result<StatsSnapshot> {
        self.stop.stop();
        if let Some(server) = self.server.take() {
            server.await.map_err(io::Error::other)??;
        }
        Ok(self.stats.snapshot())
    }
}

impl Drop for CreatureService {
    fn drop(&mut self) {
        self.stop.stop();
    }
}
