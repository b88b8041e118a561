//! The bundle: a versioned, deterministic routing payload inside a signed envelope.
//!
//! Layer 2 of three (manifests → bundle IR → compiled tables). Every struct denies unknown
//! fields: a signed artefact must mean exactly one thing.

mod backend;
mod envelope;
mod error;
mod filter;
mod gateway;
mod key;
mod names;
mod payload;
mod route;
#[cfg(test)]
mod tests;

pub use backend::{
    AiBackend, Backend, BackendTarget, HostPort, InvalidBackend, McpBackend, McpTarget,
    ServiceBackend, StaticBackend,
};
pub use envelope::{Digest, PAYLOAD_TYPE, VerifiedBundle, inspect, sign, verify};
pub use error::BundleError;
pub use filter::{
    Cors, Filter, Header, HeaderModifier, PathModifier, RequestMirror, RequestRedirect, UrlRewrite,
};
pub use gateway::{Gateway, Listener, ListenerTls, Protocol, StreamKind, StreamRoute, TlsMode};
pub use key::{PrivateKey, PublicKey, TrustedKeys};
pub use names::{Hostname, InvalidName, ObjectRef};
pub use payload::{Payload, SCHEMA_VERSION};
pub use route::{
    MatchEntry, PathMatch, PathMatchKind, Placement, Retry, Route, RouteKind, RouteMatch, Rule,
    SortKey, Timeouts, ValueMatch, ValueMatchKind,
};
