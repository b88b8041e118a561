//! Carrying out a forward decision with outbound wasi:http: pick a backend with a draw,
//! build the upstream request with core's header edits, send it bounded by the rule's
//! request and per-attempt timeouts with its retries, start mirrors, apply core's response
//! edits.
//!
//! Platform limit, answered rather than ignored: wasi:http derives `Host` from the address
//! the host connects to. The client's Host travels in `x-forwarded-host`; a URLRewrite
//! hostname that differs from the backend's address cannot be sent, and such a request gets
//! a 502 that says so.

use std::time::Duration;

use http::header::HOST;
use http::request::Parts;
use http::{HeaderValue, Response, StatusCode, Uri};
use waygate_core::bundle::Backend;
use waygate_core::hop_by_hop::strip_hop_by_hop;
use waygate_core::router::{ForwardPlan, PickedBackend, pick_address};

use crate::gateway::{draw, respond, text};
use crate::outbound::{self, Deadline, OutboundError, Pending};

/// How long the response waits, after the primary exchange, for mirrors still in flight: the
/// instance ends with the response and takes unfinished requests with it.
const MIRROR_GRACE: Duration = Duration::from_millis(200);

fn host_part(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority
            .split_once(']')
            .map_or(authority, |(h, _)| &h[1..]);
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

/// Why a backend request could not be built.
enum Build {
    Invalid(String),
    /// The Host core chose cannot be sent to this address (see the module docs).
    HostUnsupported {
        wanted: String,
        address: String,
    },
}

fn outgoing(
    backend: &Backend,
    plan: &ForwardPlan<'_>,
    head: &Parts,
    client_host: &str,
    body: &[u8],
) -> Result<http::Request<Vec<u8>>, Build> {
    let addr = pick_address(backend, draw())
        .ok_or_else(|| Build::Invalid("backend has no address".into()))?;
    let wanted = plan.authority();
    if !wanted.is_empty()
        && !host_part(wanted).eq_ignore_ascii_case(host_part(client_host))
        && !host_part(wanted).eq_ignore_ascii_case(host_part(&addr))
    {
        return Err(Build::HostUnsupported {
            wanted: wanted.to_owned(),
            address: addr.into_owned(),
        });
    }
    let uri: Uri = format!(
        "{}://{addr}{}",
        backend.target.scheme(),
        plan.path_and_query()
    )
    .parse()
    .map_err(|e: http::uri::InvalidUri| Build::Invalid(e.to_string()))?;
    let mut request = http::Request::new(body.to_vec());
    *request.method_mut() = head.method.clone();
    *request.uri_mut() = uri;
    request.headers_mut().clone_from(&head.headers);
    if !client_host.is_empty()
        && let Ok(v) = HeaderValue::from_str(client_host)
    {
        request.headers_mut().insert("x-forwarded-host", v);
    }
    Ok(request)
}

fn start_mirrors(
    plan: &ForwardPlan<'_>,
    picked: &PickedBackend<'_>,
    head: &Parts,
    client_host: &str,
    body: &[u8],
) -> Vec<Pending> {
    let count = plan.mirror_count().max(picked.filters().len());
    if count == 0 {
        return Vec::new();
    }
    let draws: Vec<u32> = (0..count).map(|_| draw()).collect();
    plan.mirrors(&draws)
        .chain(picked.mirrors(&draws))
        .filter_map(|b| outgoing(b, plan, head, client_host, body).ok())
        .filter_map(|r| outbound::start(&r, Some(Deadline::after(MIRROR_GRACE * 10))).ok())
        .collect()
}

/// Attempts with retries, all within `overall`.
fn exchange(
    plan: &ForwardPlan<'_>,
    backend: &Backend,
    head: &Parts,
    client_host: &str,
    body: &[u8],
    overall: Option<Deadline>,
    route: &str,
) -> Result<Response<Vec<u8>>, Result<OutboundError, Build>> {
    let per_attempt = plan.backend_request_timeout_ms().map(Duration::from_millis);
    let policy = plan.retry();
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let request = outgoing(backend, plan, head, client_host, body).map_err(Err)?;
        let deadline = match (per_attempt.map(Deadline::after), overall) {
            (Some(a), Some(o)) => Some(a.min(o)),
            (a, o) => a.or(o),
        };
        let result = outbound::send(&request, deadline);
        let status = match &result {
            Ok(res) => Some(res.status().as_u16()),
            Err(e) => {
                eprintln!(
                    "{}",
                    serde_json::json!({"level": "warn", "msg": "upstream attempt failed", "route": route, "attempt": attempt, "error": e.to_string()})
                );
                None
            }
        };
        match policy
            .as_ref()
            .and_then(|p| p.should_retry(attempt, status))
        {
            Some(wait_ms) => {
                let wait = Duration::from_millis(wait_ms);
                if overall.is_some_and(|o| o.remaining() <= wait) {
                    return Err(Ok(OutboundError::Timeout));
                }
                if wait_ms > 0 {
                    outbound::sleep(wait);
                }
            }
            None => return result.map_err(Ok),
        }
    }
}

pub fn forward(
    plan: &ForwardPlan<'_>,
    parts: &Parts,
    body: &[u8],
    route: &str,
) -> Response<Vec<u8>> {
    let picked = match plan.pick(draw()) {
        Ok(p) => p,
        Err(r) => return respond(&r),
    };
    let client_host = parts
        .headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let mut head = parts.clone();
    strip_hop_by_hop(&mut head.headers, false);
    plan.apply_request(&mut head.headers);
    picked.apply_request(&mut head.headers);

    let mirrors = start_mirrors(plan, &picked, &head, &client_host, body);
    let overall = plan
        .request_timeout_ms()
        .map(|ms| Deadline::after(Duration::from_millis(ms)));
    let result = exchange(
        plan,
        picked.backend,
        &head,
        &client_host,
        body,
        overall,
        route,
    );
    let grace = Deadline::after(MIRROR_GRACE);
    for m in &mirrors {
        if !m.wait_until(grace) {
            eprintln!(
                "{}",
                serde_json::json!({"level": "debug", "msg": "mirror still in flight when the response was sent"})
            );
        }
    }
    match result {
        Ok(res) => {
            let (mut rp, rb) = res.into_parts();
            strip_hop_by_hop(&mut rp.headers, false);
            plan.apply_response(&mut rp.headers);
            picked.apply_response(&mut rp.headers);
            Response::from_parts(rp, rb)
        }
        Err(Ok(OutboundError::Timeout)) => {
            text(StatusCode::GATEWAY_TIMEOUT, "upstream timed out\n")
        }
        Err(Ok(OutboundError::Unreachable(_))) => {
            text(StatusCode::BAD_GATEWAY, "upstream unavailable\n")
        }
        Err(Ok(OutboundError::Invalid(e)) | Err(Build::Invalid(e))) => text(
            StatusCode::BAD_GATEWAY,
            format!("upstream request could not be built: {e}\n"),
        ),
        Err(Err(Build::HostUnsupported { wanted, address })) => text(
            StatusCode::BAD_GATEWAY,
            format!(
                "waygate: this route rewrites Host to {wanted:?}, which the Spin runtime cannot send: wasi:http sets Host from the backend address {address:?}; use a backend whose address is that host, or serve the route from Kubernetes\n"
            ),
        ),
    }
}
