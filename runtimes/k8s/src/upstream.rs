//! Pooled upstream clients and one forwarded exchange: attempts, per-attempt and request
//! timeouts, and retries as core's policy says. The body streams unless the rule
//! retries and the body is small enough to keep for a resend. A request whose connection
//! failed never reached the upstream, so it goes to another address of the backend
//! whatever the retry policy says, as long as its body can be sent again.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::uri::Authority;
use http::{HeaderMap, Request, Response, Uri, Version};
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use waygate_core::bundle::{Backend, BackendTarget};
use waygate_core::router::{ForwardPlan, PickedBackend, address_count};

use crate::body::{self, Body};
use crate::endpoint_health::Health;
use crate::resolver::Resolver;

/// Idle pooled connections are closed after this long; backends commonly close at 60–120 s.
const POOL_IDLE: Duration = Duration::from_secs(90);

/// A data-plane thread's upstream clients with their connection pools: HTTP/1.1 (cleartext,
/// or TLS for `https` backends) and HTTP/2 (prior knowledge in cleartext, ALPN `h2` over
/// TLS). Each worker thread has its own, so a pooled connection is always driven by the
/// thread that uses it. Which addresses answer is known process-wide (`health`).
#[derive(Debug, Clone)]
pub(crate) struct Clients {
    http1: Client<HttpsConnector<HttpConnector<Resolver>>, Body>,
    http2: Client<HttpsConnector<HttpConnector<Resolver>>, Body>,
    health: Arc<Health>,
}

impl Clients {
    pub(crate) fn new(tls: &rustls::ClientConfig, health: Arc<Health>) -> Self {
        let mut tcp = HttpConnector::new_with_resolver(Resolver::new());
        tcp.set_nodelay(true);
        tcp.enforce_http(false);
        tcp.set_connect_timeout(Some(CONNECT_TIMEOUT));
        let http1 = HttpsConnectorBuilder::new()
            .with_tls_config(tls.clone())
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp.clone());
        let http2 = HttpsConnectorBuilder::new()
            .with_tls_config(tls.clone())
            .https_or_http()
            .enable_http2()
            .wrap_connector(tcp);
        Self {
            http1: Client::builder(TokioExecutor::new())
                .pool_idle_timeout(POOL_IDLE)
                .pool_max_idle_per_host(256)
                .build(http1),
            http2: Client::builder(TokioExecutor::new())
                .pool_idle_timeout(POOL_IDLE)
                .http2_only(true)
                .build(http2),
            health,
        }
    }
}

