//! Prometheus metrics of the data plane, served as text on the admin listener.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::route_metrics::{Shard, Shards};

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct RequestLabels {
    /// `namespace/name` of the matched route, or empty when none matched.
    pub(crate) route: Arc<str>,
    pub(crate) status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct RouteLabels {
    pub(crate) route: Arc<str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct ReloadLabels {
    /// `success`, `older`, `invalid` or `unreachable`.
    pub(crate) outcome: String,
}

#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    /// Requests, their durations and upstream errors by route, per worker.
    route_shards: Arc<Shards>,
    pub(crate) active_connections: Gauge,
    pub(crate) active_websockets: Gauge,
    pub(crate) bundle_generation: Gauge<u64, AtomicU64>,
    pub(crate) reloads: Family<ReloadLabels, Counter>,
    /// Upstream addresses passed over after a failed connection.
    pub(crate) endpoint_ejections: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("waygate");
        let route_shards = Arc::new(Shards::default());
        let active_connections = Gauge::default();
        let active_websockets = Gauge::default();
        let bundle_generation = Gauge::<u64, AtomicU64>::default();
        let reloads = Family::<ReloadLabels, Counter>::default();
        let endpoint_ejections = Counter::default();
        registry.register_collector(Box::new(Arc::clone(&route_shards)));
        registry.register(
            "active_connections",
            "Open downstream connections",
            active_connections.clone(),
        );
        registry.register(
            "active_websockets",
            "Open proxied WebSocket (upgraded) connections",
            active_websockets.clone(),
        );
        registry.register(
            "bundle_generation",
            "Generation of the bundle being served",
            bundle_generation.clone(),
        );
        registry.register(
            "bundle_reloads",
            "Bundle load attempts by outcome",
            reloads.clone(),
        );
        registry.register(
            "endpoint_ejections",
            "Upstream addresses passed over for a while after a failed connection",
            endpoint_ejections.clone(),
        );
        Self {
            registry,
            route_shards,
            active_connections,
            active_websockets,
            bundle_generation,
            reloads,
            endpoint_ejections,
        }
    }
}

impl Metrics {
    /// Per-route request metrics for one more worker thread.
    pub(crate) fn route_shard(&self) -> Arc<Shard> {
        self.route_shards.add()
    }

    pub(crate) fn reload(&self, outcome: &str) {
        self.reloads
            .get_or_create(&ReloadLabels {
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// The Prometheus text exposition.
    pub(crate) fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// Decrements a gauge when dropped, so early returns and panics keep gauges honest.
pub(crate) struct GaugeGuard(Gauge);

impl GaugeGuard {
    pub(crate) fn new(gauge: &Gauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}
