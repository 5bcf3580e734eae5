//! A TAXII 2.1 client for federation (cargo feature `client`): the three calls a sync needs,
//! discovery-free (a peer is configured by its API root URL).
//!
//! - [`Client::get_objects`]: one page of a collection's objects (`added_after`, `next`, `limit`,
//!   `match[version]=all`), with the `X-TAXII-Date-Added-Last` header as the resume point;
//! - [`Client::add_objects`]: POST an envelope, answering the status resource;
//! - [`Client::status`]: read a status resource again (the caller polls, with its own clock).
//!
//! The only module of this crate that does I/O; it uses reqwest, and so tokio underneath, but
//! never names a runtime itself: waiting and retrying belong to the caller (`selat-core`'s
//! federation engine). Every response body is read up to [`MAX_RESPONSE_BYTES`].

use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};

use crate::media::TAXII_MEDIA_TYPE;
use crate::resources::{ApiRoot, Envelope, Status};
use crate::timestamp::{format_timestamp, parse_timestamp};

/// Largest response body read from a peer; a larger one is [`ClientError::TooLarge`].
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024 * 1024;
/// Characters of an error body kept in [`ClientError::Http`].
pub const MAX_ERROR_BODY_CHARS: usize = 300;
/// The header that says where a page of objects ends (§3.4.2).
pub const DATE_ADDED_LAST: &str = "X-TAXII-Date-Added-Last";

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The URL or token cannot be used (e.g. a token with characters a header cannot carry).
    #[error("{0}")]
    Config(String),
    /// No answer: connection refused, reset, DNS, TLS, or the timeout passed. Retry later.
    #[error("{0}")]
    Transport(String),
    /// The peer answered with an error status; `body` starts its answer (a TAXII error message).
    #[error("HTTP {status}: {body}")]
    Http { status: u16, body: String },
    /// The body is not what TAXII says it is.
    #[error("unreadable answer: {0}")]
    Body(String),
    /// The body is larger than [`MAX_RESPONSE_BYTES`].
    #[error("answer larger than {max} bytes (MAX_RESPONSE_BYTES)")]
    TooLarge { max: usize },
}

impl ClientError {
    /// Whether trying again later may succeed (the peer or the network failed), as opposed to a
    /// refusal that will not change by itself (401, 403, 404, a malformed answer).
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Transport(_) => true,
            ClientError::Http { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            ClientError::Config(_) | ClientError::Body(_) | ClientError::TooLarge { .. } => false,
        }
    }
}

/// What to ask of a collection's objects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectsRequest {
    /// Only objects added after this instant (microseconds).
    pub added_after_us: Option<i64>,
    /// The `next` of the previous page.
    pub next: Option<String>,
    /// At most this many objects (the peer may send fewer).
    pub limit: usize,
}

/// A page of objects as the peer sent it.
#[derive(Debug, Clone)]
pub struct ObjectsPage {
    pub envelope: Envelope,
    /// `X-TAXII-Date-Added-Last`, when the peer sent it (every object of the page was added at or
    /// before it).
    pub date_added_last_us: Option<i64>,
}

/// A client of one peer's API root.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    /// The API root URL, ending with `/`.
    api_root: String,
    authorization: HeaderValue,
}

/// How the client authenticates.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials<'a> {
    /// `Authorization: Bearer TOKEN` (Selat's API tokens).
    Bearer(&'a str),
    /// HTTP Basic (servers that know only passwords, such as medallion).
    Basic { username: &'a str, password: &'a str },
}

