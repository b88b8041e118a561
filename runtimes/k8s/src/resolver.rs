//! Name resolution for upstream connections: getaddrinfo on the blocking pool, as hyper-util
//! does, except that the cluster Service names the compiler writes
//! (`name.namespace.svc.cluster.local`) are looked up as fully qualified names. A pod's
//! resolv.conf has `ndots:5`, so without the trailing dot each lookup of a four-dot name
//! first walks the search list and fails there three or more times.

use std::borrow::Cow;
use std::io;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::dns::{GaiAddrs, GaiFuture, GaiResolver, Name};

/// The suffix of the Service authorities in a bundle.
const CLUSTER_SUFFIX: &str = ".svc.cluster.local";

#[derive(Debug, Clone)]
pub(crate) struct Resolver(GaiResolver);

impl Resolver {
    pub(crate) fn new() -> Self {
        Self(GaiResolver::new())
    }
}

/// `name` as the resolver should look it up, when that differs.
fn lookup_name(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(CLUSTER_SUFFIX).then(|| format!("{name}."))
}

/// A `host:port` to connect to, with the host as the resolver should look it up.
pub(crate) fn lookup_authority(authority: &str) -> Cow<'_, str> {
    match authority
        .rsplit_once(':')
        .and_then(|(host, port)| Some(format!("{}:{port}", lookup_name(host)?)))
    {
        Some(fqdn) => Cow::Owned(fqdn),
        None => Cow::Borrowed(authority),
    }
}

impl tower_service::Service<Name> for Resolver {
    type Response = GaiAddrs;
    type Error = io::Error;
    type Future = GaiFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), io::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, name: Name) -> GaiFuture {
        let name = match lookup_name(name.as_str()).map(|n| n.parse::<Name>()) {
            Some(Ok(fqdn)) => fqdn,
            _ => name,
        };
        self.0.call(name)
    }
}

#[cfg(test)]
mod tests {
    use tower_service::Service as _;

    use super::*;

    #[test]
    fn cluster_service_names_are_fully_qualified_and_others_are_left_alone() {
        assert_eq!(
            lookup_name("api.default.svc.cluster.local").as_deref(),
            Some("api.default.svc.cluster.local.")
        );
        assert_eq!(
            lookup_name("API.Default.SVC.cluster.local").as_deref(),
            Some("API.Default.SVC.cluster.local.")
        );
        assert_eq!(lookup_name("api.default.svc.cluster.local."), None);
        assert_eq!(lookup_name("api.openai.com"), None);
        assert_eq!(lookup_name("localhost"), None);
        assert_eq!(
            lookup_authority("echo.default.svc.cluster.local:9000"),
            "echo.default.svc.cluster.local.:9000"
        );
        assert_eq!(lookup_authority("10.0.0.7:9000"), "10.0.0.7:9000");
        assert_eq!(lookup_authority("[::1]:9000"), "[::1]:9000");
    }

    #[tokio::test]
    async fn resolves_through_getaddrinfo() {
        let mut r = Resolver::new();
        let addrs: Vec<_> = r
            .call("localhost".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert!(addrs.iter().any(|a| a.ip().is_loopback()), "{addrs:?}");
    }
}
