//! The reqwest client: every request ends in a value or one [`FetchError`],
//! never a panic.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use super::dataset::Creature;
use super::server::CreaturePage;

// ANCHOR: fetch_error
/// How a request to the creature service failed.
#[derive(Debug)]
pub enum FetchError {
    /// A success status, but the body was not the JSON expected.
    Malformed(serde_json::Error),
    /// 503: the service refused, too many requests in flight.
    Overloaded,
    /// Any other status that is not an answer.
    Status(u16),
    /// The client's deadline passed before the answer was in.
    Timeout,
    /// No connection, or it broke before the answer was in.
    Connection(reqwest::Error),
}

impl FetchError {
    fn from_transport(error: reqwest::Error) -> Self {
        if error.is_timeout() {
            Self::Timeout
        } else {
            Self::Connection(error)
        }
    }
}
// ANCHOR_END: fetch_error

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(error) => write!(f, "malformed body: {error}"),
            Self::Overloaded => f.write_str("service overloaded (503)"),
            Self::Status(status) => write!(f, "unexpected status {status}"),
            Self::Timeout => f.write_str("timed out"),
            Self::Connection(error) => write!(f, "connection failed: {error}"),
        }
    }
}

impl std::error::Error for FetchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Malformed(error) => Some(error),
            Self::Connection(error) => Some(error),
            Self::Overloaded | Self::Status(_) | Self::Timeout => None,
        }
    }
}

impl From<serde_json::Error> for FetchError {
    fn from(error: serde_json::Error) -> Self {
        Self::Malformed(error)
    }
}

/// A client of one creature service, with a deadline for every request.
#[derive(Debug, Clone)]
pub struct CreatureClient {
    http: reqwest::Client,
    base_url: String,
}

impl CreatureClient {
    /// A client of the service at `addr`; each request, body included,
    /// fails with [`FetchError::Timeout`] after `timeout`.
    ///
    /// It never retries (one request sent is one request seen) and never
    /// uses a proxy. Fails only if reqwest cannot build its client.
    pub fn new(addr: SocketAddr, timeout: Duration) -> reqwest::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .no_proxy()
            .retry(reqwest::retry::never())
            .build()?;
        Ok(Self {
            http,
            base_url: format!("http://{addr}"),
        })
    }

    // ANCHOR: fetch_creature
    /// The creature called `name`, or `None` when the service answers 404.
    pub async fn fetch_creature(
        &self,
        name: &str,
    ) -> Result<Option<Creature>, FetchError> {
        let url = format!("{}/creatures/{}", self.base_url, encode(name));
        match self.get_json(&url).await {
            Ok(creature) => Ok(Some(creature)),
            Err(FetchError::Status(404)) => Ok(None),
            Err(error) => Err(error),
        }
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        url: &str,
    ) -> Result<T, FetchError> {
        let response = self.http.get(url).send().await;
        let response = response.map_err(FetchError::from_transport)?;
        match response.status() {
            StatusCode::OK => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                return Err(FetchError::Overloaded);
            }
            status => return Err(FetchError::Status(status.as_u16())),
        }
        let body = response.bytes().await;
        let body = body.map_err(FetchError::from_transport)?;
        Ok(serde_json::from_slice(&body)?)
    }
    // ANCHOR_END: fetch_creature

    /// One page of the list (pages count from 1; at most
    /// [`MAX_PER_PAGE`](super::MAX_PER_PAGE) creatures each).
    pub async fn list_page(
        &self,
        page: u32,
        per_page: u32,
    ) -> Result<CreaturePage, FetchError> {
        let url = format!(
            "{}/creatures?page={page}&per_page={per_page}",
            self.base_url
        );
        self.get_json(&url).await
    }

    /// Every creature, page after page, until a page says there is no next.
    pub async fn list_all(
        &self,
        per_page: u32,
    ) -> Result<Vec<Creature>, FetchError> {
        let mut creatures = Vec::new();
        let mut page = 1;
        loop {
            let listing = self.list_page(page, per_page).await?;
            creatures.extend(listing.creatures);
            // A next page that does not move forward would loop forever.
            match listing.next_page {
                Some(next) if next > page => page = next,
                _ => return Ok(creatures),
            }
        }
    }
}

/// Percent-encodes `segment` for one URL path segment, so that a name with
/// a `/`, a space or a `?` asks for that name and nothing else.
fn encode(segment: &str) -> String {
    let mut encoded = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}
