//! The admin listener: `/healthz` (process up), `/readyz` (a verified bundle is loaded;
//! JSON with its digest and generation) and `/metrics` (Prometheus text).

use std::convert::Infallible;
use std::sync::Arc;

use http::header::CONTENT_TYPE;
use http::{HeaderValue, Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

use crate::body::{self, Body};
use crate::state::Shared;

fn reply(status: StatusCode, content_type: &'static str, text: String) -> Response<Body> {
    let mut res = Response::new(body::full(text));
    *res.status_mut() = status;
    res.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

fn route(shared: &Shared, req: &Request<Incoming>) -> Response<Body> {
    match req.uri().path() {
        "/healthz" => reply(StatusCode::OK, "text/plain", "ok\n".into()),
        "/readyz" => {
            let active = shared.active.load();
            let draining = *shared.shutdown.borrow();
            match active.as_ref() {
                Some(a) if !draining => reply(
                    StatusCode::OK,
                    "application/json",
                    serde_json::json!({
                        "ready": true,
                        "digest": a.router.digest().to_string(),
                        "generation": a.router.generation(),
                    })
                    .to_string(),
                ),
                _ => reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "application/json",
                    serde_json::json!({
                        "ready": false,
                        "reason": if draining { "draining" } else { "no verified bundle loaded" },
                    })
                    .to_string(),
                ),
            }
        }
        "/metrics" => reply(
            StatusCode::OK,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            shared.metrics.encode(),
        ),
        _ => reply(StatusCode::NOT_FOUND, "text/plain", "not found\n".into()),
    }
}

/// Serves the admin endpoints until the process exits (it stays up while draining so
/// probes can watch the drain).
pub(crate) async fn serve(shared: Arc<Shared>, listener: TcpListener) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let res = route(&shared, &req);
                async move { Ok::<_, Infallible>(res) }
            });
            let _ = auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(tcp), svc)
                .await;
        });
    }
}
