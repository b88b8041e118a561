//! WebSocket (and any HTTP/1.1 Upgrade) proxying: forward the upgrade request, and when the
//! upstream answers 101, splice the two upgraded connections byte for byte. Each spliced
//! pair holds the bundle it started on; on shutdown both sides get a close frame with code
//! 1001 (going away).

use std::sync::Arc;

use http::header::{CONNECTION, UPGRADE};
use http::uri::Authority;
use http::{HeaderMap, Response, StatusCode};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncWrite, AsyncWriteExt as _};
use waygate_core::router::{ForwardPlan, PickedBackend};

use crate::body::{self, Body};
use crate::metrics::GaugeGuard;
use crate::proxy::ConnInfo;
use crate::state::{Active, Shared};
use crate::upstream::{self, Failure, Head};

/// Close frame, code 1001, server to client (unmasked).
const CLOSE_1001_UNMASKED: [u8; 4] = [0x88, 0x02, 0x03, 0xE9];

/// Whether the request asks for a protocol upgrade (HTTP/1.1 `Connection: upgrade`).
pub(crate) fn is_upgrade(headers: &HeaderMap) -> bool {
    headers.contains_key(UPGRADE)
        && headers.get_all(CONNECTION).iter().any(|v| {
            v.to_str().is_ok_and(|v| {
                v.split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
            })
        })
}

/// Close frame, code 1001, client to server: RFC 6455 requires client frames to be masked.
fn close_1001_masked() -> [u8; 8] {
    let mask = fastrand::u32(..).to_be_bytes();
    [
        0x88,
        0x82,
        mask[0],
        mask[1],
        mask[2],
        mask[3],
        0x03 ^ mask[0],
        0xE9 ^ mask[1],
    ]
}

async fn close<W: AsyncWrite + Unpin>(w: &mut W, frame: &[u8]) {
    // Best effort: the peer may already be gone.
    let _ = w.write_all(frame).await;
    let _ = w.shutdown().await;
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn proxy(
    shared: &Shared,
    active: &Arc<Active>,
    conn: &ConnInfo,
    plan: &ForwardPlan<'_>,
    picked: &PickedBackend<'_>,
    head: Head,
    downstream: OnUpgrade,
    on_error: impl Fn(&Failure),
) -> (Response<Body>, Option<Authority>) {
    let over = shared.config.upstream_override.as_deref();
    let timeout = plan
        .backend_request_timeout_ms()
        .or(plan.request_timeout_ms())
        .map(std::time::Duration::from_millis);
    let clients = &conn.local.clients;
    // An upgrade has no body, so a failed connection moves on to another address.
    let mut unreachable = Vec::new();
    let (mut res, addr) = loop {
        let path = plan.path_and_query();
        let Ok((index, uri)) =
            upstream::attempt_uri(clients, picked.backend, over, path, &unreachable)
        else {
            return (bad_gateway(), None);
        };
        let fail_over = upstream::may_fail_over(picked.backend, over, &unreachable);
        match upstream::send(clients, head.clone(), uri, body::empty(), timeout).await {
            Ok(answer) => break answer,
            Err(f) => {
                on_error(&f);
                if fail_over && matches!(f, Failure::Connect(_)) {
                    unreachable.push(index);
                    continue;
                }
                let mut r = Response::new(body::empty());
                *r.status_mut() = plan.upstream_failed(matches!(f, Failure::Timeout)).status;
                return (r, None);
            }
        }
    };
    if res.status() != StatusCode::SWITCHING_PROTOCOLS {
        // The upstream refused the upgrade: relay its answer as a normal response.
        let (mut rp, rb) = res.into_parts();
        waygate_core::hop_by_hop::strip_hop_by_hop(&mut rp.headers, false);
        plan.apply_response(&mut rp.headers);
        picked.apply_response(&mut rp.headers);
        return (Response::from_parts(rp, body::stream(rb)), addr);
    }
    let upstream_upgrade = hyper::upgrade::on(&mut res);
    let mut out = Response::new(body::empty());
    *out.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    *out.headers_mut() = res.headers().clone();
    plan.apply_response(out.headers_mut());
    picked.apply_response(out.headers_mut());

    let guard = GaugeGuard::new(&shared.metrics.active_websockets);
    let mut shutdown = shared.shutdown.clone();
    // The splice keeps the bundle it started on alive until it ends.
    let pinned = Arc::clone(active);
    tokio::spawn(async move {
        let _guard = guard;
        let _bundle = pinned;
        let (down, up) = match tokio::join!(downstream, upstream_upgrade) {
            (Ok(d), Ok(u)) => (d, u),
            (d, u) => {
                tracing::debug!(down = ?d.err(), up = ?u.err(), "upgrade failed");
                return;
            }
        };
        let mut down = TokioIo::new(down);
        let mut up = TokioIo::new(up);
        tokio::select! {
            r = tokio::io::copy_bidirectional(&mut down, &mut up) => {
                tracing::debug!(result = ?r, "websocket closed");
            }
            () = async { let _ = shutdown.wait_for(|d| *d).await; } => {
                // Frames in flight may be cut; the close frames still tell both peers why.
                close(&mut down, &CLOSE_1001_UNMASKED).await;
                close(&mut up, &close_1001_masked()).await;
            }
        }
    });
    (out, addr)
}

fn bad_gateway() -> Response<Body> {
    let mut r = Response::new(body::empty());
    *r.status_mut() = StatusCode::BAD_GATEWAY;
    r
}
