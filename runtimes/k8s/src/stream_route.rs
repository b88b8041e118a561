//! TCPRoute proxying and TLSRoute passthrough: core picks the route (by port, and by the
//! ClientHello's SNI for TLS) and the backend; this splices the bytes.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use waygate_core::bundle::Backend;
use waygate_core::client_hello::{self, Sni};
use waygate_core::router::{RequestContext, RuntimeKind, pick_stream_backend};

use crate::metrics::GaugeGuard;
use crate::state::Shared;
use crate::{resolver, upstream};

/// A ClientHello larger than this is refused (real ones are a few hundred bytes to ~2 KiB,
/// post-quantum key shares included).
const MAX_HELLO: usize = 16 * 1024;
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) async fn read_sni(tcp: &mut TcpStream, buf: &mut Vec<u8>) -> Option<String> {
    let mut chunk = [0u8; 4096];
    loop {
        match client_hello::parse(buf) {
            Sni::Done(name) => return name,
            Sni::NotTls => return None,
            Sni::Incomplete if buf.len() >= MAX_HELLO => return None,
            Sni::Incomplete => {}
        }
        let n = tcp.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Serves one connection on a TCP (`passthrough == false`) or TLS passthrough listener.
pub(crate) async fn serve_tcp(
    shared: Arc<Shared>,
    mut tcp: TcpStream,
    port: u16,
    passthrough: bool,
) {
    let mut hello = Vec::new();
    let sni = if passthrough {
        let Ok(Some(name)) =
            tokio::time::timeout(HELLO_TIMEOUT, read_sni(&mut tcp, &mut hello)).await
        else {
            tracing::debug!(port, "no SNI in the ClientHello; closing");
            return;
        };
        Some(name)
    } else {
        None
    };
    splice(shared, tcp, port, sni, &hello).await;
}

/// Connects to the first address of `host:port` that accepts, within
/// `upstream::CONNECT_TIMEOUT` (an address that drops SYNs would otherwise hold the client
/// for the kernel's two minutes of retries).
async fn connect_tcp(addr: &str) -> std::io::Result<TcpStream> {
    let addr = resolver::lookup_authority(addr);
    let s = tokio::time::timeout(upstream::CONNECT_TIMEOUT, TcpStream::connect(&*addr))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"))??;
    let _ = s.set_nodelay(true);
    Ok(s)
}

/// Connects to one address of `backend` after another, up to `upstream::MAX_CONNECTS`,
/// until one takes the connection; nothing has been sent yet, so any address will do.
async fn connect(
    shared: &Shared,
    backend: &Backend,
    route_name: &str,
) -> Option<(String, TcpStream)> {
    let over = shared.config.upstream_override.as_deref();
    let mut unreachable = Vec::new();
    loop {
        let Some((index, addr)) =
            upstream::pick_address(&shared.health, backend, over, &unreachable)
        else {
            tracing::info!(route = %route_name, "backend has no address; closing");
            return None;
        };
        let fail_over = upstream::may_fail_over(backend, over, &unreachable);
        match connect_tcp(&addr).await {
            Ok(s) => {
                shared.health.connected(&addr);
                return Some((addr.into_owned(), s));
            }
            Err(e) => {
                tracing::warn!(route = %route_name, %addr, error = %e, "stream upstream connect failed");
                shared.health.connect_failed(&addr);
                if !fail_over {
                    return None;
                }
                unreachable.push(index);
            }
        }
    }
}

/// Connects the route's backend and copies bytes both ways, replaying `hello` (the bytes
/// already read for SNI) first.
pub(crate) async fn splice(
    shared: Arc<Shared>,
    mut tcp: TcpStream,
    port: u16,
    sni: Option<String>,
    hello: &[u8],
) {
    let _gauge = GaugeGuard::new(&shared.metrics.active_connections);
    let Some(active) = shared.active.load_full() else {
        return;
    };
    let ctx = RequestContext {
        gateway: shared.config.gateway.clone(),
        port,
        runtime: RuntimeKind::Kubernetes,
    };
    let Some(route) = active.router.stream_route(&ctx, sni.as_deref()) else {
        tracing::info!(target: "access", port, sni = ?sni, "no stream route; closing");
        return;
    };
    let route_name = format!("{}/{}", route.namespace, route.name);
    let Some(picked) = pick_stream_backend(route, fastrand::u32(..)) else {
        tracing::info!(target: "access", port, route = %route_name, "no usable backend; closing");
        return;
    };
    let Some((addr, mut up)) = connect(&shared, picked.backend, &route_name).await else {
        return;
    };
    if up.write_all(hello).await.is_err() {
        return;
    }
    let mut shutdown = shared.shutdown.clone();
    let result = tokio::select! {
        r = tokio::io::copy_bidirectional(&mut tcp, &mut up) => r,
        () = async { let _ = shutdown.wait_for(|d| *d).await; } => Ok((0, 0)),
    };
    tracing::info!(target: "access", port, route = %route_name, sni = ?sni, %addr, result = ?result, "stream closed");
}
