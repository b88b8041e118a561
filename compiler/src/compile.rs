//! The pipeline: load → lower routes → attach to listeners → payload, status, placement.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};
use waygate_core::bundle::{
    Gateway, Hostname, Listener, MatchEntry, Payload, Placement, Route, RouteKind, SCHEMA_VERSION,
    StreamKind, StreamRoute,
};

use crate::backend_ref::RouteScope;
use crate::gateway::{self, GatewayPlan};
use crate::inventory::{Inventory, Key};
use crate::parent_ref::{self, Attachment};
use crate::placement::{self, PlacementReport};
use crate::route::{Body, LoweredRoute, RouteType};
use crate::status::{self, CONTROLLER_NAME, Conditions, ObjectStatus, Problem};
use crate::{CompileError, Source, grpc_route, http_route, kgateway, precedence, stream_route};

/// What to compile and how to stamp the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileOptions {
    /// Compile the Gateways of this GatewayClass (default `waygate`).
    pub gateway_class: String,
    /// Bundle generation; must grow with every publish.
    pub generation: u64,
    /// Creation time, Unix seconds; also every condition's `lastTransitionTime`.
    pub created: u64,
    /// Unix seconds after which runtimes refuse the bundle.
    pub expires: Option<u64>,
    /// Where edge runtimes send requests for routes pinned to Kubernetes.
    pub kubernetes_origin: Option<String>,
}

impl Default for CompileOptions {
    fn default() -> Self {
        Self {
            gateway_class: "waygate".to_owned(),
            generation: 1,
            created: 0,
            expires: None,
            kubernetes_origin: None,
        }
    }
}

/// The result of a compile: the payload to sign, Gateway API status, the placement report
/// and notes about input that was skipped.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub payload: Payload,
    pub status: Vec<ObjectStatus>,
    pub placement: PlacementReport,
    pub notes: Vec<String>,
}

/// Stream routes per (Gateway, listener), with their creation time for ordering.
type Streams<'k> = BTreeMap<(&'k Key, usize), Vec<(Option<i64>, StreamRoute)>>;

/// How one parentRef of a route fared.
struct ParentOutcome {
    /// Index into the route's `parent_refs`.
    parent: usize,
    gateway: Key,
    result: Result<Vec<Attachment>, Problem>,
}

/// Compiles manifests into a payload. Deterministic: the same sources and options give
/// the same payload, status and placement, byte for byte once serialised.
pub fn compile(sources: &[Source], opts: &CompileOptions) -> Result<Compiled, CompileError> {
    let inventory = Inventory::load(sources)?;
    let backends = kgateway::lower_all(&inventory)?;
    let mut notes = inventory.notes.clone();
    let gateways = gateway::plan_all(&inventory, &opts.gateway_class, &mut notes)?;
    let mut routes = lower_routes(&inventory, &backends)?;
    let time = status::rfc3339(opts.created);

    // Attach every route through every parentRef that names one of our Gateways.
    let mut outcomes: Vec<Vec<ParentOutcome>> = Vec::with_capacity(routes.len());
    // Per Gateway, per listener: the routes attached (by index into `routes`).
    let mut attached: BTreeMap<&Key, Vec<BTreeSet<usize>>> = gateways
        .iter()
        .map(|(k, g)| (k, vec![BTreeSet::new(); g.listeners.len()]))
        .collect();
    for (ri, route) in routes.iter().enumerate() {
        let mut mine = Vec::new();
        for (pi, parent) in route.parent_refs.iter().enumerate() {
            if !parent.targets_gateway() {
                continue;
            }
            let key = (parent.namespace.clone(), parent.name.clone());
            let Some((gateway_key, gateway)) = gateways.get_key_value(&key) else {
                continue;
            };
            let result = parent_ref::attach(&inventory, gateway, route, parent);
            if let (Ok(list), Some(sets)) = (&result, attached.get_mut(gateway_key)) {
                for a in list {
                    sets[a.listener].insert(ri);
                }
            }
            mine.push(ParentOutcome {
                parent: pi,
                gateway: key,
                result,
            });
        }
        if mine.is_empty() && !route.parent_refs.is_empty() {
            notes.push(format!(
                "{} {} has no parentRef to a Gateway of class {}",
                route.route_type.kind(),
                route.label(),
                opts.gateway_class
            ));
        }
        outcomes.push(mine);
    }

    let (payload, placement) = build_payload(opts, &gateways, &mut routes, &outcomes);
    let mut statuses = Vec::new();
    statuses.extend(gateway::class_status(
        &inventory,
        &opts.gateway_class,
        &time,
    ));
    for (key, gateway) in &gateways {
        let counts: Vec<usize> = attached
            .get(key)
            .map_or_else(Vec::new, |sets| sets.iter().map(BTreeSet::len).collect());
        statuses.push(gateway.status(&counts, &time));
    }
    for (route, mine) in routes.iter().zip(&outcomes) {
        if !mine.is_empty() {
            statuses.push(route_status(route, mine, &time));
        }
    }
    statuses
        .sort_by(|a, b| (&a.kind, &a.namespace, &a.name).cmp(&(&b.kind, &b.namespace, &b.name)));
    Ok(Compiled {
        payload,
        status: statuses,
        placement,
        notes,
    })
}

