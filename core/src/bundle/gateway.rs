//! Gateways and their listeners as the compiler resolved them.

use serde::{Deserialize, Serialize};

use super::{Backend, Hostname, MatchEntry, ObjectRef};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gateway {
    pub namespace: String,
    pub name: String,
    pub listeners: Vec<Listener>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Protocol {
    Http,
    Https,
    Tls,
    Tcp,
    Udp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listener {
    /// The listener's `name` (the `sectionName` routes attach to).
    pub name: String,
    pub port: u16,
    pub protocol: Protocol,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<Hostname>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ListenerTls>,
    /// HTTP/HTTPS listeners: every (route, rule, match, hostname) attached here, sorted by
    /// `sort_key` so that the first entry that matches a request wins.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<MatchEntry>,
    /// TCP/TLS listeners: the attached TCPRoutes and TLSRoutes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub streams: Vec<StreamRoute>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TlsMode {
    Terminate,
    Passthrough,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenerTls {
    pub mode: TlsMode,
    /// Secrets (kind Secret) holding `tls.crt`/`tls.key`; each runtime resolves them from
    /// its own secret store. Never the key material itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificate_refs: Vec<ObjectRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StreamKind {
    #[serde(rename = "TCPRoute")]
    Tcp,
    #[serde(rename = "TLSRoute")]
    Tls,
}

/// A TCPRoute or TLSRoute attached to a listener. Always placed on Kubernetes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamRoute {
    pub kind: StreamKind,
    pub namespace: String,
    pub name: String,
    /// TLSRoute: SNI hostnames after intersection with the listener (empty = any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hostnames: Vec<Hostname>,
    /// The first rule's backends (TCPRoute/TLSRoute allow one rule in the standard channel).
    pub backends: Vec<Backend>,
}
