//! Placement: which routes must run on Kubernetes, reported for terraform (`--placement`).

use std::collections::BTreeSet;

use serde::Serialize;
use waygate_core::bundle::{Hostname, PathMatchKind};

use crate::route::{Body, LoweredRoute};

/// `--placement` JSON: where pinned requests go and which host/path prefixes are pinned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PlacementReport {
    pub kubernetes_origin: Option<String>,
    pub pinned: Vec<PinnedRoute>,
}

/// One route pinned to Kubernetes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PinnedRoute {
    /// `namespace/name`.
    pub route: String,
    /// Effective hostnames on every listener the route attached to; empty means any host.
    pub hostnames: Vec<String>,
    /// Path prefixes of its matches (Exact paths as themselves, regular expressions as `/`).
    pub path_prefixes: Vec<String>,
}

/// The report entry for `route`, attached with `hostnames` (from all its listeners).
pub(crate) fn pinned(route: &LoweredRoute<'_>, hostnames: &[Option<Hostname>]) -> PinnedRoute {
    let any_host = hostnames.iter().any(Option::is_none);
    let hostnames: BTreeSet<String> = if any_host {
        BTreeSet::new()
    } else {
        hostnames
            .iter()
            .flatten()
            .map(|h| h.as_str().to_owned())
            .collect()
    };
    let mut prefixes = BTreeSet::new();
    if let Body::Http { rules, .. } = &route.body {
        for m in rules.iter().flat_map(|r| &r.matches) {
            prefixes.insert(match m.path.kind {
                PathMatchKind::Exact | PathMatchKind::PathPrefix => m.path.value.clone(),
                // A regex can match anything; pin conservatively.
                PathMatchKind::RegularExpression => "/".to_owned(),
            });
        }
    }
    PinnedRoute {
        route: route.label(),
        hostnames: hostnames.into_iter().collect(),
        path_prefixes: prefixes.into_iter().collect(),
    }
}
