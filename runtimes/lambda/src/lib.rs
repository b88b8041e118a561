//! The AWS Lambda runtime of Waygate: a `lambda_http` adapter around the same signed bundle
//! and the same core every runtime uses.
//!
//! It does four things only (DESIGN.md): turn the Lambda event into `http` types
//! ([`event`]), ask core for a decision ([`gateway`]), carry the decision out with a pooled
//! rustls client ([`forward`], [`hyper_upstream`]) and turn the result back into the event's
//! response shape. It must never hold routing semantics: matching, filters, placement of
//! Kubernetes-pinned routes, retry policy and redirects all come from `waygate-core`.
//!
//! The bundle is loaded at init from `WAYGATE_STORE`/`WAYGATE_CHANNEL`, verified against
//! `WAYGATE_PUBLIC_KEY`, and refreshed with a conditional GET at most every
//! `WAYGATE_REFRESH_SECONDS` ([`bundles`]). Gateway-own failures are 503 answers, never a
//! crash.

pub mod bundles;
pub mod config;
pub mod event;
mod forward;
pub mod function;
pub mod gateway;
pub mod hyper_upstream;
pub mod store;
pub mod upstream;

pub use bundles::{Bundles, Refresh, Unavailable};
pub use config::Config;
pub use function::Function;
pub use gateway::Gateway;
pub use hyper_upstream::HyperUpstream;
pub use store::Store;
pub use upstream::{BackendId, Outgoing, Upstream, UpstreamError};
