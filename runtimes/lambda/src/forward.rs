//! Carrying out a forward decision: pick a backend with a draw, build the upstream request
//! with core's header edits, send it with the rule's per-attempt and request timeouts and
//! retries, fire mirrors, and apply core's response edits.

use std::time::Duration;

use bytes::Bytes;
use http::request::Parts;
use http::{Response, StatusCode, Uri};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use waygate_core::bundle::Backend;
use waygate_core::hop_by_hop::strip_hop_by_hop;
use waygate_core::router::{ForwardPlan, pick_address};
use waygate_runtime_common::store::BundleSource;

use crate::gateway::{Gateway, respond, text};
use crate::upstream::{BackendId, Outgoing, Upstream, UpstreamError};

/// How long a response waits, after the primary exchange, for mirrors still in flight. The
/// environment is frozen once the invocation returns, so a mirror not sent by then would
/// only go out on the next invocation; mirrors start with the primary, so most are done.
const MIRROR_GRACE: Duration = Duration::from_millis(200);

/// Why no upstream response is returned to the client.
enum Failure {
    Timeout,
    Upstream(UpstreamError),
}

impl<S: BundleSource + Clone, U: Upstream> Gateway<S, U> {
    fn outgoing(
        &self,
        backend: &Backend,
        plan: &ForwardPlan<'_>,
        head: &Parts,
        body: &Bytes,
        mirror: bool,
    ) -> Result<Outgoing, UpstreamError> {
        let addr = pick_address(backend, (self.draw)())
            .ok_or_else(|| UpstreamError::Invalid("backend has no address".into()))?;
        let scheme = backend.target.scheme();
        let uri: Uri = format!("{scheme}://{addr}{}", plan.path_and_query())
            .parse()
            .map_err(|e: http::uri::InvalidUri| UpstreamError::Invalid(e.to_string()))?;
        let mut request = http::Request::new(body.clone());
        *request.method_mut() = head.method.clone();
        *request.uri_mut() = uri;
        request.headers_mut().clone_from(&head.headers);
        Ok(Outgoing {
            backend: BackendId::of(&backend.target),
            mirror,
            request,
        })
    }

    fn fire_mirrors(
        &self,
        plan: &ForwardPlan<'_>,
        picked: &waygate_core::router::PickedBackend<'_>,
        head: &Parts,
        body: &Bytes,
    ) -> Vec<JoinHandle<()>> {
        let count = plan.mirror_count().max(picked.filters().len());
        if count == 0 {
            return Vec::new();
        }
        let draws: Vec<u32> = (0..count).map(|_| (self.draw)()).collect();
        let mut handles = Vec::new();
        for backend in plan.mirrors(&draws).chain(picked.mirrors(&draws)) {
            let Ok(out) = self.outgoing(backend, plan, head, body, true) else {
                continue;
            };
            let upstream = self.upstream.clone();
            handles.push(tokio::spawn(async move {
                if let Err(e) = upstream.send(out).await {
                    tracing::debug!(error = %e, "mirror failed");
                }
            }));
        }
        handles
    }

    /// Attempts with retries; the caller bounds the whole with the request timeout.
    async fn exchange(
        &self,
        plan: &ForwardPlan<'_>,
        backend: &Backend,
        head: &Parts,
        body: &Bytes,
        route: &str,
    ) -> Result<Response<Bytes>, Failure> {
        let per_attempt = plan.backend_request_timeout_ms().map(Duration::from_millis);
        let policy = plan.retry();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let out = self
                .outgoing(backend, plan, head, body, false)
                .map_err(Failure::Upstream)?;
            let send = self.upstream.send(out);
            let result = match per_attempt {
                Some(t) => tokio::time::timeout(t, send)
                    .await
                    .unwrap_or(Err(UpstreamError::Unreachable("attempt timed out".into())))
                    .map_err(|e| (e, true)),
                None => send.await.map_err(|e| (e, false)),
            };
            let status = match &result {
                Ok(res) => Some(res.status().as_u16()),
                Err((e, _)) => {
                    tracing::warn!(route, attempt, error = %e, "upstream attempt failed");
                    None
                }
            };
            match policy.and_then(|p| p.should_retry(attempt, status)) {
                Some(wait_ms) => {
                    if wait_ms > 0 {
                        tokio::time::sleep(Duration::from_millis(wait_ms)).await;
                    }
                }
                None => {
                    return result.map_err(|(e, timed_out)| {
                        if timed_out {
                            Failure::Timeout
                        } else {
                            Failure::Upstream(e)
                        }
                    });
                }
            }
        }
    }

    pub(crate) async fn forward(
        &self,
        plan: &ForwardPlan<'_>,
        parts: &Parts,
        body: Bytes,
        route: &str,
    ) -> Response<Bytes> {
        let picked = match plan.pick((self.draw)()) {
            Ok(p) => p,
            Err(r) => return respond(&r),
        };
        let mut head = parts.clone();
        strip_hop_by_hop(&mut head.headers, false);
        plan.apply_request(&mut head.headers);
        picked.apply_request(&mut head.headers);

        let mirrors = self.fire_mirrors(plan, &picked, &head, &body);
        let exchange = self.exchange(plan, picked.backend, &head, &body, route);
        let result = match plan.request_timeout_ms().map(Duration::from_millis) {
            Some(t) => tokio::time::timeout(t, exchange)
                .await
                .unwrap_or(Err(Failure::Timeout)),
            None => exchange.await,
        };
        let deadline = Instant::now() + MIRROR_GRACE;
        for m in mirrors {
            if tokio::time::timeout_at(deadline, m).await.is_err() {
                tracing::debug!("mirror still in flight when the response was sent");
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
            Err(Failure::Timeout) => {
                tracing::warn!(route, "upstream timed out");
                text(StatusCode::GATEWAY_TIMEOUT, "upstream timed out\n")
            }
            Err(Failure::Upstream(UpstreamError::Invalid(e))) => {
                tracing::warn!(route, error = %e, "upstream request invalid");
                text(
                    StatusCode::BAD_GATEWAY,
                    "upstream request could not be built\n",
                )
            }
            Err(Failure::Upstream(UpstreamError::Unreachable(_))) => {
                text(StatusCode::BAD_GATEWAY, "upstream unavailable\n")
            }
        }
    }
}
