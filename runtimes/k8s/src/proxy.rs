//! The per-request service: ask core for a decision on the bundle being served, then carry
//! it out — answer, redirect, or forward (streaming, with WebSocket upgrades spliced).
//! Metrics and one access-log line per request.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::header::CONTENT_TYPE;
use http::uri::Authority;
use http::{HeaderValue, Request, Response, StatusCode};
use hyper::body::Incoming;
use waygate_core::bundle::Protocol;
use waygate_core::router::{Decision, ForwardPlan, RequestContext, Respond, RuntimeKind};

use crate::body::{self, Body};
use crate::state::{Active, Shared};
use crate::upstream::{self, Failure, Head, OutBody};
use crate::workers::Local;
use crate::{mirror, websocket};

/// Where a connection arrived.
#[derive(Debug, Clone)]
pub(crate) struct ConnInfo {
    /// The bundle listener port (not necessarily the socket's port in tests).
    pub(crate) port: u16,
    pub(crate) peer: SocketAddr,
    /// The TLS server name the client sent, on terminated TLS connections.
    pub(crate) sni: Option<String>,
    /// The upstream clients and metrics of the thread serving this connection.
    pub(crate) local: Local,
    /// The peer's IP as an `x-forwarded-for` value, rendered once per connection.
    peer_ip: Option<HeaderValue>,
}

impl ConnInfo {
    pub(crate) fn new(port: u16, peer: SocketAddr, sni: Option<String>, local: Local) -> Self {
        Self {
            port,
            peer,
            sni,
            local,
            peer_ip: HeaderValue::try_from(peer.ip().to_string()).ok(),
        }
    }
}

fn status_response(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut res = Response::new(body::full(text));
    *res.status_mut() = status;
    res.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

fn respond(r: &Respond<'_>) -> Response<Body> {
    r.to_response::<bytes::Bytes>().map(body::full)
}

/// Whether a request on a terminated TLS connection names a Host that selects a different
/// listener than its SNI did: the spec's 421 Misdirected Request.
fn misdirected(active: &Active, ctx: &RequestContext, conn: &ConnInfo, d: &Decision<'_>) -> bool {
    let (Some(sni), Some(matched)) = (conn.sni.as_deref(), d.matched()) else {
        return false;
    };
    let by_sni = active
        .router
        .listener_for_sni(ctx, Protocol::Https, sni)
        .map(|(id, _)| id);
    by_sni != active.router.listener_id(matched.listener)
}

/// The hyper service entry point.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    conn: Arc<ConnInfo>,
    mut req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let start = Instant::now();
    let Some(active) = shared.active.load_full() else {
        return Ok(status_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "no verified bundle loaded yet",
        ));
    };
    let on_upgrade = websocket::is_upgrade(req.headers()).then(|| hyper::upgrade::on(&mut req));
    let (mut parts, body) = req.into_parts();
    let ctx = RequestContext {
        gateway: shared.config.gateway.clone(),
        port: conn.port,
        runtime: RuntimeKind::Kubernetes,
    };
    let decision = active.router.decide(&ctx, &parts);
    let route = active.route_label(decision.matched().map(|m| m.route_index));
    let (res, upstream) = if misdirected(&active, &ctx, &conn, &decision) {
        let text = "the Host header selects another listener than the TLS server name";
        (status_response(StatusCode::MISDIRECTED_REQUEST, text), None)
    } else {
        match decision {
            Decision::Respond(r) => (respond(&r), None),
            Decision::Redirect(r) => (r.to_response::<bytes::Bytes>().map(body::full), None),
            Decision::Forward(plan) => {
                // The upstream head is built from these; the access log needs only the
                // method, URI and version.
                let headers = std::mem::take(&mut parts.headers);
                let req = Downstream {
                    method: &parts.method,
                    headers,
                    body,
                    on_upgrade,
                };
                forward(&shared, &active, &plan, &route, &conn, req).await
            }
        }
    };
    let status = res.status().as_u16();
    let elapsed = start.elapsed();
    conn.local.route_metrics.request(&route, status, elapsed);
    tracing::info!(
        target: "access",
        method = %parts.method,
        uri = %parts.uri,
        version = ?parts.version,
        status,
        route = %route,
        upstream = %upstream.as_ref().map_or("-", Authority::as_str),
        peer = %conn.peer,
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        generation = active.router.generation(),
    );
    Ok(res)
}

/// What `forward` takes of the client's request.
struct Downstream<'a> {
    method: &'a http::Method,
    headers: http::HeaderMap,
    body: Incoming,
    on_upgrade: Option<hyper::upgrade::OnUpgrade>,
}

