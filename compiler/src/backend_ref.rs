//! backendRefs: Services (with their EndpointSlices) and kgateway Backends, resolved to
//! bundle backends. Unresolvable references become `BackendTarget::Invalid` (requests get
//! 500 in proportion to the weight) plus a ResolvedRefs problem for the route's status.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ServicePort, ServiceSpec};
use waygate_core::bundle::{Backend, BackendTarget, InvalidBackend, ServiceBackend};

use crate::error::FieldError;
use crate::inventory::{GATEWAY_GROUP, Inventory, KGATEWAY_GROUP, Key};
use crate::kgateway::{LoweredBackend, port};
use crate::reference_grant::{RefFrom, RefTo, permits};
use crate::status::Problem;

/// Service appProtocols that need a long-lived connection, so Kubernetes placement.
const LONG_LIVED: [&str; 3] = ["kubernetes.io/ws", "kubernetes.io/wss", "kubernetes.io/h2c"];

pub(crate) fn is_long_lived(app_protocol: &str) -> bool {
    LONG_LIVED.contains(&app_protocol)
}

/// Largest weight the Gateway API allows.
const MAX_WEIGHT: i32 = 1_000_000;

/// A backendRef as written, whatever the route kind.
#[derive(Debug, Clone, Default)]
pub(crate) struct BackendRefSpec {
    pub group: Option<String>,
    pub kind: Option<String>,
    pub name: String,
    pub namespace: Option<String>,
    pub port: Option<i32>,
    pub weight: Option<i32>,
}

/// Copies the common backendRef fields out of any generated Gateway API type.
macro_rules! backend_ref_spec {
    ($r:expr) => {
        $crate::backend_ref::backend_ref_spec!($r, None)
    };
    ($r:expr, $weight:expr) => {
        $crate::backend_ref::BackendRefSpec {
            group: $r.group.clone(),
            kind: $r.kind.clone(),
            name: $r.name.clone(),
            namespace: $r.namespace.clone(),
            port: $r.port,
            weight: $weight,
        }
    };
}
pub(crate) use backend_ref_spec;

/// What a route's references are resolved against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RouteScope<'a> {
    pub inventory: &'a Inventory,
    pub backends: &'a BTreeMap<Key, LoweredBackend>,
    /// `HTTPRoute`, `GRPCRoute`, …
    pub kind: &'a str,
    pub namespace: &'a str,
}

/// One resolved reference.
#[derive(Debug, Clone)]
pub(crate) struct Resolution {
    pub target: BackendTarget,
    pub problem: Option<Problem>,
    /// Why the route must run on Kubernetes, if this backend forces it.
    pub pinned: Option<String>,
}

