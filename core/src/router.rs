//! The compiled router: a [`VerifiedBundle`] turned into lookup tables, answering request
//! heads with [`Decision`]s. This is the one code path every runtime, the conformance runner
//! and `waygate explain` use.

mod backend_ref;
mod decide;
mod decision;
mod endpoint_health;
mod fast_hash;
mod forward_plan;
mod hostname_index;
mod http_route;
mod listener;
mod path_index;
mod request_head;
mod retry;
mod route_match;
mod stream;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::bundle::{
    BundleError, Digest, MatchEntry, ObjectRef, Payload, Protocol, VerifiedBundle,
};

pub use backend_ref::{PickedBackend, address, address_count};
pub use decide::CORS_PREFLIGHT_STATUS;
pub use decision::{
    Decision, GRPC_DEADLINE_EXCEEDED, GRPC_UNAVAILABLE, GRPC_UNIMPLEMENTED, MatchedRoute, Redirect,
    Respond,
};
pub use endpoint_health::{EJECT_MS, EndpointHealth, address_bit, pick_address, pick_index};
pub use forward_plan::ForwardPlan;
pub use retry::RetryPolicy;
pub use stream::{ListenerId, pick_stream_backend};

use http_route::CompiledRule;
use listener::{CompiledEntry, CompiledListener, specificity};
use request_head::RequestHead;
use route_match::RouteMatcher;

/// Which kind of runtime is asking; edge runtimes do not serve Kubernetes-pinned routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuntimeKind {
    Kubernetes,
    Edge,
}

/// Where a request arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// The gateway this runtime serves; `None` considers every gateway's listeners.
    pub gateway: Option<ObjectRef>,
    /// The listener port the request arrived on.
    pub port: u16,
    pub runtime: RuntimeKind,
}

/// Compiled routing tables for one bundle. Immutable and `Send + Sync`: share it behind an
/// `Arc` and swap the whole router on reload.
#[derive(Debug)]
pub struct Router {
    payload: Arc<Payload>,
    digest: Digest,
    /// Every RouteMatch of every route, compiled once (regexes included).
    matchers: Vec<RouteMatcher>,
    /// `[route][rule]`.
    rules: Vec<Vec<CompiledRule>>,
    listeners: Vec<CompiledListener>,
    /// Port → indices into `listeners`, in payload order.
    by_port: BTreeMap<u16, Vec<usize>>,
}

/// Why no route was found, for the 404's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Miss {
    /// No HTTP listener on the port (of the selected gateway).
    Port,
    /// Listeners on the port, but none accepts the host.
    Host,
    /// The chosen listener has no route for the request.
    Route,
}

fn inconsistent(msg: String) -> BundleError {
    BundleError::Inconsistent(msg)
}

impl Router {
    /// Builds the tables. Checks that each listener's `http` entries are sorted by sort key
    /// (the compiler sorts; core only checks), that every index is in range, and that every
    /// regex and header name compiles.
    pub fn new(bundle: &VerifiedBundle) -> Result<Router, BundleError> {
        Self::build(bundle.shared_payload(), bundle.digest())
    }

    /// Builds tables from a payload whose signature was NOT checked, for tools such as
    /// `waygate explain` without a key. Runtimes must use [`Router::new`].
    pub fn from_unverified(payload: Payload, digest: Digest) -> Result<Router, BundleError> {
        Self::build(Arc::new(payload), digest)
    }

