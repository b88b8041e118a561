//! Pooled upstream clients and one forwarded exchange: attempts, per-attempt and request
//! timeouts (504), and retries as core's policy says. The body streams unless the rule
//! retries and the body is small enough to keep for a resend.

use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, Request, Response, StatusCode, Uri, Version};
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use waygate_core::bundle::BackendTarget;
use waygate_core::router::{ForwardPlan, PickedBackend};

use crate::body::{self, Body};

/// HTTP/1.1 and h2c (prior knowledge) clients with connection pools.
#[derive(Debug, Clone)]
pub(crate) struct Clients {
    pub(crate) http1: Client<HttpConnector, Body>,
    pub(crate) h2c: Client<HttpConnector, Body>,
}

impl Default for Clients {
    fn default() -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.enforce_http(true);
        let http1 = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(256)
            .build(connector.clone());
        let h2c = Client::builder(TokioExecutor::new())
            .http2_only(true)
            .build(connector);
        Self { http1, h2c }
    }
}

/// Whether the picked backend speaks HTTP/2 cleartext: gRPC requests, or an appProtocol of
/// `kubernetes.io/h2c`.
pub(crate) fn wants_h2c(picked: &PickedBackend<'_>, headers: &HeaderMap) -> bool {
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

/// One address of the picked backend, chosen uniformly (EndpointSlice addresses, else the
/// Service's cluster DNS authority).
pub(crate) fn address(picked: &PickedBackend<'_>, over: Option<&str>) -> Option<String> {
    if let Some(addr) = over {
        return Some(addr.to_owned());
    }
    let mut addrs = picked.addresses();
    if addrs.is_empty() {
        return None;
    }
    let i = fastrand::usize(..addrs.len());
    Some(addrs.swap_remove(i))
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
        headers: &HeaderMap,
        retrying: bool,
        limit: usize,
    ) -> Result<Self, hyper::Error> {
        use http_body::Body as _;
        if body.is_end_stream() {
            return Ok(Self::Buffered(Bytes::new()));
        }
        let small = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .is_some_and(|n| n <= limit);
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

/// The upstream request head, built once and cloned per attempt.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub(crate) method: http::Method,
    pub(crate) headers: HeaderMap,
    pub(crate) h2c: bool,
}

/// Why an exchange produced no usable upstream response.
#[derive(Debug)]
pub(crate) enum Failure {
    Timeout,
    Upstream(String),
}

impl Failure {
    pub(crate) fn describe(&self) -> &str {
        match self {
            Self::Timeout => "timed out",
            Self::Upstream(m) => m,
        }
    }

    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::Timeout => StatusCode::GATEWAY_TIMEOUT,
            Self::Upstream(_) => StatusCode::BAD_GATEWAY,
        }
    }
}

fn build(head: &Head, uri: Uri, body: Body) -> Result<Request<Body>, http::Error> {
    let mut req = Request::builder()
        .method(head.method.clone())
        .uri(uri)
        .version(if head.h2c {
            Version::HTTP_2
        } else {
            Version::HTTP_11
        })
        .body(body)?;
    *req.headers_mut() = head.headers.clone();
    Ok(req)
}

/// Sends one request and waits for the response head, within `timeout` when set.
pub(crate) async fn send(
    clients: &Clients,
    head: &Head,
    uri: Uri,
    body: Body,
    timeout: Option<Duration>,
) -> Result<Response<Incoming>, Failure> {
    let req = build(head, uri, body).map_err(|e| Failure::Upstream(e.to_string()))?;
    let client = if head.h2c {
        &clients.h2c
    } else {
        &clients.http1
    };
    let fut = client.request(req);
    let res = match timeout {
        Some(t) => tokio::time::timeout(t, fut)
            .await
            .map_err(|_| Failure::Timeout)?,
        None => fut.await,
    };
    res.map_err(|e| Failure::Upstream(format!("{e:?}")))
}

/// Runs the exchange for a forward plan: picks an address per attempt, retries per the
/// rule's policy when the body allows, applies the per-attempt timeout. The caller wraps
/// it in the request timeout.
pub(crate) async fn exchange(
    clients: &Clients,
    over: Option<&str>,
    plan: &ForwardPlan<'_>,
    picked: &PickedBackend<'_>,
    head: &Head,
    mut body: OutBody,
    on_error: impl Fn(&Failure),
) -> Result<Response<Incoming>, Failure> {
    let per_attempt = plan.backend_request_timeout_ms().map(Duration::from_millis);
    let policy = plan.retry();
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let addr = address(picked, over)
            .ok_or_else(|| Failure::Upstream("backend has no address".into()))?;
        let uri: Uri = format!("http://{addr}{}", plan.path_and_query())
            .parse()
            .map_err(|e: http::uri::InvalidUri| Failure::Upstream(e.to_string()))?;
        let (this_body, resendable) =
            match std::mem::replace(&mut body, OutBody::Buffered(Bytes::new())) {
                OutBody::Buffered(b) => {
                    body = OutBody::Buffered(b.clone());
                    (body::full(b), true)
                }
                OutBody::Streaming(s) => (body::stream(s), false),
            };
        let result = send(clients, head, uri, this_body, per_attempt).await;
        let status = match &result {
            Ok(res) => Some(res.status().as_u16()),
            Err(e) => {
                on_error(e);
                None
            }
        };
        let again = resendable
            .then_some(policy)
            .flatten()
            .and_then(|p| p.should_retry(attempt, status));
        match again {
            Some(wait_ms) => {
                if wait_ms > 0 {
                    tokio::time::sleep(Duration::from_millis(wait_ms)).await;
                }
            }
            None => return result,
        }
    }
}
