//! The per-request path: the bundle being served, core's decision (`RuntimeKind::Edge`, so
//! Kubernetes-pinned routes get core's redirect or 421), then an answer, a redirect or a
//! forward, and one JSON access-log line on stderr (Spin collects component stderr).

use std::time::Instant;

use http::header::{CONTENT_TYPE, HOST};
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use waygate_core::bundle::ObjectRef;
use waygate_core::router::{Decision, RequestContext, Respond, Router, RuntimeKind};

use crate::bundles;

/// Port assumed when nothing else names one: Spin's public listeners take HTTPS on 443.
const EDGE_PORT: u16 = 443;

/// A plain-text answer the gateway gives on its own behalf.
pub fn text(status: StatusCode, body: impl Into<String>) -> Response<Vec<u8>> {
    let mut res = Response::new(body.into().into_bytes());
    *res.status_mut() = status;
    res.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

/// A direct response from core, rendered by core.
pub fn respond(r: &Respond<'_>) -> Response<Vec<u8>> {
    r.to_response()
}

/// The listener port to route as: the configured one; else the port in the client's Host
/// when a listener uses it; else the only listener port; else 443 when used; else the lowest.
pub fn listener_port(
    router: &Router,
    gateway: Option<&ObjectRef>,
    configured: Option<u16>,
    headers: &HeaderMap,
) -> u16 {
    if let Some(port) = configured {
        return port;
    }
    let ports = router.ports(gateway);
    let in_host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.rsplit_once(':'))
        .and_then(|(_, p)| p.parse::<u16>().ok())
        .filter(|p| ports.contains(p));
    match (in_host, ports.as_slice()) {
        (Some(p), _) => p,
        (None, [only]) => *only,
        (None, _) if ports.contains(&EDGE_PORT) => EDGE_PORT,
        (None, _) => ports.first().copied().unwrap_or(EDGE_PORT),
    }
}

/// A uniform random draw from `wasi:random` (core takes draws as arguments).
pub fn draw() -> u32 {
    // The high half of a 64-bit draw; truncation is the point.
    #[allow(clippy::cast_possible_truncation)]
    let d = (wasi::random::random::get_random_u64() >> 32) as u32;
    d
}

/// Answers one request. Never fails: every problem is an HTTP answer.
pub async fn handle(req: http::Request<Vec<u8>>) -> Response<Vec<u8>> {
    let start = Instant::now();
    let (mut parts, body) = req.into_parts();
    // Hosts that put the authority only in the request target still route by it.
    if !parts.headers.contains_key(HOST)
        && let Some(v) = parts
            .uri
            .authority()
            .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
    {
        parts.headers.insert(HOST, v);
    }
    let (router, settings) = match bundles::router().await {
        Ok(r) => r,
        Err(why) => {
            let res = text(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("waygate: no verified bundle is loaded: {}\n", why.0),
            );
            log(&parts, "", res.status(), start, "none");
            return res;
        }
    };
    let gateway = settings.gateway.clone();
    let ctx = RequestContext {
        port: listener_port(&router, gateway.as_ref(), settings.port, &parts.headers),
        gateway,
        runtime: RuntimeKind::Edge,
    };
    let decision = router.decide(&ctx, &parts);
    let route = decision
        .matched()
        .map(|m| m.route_ref().to_string())
        .unwrap_or_default();
    let res = match decision {
        Decision::Respond(r) => respond(&r),
        Decision::Redirect(r) => r.to_response(),
        Decision::Forward(plan) => crate::forward::forward(&plan, &parts, &body, &route),
    };
    log(
        &parts,
        &route,
        res.status(),
        start,
        &router.digest().to_string(),
    );
    res
}

fn log(
    parts: &http::request::Parts,
    route: &str,
    status: StatusCode,
    start: Instant,
    bundle: &str,
) {
    eprintln!(
        "{}",
        serde_json::json!({
            "target": "waygate::access",
            "method": parts.method.as_str(),
            "host": parts.headers.get(HOST).and_then(|h| h.to_str().ok()).unwrap_or(""),
            "path": parts.uri.path(),
            "route": route,
            "status": status.as_u16(),
            "duration_ms": start.elapsed().as_secs_f64() * 1000.0,
            "bundle": bundle,
        })
    );
}
