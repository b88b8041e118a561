//! Gateway listeners: protocol, hostname, TLS, which routes may attach, and conflicts.

use gateway_api::experimental::gateways::{
    GatewayListeners, GatewayListenersAllowedRoutesNamespacesFrom, GatewayListenersTlsMode,
};
use serde_json::{Value, json};
use waygate_core::bundle::{Hostname, ListenerTls, ObjectRef, Protocol, TlsMode};

use crate::error::FieldError;
use crate::hostname;
use crate::inventory::{GATEWAY_GROUP, Inventory};
use crate::label_selector::{Expression, LabelSelector};
use crate::reference_grant::{RefFrom, RefTo, permits};
use crate::route::RouteType;
use crate::status::{Conditions, Problem};

/// Which namespaces' routes may attach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AllowedNamespaces {
    Same,
    All,
    Selector(LabelSelector),
}

/// One listener after validation.
#[derive(Debug, Clone)]
pub(crate) struct ListenerPlan {
    pub name: String,
    pub port: u16,
    /// `None`: a protocol waygate does not serve (UDP, vendor protocols).
    pub protocol: Option<Protocol>,
    pub hostname: Option<Hostname>,
    pub tls: Option<ListenerTls>,
    pub namespaces: AllowedNamespaces,
    /// Route kinds that may attach (the valid part of `allowedRoutes.kinds`).
    pub kinds: Vec<RouteType>,
    /// Accepted=False reason.
    pub not_accepted: Option<Problem>,
    /// Conflicted=True reason.
    pub conflicted: Option<Problem>,
    /// ResolvedRefs=False because of a certificateRef.
    pub bad_certificate: Option<Problem>,
    /// ResolvedRefs=False because of `allowedRoutes.kinds`.
    pub bad_kinds: Option<Problem>,
}

impl ListenerPlan {
    /// Routes may attach: the listener is accepted and not in conflict.
    pub(crate) fn attachable(&self) -> bool {
        self.not_accepted.is_none() && self.conflicted.is_none()
    }

    /// The listener goes into the bundle.
    pub(crate) fn programmed(&self) -> bool {
        self.attachable() && self.bad_certificate.is_none() && !self.kinds.is_empty()
    }

    /// Whether a route of `route_type` in `route_ns` may attach.
    pub(crate) fn allows(
        &self,
        inventory: &Inventory,
        gateway_ns: &str,
        route_type: RouteType,
        route_ns: &str,
    ) -> bool {
        self.kinds.contains(&route_type)
            && match &self.namespaces {
                AllowedNamespaces::Same => route_ns == gateway_ns,
                AllowedNamespaces::All => true,
                AllowedNamespaces::Selector(s) => s.matches(&inventory.namespace_labels(route_ns)),
            }
    }

    /// The listener's entry in Gateway status.
    pub(crate) fn status(&self, attached: usize, c: &Conditions<'_>) -> Value {
        let supported: Vec<Value> = self
            .kinds
            .iter()
            .map(|k| json!({"group": GATEWAY_GROUP, "kind": k.kind()}))
            .collect();
        // A conflicted listener is neither accepted nor programmed, for the conflict's
        // reason (as the Gateway API conformance suite expects).
        let not_accepted = self.not_accepted.as_ref().or(self.conflicted.as_ref());
        let programmed_problem = match &self.conflicted {
            Some(p) => Some(p.clone()),
            None => (!self.programmed()).then(|| {
                Problem::new(
                    "Invalid",
                    "the listener is not programmed; see its other conditions",
                )
            }),
        };
        let conflicted = match &self.conflicted {
            Some(p) => c.make("Conflicted", true, p.reason, &p.message),
            None => c.make("Conflicted", false, "NoConflicts", "no conflicts"),
        };
        json!({
            "name": self.name,
            "supportedKinds": supported,
            "attachedRoutes": attached,
            "conditions": [
                c.verdict("Accepted", not_accepted, "Accepted", "listener accepted"),
                c.verdict("Programmed", programmed_problem.as_ref(), "Programmed", "listener programmed"),
                c.verdict(
                    "ResolvedRefs",
                    self.bad_certificate.as_ref().or(self.bad_kinds.as_ref()),
                    "ResolvedRefs",
                    "all references resolved",
                ),
                conflicted,
            ],
        })
    }
}

/// Kinds a protocol can carry.
fn kinds_for(protocol: Protocol) -> &'static [RouteType] {
    match protocol {
        Protocol::Http | Protocol::Https => &[RouteType::Http, RouteType::Grpc],
        Protocol::Tls => &[RouteType::Tls],
        Protocol::Tcp => &[RouteType::Tcp],
        Protocol::Udp => &[],
    }
}

