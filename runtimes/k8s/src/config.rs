//! Process-level settings of the data plane (not routing: routing comes from the bundle).

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use waygate_core::bundle::ObjectRef;

#[derive(Debug, Clone)]
pub struct Config {
    /// Address every listener port binds on.
    pub listen_host: IpAddr,
    /// `<dir>/<namespace>/<name>/tls.crt|tls.key` for listener certificateRefs.
    pub secrets_dir: Option<PathBuf>,
    /// Serve only this Gateway's listeners; `None` serves every Gateway in the bundle.
    pub gateway: Option<ObjectRef>,
    /// How long SIGTERM waits for in-flight requests before closing connections.
    pub drain_deadline: Duration,
    /// Request bodies up to this size are buffered when the rule retries, so a retry can
    /// resend them; larger or unsized bodies stream and get a single attempt.
    pub retry_buffer_limit: usize,
    /// Sends every upstream connection to this `host:port` instead of the backend's
    /// addresses (Host and path unchanged). For conformance runs where Services have no
    /// EndpointSlices; never set in production.
    pub upstream_override: Option<String>,
    /// Extra PEM roots trusted for `https` backends, on top of the Mozilla roots (a
    /// cluster-internal CA).
    pub upstream_ca: Option<PathBuf>,
    /// An HTTP/1 client that has not sent a complete request head this long after the
    /// connection became ready for one (a new or an idle keep-alive connection, or a slow
    /// sender) is disconnected; HTTP/2 connections are pinged at this interval and closed when
    /// the peer stops answering.
    pub client_header_timeout: Duration,
    /// Data-plane threads, each running its own single-threaded runtime and upstream pools
    /// (see `workers`). 0 serves connections on the runtime that installs the bundle.
    pub workers: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen_host: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            secrets_dir: None,
            gateway: None,
            drain_deadline: Duration::from_secs(30),
            retry_buffer_limit: 64 * 1024,
            upstream_override: None,
            upstream_ca: None,
            client_header_timeout: Duration::from_mins(1),
            workers: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        }
    }
}
