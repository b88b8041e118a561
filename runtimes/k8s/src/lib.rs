//! The Kubernetes runtime of Waygate: a long-lived data plane on hyper 1, tokio and rustls.
//! It binds the bundle's listeners (HTTP/1.1, h2c, HTTPS with ALPN and SNI, TCP, TLS
//! passthrough), asks `waygate-core` what to do with every request, and carries the
//! decision out: streaming proxying, WebSocket splicing, gRPC, redirects, direct answers.
//! Bundles hot-reload from the store with an atomic swap; SIGTERM drains.
//!
//! Must never: re-implement matching, filters or backend choice (core decides; this crate
//! only does IO), or buffer bodies except a small one a retry needs to resend.

mod admin;
mod body;
pub mod config;
pub mod echo_upstream;
mod endpoint_health;
mod listener;
mod metrics;
mod mirror;
mod proxy;
pub mod reload;
mod resolver;
mod rewind;
mod route_metrics;
pub mod run;
mod server;
mod state;
mod stream_route;
mod tls;
mod upstream;
mod websocket;
mod workers;

pub use config::Config;
pub use server::{InstallError, Server, StartError};
pub use upstream::UpstreamTlsError;
