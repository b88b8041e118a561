//! A backend picked for one request, with its own filters and concrete addresses.

use std::borrow::Cow;

use http::HeaderMap;

use super::http_route::BackendEdits;
use crate::bundle::{Backend, BackendTarget, Filter, RequestMirror};

/// Whether a mirror with share `numerator / denominator` fires for a uniform `draw`.
/// Mirrors of invalid backends never fire.
pub(crate) fn mirror_fires(mirror: &RequestMirror, draw: u32) -> bool {
    if matches!(mirror.backend.target, BackendTarget::Invalid(_)) || mirror.numerator == 0 {
        return false;
    }
    if mirror.numerator >= mirror.denominator {
        return true;
    }
    (u64::from(draw) * u64::from(mirror.denominator)) >> 32 < u64::from(mirror.numerator)
}

/// Public endpoints of AI providers that have a single global one.
fn provider_host(provider: &str) -> Option<&'static str> {
    match provider {
        "openai" => Some("api.openai.com"),
        "anthropic" => Some("api.anthropic.com"),
        "gemini" => Some("generativelanguage.googleapis.com"),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy)]
pub struct PickedBackend<'r> {
    pub backend: &'r Backend,
    /// Index into the rule's backends.
    pub index: usize,
    pub(crate) edits: &'r BackendEdits,
}

impl<'r> PickedBackend<'r> {
    pub fn target(&self) -> &'r BackendTarget {
        &self.backend.target
    }

    /// The backendRef's own filters.
    pub fn filters(&self) -> &'r [Filter] {
        &self.backend.filters
    }

    /// Applies the backendRef's RequestHeaderModifier filters; call after
    /// `ForwardPlan::apply_request`.
    pub fn apply_request(&self, headers: &mut HeaderMap) {
        for e in &self.edits.request {
            e.apply(headers);
        }
    }

    /// Applies the backendRef's ResponseHeaderModifier filters; call after
    /// `ForwardPlan::apply_response`.
    pub fn apply_response(&self, headers: &mut HeaderMap) {
        for e in &self.edits.response {
            e.apply(headers);
        }
    }

    /// The backendRef's own RequestMirror filters to send, one draw per mirror.
    pub fn mirrors(&self, draws: &[u32]) -> impl Iterator<Item = &'r Backend> {
        let mirrors: &'r [RequestMirror] = &self.edits.mirrors;
        mirrors.iter().enumerate().filter_map(move |(i, m)| {
            mirror_fires(m, draws.get(i).copied().unwrap_or(0)).then_some(&*m.backend)
        })
    }

    /// Where to connect, as `host:port`: see [`address`].
    pub fn addresses(&self) -> Vec<String> {
        (0..address_count(self.backend))
            .filter_map(|i| address(self.backend, i).map(Cow::into_owned))
            .collect()
    }
}

/// How many addresses `backend` has: see [`address`].
pub fn address_count(backend: &Backend) -> usize {
    match &backend.target {
        BackendTarget::Service(s) => s.endpoints.len().max(1),
        BackendTarget::Static(s) => s.hosts.len(),
        BackendTarget::Mcp(m) => m.targets.len(),
        BackendTarget::Ai(a) => {
            usize::from(a.host.is_some() || provider_host(&a.provider).is_some())
        }
        BackendTarget::Invalid(_) => 0,
    }
}

/// The `i`th place to connect to, as `host:port`: a Service's EndpointSlice addresses when
/// the bundle has them, else its cluster DNS authority; a Static backend's hosts; an MCP
/// backend's targets; an AI backend's host (or its provider's public endpoint) on 443 by
/// default. `None` past the end, for an invalid backend, and for an AI provider without a
/// global endpoint and no host.
pub fn address(backend: &Backend, i: usize) -> Option<Cow<'_, str>> {
    match &backend.target {
        BackendTarget::Service(s) if s.endpoints.is_empty() => {
            (i == 0).then_some(Cow::Borrowed(s.authority.as_str()))
        }
        BackendTarget::Service(s) => s.endpoints.get(i).map(|e| Cow::Borrowed(e.as_str())),
        BackendTarget::Static(s) => s
            .hosts
            .get(i)
            .map(|h| Cow::Owned(format!("{}:{}", h.host, h.port))),
        BackendTarget::Mcp(m) => m
            .targets
            .get(i)
            .map(|t| Cow::Owned(format!("{}:{}", t.host, t.port))),
        BackendTarget::Ai(a) if i == 0 => a
            .host
            .as_deref()
            .or_else(|| provider_host(&a.provider))
            .map(|h| Cow::Owned(format!("{h}:{}", a.port.unwrap_or(443)))),
        BackendTarget::Ai(_) | BackendTarget::Invalid(_) => None,
    }
}
