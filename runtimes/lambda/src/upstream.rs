//! How the adapter reaches backends: the [`Upstream`] trait (one buffered exchange), the
//! transport choice for a picked backend, and the hop-by-hop header rules. Tests implement
//! [`Upstream`] to capture outgoing requests; production uses
//! [`HyperUpstream`](crate::hyper_upstream::HyperUpstream).

use std::future::Future;

use bytes::Bytes;
use waygate_core::bundle::BackendTarget;

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