/// A reqwest client builder whose TLS is rustls with the *ring* provider (installed as the
/// process default on first use) verifying servers against the platform's roots. Every HTTP
/// client Selat makes starts here.
pub fn http_client() -> reqwest::ClientBuilder {
    static PROVIDER: std::sync::Once = std::sync::Once::new();
    PROVIDER.call_once(|| {
        // Another part of the process may have installed one first; either serves.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder()
}

impl Client {
    /// A client of `api_root` (a slash is added if missing) sending `credentials` with every
    /// request; every call gives up after `timeout`.
    pub fn new(api_root: &str, credentials: Credentials<'_>, timeout: Duration) -> Result<Self, ClientError> {
        Self::with_ca(api_root, credentials, timeout, None)
    }

    /// [`Client::new`], trusting also the CA certificates in `ca_pem` (PEM), for a peer whose
    /// certificate a private CA signed.
    pub fn with_ca(
        api_root: &str,
        credentials: Credentials<'_>,
        timeout: Duration,
        ca_pem: Option<&[u8]>,
    ) -> Result<Self, ClientError> {
        use base64::Engine as _;
        let value = match credentials {
            Credentials::Bearer(token) => format!("Bearer {token}"),
            Credentials::Basic { username, password } => {
                let pair = format!("{username}:{password}");
                format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
            }
        };
        let mut authorization = HeaderValue::from_str(&value).map_err(|_| {
            ClientError::Config("the credentials hold characters an HTTP header cannot carry".into())
        })?;
        authorization.set_sensitive(true);
        let mut builder = http_client().timeout(timeout).connect_timeout(timeout);
        if let Some(pem) = ca_pem {
            let roots = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| ClientError::Config(format!("the CA certificates: {e}")))?;
            if roots.is_empty() {
                return Err(ClientError::Config("the CA file holds no PEM certificate".into()));
            }
            builder = builder.tls_certs_merge(roots);
        }
        let http =
            builder.build().map_err(|e| ClientError::Config(format!("building the HTTP client: {e}")))?;
        let mut api_root = api_root.to_owned();
        if !api_root.ends_with('/') {
            api_root.push('/');
        }
        Ok(Self { http, api_root, authorization })
    }

    /// The API root this client talks to.
    pub fn api_root(&self) -> &str {
        &self.api_root
    }

    /// The URL of a collection's objects, with the request's parameters.
    pub fn objects_url(&self, collection: &str, request: &ObjectsRequest) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(after) = request.added_after_us {
            query.append_pair("added_after", &format_timestamp(after));
        }
        if let Some(next) = &request.next {
            query.append_pair("next", next);
        }
        query.append_pair("limit", &request.limit.max(1).to_string());
        query.append_pair("match[version]", "all");
        format!("{}collections/{collection}/objects/?{}", self.api_root, query.finish())
    }

    /// The API root resource (TAXII Get API Root Information): its `max_content_length` bounds
    /// what a push may send in one request.
    pub async fn api_root_information(&self) -> Result<ApiRoot, ClientError> {
        let response = self.send(self.http.get(&self.api_root)).await?;
        let body = read_body(response).await?;
        serde_json::from_slice(&body).map_err(|e| ClientError::Body(format!("API root: {e}")))
    }

    /// One page of objects (TAXII Get Objects, every version).
    pub async fn get_objects(
        &self,
        collection: &str,
        request: &ObjectsRequest,
    ) -> Result<ObjectsPage, ClientError> {
        let url = self.objects_url(collection, request);
        let response = self.send(self.http.get(url)).await?;
        let date_added_last_us = response
            .headers()
            .get(DATE_ADDED_LAST)
            .and_then(|v| v.to_str().ok())
            .and_then(|text| parse_timestamp(text).ok());
        let body = read_body(response).await?;
        let envelope: Envelope = if body.is_empty() {
            Envelope::default()
        } else {
            serde_json::from_slice(&body).map_err(|e| ClientError::Body(format!("envelope: {e}")))?
        };
        Ok(ObjectsPage { envelope, date_added_last_us })
    }

    /// Posts an envelope's JSON text (TAXII Add Objects); answers the status resource, usually
    /// `pending` (poll it with [`Client::status`]).
    pub async fn add_objects(&self, collection: &str, envelope_json: String) -> Result<Status, ClientError> {
        let url = format!("{}collections/{collection}/objects/", self.api_root);
        let request = self.http.post(url).header(CONTENT_TYPE, TAXII_MEDIA_TYPE).body(envelope_json);
        let response = self.send(request).await?;
        status_from(&read_body(response).await?)
    }

    /// A status resource.
    pub async fn status(&self, id: &str) -> Result<Status, ClientError> {
        let url = format!("{}status/{id}/", self.api_root);
        let response = self.send(self.http.get(url)).await?;
        status_from(&read_body(response).await?)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response, ClientError> {
        let response = request
            .header(ACCEPT, TAXII_MEDIA_TYPE)
            .header(AUTHORIZATION, self.authorization.clone())
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = read_body(response).await.unwrap_or_default();
        let text: String = String::from_utf8_lossy(&body).chars().take(MAX_ERROR_BODY_CHARS).collect();
        Err(ClientError::Http { status: status.as_u16(), body: text })
    }
}

fn status_from(body: &[u8]) -> Result<Status, ClientError> {
    serde_json::from_slice(body).map_err(|e| ClientError::Body(format!("status resource: {e}")))
}

fn transport(e: reqwest::Error) -> ClientError {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    // The source chain says why (refused, reset, …); the URL is the caller's to add.
    let mut cause = String::new();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    ClientError::Transport(if cause.is_empty() { what.to_owned() } else { format!("{what}: {cause}") })
}

async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, ClientError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(ClientError::TooLarge { max: MAX_RESPONSE_BYTES });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_url_carries_the_cursor_and_all_versions() {
        let client =
            Client::new("http://127.0.0.1:1/taxii2/selat", Credentials::Bearer("t"), Duration::from_secs(1))
                .unwrap();
        let request = ObjectsRequest { added_after_us: Some(0), next: Some("a b".into()), limit: 0 };
        assert_eq!(
            client.objects_url("c1", &request),
            "http://127.0.0.1:1/taxii2/selat/collections/c1/objects/?added_after=1970-01-01T00%3A00%3A00.000000Z&next=a+b&limit=1&match%5Bversion%5D=all"
        );
    }

    /// An https peer gets a TLS client; a CA file that holds no certificate is a clear error.
    #[test]
    fn https_peers_get_tls_and_bad_ca_files_are_named() {
        let root = "https://hub.example/taxii2/selat/";
        assert!(Client::new(root, Credentials::Bearer("t"), Duration::from_secs(1)).is_ok());
        let bad = Client::with_ca(root, Credentials::Bearer("t"), Duration::from_secs(1), Some(b"not pem"))
            .unwrap_err();
        assert!(bad.to_string().contains("CA"), "{bad}");
    }

    #[test]
    fn transient_errors_are_server_side_or_network() {
        assert!(ClientError::Transport("x".into()).is_transient());
        assert!(ClientError::Http { status: 503, body: String::new() }.is_transient());
        assert!(!ClientError::Http { status: 401, body: String::new() }.is_transient());
        assert!(!ClientError::Body("x".into()).is_transient());
    }
}
