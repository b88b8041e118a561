//! The running data plane: owns the listener sockets, installs bundles (atomic swap, new
//! ports bound as they appear) and drains on shutdown.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use waygate_core::bundle::{BundleError, VerifiedBundle};

use crate::config::Config;
use crate::listener::{self, ConnToken};
use crate::state::{Active, Shared};
use crate::upstream::{self, UpstreamTlsError};
use crate::workers::Workers;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot start the data-plane threads: {0}")]
    Threads(#[from] std::io::Error),
    #[error(transparent)]
    UpstreamTls(#[from] UpstreamTlsError),
}

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

#[derive(Debug)]
pub struct Server {
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    /// Bundle port → the socket address it is bound to, and the handle whose drop stops
    /// its accept loop.
    bound: Mutex<HashMap<u16, (SocketAddr, oneshot::Sender<()>)>>,
    /// Listeners handed in before their port appears in a bundle (tests bind port 0).
    prebound: Mutex<HashMap<u16, TcpListener>>,
    token: Mutex<Option<ConnToken>>,
    drained: tokio::sync::Mutex<mpsc::Receiver<()>>,
    workers: Arc<Workers>,
}

impl Server {
    /// A server with no bundle yet: requests get 503 and `/readyz` says not ready.
    /// `prebound` maps bundle ports to already-bound sockets (used instead of binding
    /// `listen_host:port`), which lets tests use ephemeral ports. Starts `config.workers`
    /// data-plane threads.
    pub fn new(
        config: Config,
        prebound: HashMap<u16, TcpListener>,
    ) -> Result<Arc<Self>, StartError> {
        let tls = upstream::tls_config(config.upstream_ca.as_deref())?;
        let (tx, rx) = watch::channel(false);
        let (token, drained) = mpsc::channel(1);
        let workers = config.workers;
        let shared = Arc::new(Shared::new(config, rx));
        let workers = Arc::new(Workers::start(
            workers,
            &tls,
            &shared.metrics,
            &shared.health,
        )?);
        Ok(Arc::new(Self {
            shared,
            shutdown: tx,
            bound: Mutex::new(HashMap::new()),
            prebound: Mutex::new(prebound),
            token: Mutex::new(Some(token)),
            drained: tokio::sync::Mutex::new(drained),
            workers,
        }))
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Serves the admin endpoints on `listener`.
    pub fn serve_admin(&self, listener: TcpListener) {
        tokio::spawn(crate::admin::serve(Arc::clone(&self.shared), listener));
    }

    /// The generation being served, if any.
    pub fn generation(&self) -> Option<u64> {
        self.shared.generation()
    }

    /// Compiles and swaps in a verified bundle, then binds any port it adds. Requests
    /// already running keep the bundle they started with. The caller checks generations
    /// (see `reload`).
    pub fn install(&self, bundle: &VerifiedBundle) -> Result<(), InstallError> {
        let (active, cert_errors) = Active::new(bundle, &self.shared.config)?;
        for e in cert_errors {
            tracing::warn!(error = %e, "listener certificate not loaded");
        }
        let ports: Vec<u16> = active
            .router
            .listener_ports(self.shared.config.gateway.as_ref())
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        self.bind_ports(&ports)?;
        let generation = active.router.generation();
        let digest = active.router.digest();
        self.shared.active.store(Some(Arc::new(active)));
        self.shared.metrics.bundle_generation.set(generation);
        tracing::info!(%digest, generation, "bundle installed");
        self.release_ports(&ports);
        Ok(())
    }

    /// Stops listening on ports the served bundle no longer has. Connections already
    /// accepted there finish as usual.
    fn release_ports(&self, ports: &[u16]) {
        lock(&self.bound).retain(|port, (local, _stop)| {
            let keep = ports.contains(port);
            if !keep {
                tracing::info!(port, %local, "stopped listening: the bundle has no listener on this port");
            }
            keep
        });
    }

    fn bind_ports(&self, ports: &[u16]) -> Result<(), InstallError> {
        let Some(token) = lock(&self.token).clone() else {
            return Ok(()); // shutting down: bind nothing new
        };
        let mut bound = lock(&self.bound);
        let mut prebound = lock(&self.prebound);
        for &port in ports {
            if bound.contains_key(&port) {
                continue;
            }
            let addr = SocketAddr::new(self.shared.config.listen_host, port);
            let bind_error = |source| InstallError::Bind { addr, source };
            let sock = match prebound.remove(&port) {
                Some(l) => l,
                None => listener::bind(addr).map_err(bind_error)?,
            };
            let local = sock.local_addr().map_err(bind_error)?;
            let (stop, stopped) = oneshot::channel();
            tokio::spawn(listener::accept_loop(
                Arc::clone(&self.shared),
                sock,
                Arc::clone(&self.workers),
                (port, stopped),
                token.clone(),
            ));
            tracing::info!(port, %local, "listening");
            bound.insert(port, (local, stop));
        }
        Ok(())
    }

    /// Where bundle port `port` is listening.
    pub fn local_addr(&self, port: u16) -> Option<SocketAddr> {
        lock(&self.bound).get(&port).map(|(local, _)| *local)
    }

    /// Stops accepting, lets in-flight requests finish, closes WebSockets with 1001, and
    /// returns once every connection is gone or `deadline` passed (then the rest are cut
    /// when the runtime stops). Returns whether the drain completed in time.
    pub async fn shutdown(&self, deadline: Duration) -> bool {
        let _ = self.shutdown.send(true);
        lock(&self.token).take();
        let mut drained = self.drained.lock().await;
        let done = tokio::time::timeout(deadline, drained.recv()).await.is_ok();
        tracing::info!(completed = done, "drain finished");
        self.workers.stop();
        done
    }
}

/// A poisoned lock only means another thread panicked mid-update of a plain map; the map
/// itself is still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