/// Validates listener `index` of a Gateway in `gateway_ns`.
pub(crate) fn plan(
    inventory: &Inventory,
    gateway_ns: &str,
    l: &GatewayListeners,
    index: usize,
) -> Result<ListenerPlan, FieldError> {
    let field = format!("spec.listeners[{index}]");
    let port = crate::kgateway::port(i64::from(l.port), &format!("{field}.port"))?;
    let hostname = l
        .hostname
        .as_deref()
        .map(|h| hostname::parse(h, &format!("{field}.hostname")))
        .transpose()?;
    let protocol = match l.protocol.as_str() {
        "HTTP" => Some(Protocol::Http),
        "HTTPS" => Some(Protocol::Https),
        "TLS" => Some(Protocol::Tls),
        "TCP" => Some(Protocol::Tcp),
        _ => None,
    };
    let mut plan = ListenerPlan {
        name: l.name.clone(),
        port,
        protocol,
        hostname,
        tls: None,
        namespaces: namespaces(l, &field)?,
        kinds: Vec::new(),
        not_accepted: None,
        conflicted: None,
        bad_certificate: None,
        bad_kinds: None,
    };
    let Some(protocol) = protocol else {
        plan.not_accepted = Some(Problem::new(
            "UnsupportedProtocol",
            format!(
                "protocol {} is not supported by waygate (HTTP, HTTPS, TLS, TCP)",
                l.protocol
            ),
        ));
        return Ok(plan);
    };
    plan.tls = tls(
        inventory,
        gateway_ns,
        l,
        protocol,
        &field,
        &mut plan.bad_certificate,
    )?;
    let allowed = kinds_for(protocol);
    match l.allowed_routes.as_ref().and_then(|a| a.kinds.as_ref()) {
        None => plan.kinds = allowed.to_vec(),
        Some(kinds) => {
            let mut invalid = Vec::new();
            for k in kinds {
                let group = k.group.as_deref().unwrap_or(GATEWAY_GROUP);
                let found = allowed
                    .iter()
                    .find(|t| group == GATEWAY_GROUP && t.kind() == k.kind);
                match found {
                    Some(t) if !plan.kinds.contains(t) => plan.kinds.push(*t),
                    Some(_) => {}
                    None => invalid.push(format!("{group}/{}", k.kind)),
                }
            }
            if !invalid.is_empty() {
                plan.bad_kinds = Some(Problem::new(
                    "InvalidRouteKinds",
                    format!(
                        "route kinds {} are not supported on a {} listener",
                        invalid.join(", "),
                        l.protocol
                    ),
                ));
            }
        }
    }
    Ok(plan)
}

fn namespaces(l: &GatewayListeners, field: &str) -> Result<AllowedNamespaces, FieldError> {
    let Some(ns) = l
        .allowed_routes
        .as_ref()
        .and_then(|a| a.namespaces.as_ref())
    else {
        return Ok(AllowedNamespaces::Same);
    };
    match ns.from {
        None | Some(GatewayListenersAllowedRoutesNamespacesFrom::Same) => {
            Ok(AllowedNamespaces::Same)
        }
        Some(GatewayListenersAllowedRoutesNamespacesFrom::All) => Ok(AllowedNamespaces::All),
        Some(GatewayListenersAllowedRoutesNamespacesFrom::Selector) => {
            let at = format!("{field}.allowedRoutes.namespaces.selector");
            let Some(s) = &ns.selector else {
                return Err(FieldError::new(at, "required when from is Selector"));
            };
            let selector = LabelSelector::new(
                s.match_labels.as_ref(),
                s.match_expressions.iter().flatten().map(|e| Expression {
                    key: &e.key,
                    operator: &e.operator,
                    values: e.values.as_deref().unwrap_or_default(),
                }),
                &at,
            )?;
            Ok(AllowedNamespaces::Selector(selector))
        }
    }
}

