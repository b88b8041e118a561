//! How the adapter reaches backends: the [`Upstream`] trait (one buffered exchange), the
//! transport choice for a picked backend, and the hop-by-hop header rules. Tests implement
//! [`Upstream`] to capture outgoing requests; production uses
//! [`HyperUpstream`](crate::hyper_upstream::HyperUpstream).

use std::future::Future;

use bytes::Bytes;
use http::HeaderMap;
use http::header::HeaderName;
use waygate_core::bundle::BackendTarget;

/// Connection-level headers (RFC 9110 §7.6.1) that must not be forwarded. API Gateway and
/// ALB already end the client's connection; these describe that hop, not the next one.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "upgrade",
];

/// Which backendRef an outgoing request is for: `(namespace, name, port)` as the bundle names
/// it, so tests and logs can say which backend was called without knowing its addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendId {
    pub namespace: String,
    pub name: String,
    pub port: Option<u16>,
}

impl BackendId {
    pub fn of(target: &BackendTarget) -> Self {
        let (namespace, name, port) = target.identity();
        Self {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            port,
        }
    }
}

/// One request to one backend address. `request`'s URI is absolute
/// (`scheme://address/path?query`); its `host` header is the upstream Host core chose.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub backend: BackendId,
    /// Whether this is a RequestMirror copy (its answer is ignored).
    pub mirror: bool,
    pub request: http::Request<Bytes>,
}

/// Why an exchange produced no response.
#[derive(Debug, Clone, thiserror::Error)]
pub enum UpstreamError {
    /// Could not connect, or the connection failed before a complete response.
    #[error("upstream unreachable: {0}")]
    Unreachable(String),
    /// The request could not be built (bad address or header).
    #[error("invalid upstream request: {0}")]
    Invalid(String),
}

/// Sends one buffered request and returns the buffered response. Lambda answers with a whole
/// body anyway (the non-streaming invoke model), so buffering costs nothing extra and lets
/// retries resend the body. Timeouts are applied by the caller around this future.
pub trait Upstream: Send + Sync + 'static {
    fn send(
        &self,
        out: Outgoing,
    ) -> impl Future<Output = Result<http::Response<Bytes>, UpstreamError>> + Send;
}

/// The scheme to reach a backend with: TLS for AI providers, for an appProtocol that asks
/// for it, and for port 443; cleartext HTTP otherwise.
pub fn backend_scheme(target: &BackendTarget) -> &'static str {
    let (app_protocol, port) = match target {
        BackendTarget::Ai(_) => return "https",
        BackendTarget::Service(s) => (s.app_protocol.as_deref(), Some(s.port)),
        BackendTarget::Static(s) => (s.app_protocol.as_deref(), s.hosts.first().map(|h| h.port)),
        BackendTarget::Mcp(m) => (None, m.targets.first().map(|t| t.port)),
        BackendTarget::Invalid(_) => (None, None),
    };
    let tls_protocol = app_protocol.is_some_and(|p| {
        matches!(
            p,
            "https" | "tls" | "kubernetes.io/wss" | "kubernetes.io/https"
        )
    });
    if tls_protocol || port == Some(443) {
        "https"
    } else {
        "http"
    }
}

/// Removes hop-by-hop headers, including those the Connection header names.
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|t| HeaderName::from_bytes(t.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    headers.remove(http::header::TRANSFER_ENCODING);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_connection_named_and_hop_by_hop_headers() {
        let mut h = HeaderMap::new();
        h.insert("connection", "keep-alive, x-private".parse().unwrap());
        h.insert("x-private", "1".parse().unwrap());
        h.insert("keep-alive", "timeout=5".parse().unwrap());
        h.insert("transfer-encoding", "chunked".parse().unwrap());
        h.insert("x-kept", "yes".parse().unwrap());
        strip_hop_by_hop(&mut h);
        assert_eq!(h.len(), 1);
        assert_eq!(h["x-kept"], "yes");
    }
}