async fn forward(
    shared: &Shared,
    active: &Arc<Active>,
    plan: &ForwardPlan<'_>,
    route: &Arc<str>,
    conn: &ConnInfo,
    req: Downstream<'_>,
) -> (Response<Body>, Option<Authority>) {
    let Downstream {
        method,
        mut headers,
        body,
        on_upgrade,
    } = req;
    let picked = match plan.pick(fastrand::u32(..)) {
        Ok(p) => p,
        Err(r) => return (respond(&r), None),
    };
    let http2 = upstream::wants_http2(&picked, &headers);
    // Body framing follows what the client declared, whatever filters do to the head.
    let content_length = upstream::content_length(&headers);
    let upgrade = on_upgrade.is_some() && !http2;
    if !upgrade {
        waygate_core::hop_by_hop::strip_hop_by_hop(&mut headers, http2);
    }
    plan.apply_request(&mut headers);
    picked.apply_request(&mut headers);
    add_forwarded(&mut headers, conn, plan.downstream_scheme());
    let head = Head {
        method: method.clone(),
        headers,
        http2,
    };
    let on_error = |f: &Failure| {
        conn.local.route_metrics.upstream_error(route);
        tracing::warn!(route = %route, error = f.describe(), "upstream attempt failed");
    };

    if let (true, Some(on_upgrade)) = (upgrade, on_upgrade) {
        return websocket::proxy(
            shared, active, conn, plan, &picked, head, on_upgrade, on_error,
        )
        .await;
    }

    let Ok(body) = OutBody::prepare(
        body,
        content_length,
        plan.retry().is_some_and(|p| p.attempts > 0),
        shared.config.retry_buffer_limit,
    )
    .await
    else {
        return (
            status_response(StatusCode::BAD_REQUEST, "request body failed"),
            None,
        );
    };
    mirror::fire(
        shared,
        &conn.local.clients,
        plan,
        &picked,
        &head,
        body.buffered(),
    );

    let exchange = upstream::exchange(
        &conn.local.clients,
        shared.config.upstream_override.as_deref(),
        plan,
        &picked,
        head,
        body,
        on_error,
    );
    let result = match plan.request_timeout_ms().map(Duration::from_millis) {
        Some(t) => tokio::time::timeout(t, exchange)
            .await
            .unwrap_or(Err(Failure::Timeout)),
        None => exchange.await,
    };
    match result {
        Ok((res, addr)) => {
            let (mut rp, rb) = res.into_parts();
            waygate_core::hop_by_hop::strip_hop_by_hop(&mut rp.headers, false);
            plan.apply_response(&mut rp.headers);
            picked.apply_response(&mut rp.headers);
            (Response::from_parts(rp, body::stream(rb)), addr)
        }
        Err(f) => {
            if matches!(f, Failure::Timeout) {
                on_error(&f);
            }
            let failed = plan.upstream_failed(matches!(f, Failure::Timeout));
            (respond(&failed), None)
        }
    }
}

/// `x-forwarded-for` / `x-forwarded-proto`, so upstreams see the client.
fn add_forwarded(headers: &mut http::HeaderMap, conn: &ConnInfo, scheme: &'static str) {
    if let Some(ip) = &conn.peer_ip {
        let value = match headers.get("x-forwarded-for").map(HeaderValue::to_str) {
            Some(Ok(prev)) => HeaderValue::try_from(format!("{prev}, {}", conn.peer.ip())).ok(),
            // An unreadable incoming value is replaced, not extended.
            Some(Err(_)) | None => Some(ip.clone()),
        };
        if let Some(v) = value {
            headers.insert("x-forwarded-for", v);
        }
    }
    headers.insert("x-forwarded-proto", HeaderValue::from_static(scheme));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> ConnInfo {
        let tls = upstream::tls_config(None).unwrap();
        let peer: SocketAddr = "10.1.2.3:4567".parse().unwrap();
        ConnInfo::new(
            80,
            peer,
            None,
            Local::new(
                &tls,
                &crate::metrics::Metrics::default(),
                &Arc::new(crate::endpoint_health::Health::default()),
            ),
        )
    }

    #[test]
    fn forwarded_headers_name_the_client() {
        let conn = conn();
        let mut h = http::HeaderMap::new();
        add_forwarded(&mut h, &conn, "https");
        assert_eq!(h["x-forwarded-for"], "10.1.2.3");
        assert_eq!(h["x-forwarded-proto"], "https");

        let mut h = http::HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_static("192.0.2.1"));
        add_forwarded(&mut h, &conn, "http");
        assert_eq!(h["x-forwarded-for"], "192.0.2.1, 10.1.2.3");

        let mut h = http::HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_bytes(b"\xff").unwrap());
        add_forwarded(&mut h, &conn, "http");
        assert_eq!(h["x-forwarded-for"], "10.1.2.3");
    }
}
