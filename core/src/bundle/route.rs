//! HTTPRoutes and GRPCRoutes with their rules, matches and explicit precedence keys.

use std::cmp::{Ordering, Reverse};

use serde::{Deserialize, Serialize};

use super::{Backend, Filter, Hostname};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RouteKind {
    #[serde(rename = "HTTPRoute")]
    Http,
    #[serde(rename = "GRPCRoute")]
    Grpc,
}

/// Where a route runs. Edge runtimes answer requests for `Kubernetes` routes with a
/// redirect (or 421 for upgrades) to the Kubernetes origin instead of proxying them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Placement {
    Edge,
    Kubernetes,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub kind: RouteKind,
    pub namespace: String,
    pub name: String,
    pub placement: Placement,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Never empty: a rule without matches gets the spec's default (`PathPrefix /`).
    /// GRPCRoute matches are lowered to path matches on `/service/method`.
    pub matches: Vec<RouteMatch>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
    /// Empty means the rule has no backendRefs: requests get 500 (HTTP) or UNAVAILABLE (gRPC)
    /// unless a filter (redirect) answers them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backends: Vec<Backend>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeouts: Option<Timeouts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<Retry>,
    /// Set when a filter could not be resolved (e.g. an unknown ExtensionRef). The spec
    /// says such a filter must not be skipped: matching requests get a 500.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unresolved_filter: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timeouts {
    /// Whole request including retries, milliseconds. `0` disables the timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_ms: Option<u64>,
    /// One attempt to the backend, milliseconds. `0` disables the timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend_request_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    /// Retries after the first attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_ms: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PathMatchKind {
    Exact,
    PathPrefix,
    RegularExpression,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathMatch {
    pub kind: PathMatchKind,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ValueMatchKind {
    Exact,
    RegularExpression,
}

/// A header match (names compared case-insensitively; stored lower-case) or a query
/// parameter match (names compared case-sensitively).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueMatch {
    pub name: String,
    pub kind: ValueMatchKind,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteMatch {
    pub path: PathMatch,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<ValueMatch>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query_params: Vec<ValueMatch>,
}

/// One way a request can reach a rule through a listener: a route match paired with one of
/// the route's effective hostnames on that listener.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchEntry {
    /// Index into `Payload::routes`.
    pub route: u32,
    pub rule: u32,
    /// Index into the rule's `matches`.
    #[serde(rename = "match")]
    pub match_index: u32,
    /// The effective hostname (route ∩ listener); `None` matches any host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<Hostname>,
    pub sort_key: SortKey,
}

/// Gateway API precedence made explicit. Entries are sorted by this key's `Ord` (the spec's
/// order, most specific first) by the compiler; core checks the order instead of sorting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SortKey {
    /// The matching hostname is not a wildcard.
    pub hostname_exact: bool,
    /// Characters in the matching hostname (0 when the route and listener have none).
    pub hostname_len: u32,
    pub path_kind: PathMatchKind,
    pub path_len: u32,
    /// GRPCRoute: characters in the matched service and method (0 for HTTPRoute).
    pub service_len: u32,
    pub method_len: u32,
    /// The match names an HTTP method.
    pub method: bool,
    pub headers: u32,
    pub query_params: u32,
    /// Route creationTimestamp, Unix seconds; routes without one sort after those with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
    /// `namespace/name` of the route.
    pub route: String,
    pub rule: u32,
    #[serde(rename = "match")]
    pub match_index: u32,
}

impl SortKey {
    #[allow(clippy::type_complexity)]
    fn rank(
        &self,
    ) -> (
        (bool, Reverse<u32>, PathMatchKind, Reverse<u32>),
        (Reverse<u32>, Reverse<u32>, bool, Reverse<u32>, Reverse<u32>),
        (bool, Option<i64>, &str, u32, u32),
    ) {
        (
            (
                !self.hostname_exact,
                Reverse(self.hostname_len),
                self.path_kind,
                Reverse(self.path_len),
            ),
            (
                Reverse(self.service_len),
                Reverse(self.method_len),
                !self.method,
                Reverse(self.headers),
                Reverse(self.query_params),
            ),
            (
                self.created.is_none(),
                self.created,
                &self.route,
                self.rule,
                self.match_index,
            ),
        )
    }
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