fn lower_routes<'a>(
    inventory: &'a Inventory,
    backends: &BTreeMap<Key, kgateway::LoweredBackend>,
) -> Result<Vec<LoweredRoute<'a>>, CompileError> {
    let scope = |kind: &'static str, namespace: &'a str| RouteScope {
        inventory,
        backends,
        kind,
        namespace,
    };
    let mut routes = Vec::with_capacity(inventory.http_routes.len() + inventory.grpc_routes.len());
    for r in inventory.http_routes.values() {
        let s = scope("HTTPRoute", &r.meta.namespace);
        routes.push(http_route::lower(&s, r).map_err(|e| e.at(&r.meta.location))?);
    }
    for r in inventory.grpc_routes.values() {
        let s = scope("GRPCRoute", &r.meta.namespace);
        routes.push(grpc_route::lower(&s, r).map_err(|e| e.at(&r.meta.location))?);
    }
    for r in inventory.tcp_routes.values() {
        let s = scope("TCPRoute", &r.meta.namespace);
        routes.push(stream_route::lower_tcp(&s, r).map_err(|e| e.at(&r.meta.location))?);
    }
    for r in inventory.tls_routes.values() {
        let s = scope("TLSRoute", &r.meta.namespace);
        routes.push(stream_route::lower_tls(&s, r).map_err(|e| e.at(&r.meta.location))?);
    }
    Ok(routes)
}

