//! kgateway `Backend` objects (`gateway.kgateway.dev/v1alpha1`): Static hosts, AI (LLM
//! providers) and MCP targets, lowered to the bundle's typed backends.
//!
//! Only the fields waygate uses are typed; the rest of kgateway's schema is ignored.
//! Credentials must stay references: inline tokens are refused, because the bundle is
//! published to object storage and must never carry a secret.

use std::collections::BTreeMap;

use serde::Deserialize;
use waygate_core::bundle::{BackendTarget, HostPort, McpBackend, StaticBackend};

use crate::CompileError;
use crate::error::FieldError;
use crate::inventory::{Inventory, Key};

mod llm_provider;
mod mcp_target;

use llm_provider::{AiSpec, lower_llm};
use mcp_target::{McpSpec, mcp_targets};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BackendSpec {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(rename = "static")]
    pub static_hosts: Option<StaticSpec>,
    pub ai: Option<AiSpec>,
    pub mcp: Option<McpSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StaticSpec {
    pub hosts: Vec<HostSpec>,
    pub app_protocol: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct HostSpec {
    pub host: String,
    pub port: i64,
}

/// A Backend as routes see it.
#[derive(Debug, Clone)]
pub(crate) struct LoweredBackend {
    /// `Err`: a Backend type waygate cannot serve (routes referring to it get 500).
    pub target: Result<BackendTarget, String>,
    /// Why routes using it must run on Kubernetes (stateful SSE sessions).
    pub pinned: Option<String>,
}

/// Lowers every Backend in the input (referenced or not, so that a bad one fails CI).
pub(crate) fn lower_all(
    inventory: &Inventory,
) -> Result<BTreeMap<Key, LoweredBackend>, CompileError> {
    let mut out = BTreeMap::new();
    for (key, object) in &inventory.backends {
        let lowered = lower(inventory, &key.0, &key.1, &object.spec)
            .map_err(|e| e.at(&object.meta.location))?;
        out.insert(key.clone(), lowered);
    }
    Ok(out)
}

fn lower(
    inventory: &Inventory,
    ns: &str,
    name: &str,
    spec: &BackendSpec,
) -> Result<LoweredBackend, FieldError> {
    let unsupported = |what: &str| LoweredBackend {
        target: Err(format!(
            "Backend {ns}/{name} has type {what}, which waygate does not support"
        )),
        pinned: None,
    };
    match spec.kind.to_ascii_lowercase().as_str() {
        "static" => {
            let Some(s) = &spec.static_hosts else {
                return Err(FieldError::new(
                    "spec.static",
                    "required when type is Static",
                ));
            };
            if s.hosts.is_empty() {
                return Err(FieldError::new(
                    "spec.static.hosts",
                    "must list at least one host",
                ));
            }
            let hosts = s
                .hosts
                .iter()
                .enumerate()
                .map(|(i, h)| host_port(h, &format!("spec.static.hosts[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            let pinned = s
                .app_protocol
                .as_deref()
                .filter(|p| crate::backend_ref::is_long_lived(p))
                .map(|p| format!("Backend {ns}/{name} has appProtocol {p}"));
            Ok(LoweredBackend {
                target: Ok(BackendTarget::Static(StaticBackend {
                    namespace: ns.to_owned(),
                    name: name.to_owned(),
                    hosts,
                    app_protocol: s.app_protocol.clone(),
                })),
                pinned,
            })
        }
        "ai" => {
            let Some(ai) = &spec.ai else {
                return Err(FieldError::new("spec.ai", "required when type is AI"));
            };
            if ai.multipool.is_some() {
                return Err(FieldError::new(
                    "spec.ai.multipool",
                    "multipool AI backends are not supported by waygate; use one Backend per provider",
                ));
            }
            let Some(llm) = &ai.llm else {
                return Err(FieldError::new("spec.ai.llm", "required"));
            };
            Ok(LoweredBackend {
                target: Ok(BackendTarget::Ai(lower_llm(ns, name, llm)?)),
                pinned: None,
            })
        }
        "mcp" => {
            let Some(mcp) = &spec.mcp else {
                return Err(FieldError::new("spec.mcp", "required when type is MCP"));
            };
            let targets = mcp_targets(inventory, ns, &mcp.targets)?;
            let pinned = targets
                .iter()
                .find(|t| t.protocol.eq_ignore_ascii_case("SSE"))
                .map(|t| format!("Backend {ns}/{name} target {} speaks SSE", t.name));
            Ok(LoweredBackend {
                target: Ok(BackendTarget::Mcp(McpBackend {
                    namespace: ns.to_owned(),
                    name: name.to_owned(),
                    targets,
                })),
                pinned,
            })
        }
        other => Ok(unsupported(other)),
    }
}

fn host_port(h: &HostSpec, field: &str) -> Result<HostPort, FieldError> {
    if h.host.is_empty() {
        return Err(FieldError::new(
            format!("{field}.host"),
            "must not be empty",
        ));
    }
    Ok(HostPort {
        host: h.host.clone(),
        port: port(h.port, &format!("{field}.port"))?,
    })
}

pub(crate) fn port(value: i64, field: &str) -> Result<u16, FieldError> {
    u16::try_from(value)
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| FieldError::new(field, format!("port {value} is out of range 1-65535")))
}

#[cfg(test)]
mod tests;
