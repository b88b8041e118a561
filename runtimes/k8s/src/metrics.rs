//! Prometheus metrics of the data plane, served as text on the admin listener.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

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
    pub(crate) requests: Family<RequestLabels, Counter>,
    pub(crate) duration: Family<RouteLabels, Histogram>,
    pub(crate) upstream_errors: Family<RouteLabels, Counter>,
    pub(crate) active_connections: Gauge,
    pub(crate) active_websockets: Gauge,
    pub(crate) bundle_generation: Gauge<u64, AtomicU64>,
    pub(crate) reloads: Family<ReloadLabels, Counter>,
}

fn duration_histogram() -> Histogram {
    // 0.5 ms .. ~65 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 18))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("waygate");
        let requests = Family::<RequestLabels, Counter>::default();
        let duration =
            Family::<RouteLabels, Histogram>::new_with_constructor(duration_histogram as fn() -> _);
        let upstream_errors = Family::<RouteLabels, Counter>::default();
        let active_connections = Gauge::default();
        let active_websockets = Gauge::default();
        let bundle_generation = Gauge::<u64, AtomicU64>::default();
        let reloads = Family::<ReloadLabels, Counter>::default();
        registry.register(
            "requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time to the response head, by route",
            duration.clone(),
        );
        registry.register(
            "upstream_errors",
            "Upstream attempts that failed to connect, reset or timed out",
            upstream_errors.clone(),
        );
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
        Self {
            registry,
            requests,
            duration,
            upstream_errors,
            active_connections,
            active_websockets,
            bundle_generation,
            reloads,
        }
    }
}

impl Metrics {
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
