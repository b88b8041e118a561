//! The signed payload: everything a runtime needs to route, and nothing secret.

use serde::{Deserialize, Serialize};

use super::{Gateway, Route};

/// The payload schema this build of core reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// The routing configuration a bundle carries. Serialised as JSON with fields in
/// declaration order and only ordered collections, so equal inputs give equal bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    pub schema_version: u32,
    /// Monotonically increasing; runtimes refuse a bundle older than the one they run.
    pub generation: u64,
    /// Creation time, seconds since the Unix epoch.
    pub created: u64,
    /// After this instant (Unix seconds) runtimes refuse to load the bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<u64>,
    /// Where edge runtimes send requests for routes pinned to Kubernetes, e.g.
    /// `https://k8s.example.com`. Without it they answer such requests with 421.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_origin: Option<String>,
    pub gateways: Vec<Gateway>,
    /// HTTPRoutes and GRPCRoutes; listeners refer to them by index.
    pub routes: Vec<Route>,
}