impl RouteScope<'_> {
    /// Resolves `r` into a weighted backend (weight default 1, 0 allowed).
    pub(crate) fn backend(
        &self,
        r: &BackendRefSpec,
        field: &str,
    ) -> Result<(Backend, Resolution), FieldError> {
        let weight = match r.weight {
            None => 1,
            Some(w) if (0..=MAX_WEIGHT).contains(&w) => w.unsigned_abs(),
            Some(w) => {
                return Err(FieldError::new(
                    format!("{field}.weight"),
                    format!("weight {w} is out of range 0-{MAX_WEIGHT}"),
                ));
            }
        };
        let resolution = self.resolve(r, field)?;
        let backend = Backend {
            weight,
            target: resolution.target.clone(),
            filters: Vec::new(),
        };
        Ok((backend, resolution))
    }

    /// Resolves `r` (field is its path, for errors such as a missing Service port).
    pub(crate) fn resolve(
        &self,
        r: &BackendRefSpec,
        field: &str,
    ) -> Result<Resolution, FieldError> {
        let group = r.group.as_deref().unwrap_or("");
        let kind = r.kind.as_deref().unwrap_or("Service");
        let namespace = r.namespace.as_deref().unwrap_or(self.namespace);
        let port = r
            .port
            .map(|p| port(i64::from(p), &format!("{field}.port")))
            .transpose()?;
        let shown_kind = if group.is_empty() || group == "core" {
            kind.to_owned()
        } else {
            format!("{group}/{kind}")
        };
        let invalid = |reason: &'static str, message: String| Resolution {
            target: BackendTarget::Invalid(InvalidBackend {
                kind: shown_kind.clone(),
                namespace: namespace.to_owned(),
                name: r.name.clone(),
                port,
                reason: reason.to_owned(),
            }),
            problem: Some(Problem::new(reason, message)),
            pinned: None,
        };
        let target_group = match (group, kind) {
            ("" | "core", "Service") => "",
            (KGATEWAY_GROUP, "Backend") => KGATEWAY_GROUP,
            _ => {
                return Ok(invalid(
                    "InvalidKind",
                    format!(
                        "backendRef {shown_kind} {namespace}/{} is not a kind waygate supports (Service, {KGATEWAY_GROUP}/Backend)",
                        r.name
                    ),
                ));
            }
        };
        let from = RefFrom {
            group: GATEWAY_GROUP,
            kind: self.kind,
            namespace: self.namespace,
        };
        let to = RefTo {
            group: target_group,
            kind,
            namespace,
            name: &r.name,
        };
        if !permits(self.inventory, from, to) {
            return Ok(invalid(
                "RefNotPermitted",
                format!(
                    "backendRef to {shown_kind} {namespace}/{} is not permitted by any ReferenceGrant in namespace {namespace}",
                    r.name
                ),
            ));
        }
        let key = (namespace.to_owned(), r.name.clone());
        if target_group.is_empty() {
            let Some(port) = port else {
                return Err(FieldError::new(
                    format!("{field}.port"),
                    "required for a Service backendRef",
                ));
            };
            let Some(service) = self.inventory.services.get(&key) else {
                return Ok(invalid(
                    "BackendNotFound",
                    format!("Service {namespace}/{} not found", r.name),
                ));
            };
            let Some(service_port) = service_port(&service.spec, port) else {
                return Ok(invalid(
                    "BackendNotFound",
                    format!("Service {namespace}/{} has no port {port}", r.name),
                ));
            };
            Ok(self.service(&key, &service.spec, service_port, port))
        } else {
            let Some(lowered) = self.backends.get(&key) else {
                return Ok(invalid(
                    "BackendNotFound",
                    format!("Backend {namespace}/{} not found", r.name),
                ));
            };
            match &lowered.target {
                Ok(target) => Ok(Resolution {
                    target: target.clone(),
                    problem: None,
                    pinned: lowered.pinned.clone(),
                }),
                Err(why) => Ok(invalid("InvalidKind", why.clone())),
            }
        }
    }

    fn service(
        &self,
        key: &Key,
        spec: &ServiceSpec,
        service_port: &ServicePort,
        port: u16,
    ) -> Resolution {
        let (namespace, name) = key;
        let authority = match (spec.type_.as_deref(), spec.external_name.as_deref()) {
            (Some("ExternalName"), Some(external)) => format!("{external}:{port}"),
            _ => format!("{name}.{namespace}.svc.cluster.local:{port}"),
        };
        let app_protocol = service_port.app_protocol.clone();
        let pinned = app_protocol
            .as_deref()
            .filter(|p| is_long_lived(p))
            .map(|p| format!("Service {namespace}/{name} port {port} has appProtocol {p}"));
        Resolution {
            target: BackendTarget::Service(ServiceBackend {
                namespace: namespace.clone(),
                name: name.clone(),
                port,
                app_protocol,
                authority,
                endpoints: self.endpoints(key, service_port),
            }),
            problem: None,
            pinned,
        }
    }

    /// Ready addresses of the Service's EndpointSlices, with the endpoint port whose name
    /// matches the Service port's name (sorted, so input order does not matter).
    fn endpoints(&self, key: &Key, service_port: &ServicePort) -> Vec<String> {
        let wanted = service_port.name.as_deref().unwrap_or("");
        let mut out = Vec::new();
        for slice in self
            .inventory
            .endpoint_slices
            .get(key)
            .into_iter()
            .flatten()
        {
            let slice = &slice.spec;
            let Some(port) = slice
                .ports
                .iter()
                .flatten()
                .find(|p| p.name.as_deref().unwrap_or("") == wanted)
                .and_then(|p| p.port)
            else {
                continue;
            };
            for endpoint in &slice.endpoints {
                // Kubernetes: an unset `ready` means ready.
                if endpoint.conditions.as_ref().and_then(|c| c.ready) == Some(false) {
                    continue;
                }
                for address in &endpoint.addresses {
                    if address.contains(':') {
                        out.push(format!("[{address}]:{port}"));
                    } else {
                        out.push(format!("{address}:{port}"));
                    }
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

fn service_port(spec: &ServiceSpec, port: u16) -> Option<&ServicePort> {
    spec.ports
        .iter()
        .flatten()
        .find(|p| p.port == i32::from(port))
}

#[cfg(test)]
mod tests;
