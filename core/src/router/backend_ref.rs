//! A backend picked for one request, with its own filters and concrete addresses.

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

    /// Where to connect, as `host:port`: a Service's EndpointSlice addresses when the bundle
    /// has them, else its cluster DNS authority; a Static backend's hosts; an MCP backend's
    /// targets; an AI backend's host (or its provider's public endpoint) on 443 by default.
    /// Empty for an invalid backend or an AI provider without a global endpoint and no host.
    pub fn addresses(&self) -> Vec<String> {
        match &self.backend.target {
            BackendTarget::Service(s) if s.endpoints.is_empty() => vec![s.authority.clone()],
            BackendTarget::Service(s) => s.endpoints.clone(),
            BackendTarget::Static(s) => s
                .hosts
                .iter()
                .map(|h| format!("{}:{}", h.host, h.port))
                .collect(),
            BackendTarget::Mcp(m) => m
                .targets
                .iter()
                .map(|t| format!("{}:{}", t.host, t.port))
                .collect(),
            BackendTarget::Ai(a) => a
                .host
                .as_deref()
                .or_else(|| provider_host(&a.provider))
                .map(|h| format!("{h}:{}", a.port.unwrap_or(443)))
                .into_iter()
                .collect(),
            BackendTarget::Invalid(_) => Vec::new(),
        }
    }
}
