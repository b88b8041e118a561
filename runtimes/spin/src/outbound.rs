//! Outbound HTTP over `wasi:http/outgoing-handler` (what Spin's outbound HTTP is), used for
//! forwards, mirrors and store reads. It calls the interface directly rather than through
//! `spin_sdk::http::send` because only the direct call takes `request-options`: the connect,
//! first-byte and between-bytes timeouts that carry HTTPRoute timeouts to the host. The whole
//! exchange is also bounded by a deadline on the monotonic clock.
//!
//! Bodies are buffered both ways (retries resend the request body; see README for streaming).

use std::time::Duration;

use wasi::clocks::monotonic_clock;
use wasi::http::outgoing_handler;
use wasi::http::types::{
    ErrorCode, Fields, FutureIncomingResponse, IncomingResponse, Method, OutgoingBody,
    OutgoingRequest, RequestOptions, Scheme,
};
use wasi::io::poll::{Pollable, poll};
use wasi::io::streams::StreamError;

/// Headers the host refuses on outgoing requests (wasmtime's and Spin's wasi:http): the
/// connection's own, and `host`, which the host derives from the request's authority.
const HOST_SET: [&str; 9] = [
    "host",
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "transfer-encoding",
    "upgrade",
    "http2-settings",
];

/// Largest write the output stream is asked to take at once.
const WRITE_CHUNK: usize = 4096;

#[derive(Debug, Clone, thiserror::Error)]
pub enum OutboundError {
    /// The deadline passed, or the host reported a timeout.
    #[error("timed out")]
    Timeout,
    /// No (complete) response: refused, reset, DNS, TLS, or denied by allowed_outbound_hosts.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The request could not be built.
    #[error("invalid request: {0}")]
    Invalid(String),
}

/// A point on the monotonic clock (nanoseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Deadline(u64);

impl Deadline {
    pub fn after(d: Duration) -> Self {
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        Self(monotonic_clock::now().saturating_add(ns))
    }

    pub fn remaining(self) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(monotonic_clock::now()))
    }

    fn pollable(self) -> Pollable {
        monotonic_clock::subscribe_instant(self.0)
    }
}

/// Sleeps (blocks the instance; it serves one request).
pub fn sleep(d: Duration) {
    let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
    monotonic_clock::subscribe_duration(ns).block();
}

/// A request in flight; [`Pending::wait`] collects its response.
pub struct Pending {
    future: FutureIncomingResponse,
}

fn map_error(e: &ErrorCode) -> OutboundError {
    match e {
        ErrorCode::ConnectionTimeout | ErrorCode::ConnectionReadTimeout => OutboundError::Timeout,
        other => OutboundError::Unreachable(format!("{other:?}")),
    }
}

fn method(m: &http::Method) -> Method {
    match m.as_str() {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        "CONNECT" => Method::Connect,
        "OPTIONS" => Method::Options,
        "TRACE" => Method::Trace,
        "PATCH" => Method::Patch,
        other => Method::Other(other.to_owned()),
    }
}

