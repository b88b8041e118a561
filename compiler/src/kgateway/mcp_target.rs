//! kgateway MCP Backends: static targets and targets found by Service label selectors.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector as K8sLabelSelector;
use serde::Deserialize;
use waygate_core::bundle::McpTarget;

use super::port;
use crate::error::FieldError;
use crate::inventory::Inventory;
use crate::label_selector::{Expression, LabelSelector};

#[derive(Debug, Deserialize)]
pub(crate) struct McpSpec {
    pub targets: Vec<McpTargetSpec>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct McpTargetSpec {
    pub name: String,
    #[serde(rename = "static")]
    pub static_target: Option<McpStatic>,
    pub selector: Option<McpSelector>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct McpStatic {
    pub host: String,
    pub port: i64,
    pub path: Option<String>,
    pub protocol: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct McpSelector {
    pub namespace: Option<K8sLabelSelector>,
    pub service: Option<K8sLabelSelector>,
}

pub(super) fn mcp_targets(
    inventory: &Inventory,
    ns: &str,
    specs: &[McpTargetSpec],
) -> Result<Vec<McpTarget>, FieldError> {
    if specs.is_empty() {
        return Err(FieldError::new(
            "spec.mcp.targets",
            "must list at least one target",
        ));
    }
    let mut targets = Vec::new();
    for (i, t) in specs.iter().enumerate() {
        let field = format!("spec.mcp.targets[{i}]");
        match (&t.static_target, &t.selector) {
            (Some(s), None) => {
                let protocol =
                    mcp_protocol(s.protocol.as_deref(), &format!("{field}.static.protocol"))?;
                targets.push(McpTarget {
                    name: t.name.clone(),
                    host: s.host.clone(),
                    port: port(s.port, &format!("{field}.static.port"))?,
                    protocol,
                    path: s.path.clone(),
                });
            }
            (None, Some(selector)) => targets.extend(selected(
                inventory,
                ns,
                &t.name,
                selector,
                &format!("{field}.selector"),
            )?),
            _ => {
                return Err(FieldError::new(
                    field,
                    "exactly one of static and selector must be set",
                ));
            }
        }
    }
    Ok(targets)
}

fn mcp_protocol(value: Option<&str>, field: &str) -> Result<String, FieldError> {
    match value {
        None | Some("StreamableHTTP") => Ok("StreamableHTTP".to_owned()),
        Some("SSE") => Ok("SSE".to_owned()),
        Some(other) => Err(FieldError::new(
            field,
            format!("unknown variant {other:?}, expected one of StreamableHTTP, SSE"),
        )),
    }
}

fn selector(
    s: Option<&K8sLabelSelector>,
    field: &str,
) -> Result<Option<LabelSelector>, FieldError> {
    s.map(|s| {
        let exprs = s.match_expressions.as_deref().unwrap_or_default();
        LabelSelector::new(
            s.match_labels.as_ref(),
            exprs.iter().map(|e| Expression {
                key: &e.key,
                operator: &e.operator,
                values: e.values.as_deref().unwrap_or_default(),
            }),
            field,
        )
    })
    .transpose()
}

/// Service selector targets: every port with appProtocol `kgateway.dev/mcp` of every
/// matching Service (in the Backend's namespace unless a namespace selector is given).
/// Protocol and path come from the Service's `kgateway.dev/mcp-protocol` and
/// `kgateway.dev/mcp-path` annotations.
fn selected(
    inventory: &Inventory,
    ns: &str,
    target: &str,
    spec: &McpSelector,
    field: &str,
) -> Result<Vec<McpTarget>, FieldError> {
    let namespaces = selector(spec.namespace.as_ref(), &format!("{field}.namespace"))?;
    let services =
        selector(spec.service.as_ref(), &format!("{field}.service"))?.unwrap_or_default();
    let mut out = Vec::new();
    for ((svc_ns, svc_name), svc) in &inventory.services {
        let ns_ok = match &namespaces {
            Some(sel) => sel.matches(&inventory.namespace_labels(svc_ns)),
            None => svc_ns == ns,
        };
        if !ns_ok || !services.matches(&svc.meta.labels) {
            continue;
        }
        let protocol = mcp_protocol(
            svc.meta
                .annotations
                .get("kgateway.dev/mcp-protocol")
                .map(String::as_str),
            &format!("{field}.service"),
        )?;
        for p in svc.spec.ports.iter().flatten() {
            if p.app_protocol.as_deref() != Some("kgateway.dev/mcp") {
                continue;
            }
            let Ok(port) = u16::try_from(p.port) else {
                continue;
            };
            out.push(McpTarget {
                name: format!("{target}-{svc_ns}-{svc_name}-{port}"),
                host: format!("{svc_name}.{svc_ns}.svc.cluster.local"),
                port,
                protocol: protocol.clone(),
                path: svc.meta.annotations.get("kgateway.dev/mcp-path").cloned(),
            });
        }
    }
    Ok(out)
}
