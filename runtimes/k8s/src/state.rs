//! What every connection shares: the bundle being served (swapped atomically on reload), the
//! process settings, metrics and the shutdown signal.

use arc_swap::ArcSwapOption;
use tokio::sync::watch;
use waygate_core::bundle::{BundleError, VerifiedBundle};
use waygate_core::router::Router;

use crate::config::Config;
use crate::metrics::Metrics;
use crate::tls::{CertError, CertStore};

/// One loaded bundle: the compiled router and the certificates its listeners name.
/// Requests and WebSockets hold an `Arc<Active>` for their whole life, so a reload never
/// changes the configuration under an in-flight request.
#[derive(Debug)]
pub(crate) struct Active {
    pub(crate) router: Router,
    pub(crate) certs: CertStore,
}

impl Active {
    pub(crate) fn new(
        bundle: &VerifiedBundle,
        config: &Config,
    ) -> Result<(Self, Vec<CertError>), BundleError> {
        let router = Router::new(bundle)?;
        let (certs, errors) = CertStore::load(&router, config.secrets_dir.as_deref());
        Ok((Self { router, certs }, errors))
    }
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) active: ArcSwapOption<Active>,
    pub(crate) config: Config,
    pub(crate) metrics: Metrics,
    /// Flips to `true` once on shutdown: listeners stop accepting, connections drain,
    /// WebSockets close with 1001.
    pub(crate) shutdown: watch::Receiver<bool>,
}

impl Shared {
    pub(crate) fn new(config: Config, shutdown: watch::Receiver<bool>) -> Self {
        Self {
            active: ArcSwapOption::empty(),
            config,
            metrics: Metrics::default(),
            shutdown,
        }
    }

    /// Resolves when shutdown starts.
    pub(crate) async fn shutting_down(&self) {
        let mut rx = self.shutdown.clone();
        // An error means the sender is gone, which only happens at process exit.
        let _ = rx.wait_for(|down| *down).await;
    }

    pub(crate) fn generation(&self) -> Option<u64> {
        self.active.load().as_ref().map(|a| a.router.generation())
    }
}
