//! RequestMirror: copies of the request sent fire-and-forget. A mirror never delays or
//! changes the client's response; its response is drained and dropped.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::BodyExt as _;
use waygate_core::router::{ForwardPlan, PickedBackend};

use crate::body;
use crate::state::Shared;
use crate::upstream::{self, Clients, Head};

/// Fires the rule's and the picked backend's mirrors. Mirrors need a copy of the body, so a
/// streaming body (not buffered for retries) is mirrored only when it was empty; otherwise
/// the mirror is skipped and logged at debug.
pub(crate) fn fire(
    shared: &Shared,
    clients: &Arc<Clients>,
    plan: &ForwardPlan<'_>,
    picked: &PickedBackend<'_>,
    head: &Head,
    body: Option<&Bytes>,
) {
    let count = plan.mirror_count();
    if count == 0 && picked.filters().is_empty() {
        return;
    }
    let draws: Vec<u32> = (0..count.max(picked.filters().len()))
        .map(|_| fastrand::u32(..))
        .collect();
    let backends = plan.mirrors(&draws).chain(picked.mirrors(&draws));
    for backend in backends {
        let Some(body) = body.cloned() else {
            tracing::debug!("mirror skipped: request body streams");
            continue;
        };
        let over = shared.config.upstream_override.as_deref();
        let Ok((_, uri)) =
            upstream::attempt_uri(clients, backend, over, plan.path_and_query(), &[])
        else {
            continue;
        };
        let head = head.clone();
        let clients = Arc::clone(clients);
        tokio::spawn(async move {
            match upstream::send(&clients, head, uri, body::full(body), None).await {
                Ok((res, _)) => {
                    // Read to the end so the pooled connection can be reused.
                    let _ = res.into_body().collect().await;
                }
                Err(e) => tracing::debug!(error = ?e, "mirror failed"),
            }
        });
    }
}