/// Builds the payload; the rules of included routes move into it (status needs only the
/// routes' metadata and problems afterwards).
fn build_payload(
    opts: &CompileOptions,
    gateways: &BTreeMap<Key, GatewayPlan<'_>>,
    routes: &mut [LoweredRoute<'_>],
    outcomes: &[Vec<ParentOutcome>],
) -> (Payload, PlacementReport) {
    // Attachments to listeners that go into the bundle, per route.
    let programmed = |o: &ParentOutcome, a: &Attachment| {
        gateways
            .get(&o.gateway)
            .is_some_and(|g| g.listeners[a.listener].programmed())
    };
    // HTTP and gRPC routes served anywhere, in a stable order: namespace, name, kind.
    let mut included: Vec<usize> = (0..routes.len())
        .filter(|&ri| matches!(routes[ri].body, Body::Http { .. }))
        .filter(|&ri| {
            outcomes[ri].iter().any(|o| {
                o.result
                    .as_ref()
                    .is_ok_and(|list| list.iter().any(|a| programmed(o, a)))
            })
        })
        .collect();
    included.sort_by(|&a, &b| {
        let (ra, rb) = (&routes[a], &routes[b]);
        (&ra.meta.namespace, &ra.meta.name, ra.route_type).cmp(&(
            &rb.meta.namespace,
            &rb.meta.name,
            rb.route_type,
        ))
    });
    let mut index: BTreeMap<usize, u32> = BTreeMap::new();
    for (i, &ri) in (0u32..).zip(&included) {
        index.insert(ri, i);
    }

    let mut http: BTreeMap<(&Key, usize), Vec<MatchEntry>> = BTreeMap::new();
    let mut streams: Streams<'_> = BTreeMap::new();
    let mut seen: BTreeSet<(&Key, usize, usize)> = BTreeSet::new();
    let mut route_hosts: BTreeMap<usize, Vec<Option<Hostname>>> = BTreeMap::new();
    for (ri, route) in routes.iter().enumerate() {
        for o in &outcomes[ri] {
            let Ok(list) = &o.result else { continue };
            for a in list.iter().filter(|a| programmed(o, a)) {
                // Several parentRefs can name the same listener; attach once.
                if !seen.insert((&o.gateway, a.listener, ri)) {
                    continue;
                }
                route_hosts
                    .entry(ri)
                    .or_default()
                    .extend(a.hostnames.iter().cloned());
                match &route.body {
                    Body::Http { .. } => {
                        if let Some(&i) = index.get(&ri) {
                            precedence::entries(
                                i,
                                route,
                                &a.hostnames,
                                http.entry((&o.gateway, a.listener)).or_default(),
                            );
                        }
                    }
                    Body::Stream { backends } => {
                        let hostnames = if a.hostnames.iter().any(Option::is_none) {
                            Vec::new()
                        } else {
                            a.hostnames.iter().flatten().cloned().collect()
                        };
                        let stream = StreamRoute {
                            kind: if route.route_type == RouteType::Tls {
                                StreamKind::Tls
                            } else {
                                StreamKind::Tcp
                            },
                            namespace: route.meta.namespace.clone(),
                            name: route.meta.name.clone(),
                            hostnames,
                            backends: backends.clone(),
                        };
                        streams
                            .entry((&o.gateway, a.listener))
                            .or_default()
                            .push((route.meta.created, stream));
                    }
                }
            }
        }
    }

    let mut payload_gateways = Vec::new();
    for (key, plan) in gateways {
        let mut listeners = Vec::new();
        for (li, l) in plan.listeners.iter().enumerate() {
            let Some(protocol) = l.protocol.filter(|_| l.programmed()) else {
                continue;
            };
            let mut entries = http.remove(&(key, li)).unwrap_or_default();
            precedence::sort(&mut entries);
            let mut stream_list = streams.remove(&(key, li)).unwrap_or_default();
            // Oldest first, then by name: the spec's tie-break for conflicting routes.
            stream_list.sort_by(|(ca, a), (cb, b)| {
                (ca.is_none(), ca, &a.namespace, &a.name).cmp(&(
                    cb.is_none(),
                    cb,
                    &b.namespace,
                    &b.name,
                ))
            });
            listeners.push(Listener {
                name: l.name.clone(),
                port: l.port,
                protocol,
                hostname: l.hostname.clone(),
                tls: l.tls.clone(),
                http: entries,
                streams: stream_list.into_iter().map(|(_, s)| s).collect(),
            });
        }
        payload_gateways.push(Gateway {
            namespace: key.0.clone(),
            name: key.1.clone(),
            listeners,
        });
    }

    let mut pinned = Vec::new();
    let mut payload_routes: Vec<Route> = Vec::with_capacity(included.len());
    for &ri in &included {
        let route = &mut routes[ri];
        let placement = if route.pinned.is_some() {
            let hosts = route_hosts.get(&ri).map_or(&[][..], Vec::as_slice);
            pinned.push(placement::pinned(route, hosts));
            Placement::Kubernetes
        } else {
            Placement::Edge
        };
        let rules = match &mut route.body {
            Body::Http { rules, .. } => std::mem::take(rules),
            Body::Stream { .. } => Vec::new(),
        };
        payload_routes.push(Route {
            kind: if route.route_type == RouteType::Grpc {
                RouteKind::Grpc
            } else {
                RouteKind::Http
            },
            namespace: route.meta.namespace.clone(),
            name: route.meta.name.clone(),
            placement,
            rules,
        });
    }
    let payload = Payload {
        schema_version: SCHEMA_VERSION,
        generation: opts.generation,
        created: opts.created,
        expires: opts.expires,
        kubernetes_origin: opts.kubernetes_origin.clone(),
        gateways: payload_gateways,
        routes: payload_routes,
    };
    let placement = PlacementReport {
        kubernetes_origin: opts.kubernetes_origin.clone(),
        pinned,
    };
    (payload, placement)
}

fn route_status(route: &LoweredRoute<'_>, outcomes: &[ParentOutcome], time: &str) -> ObjectStatus {
    let c = Conditions {
        generation: route.meta.generation,
        time,
    };
    let parents: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            let conditions = vec![
                c.verdict(
                    "Accepted",
                    o.result.as_ref().err(),
                    "Accepted",
                    "route attached",
                ),
                c.verdict(
                    "ResolvedRefs",
                    route.problem.as_ref(),
                    "ResolvedRefs",
                    "all references resolved",
                ),
            ];
            let mut parent = Map::new();
            parent.insert(
                "parentRef".to_owned(),
                route.parent_refs[o.parent].to_json(),
            );
            parent.insert(
                "controllerName".to_owned(),
                Value::String(CONTROLLER_NAME.to_owned()),
            );
            parent.insert("conditions".to_owned(), Value::Array(conditions));
            Value::Object(parent)
        })
        .collect();
    let mut status = Map::new();
    status.insert("parents".to_owned(), Value::Array(parents));
    ObjectStatus {
        kind: route.route_type.kind().to_owned(),
        namespace: route.meta.namespace.clone(),
        name: route.meta.name.clone(),
        status: Value::Object(status),
    }
}

#[cfg(test)]
mod tests;
