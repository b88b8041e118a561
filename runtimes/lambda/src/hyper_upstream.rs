//! The production [`Upstream`]: a pooled hyper client over rustls (ring provider, Mozilla's
//! roots from webpki-roots) that speaks HTTP/1.1 and, where TLS negotiates it, HTTP/2.
//!
//! The pool lives as long as the execution environment, so warm invocations reuse
//! connections to the same backends.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::upstream::{Outgoing, Upstream, UpstreamError};

/// Idle pooled connections are closed after this long; backends commonly close at 60–120 s.
const POOL_IDLE: Duration = Duration::from_secs(55);
/// Bound on connecting (TCP and TLS), independent of the rule's timeouts.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct HyperUpstream {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl HyperUpstream {
    /// Builds the client. Fails only if the ring provider rejects the default TLS versions.
    pub fn new() -> Result<Self, rustls::Error> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(CONNECT_TIMEOUT));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())?
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(POOL_IDLE)
            .build(https);
        Ok(Self { client })
    }
}

impl Upstream for HyperUpstream {
    async fn send(&self, out: Outgoing) -> Result<http::Response<Bytes>, UpstreamError> {
        let (parts, body) = out.request.into_parts();
        let req = http::Request::from_parts(parts, Full::new(body));
        let res = self
            .client
            .request(req)
            .await
            .map_err(|e| UpstreamError::Unreachable(format!("{e:?}")))?;
        let (parts, body) = res.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| UpstreamError::Unreachable(format!("response body: {e}")))?
            .to_bytes();
        Ok(http::Response::from_parts(parts, body))
    }
}
