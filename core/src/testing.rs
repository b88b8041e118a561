//! Fixtures for tests here and in other crates (feature `testing`): IR shorthands, a payload
//! builder that attaches routes to listeners and sorts match entries the way the compiler
//! does, and a fixed key to sign and verify with.
//!
//! Everything returns `Result` rather than panicking, so the module also builds outside
//! `cfg(test)` under the crate's lints.

mod payload_builder;

use crate::bundle::{
    Backend, BackendTarget, BundleError, InvalidBackend, PathMatch, PathMatchKind, Payload,
    Placement, PrivateKey, Route, RouteKind, RouteMatch, Rule, ServiceBackend, TrustedKeys,
    VerifiedBundle, sign, verify,
};
use crate::router::Router;

pub use payload_builder::{PayloadBuilder, effective_hostnames, sort_key};

/// Seed of the fixture signing key.
pub const SEED: [u8; 32] = [42; 32];

/// The fixture signing key.
pub fn key() -> PrivateKey {
    PrivateKey::from_seed(&SEED)
}

/// Trusts only [`key`].
pub fn trusted() -> TrustedKeys {
    TrustedKeys::new(vec![key().public_key()])
}

/// Signs with [`key`] and verifies at the payload's creation time.
pub fn verified(payload: &Payload) -> Result<VerifiedBundle, BundleError> {
    let bytes = sign(payload, &[&key()])?;
    verify(&bytes, &trusted(), payload.created)
}

/// Signs, verifies and compiles.
pub fn router(payload: &Payload) -> Result<Router, BundleError> {
    Router::new(&verified(payload)?)
}

/// A request head.
pub fn request(
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
) -> Result<http::request::Parts, http::Error> {
    let mut b = http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        b = b.header(*name, *value);
    }
    Ok(b.body(())?.into_parts().0)
}

/// A Service backend with weight 1 at `name.namespace.svc.cluster.local:port`.
pub fn service(namespace: &str, name: &str, port: u16) -> Backend {
    Backend {
        weight: 1,
        target: BackendTarget::Service(ServiceBackend {
            namespace: namespace.into(),
            name: name.into(),
            port,
            app_protocol: None,
            authority: format!("{name}.{namespace}.svc.cluster.local:{port}"),
            endpoints: Vec::new(),
        }),
        filters: Vec::new(),
    }
}

/// An unresolved backendRef (`BackendNotFound`) with weight 1.
pub fn invalid(namespace: &str, name: &str) -> Backend {
    Backend {
        weight: 1,
        target: BackendTarget::Invalid(InvalidBackend {
            kind: "Service".into(),
            namespace: namespace.into(),
            name: name.into(),
            port: Some(80),
            reason: "BackendNotFound".into(),
        }),
        filters: Vec::new(),
    }
}

/// `backend` with another weight.
pub fn weighted(backend: Backend, weight: u32) -> Backend {
    Backend { weight, ..backend }
}

fn path_match(kind: PathMatchKind, value: &str) -> RouteMatch {
    RouteMatch {
        path: PathMatch {
            kind,
            value: value.into(),
        },
        method: None,
        headers: Vec::new(),
        query_params: Vec::new(),
    }
}

pub fn prefix(path: &str) -> RouteMatch {
    path_match(PathMatchKind::PathPrefix, path)
}

pub fn exact(path: &str) -> RouteMatch {
    path_match(PathMatchKind::Exact, path)
}

pub fn regex(path: &str) -> RouteMatch {
    path_match(PathMatchKind::RegularExpression, path)
}

/// A rule without filters, timeouts or retries.
pub fn rule(matches: Vec<RouteMatch>, backends: Vec<Backend>) -> Rule {
    Rule {
        name: None,
        matches,
        filters: Vec::new(),
        backends,
        timeouts: None,
        retry: None,
        unresolved_filter: None,
    }
}

/// An HTTPRoute placed at the edge.
pub fn http_route(namespace: &str, name: &str, rules: Vec<Rule>) -> Route {
    Route {
        kind: RouteKind::Http,
        namespace: namespace.into(),
        name: name.into(),
        placement: Placement::Edge,
        rules,
    }
}