    fn build(payload: Arc<Payload>, digest: Digest) -> Result<Router, BundleError> {
        let mut matchers = Vec::new();
        let mut match_base = Vec::with_capacity(payload.routes.len());
        let mut rules = Vec::with_capacity(payload.routes.len());
        for route in &payload.routes {
            let mut bases = Vec::with_capacity(route.rules.len());
            let mut compiled = Vec::with_capacity(route.rules.len());
            for (ri, rule) in route.rules.iter().enumerate() {
                let base = u32::try_from(matchers.len())
                    .map_err(|_| inconsistent("too many route matches".into()))?;
                bases.push(base);
                for m in &rule.matches {
                    matchers.push(RouteMatcher::compile(m).map_err(|e| {
                        inconsistent(format!(
                            "route {}/{} rule {ri}: {e}",
                            route.namespace, route.name
                        ))
                    })?);
                }
                compiled.push(CompiledRule::compile(rule).map_err(|e| {
                    inconsistent(format!(
                        "route {}/{} rule {ri}: {e}",
                        route.namespace, route.name
                    ))
                })?);
            }
            match_base.push(bases);
            rules.push(compiled);
        }

        let matcher_of = |e: &MatchEntry| -> Result<u32, BundleError> {
            let route = payload.routes.get(e.route as usize).ok_or_else(|| {
                inconsistent(format!(
                    "match entry names route {} of {}",
                    e.route,
                    payload.routes.len()
                ))
            })?;
            let rule = route.rules.get(e.rule as usize).ok_or_else(|| {
                inconsistent(format!(
                    "match entry names rule {} of route {}/{}",
                    e.rule, route.namespace, route.name
                ))
            })?;
            if e.match_index as usize >= rule.matches.len() {
                return Err(inconsistent(format!(
                    "match entry names match {} of route {}/{} rule {}",
                    e.match_index, route.namespace, route.name, e.rule
                )));
            }
            Ok(match_base[e.route as usize][e.rule as usize] + e.match_index)
        };

        let mut listeners = Vec::new();
        let mut by_port: BTreeMap<u16, Vec<usize>> = BTreeMap::new();
        for (gi, gateway) in payload.gateways.iter().enumerate() {
            for (li, listener) in gateway.listeners.iter().enumerate() {
                if !matches!(listener.protocol, Protocol::Http | Protocol::Https) {
                    continue;
                }
                if let Some(i) = listener
                    .http
                    .windows(2)
                    .position(|w| w[0].sort_key > w[1].sort_key)
                {
                    return Err(inconsistent(format!(
                        "gateway {}/{} listener {}: http entries {i} and {} are not in sort-key order",
                        gateway.namespace,
                        gateway.name,
                        listener.name,
                        i + 1
                    )));
                }
                let compiled = CompiledListener::compile(gi, li, listener, &matchers, matcher_of)?;
                by_port
                    .entry(listener.port)
                    .or_default()
                    .push(listeners.len());
                listeners.push(compiled);
            }
        }
        Ok(Router {
            payload,
            digest,
            matchers,
            rules,
            listeners,
            by_port,
        })
    }

    pub fn digest(&self) -> Digest {
        self.digest
    }

    pub fn generation(&self) -> u64 {
        self.payload.generation
    }

    pub fn payload(&self) -> &Payload {
        &self.payload
    }

    /// Distinct HTTP/HTTPS listener ports, ascending, of `gateway` (or of every gateway).
    pub fn ports(&self, gateway: Option<&ObjectRef>) -> Vec<u16> {
        let mut ports: Vec<u16> = self
            .listeners
            .iter()
            .filter(|l| self.gateway_selected(l, gateway))
            .map(|l| l.port)
            .collect();
        ports.sort_unstable();
        ports.dedup();
        ports
    }

    fn gateway_selected(&self, listener: &CompiledListener, gateway: Option<&ObjectRef>) -> bool {
        gateway.is_none_or(|want| {
            let g = &self.payload.gateways[listener.gateway];
            g.namespace == want.namespace && g.name == want.name
        })
    }

    /// Listener selection then route lookup. Among the listeners on the port, the one whose
    /// hostname fits the host best wins (exact, then longest wildcard, then none); only its
    /// routes are considered (listener isolation). Equally good listeners — only possible
    /// across gateways — are tried in payload order.
    fn find(
        &self,
        ctx: &RequestContext,
        head: &RequestHead<'_>,
    ) -> Result<(&CompiledListener, &CompiledEntry), Miss> {
        let candidates = self.by_port.get(&ctx.port).map_or(&[][..], Vec::as_slice);
        let selected = || {
            candidates
                .iter()
                .map(|&i| &self.listeners[i])
                .filter(|l| self.gateway_selected(l, ctx.gateway.as_ref()))
        };
        if selected().next().is_none() {
            return Err(Miss::Port);
        }
        let best = selected()
            .filter_map(|l| specificity(l.hostname.as_ref(), &head.host))
            .max()
            .ok_or(Miss::Host)?;
        selected()
            .filter(|l| specificity(l.hostname.as_ref(), &head.host) == Some(best))
            .find_map(|l| l.find(head, &self.matchers).map(|e| (l, e)))
            .ok_or(Miss::Route)
    }

    /// The route a request head would reach, without deciding what to do with it.
    pub fn lookup<'r>(
        &'r self,
        ctx: &RequestContext,
        req: &http::request::Parts,
    ) -> Option<MatchedRoute<'r>> {
        let head = RequestHead::new(req);
        self.find(ctx, &head).ok().map(|(l, e)| self.matched(l, e))
    }

    fn matched(&self, listener: &CompiledListener, entry: &CompiledEntry) -> MatchedRoute<'_> {
        let gateway = &self.payload.gateways[listener.gateway];
        let route = &self.payload.routes[entry.route as usize];
        MatchedRoute {
            gateway,
            listener: &gateway.listeners[listener.listener],
            route,
            route_index: entry.route as usize,
            rule: &route.rules[entry.rule as usize],
            rule_index: entry.rule as usize,
            match_index: entry.match_index as usize,
        }
    }
}
