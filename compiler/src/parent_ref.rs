//! Attaching a route to a Gateway through one parentRef: which listeners take it, with
//! which effective hostnames, or why none does.

use waygate_core::bundle::Hostname;

use crate::gateway::GatewayPlan;
use crate::hostname;
use crate::inventory::Inventory;
use crate::route::{LoweredRoute, ParentRef, RouteType};
use crate::status::Problem;

/// The route attached to listener `listener` and answers these hostnames there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attachment {
    pub listener: usize,
    pub hostnames: Vec<Option<Hostname>>,
}

/// Attaches `route` to `gateway` through `parent`. The error is the Accepted=False
/// problem: NoMatchingParent (no listener has that sectionName/port),
/// NotAllowedByListeners (none admits the route's namespace and kind), or
/// NoMatchingListenerHostname (none shares a hostname with the route).
pub(crate) fn attach(
    inventory: &Inventory,
    gateway: &GatewayPlan<'_>,
    route: &LoweredRoute<'_>,
    parent: &ParentRef,
) -> Result<Vec<Attachment>, Problem> {
    let gateway_ns = &gateway.object.meta.namespace;
    let candidates: Vec<usize> = gateway
        .listeners
        .iter()
        .enumerate()
        .filter(|(_, l)| parent.section_name.as_ref().is_none_or(|s| *s == l.name))
        .filter(|(_, l)| parent.port.is_none_or(|p| p == l.port))
        .map(|(i, _)| i)
        .collect();
    if candidates.is_empty() {
        let what = match (&parent.section_name, parent.port) {
            (Some(s), Some(p)) => format!("no listener named {s} on port {p}"),
            (Some(s), None) => format!("no listener named {s}"),
            (None, Some(p)) => format!("no listener on port {p}"),
            (None, None) => "the Gateway has no listeners".to_owned(),
        };
        return Err(Problem::new(
            "NoMatchingParent",
            format!("Gateway {gateway_ns}/{}: {what}", parent.name),
        ));
    }
    let allowed: Vec<usize> = candidates
        .into_iter()
        .filter(|&i| {
            let l = &gateway.listeners[i];
            l.attachable()
                && l.allows(
                    inventory,
                    gateway_ns,
                    route.route_type,
                    &route.meta.namespace,
                )
        })
        .collect();
    if allowed.is_empty() {
        return Err(Problem::new(
            "NotAllowedByListeners",
            format!(
                "no listener of Gateway {gateway_ns}/{} allows a {} from namespace {}",
                parent.name,
                route.route_type.kind(),
                route.meta.namespace
            ),
        ));
    }
    let attachments: Vec<Attachment> = allowed
        .into_iter()
        .filter_map(|i| {
            let hostnames = if route.route_type == RouteType::Tcp {
                Some(vec![None])
            } else {
                hostname::intersect(gateway.listeners[i].hostname.as_ref(), &route.hostnames)
            };
            hostnames.map(|hostnames| Attachment {
                listener: i,
                hostnames,
            })
        })
        .collect();
    if attachments.is_empty() {
        return Err(Problem::new(
            "NoMatchingListenerHostname",
            format!(
                "no listener of Gateway {gateway_ns}/{} shares a hostname with the route",
                parent.name
            ),
        ));
    }
    Ok(attachments)
}
