//! The per-request path: the isolate's bundle, core's decision, and carrying it out —
//! a direct answer, a redirect, or a forward — then one JSON access-log line.
//!
//! Kubernetes-pinned routes never reach the forward: core answers them with a redirect to
//! the Kubernetes origin (or 421 for upgrades) because the context says `RuntimeKind::Edge`.

use http::header::{CONTENT_TYPE, HOST};
use http::{HeaderMap, HeaderValue, StatusCode};
use waygate_core::bundle::ObjectRef;
use waygate_core::router::{Decision, RequestContext, Respond, Router, RuntimeKind};
use worker::{Context, Env, Request, Response, ResponseBuilder};

use crate::bundles;
use crate::headers;

/// An answer built here: status, headers and a fixed body.
pub(crate) fn answer(status: StatusCode, headers: &HeaderMap, body: Vec<u8>) -> Response {
    let fetch_headers =
        headers::to_fetch(headers).map_or_else(|_| worker::Headers::new(), worker::Headers);
    ResponseBuilder::new()
        .with_status(status.as_u16())
        .with_headers(fetch_headers)
        .fixed(body)
}

/// A plain-text answer the gateway gives on its own behalf.
pub(crate) fn text(status: StatusCode, body: impl Into<String>) -> Response {
    let mut h = HeaderMap::new();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    answer(status, &h, body.into().into_bytes())
}

/// A direct response from core: its status and headers, the reason as the body (or a
/// trailers-only gRPC answer carrying `grpc-status`).
pub(crate) fn respond(r: &Respond<'_>) -> Response {
    let mut h = HeaderMap::new();
    let body = if let Some(code) = r.grpc_status {
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
        h.insert("grpc-status", HeaderValue::from(code));
        h.insert("grpc-message", HeaderValue::from_static(r.reason));
        Vec::new()
    } else {
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        r.reason.as_bytes().to_vec()
    };
    for (name, value) in &r.headers {
        h.insert(name.clone(), value.clone());
    }
    answer(r.status, &h, body)
}

/// The request head as core reads it: origin-form URI (path and query) and the client's
/// `Host` (or the URL's authority when the runtime gives no Host header).
fn head(req: &Request) -> Result<http::request::Parts, String> {
    let url = req.url().map_err(|e| e.to_string())?;
    let mut target = url.path().to_owned();
    if let Some(q) = url.query() {
        target.push('?');
        target.push_str(q);
    }
    let method =
        http::Method::from_bytes(req.inner().method().as_bytes()).map_err(|e| e.to_string())?;
    let (mut parts, ()) = http::Request::builder()
        .method(method)
        .uri(target)
        .body(())
        .map_err(|e| e.to_string())?
        .into_parts();
    parts.headers = headers::to_map(&req.inner().headers());
    if !parts.headers.contains_key(HOST) {
        let authority = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            _ => String::new(),
        };
        if let Ok(v) = HeaderValue::from_str(&authority) {
            parts.headers.insert(HOST, v);
        }
    }
    Ok(parts)
}

/// The listener port to route as: the configured one; else the only listener port; else
/// the URL scheme's port when a listener uses it; else 443 when one does; else the lowest.
fn listener_port(
    router: &Router,
    gateway: Option<&ObjectRef>,
    configured: Option<u16>,
    https: bool,
) -> u16 {
    if let Some(p) = configured {
        return p;
    }
    let ports = router.ports(gateway);
    let scheme_port = if https { 443 } else { 80 };
    match ports.as_slice() {
        [only] => *only,
        _ if ports.contains(&scheme_port) => scheme_port,
        _ if ports.contains(&443) => 443,
        _ => ports.first().copied().unwrap_or(443),
    }
}

/// Answers one request. Never fails: every problem is an HTTP answer.
pub(crate) async fn handle(req: Request, env: &Env, ctx: &Context) -> Response {
    let start = js_sys::Date::now();
    let parts = match head(&req) {
        Ok(p) => p,
        Err(e) => {
            return text(
                StatusCode::BAD_REQUEST,
                format!("waygate: unreadable request: {e}\n"),
            );
        }
    };
    let state = match bundles::state(env) {
        Ok(s) => s,
        Err(why) => {
            let res = text(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("waygate: configuration error: {why}\n"),
            );
            log(&parts, "", res.status_code(), start, "none", Some(&why));
            return res;
        }
    };
    let router = match state.router(ctx).await {
        Ok(r) => r,
        Err(why) => {
            let res = text(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("waygate: no verified bundle is loaded: {why}\n"),
            );
            log(&parts, "", res.status_code(), start, "none", Some(&why));
            return res;
        }
    };
    let https = req.url().is_ok_and(|u| u.scheme() == "https");
    let served = state.config.gateway.clone();
    let rctx = RequestContext {
        port: listener_port(&router, served.as_ref(), state.config.port, https),
        gateway: served,
        runtime: RuntimeKind::Edge,
    };
    let decision = router.decide(&rctx, &parts);
    let route = decision
        .matched()
        .map(|m| m.route_ref().to_string())
        .unwrap_or_default();
    let res = match decision {
        Decision::Respond(r) => respond(&r),
        Decision::Redirect(r) => {
            let res = r.to_response::<Vec<u8>>();
            answer(res.status(), res.headers(), Vec::new())
        }
        Decision::Forward(plan) => crate::forward::forward(&plan, &parts, &req, ctx, &route).await,
    };
    log(
        &parts,
        &route,
        res.status_code(),
        start,
        &router.digest().to_string(),
        None,
    );
    res
}

/// The one access-log line per request, as JSON (Workers Logs / Logpush parse its fields).
fn log(
    parts: &http::request::Parts,
    route: &str,
    status: u16,
    start: f64,
    bundle: &str,
    error: Option<&str>,
) {
    let mut line = serde_json::json!({
        "target": "waygate::access",
        "method": parts.method.as_str(),
        "host": parts.headers.get(HOST).and_then(|h| h.to_str().ok()).unwrap_or(""),
        "path": parts.uri.path(),
        "route": route,
        "status": status,
        "duration_ms": js_sys::Date::now() - start,
        "bundle": bundle,
    });
    if let (Some(e), Some(obj)) = (error, line.as_object_mut()) {
        obj.insert("error".into(), e.into());
    }
    worker::console_log!("{line}");
}
