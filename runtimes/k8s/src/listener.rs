//! Listener ports: one socket per distinct bundle port, bound on `listen-host`. What a
//! connection gets is decided per connection from the bundle being served, so a reload that
//! changes a port's protocol or certificates applies to the next connection.

use std::net::SocketAddr;
use std::sync::Arc;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use waygate_core::bundle::Protocol;
use waygate_core::router::{RequestContext, RuntimeKind};

use crate::rewind::Rewind;

use crate::metrics::GaugeGuard;
use crate::proxy::{self, ConnInfo};
use crate::state::Shared;
use crate::workers::Local;
use crate::workers::Workers;
use crate::{stream_route, tls};

/// Held by every connection task; the drain waits until all are dropped.
pub(crate) type ConnToken = mpsc::Sender<()>;

/// What a port serves in the current bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PortKind {
    Http,
    Https,
    Tcp,
    Tls,
    /// HTTPS and TLS passthrough listeners share the port: the SNI decides per connection.
    HttpsAndTls,
}

fn port_kind(shared: &Shared, port: u16) -> PortKind {
    let active = shared.active.load();
    let Some(active) = active.as_ref() else {
        return PortKind::Http;
    };
    let protocols: Vec<Protocol> = active
        .router
        .listener_ports(shared.config.gateway.as_ref())
        .into_iter()
        .filter(|(p, _)| *p == port)
        .map(|(_, proto)| proto)
        .collect();
    let has = |p| protocols.contains(&p);
    match (has(Protocol::Https), has(Protocol::Tls)) {
        (true, true) => PortKind::HttpsAndTls,
        (true, false) => PortKind::Https,
        (false, true) => PortKind::Tls,
        _ if has(Protocol::Tcp) => PortKind::Tcp,
        _ => PortKind::Http,
    }
}

/// Terminates TLS on `io` and serves HTTP over it.
async fn terminate<I>(
    shared: Arc<Shared>,
    acceptor: TlsAcceptor,
    io: I,
    local: Local,
    port: u16,
    peer: SocketAddr,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    match acceptor.accept(io).await {
        Ok(tls) => {
            let sni = tls.get_ref().1.server_name().map(str::to_owned);
            let info = ConnInfo::new(port, peer, sni, local);
            serve_http(shared, tls, info).await;
        }
        Err(e) => tracing::debug!(port, %peer, error = %e, "TLS handshake failed"),
    }
}

/// A port shared by HTTPS and TLS passthrough: read the ClientHello, let core pick the
/// listener by SNI, then terminate or pass through.
async fn demux(
    shared: Arc<Shared>,
    acceptor: TlsAcceptor,
    mut tcp: TcpStream,
    local: Local,
    port: u16,
    peer: SocketAddr,
) {
    let mut hello = Vec::new();
    let sni = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream_route::read_sni(&mut tcp, &mut hello),
    )
    .await
    .ok()
    .flatten();
    let passthrough = sni.as_deref().is_some_and(|name| {
        let Some(active) = shared.active.load_full() else {
            return false;
        };
        let ctx = RequestContext {
            gateway: shared.config.gateway.clone(),
            port,
            runtime: RuntimeKind::Kubernetes,
        };
        active
            .router
            .tls_listener_for_sni(&ctx, name)
            .is_some_and(|(_, l)| l.protocol == Protocol::Tls)
    });
    if passthrough {
        stream_route::splice(shared, tcp, port, sni, &hello).await;
    } else {
        terminate(shared, acceptor, Rewind::new(hello, tcp), local, port, peer).await;
    }
}

/// Accepts on `listener` (serving bundle port `port`) until shutdown or until `stopped`
/// fires or is dropped (a reload removed the port), and hands each connection to the least
/// loaded worker.
pub(crate) async fn accept_loop(
    shared: Arc<Shared>,
    listener: TcpListener,
    workers: Arc<Workers>,
    (port, mut stopped): (u16, tokio::sync::oneshot::Receiver<()>),
    token: ConnToken,
) {
    let mut acceptor: Option<TlsAcceptor> = None;
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = shared.shutting_down() => break,
            _ = &mut stopped => break,
        };
        let (tcp, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // EMFILE and friends: back off instead of spinning.
                tracing::warn!(port, error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let kind = port_kind(&shared, port);
        let tls = if matches!(kind, PortKind::Https | PortKind::HttpsAndTls) {
            if acceptor.is_none() {
                match tls::server_config(Arc::clone(&shared), port) {
                    Ok(c) => acceptor = Some(TlsAcceptor::from(Arc::new(c))),
                    Err(e) => {
                        tracing::error!(port, error = %e, "TLS configuration failed");
                        continue;
                    }
                }
            }
            acceptor.clone()
        } else {
            None
        };
        let shared = Arc::clone(&shared);
        let token = token.clone();
        workers.dispatch(tcp, move |tcp, local| async move {
            let _token = token;
            match (kind, tls) {
                (PortKind::Https, Some(acceptor)) => {
                    terminate(shared, acceptor, tcp, local, port, peer).await;
                }
                (PortKind::HttpsAndTls, Some(acceptor)) => {
                    demux(shared, acceptor, tcp, local, port, peer).await;
                }
                (PortKind::Tcp, _) => stream_route::serve_tcp(shared, tcp, port, false).await,
                (PortKind::Tls, _) => stream_route::serve_tcp(shared, tcp, port, true).await,
                _ => {
                    let info = ConnInfo::new(port, peer, None, local);
                    serve_http(shared, tcp, info).await;
                }
            }
        });
    }
}

/// Serves HTTP/1.1 and HTTP/2 (prior knowledge in cleartext, ALPN over TLS) on one
/// connection; on shutdown, finishes in-flight requests and closes.
pub(crate) async fn serve_http<I>(shared: Arc<Shared>, io: I, info: ConnInfo)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let _conn_gauge = GaugeGuard::new(&shared.metrics.active_connections);
    let info = Arc::new(info);
    let svc_shared = Arc::clone(&shared);
    let service =
        service_fn(move |req| proxy::handle(Arc::clone(&svc_shared), Arc::clone(&info), req));
    let timeout = shared.config.client_header_timeout;
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(timeout);
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        () = shared.shutting_down() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// Binds `host:port` with SO_REUSEADDR so a restart does not wait out TIME_WAIT.
pub(crate) fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}
