//! Backends a rule forwards to, resolved by the compiler.

use serde::{Deserialize, Serialize};

use super::{Filter, ObjectRef};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Backend {
    /// Relative weight; 0 means the backend receives no traffic.
    pub weight: u32,
    pub target: BackendTarget,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum BackendTarget {
    Service(ServiceBackend),
    Static(StaticBackend),
    Ai(AiBackend),
    Mcp(McpBackend),
    /// A backendRef that did not resolve; requests routed to it get 500.
    Invalid(InvalidBackend),
}

impl BackendTarget {
    /// The scheme to reach the backend with: TLS for AI providers, for an appProtocol that
    /// asks for it, and for port 443; cleartext HTTP otherwise.
    pub fn scheme(&self) -> &'static str {
        let (app_protocol, port) = match self {
            Self::Ai(_) => return "https",
            Self::Service(s) => (s.app_protocol.as_deref(), Some(s.port)),
            Self::Static(s) => (s.app_protocol.as_deref(), s.hosts.first().map(|h| h.port)),
            Self::Mcp(m) => (None, m.targets.first().map(|t| t.port)),
            Self::Invalid(_) => (None, None),
        };
        let tls = app_protocol.is_some_and(|p| {
            matches!(
                p,
                "https" | "tls" | "kubernetes.io/wss" | "kubernetes.io/https"
            )
        });
        if tls || port == Some(443) {
            "https"
        } else {
            "http"
        }
    }

    /// Namespace, name and port for logs and `explain`.
    pub fn identity(&self) -> (&str, &str, Option<u16>) {
        match self {
            Self::Service(s) => (&s.namespace, &s.name, Some(s.port)),
            Self::Static(s) => (&s.namespace, &s.name, s.hosts.first().map(|h| h.port)),
            Self::Ai(a) => (&a.namespace, &a.name, a.port),
            Self::Mcp(m) => (&m.namespace, &m.name, m.targets.first().map(|t| t.port)),
            Self::Invalid(i) => (&i.namespace, &i.name, i.port),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceBackend {
    pub namespace: String,
    pub name: String,
    pub port: u16,
    /// The Service port's appProtocol (`kubernetes.io/ws`, `kubernetes.io/h2c`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_protocol: Option<String>,
    /// `name.namespace.svc.cluster.local:port`.
    pub authority: String,
    /// `ip:port` from EndpointSlices when the input had them; used instead of `authority`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostPort {
    pub host: String,
    pub port: u16,
}

/// kgateway `Backend` of type Static.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaticBackend {
    pub namespace: String,
    pub name: String,
    pub hosts: Vec<HostPort>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_protocol: Option<String>,
}

/// kgateway `Backend` of type AI: an LLM provider. Credentials stay a secret reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AiBackend {
    pub namespace: String,
    pub name: String,
    /// `openai`, `anthropic`, `gemini`, `vertexai`, `azureopenai`, `bedrock`.
    pub provider: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_secret: Option<ObjectRef>,
    /// Host override; the provider's public endpoint when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// kgateway `Backend` of type MCP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpBackend {
    pub namespace: String,
    pub name: String,
    pub targets: Vec<McpTarget>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpTarget {
    pub name: String,
    pub host: String,
    pub port: u16,
    /// `StreamableHTTP` or `SSE`.
    pub protocol: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvalidBackend {
    /// `group/kind` of the reference as written (`Service` for the core group).
    pub kind: String,
    pub namespace: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The ResolvedRefs reason: `BackendNotFound`, `InvalidKind` or `RefNotPermitted`.
    pub reason: String,
}