fn tls(
    inventory: &Inventory,
    gateway_ns: &str,
    l: &GatewayListeners,
    protocol: Protocol,
    field: &str,
    problem: &mut Option<Problem>,
) -> Result<Option<ListenerTls>, FieldError> {
    let needs_tls = matches!(protocol, Protocol::Https | Protocol::Tls);
    let Some(tls) = &l.tls else {
        return if needs_tls {
            Err(FieldError::new(
                format!("{field}.tls"),
                format!("required for protocol {}", l.protocol),
            ))
        } else {
            Ok(None)
        };
    };
    if !needs_tls {
        return Err(FieldError::new(
            format!("{field}.tls"),
            format!("must not be set for protocol {}", l.protocol),
        ));
    }
    let mode = match tls.mode {
        None | Some(GatewayListenersTlsMode::Terminate) => TlsMode::Terminate,
        Some(GatewayListenersTlsMode::Passthrough) => TlsMode::Passthrough,
    };
    if protocol == Protocol::Https && mode == TlsMode::Passthrough {
        return Err(FieldError::new(
            format!("{field}.tls.mode"),
            "must be Terminate for protocol HTTPS",
        ));
    }
    let mut certificate_refs = Vec::new();
    for r in tls.certificate_refs.iter().flatten() {
        let group = r.group.as_deref().unwrap_or("");
        let kind = r.kind.as_deref().unwrap_or("Secret");
        let namespace = r.namespace.as_deref().unwrap_or(gateway_ns);
        if !(group.is_empty() || group == "core") || kind != "Secret" {
            crate::route::first_problem(
                problem,
                Some(Problem::new(
                    "InvalidCertificateRef",
                    format!(
                        "certificateRef {group}/{kind} {namespace}/{} is not a Secret",
                        r.name
                    ),
                )),
            );
            continue;
        }
        let from = RefFrom {
            group: GATEWAY_GROUP,
            kind: "Gateway",
            namespace: gateway_ns,
        };
        let to = RefTo {
            group: "",
            kind: "Secret",
            namespace,
            name: &r.name,
        };
        if !permits(inventory, from, to) {
            crate::route::first_problem(
                problem,
                Some(Problem::new(
                    "RefNotPermitted",
                    format!(
                        "certificateRef to Secret {namespace}/{} is not permitted by any ReferenceGrant in namespace {namespace}",
                        r.name
                    ),
                )),
            );
            continue;
        }
        certificate_refs.push(ObjectRef::new(namespace, r.name.clone()));
    }
    if mode == TlsMode::Terminate && certificate_refs.is_empty() && problem.is_none() {
        *problem = Some(Problem::new(
            "InvalidCertificateRef",
            "TLS termination needs at least one certificateRef",
        ));
    }
    Ok(Some(ListenerTls {
        mode,
        certificate_refs,
    }))
}

/// Marks listeners that cannot share their port, pairwise:
/// - a TCP listener owns its port: anything else on it is a ProtocolConflict;
/// - HTTP cannot share a port with HTTPS/TLS (ProtocolConflict);
/// - TLS termination (HTTPS, TLS Terminate) and TLS passthrough both claim the SNI, so they
///   conflict (ProtocolConflict) on the same hostname; overlapping but different hostnames
///   are fine, the more specific one wins per connection (GatewayHTTPSAndTLSPassthroughSamePort);
/// - otherwise listeners demultiplex by hostname and conflict only on the same hostname
///   (HostnameConflict).
///
/// Every listener of a conflicting pair is marked; ProtocolConflict wins over
/// HostnameConflict.
pub(crate) fn mark_conflicts(listeners: &mut [ListenerPlan]) {
    let mut found: Vec<Option<Problem>> = vec![None; listeners.len()];
    for i in 0..listeners.len() {
        for j in 0..listeners.len() {
            if i == j || listeners[i].port != listeners[j].port {
                continue;
            }
            let Some(reason) = pair_conflict(&listeners[i], &listeners[j]) else {
                continue;
            };
            if found[i]
                .as_ref()
                .is_some_and(|p| p.reason == "ProtocolConflict")
            {
                continue;
            }
            let message = if reason == "ProtocolConflict" {
                format!(
                    "listener {} on port {} uses an incompatible protocol or claims the same TLS server names",
                    listeners[j].name, listeners[j].port
                )
            } else {
                format!(
                    "listener {} on port {} has the same hostname",
                    listeners[j].name, listeners[j].port
                )
            };
            found[i] = Some(Problem::new(reason, message));
        }
    }
    for (l, problem) in listeners.iter_mut().zip(found) {
        l.conflicted = problem;
    }
}

fn pair_conflict(a: &ListenerPlan, b: &ListenerPlan) -> Option<&'static str> {
    // Listeners that are not accepted take no port.
    let (Some(pa), Some(pb)) = (a.protocol, b.protocol) else {
        return None;
    };
    if a.not_accepted.is_some() || b.not_accepted.is_some() {
        return None;
    }
    let passthrough = |l: &ListenerPlan| {
        l.tls
            .as_ref()
            .is_some_and(|t| t.mode == TlsMode::Passthrough)
    };
    match (pa, pb) {
        (Protocol::Http, Protocol::Http) => {
            (a.hostname == b.hostname).then_some("HostnameConflict")
        }
        (Protocol::Tcp | Protocol::Udp | Protocol::Http, _)
        | (_, Protocol::Tcp | Protocol::Udp | Protocol::Http) => Some("ProtocolConflict"),
        _ if passthrough(a) != passthrough(b) => {
            (a.hostname == b.hostname).then_some("ProtocolConflict")
        }
        _ => (a.hostname == b.hostname).then_some("HostnameConflict"),
    }
}

#[cfg(test)]
mod tests;