/// Starts `request` (absolute URI) with timeouts bounded by `deadline`. The host connects to
/// the URI's authority and sends it as `Host`.
pub fn start(
    request: &http::Request<Vec<u8>>,
    deadline: Option<Deadline>,
) -> Result<Pending, OutboundError> {
    let uri = request.uri();
    let authority = uri
        .authority()
        .ok_or_else(|| OutboundError::Invalid(format!("{uri} has no authority")))?;
    let entries: Vec<(String, Vec<u8>)> = request
        .headers()
        .iter()
        .filter(|(k, _)| !HOST_SET.contains(&k.as_str()))
        .map(|(k, v)| (k.as_str().to_owned(), v.as_bytes().to_vec()))
        .collect();
    let fields = Fields::from_list(&entries)
        .map_err(|e| OutboundError::Invalid(format!("headers: {e:?}")))?;
    let out = OutgoingRequest::new(fields);
    let bad = |what: &str| OutboundError::Invalid(format!("the host refused the {what}"));
    out.set_method(&method(request.method()))
        .map_err(|()| bad("method"))?;
    let scheme = match uri.scheme_str() {
        Some("https") => Scheme::Https,
        _ => Scheme::Http,
    };
    out.set_scheme(Some(&scheme)).map_err(|()| bad("scheme"))?;
    out.set_authority(Some(authority.as_str()))
        .map_err(|()| bad("authority"))?;
    let pq = uri
        .path_and_query()
        .map_or("/", http::uri::PathAndQuery::as_str);
    out.set_path_with_query(Some(pq))
        .map_err(|()| bad("path"))?;
    let body = out.body().map_err(|()| bad("body"))?;
    let options = deadline.map(|d| {
        let ns = u64::try_from(d.remaining().as_nanos())
            .unwrap_or(u64::MAX)
            .max(1);
        let o = RequestOptions::new();
        // A host that does not support one of these still gets the monotonic deadline below.
        let _ = o.set_connect_timeout(Some(ns));
        let _ = o.set_first_byte_timeout(Some(ns));
        let _ = o.set_between_bytes_timeout(Some(ns));
        o
    });
    let future = outgoing_handler::handle(out, options).map_err(|e| map_error(&e))?;
    {
        let stream = body.write().map_err(|()| bad("body stream"))?;
        for chunk in request.body().chunks(WRITE_CHUNK) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|e| OutboundError::Unreachable(format!("writing the body: {e:?}")))?;
        }
    }
    OutgoingBody::finish(body, None)
        .map_err(|e| OutboundError::Unreachable(format!("finishing the body: {e:?}")))?;
    Ok(Pending { future })
}

/// Waits for `pollable` or the deadline; `false` when the deadline came first.
fn wait(pollable: &Pollable, deadline: Option<Deadline>) -> bool {
    match deadline {
        None => {
            pollable.block();
            true
        }
        Some(d) => {
            let timer = d.pollable();
            let ready = poll(&[pollable, &timer]);
            ready.contains(&0)
        }
    }
}

impl Pending {
    /// Whether the response head has arrived (for mirrors, which are waited for briefly).
    pub fn wait_until(&self, deadline: Deadline) -> bool {
        wait(&self.future.subscribe(), Some(deadline))
    }

    /// The whole response, or an error once `deadline` passes.
    pub fn wait(
        self,
        deadline: Option<Deadline>,
    ) -> Result<http::Response<Vec<u8>>, OutboundError> {
        if !wait(&self.future.subscribe(), deadline) {
            return Err(OutboundError::Timeout);
        }
        let response = match self.future.get() {
            Some(Ok(Ok(r))) => r,
            Some(Ok(Err(e))) => return Err(map_error(&e)),
            Some(Err(())) | None => {
                return Err(OutboundError::Unreachable("response already taken".into()));
            }
        };
        read(&response, deadline)
    }
}

fn read(
    response: &IncomingResponse,
    deadline: Option<Deadline>,
) -> Result<http::Response<Vec<u8>>, OutboundError> {
    let mut builder = http::Response::builder().status(response.status());
    for (name, value) in response.headers().entries() {
        builder = builder.header(name, value);
    }
    let body = response
        .consume()
        .map_err(|()| OutboundError::Unreachable("response body already taken".into()))?;
    let mut bytes = Vec::new();
    {
        let stream = body
            .stream()
            .map_err(|()| OutboundError::Unreachable("response body stream".into()))?;
        loop {
            if !wait(&stream.subscribe(), deadline) {
                return Err(OutboundError::Timeout);
            }
            match stream.read(64 * 1024) {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(e)) => {
                    return Err(OutboundError::Unreachable(format!(
                        "reading the body: {}",
                        e.to_debug_string()
                    )));
                }
            }
        }
    }
    builder
        .body(bytes)
        .map_err(|e| OutboundError::Unreachable(format!("response head: {e}")))
}

/// One buffered exchange bounded by `deadline`.
pub fn send(
    request: &http::Request<Vec<u8>>,
    deadline: Option<Deadline>,
) -> Result<http::Response<Vec<u8>>, OutboundError> {
    start(request, deadline)?.wait(deadline)
}
