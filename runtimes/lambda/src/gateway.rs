//! The per-request path: take the bundle being served, ask core for a decision, carry it
//! out (answer, redirect, or forward through an [`Upstream`]) and log one JSON line.
//!
//! Kubernetes-pinned routes never reach [`forward`](crate::forward): core answers them with a
//! redirect to the Kubernetes origin (or 421) because the context says `RuntimeKind::Edge`.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use waygate_core::bundle::ObjectRef;
use waygate_core::router::{Decision, RequestContext, Respond, Router, RuntimeKind};
use waygate_runtime_common::store::BundleSource;

use crate::bundles::Bundles;
use crate::upstream::Upstream;

/// Port assumed when nothing else names one: API Gateway, Function URLs and ALB HTTPS
/// listeners all take clients on 443.
const EDGE_PORT: u16 = 443;

/// Where random draws for backend and mirror choice come from (core takes them as arguments).
pub type Draw = Box<dyn Fn() -> u32 + Send + Sync>;

pub struct Gateway<S, U> {
    pub(crate) bundles: Bundles<S>,
    pub(crate) upstream: Arc<U>,
    served: Option<ObjectRef>,
    port: Option<u16>,
    pub(crate) draw: Draw,
}

/// A plain-text answer the gateway gives on its own behalf.
pub(crate) fn text(status: StatusCode, body: impl Into<Bytes>) -> Response<Bytes> {
    let mut res = Response::new(body.into());
    *res.status_mut() = status;
    res.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

/// A direct response from core, rendered by core.
pub(crate) fn respond(r: &Respond<'_>) -> Response<Bytes> {
    r.to_response()
}

/// The listener port to route as: the configured one; else the client's port as API Gateway
/// or ALB report it (`x-forwarded-port`) when a listener uses it; else the only listener
/// port; else 443 when a listener uses it; else the lowest.
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
    let forwarded = headers
        .get("x-forwarded-port")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u16>().ok())
        .filter(|p| ports.contains(p));
    match (forwarded, ports.as_slice()) {
        (Some(p), _) => p,
        (None, [only]) => *only,
        (None, _) if ports.contains(&EDGE_PORT) => EDGE_PORT,
        (None, _) => ports.first().copied().unwrap_or(EDGE_PORT),
    }
}

impl<S: BundleSource + Clone, U: Upstream> Gateway<S, U> {
    pub fn new(
        bundles: Bundles<S>,
        upstream: U,
        gateway: Option<ObjectRef>,
        port: Option<u16>,
    ) -> Self {
        Self {
            bundles,
            upstream: Arc::new(upstream),
            served: gateway,
            port,
            draw: Box::new(|| fastrand::u32(..)),
        }
    }

    /// Replaces the random source (tests pin weighted choices with it).
    #[must_use]
    pub fn with_draw(mut self, draw: Draw) -> Self {
        self.draw = draw;
        self
    }

    pub fn bundles(&self) -> &Bundles<S> {
        &self.bundles
    }

    /// Answers one request. Never fails: every problem is an HTTP answer.
    pub async fn handle(&self, req: http::Request<Bytes>) -> Response<Bytes> {
        let start = Instant::now();
        let (parts, body) = req.into_parts();
        let router = match self.bundles.router().await {
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
        let ctx = RequestContext {
            gateway: self.served.clone(),
            port: listener_port(&router, self.served.as_ref(), self.port, &parts.headers),
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
            Decision::Forward(plan) => self.forward(&plan, &parts, body, &route).await,
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
}

/// The one access-log line per request (JSON through the subscriber `main` installs), with
/// the fields CloudWatch Logs Insights queries filter on.
fn log(
    parts: &http::request::Parts,
    route: &str,
    status: StatusCode,
    start: Instant,
    bundle: &str,
) {
    tracing::info!(
        target: "waygate::access",
        method = %parts.method,
        host = parts.headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or(""),
        path = parts.uri.path(),
        route,
        status = status.as_u16(),
        duration_ms = start.elapsed().as_secs_f64() * 1000.0,
        bundle,
        "request"
    );
}
