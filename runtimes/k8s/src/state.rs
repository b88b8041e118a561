//! What every connection shares: the bundle being served (swapped atomically on reload), the
//! process settings, metrics and the shutdown signal.

use std::sync::Arc;

use arc_swap::ArcSwapOption;
use tokio::sync::watch;
use waygate_core::bundle::{BundleError, VerifiedBundle};
use waygate_core::router::Router;

use crate::config::Config;
use crate::endpoint_health::Health;
use crate::metrics::Metrics;
use crate::tls::{CertError, CertStore};

/// One loaded bundle: the compiled router and the certificates its listeners name.
/// Requests and WebSockets hold an `Arc<Active>` for their whole life, so a reload never
/// changes the configuration under an in-flight request.
#[derive(Debug)]
pub(crate) struct Active {
    pub(crate) router: Router,
    pub(crate) certs: CertStore,
    /// `namespace/name` of each route by index, built once so requests label metrics and
    /// logs without formatting; the last entry (empty) stands for "no route matched".
    route_labels: Vec<Arc<str>>,
}

impl Active {
    pub(crate) fn new(
        bundle: &VerifiedBundle,
        config: &Config,
    ) -> Result<(Self, Vec<CertError>), BundleError> {
        let router = Router::new(bundle)?;
        let (certs, errors) = CertStore::load(&router, config.secrets_dir.as_deref());
        let route_labels = router
            .payload()
            .routes
            .iter()
            .map(|r| Arc::from(format!("{}/{}", r.namespace, r.name)))
            .chain([Arc::from("")])
            .collect();
        Ok((
            Self {
                router,
                certs,
                route_labels,
            },
            errors,
        ))
    }

    /// The metrics and log label of the route at `index` (`None`: no route matched).
    pub(crate) fn route_label(&self, index: Option<usize>) -> Arc<str> {
        let last = self.route_labels.len() - 1;
        Arc::clone(&self.route_labels[index.unwrap_or(last).min(last)])
    }
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) active: ArcSwapOption<Active>,
    pub(crate) config: Config,
    pub(crate) metrics: Metrics,
    /// Upstream addresses that failed to take a connection, for every worker.
    pub(crate) health: Arc<Health>,
    /// Flips to `true` once on shutdown: listeners stop accepting, connections drain,
    /// WebSockets close with 1001.
    pub(crate) shutdown: watch::Receiver<bool>,
}

impl Shared {
    pub(crate) fn new(config: Config, shutdown: watch::Receiver<bool>) -> Self {
        let metrics = Metrics::default();
        Self {
            active: ArcSwapOption::empty(),
            config,
            health: Arc::new(Health::new(metrics.endpoint_ejections.clone())),
            metrics,
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