/// Bound on connecting (TCP and TLS), independent of the rule's timeouts.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Most addresses a request tries one after another because connections failed; attempts
/// the rule's retry policy makes come on top.
pub(crate) const MAX_CONNECTS: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum UpstreamTlsError {
    #[error("cannot read the upstream CA bundle {path}: {source}")]
    Read {
        path: PathBuf,
        source: rustls_pki_types::pem::Error,
    },
    #[error("the upstream CA bundle {path} holds no certificate")]
    Empty { path: PathBuf },
    #[error("the upstream CA bundle {path} has a certificate rustls refuses: {source}")]
    Invalid {
        path: PathBuf,
        source: rustls::Error,
    },
    #[error("TLS client setup failed: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The TLS client settings for `https` backends: the Mozilla roots (AI providers and other
/// public endpoints) plus, when given, the PEM certificates in `extra_ca` (a cluster's
/// internal CA).
pub(crate) fn tls_config(
    extra_ca: Option<&Path>,
) -> Result<rustls::ClientConfig, UpstreamTlsError> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject as _;
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = extra_ca {
        let read = |source| UpstreamTlsError::Read {
            path: path.to_owned(),
            source,
        };
        let mut added = 0;
        for cert in CertificateDer::pem_file_iter(path).map_err(read)? {
            roots
                .add(cert.map_err(read)?)
                .map_err(|source| UpstreamTlsError::Invalid {
                    path: path.to_owned(),
                    source,
                })?;
            added += 1;
        }
        if added == 0 {
            return Err(UpstreamTlsError::Empty {
                path: path.to_owned(),
            });
        }
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

/// Whether the picked backend speaks HTTP/2 cleartext: gRPC requests, or an appProtocol of
/// `kubernetes.io/h2c`.
pub(crate) fn wants_http2(picked: &PickedBackend<'_>, headers: &HeaderMap) -> bool {
    let app = match picked.target() {
        BackendTarget::Service(s) => s.app_protocol.as_deref(),
        BackendTarget::Static(s) => s.app_protocol.as_deref(),
        _ => None,
    };
    app == Some("kubernetes.io/h2c")
        || headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/grpc"))
}

/// The index and `host:port` of the address of `backend` to connect to next: one not in
/// `unreachable` (this request's failed connections) nor passed over by `health`; `over`
/// (`Config::upstream_override`) when set.
pub(crate) fn pick_address<'b>(
    health: &Health,
    backend: &'b Backend,
    over: Option<&'b str>,
    unreachable: &[usize],
) -> Option<(usize, Cow<'b, str>)> {
    if let Some(addr) = over {
        return Some((0, Cow::Borrowed(addr)));
    }
    health.choose(backend, unreachable)
}

/// `scheme://addr/path?query` for one attempt at `backend` and the index of its address
/// (see [`pick_address`]): `https` when core says the backend wants TLS; the stand-in
/// upstream under `over` gets cleartext.
pub(crate) fn attempt_uri(
    clients: &Clients,
    backend: &Backend,
    over: Option<&str>,
    path: &str,
    unreachable: &[usize],
) -> Result<(usize, Uri), Failure> {
    let (index, addr) = pick_address(&clients.health, backend, over, unreachable)
        .ok_or_else(|| Failure::Upstream("backend has no address".into()))?;
    let scheme = if over.is_some() {
        "http"
    } else {
        backend.target.scheme()
    };
    let uri = format!("{scheme}://{addr}{path}")
        .parse()
        .map_err(|e: http::uri::InvalidUri| Failure::Upstream(e.to_string()))?;
    Ok((index, uri))
}

/// Whether a request that failed to connect to the addresses in `unreachable` plus one
/// more may try yet another.
pub(crate) fn may_fail_over(backend: &Backend, over: Option<&str>, unreachable: &[usize]) -> bool {
    over.is_none() && unreachable.len() + 1 < address_count(backend).min(MAX_CONNECTS)
}

/// The request body as the exchange holds it.
pub(crate) enum OutBody {
    /// Kept in memory: may be resent by a retry and copied to mirrors.
    Buffered(Bytes),
    /// Streams once.
    Streaming(Incoming),
}

impl OutBody {
    /// Buffers the body when it is empty, or when `retrying` and its declared length is at
    /// most `limit`; otherwise leaves it streaming.
    pub(crate) async fn prepare(
        body: Incoming,
        content_length: Option<usize>,
        retrying: bool,
        limit: usize,
    ) -> Result<Self, hyper::Error> {
        use http_body::Body as _;
        if body.is_end_stream() {
            return Ok(Self::Buffered(Bytes::new()));
        }
        let small = content_length.is_some_and(|n| n <= limit);
        if retrying && small {
            return Ok(Self::Buffered(body.collect().await?.to_bytes()));
        }
        Ok(Self::Streaming(body))
    }

    pub(crate) fn buffered(&self) -> Option<&Bytes> {
        match self {
            Self::Buffered(b) => Some(b),
            Self::Streaming(_) => None,
        }
    }
}

/// The declared `content-length` of a request, when it has a valid one.
pub(crate) fn content_length(headers: &HeaderMap) -> Option<usize> {
    headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// The upstream request head, built once; cloned only for an attempt that may be followed
/// by another (a retry) or a copy (a mirror).
#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub(crate) method: http::Method,
    pub(crate) headers: HeaderMap,
    pub(crate) http2: bool,
}

/// Why an exchange produced no usable upstream response.
#[derive(Debug)]
pub(crate) enum Failure {
    Timeout,
    /// No connection: the request never reached the upstream.
    Connect(String),
    Upstream(String),
}

impl Failure {
    pub(crate) fn describe(&self) -> &str {
        match self {
            Self::Timeout => "timed out",
            Self::Connect(m) | Self::Upstream(m) => m,
        }
    }
}

fn build(head: Head, uri: Uri, body: Body) -> Result<Request<Body>, http::Error> {
    let http2 = head.http2;
    let mut req = Request::builder()
        .method(head.method)
        .uri(uri)
        .version(if http2 {
            Version::HTTP_2
        } else {
            Version::HTTP_11
        })
        .body(body)?;
    *req.headers_mut() = head.headers;
    Ok(req)
}

/// An upstream's response head, and the `host:port` that answered (for the access log).
pub(crate) type Answer = (Response<Incoming>, Option<Authority>);

/// Sends one request and waits for the response head, within `timeout` when set. Tells
/// [`Health`] whether the address took a connection.
pub(crate) async fn send(
    clients: &Clients,
    head: Head,
    uri: Uri,
    body: Body,
    timeout: Option<Duration>,
) -> Result<Answer, Failure> {
    let http2 = head.http2;
    let addr = uri.authority().cloned();
    let req = build(head, uri, body).map_err(|e| Failure::Upstream(e.to_string()))?;
    let fut = if http2 {
        clients.http2.request(req)
    } else {
        clients.http1.request(req)
    };
    let res = match timeout {
        Some(t) => tokio::time::timeout(t, fut)
            .await
            .map_err(|_| Failure::Timeout)?,
        None => fut.await,
    };
    let host_port = addr.as_ref().map_or("", Authority::as_str);
    match res {
        Ok(res) => {
            clients.health.connected(host_port);
            Ok((res, addr))
        }
        Err(e) if e.is_connect() => {
            clients.health.connect_failed(host_port);
            Err(Failure::Connect(format!("{e:?}")))
        }
        Err(e) => Err(Failure::Upstream(format!("{e:?}"))),
    }
}

/// Runs the exchange for a forward plan: picks an address per attempt, retries per the
/// rule's policy when the body allows, fails over to another address when a connection
/// fails, applies the per-attempt timeout. The caller wraps it in the request timeout.
pub(crate) async fn exchange(
    clients: &Clients,
    over: Option<&str>,
    plan: &ForwardPlan<'_>,
    picked: &PickedBackend<'_>,
    head: Head,
    mut body: OutBody,
    on_error: impl Fn(&Failure),
) -> Result<Answer, Failure> {
    let per_attempt = plan.backend_request_timeout_ms().map(Duration::from_millis);
    let policy = plan.retry();
    let mut attempt = 1u32;
    let mut unreachable = Vec::new();
    loop {
        let (index, uri) = attempt_uri(
            clients,
            picked.backend,
            over,
            plan.path_and_query(),
            &unreachable,
        )?;
        let (this_body, resendable) =
            match std::mem::replace(&mut body, OutBody::Buffered(Bytes::new())) {
                OutBody::Buffered(b) => {
                    body = OutBody::Buffered(b.clone());
                    (body::full(b), true)
                }
                OutBody::Streaming(s) => (body::stream(s), false),
            };
        let fail_over = resendable && may_fail_over(picked.backend, over, &unreachable);
        let retry = policy.filter(|p| resendable && attempt <= p.attempts);
        if retry.is_none() && !fail_over {
            // Nothing can follow: the head moves instead of being copied.
            let result = send(clients, head, uri, this_body, per_attempt).await;
            if let Err(e) = &result {
                on_error(e);
            }
            return result;
        }
        let result = send(clients, head.clone(), uri, this_body, per_attempt).await;
        if let Err(e) = &result {
            on_error(e);
        }
        if fail_over && matches!(result, Err(Failure::Connect(_))) {
            unreachable.push(index);
            continue;
        }
        let Some(retry) = retry else {
            return result;
        };
        let status = result.as_ref().ok().map(|(res, _)| res.status().as_u16());
        match retry.should_retry(attempt, status) {
            Some(wait_ms) => {
                if wait_ms > 0 {
                    tokio::time::sleep(Duration::from_millis(wait_ms)).await;
                }
                attempt += 1;
            }
            None => return result,
        }
    }
}
