//! A decision to forward: the rewritten request target, header edits, backends with their
//! weights, mirrors, timeouts and retries. The runtime draws random numbers; core never does.

use http::header::HOST;
use http::{HeaderMap, HeaderValue, StatusCode};

use super::backend_ref::{PickedBackend, mirror_fires};
use super::decision::{MatchedRoute, Respond};
use super::http_route::CompiledRule;
use super::retry::RetryPolicy;
use crate::bundle::{Backend, BackendTarget, Placement, Route, Rule, Timeouts};

#[derive(Debug)]
pub struct ForwardPlan<'r> {
    pub(crate) matched: MatchedRoute<'r>,
    pub(crate) compiled: &'r CompiledRule,
    pub(crate) scheme: &'static str,
    pub(crate) authority: String,
    pub(crate) path_and_query: String,
    /// CORS headers for the response to an actual cross-origin request.
    pub(crate) cors: HeaderMap,
}

impl<'r> ForwardPlan<'r> {
    /// What to answer when the exchange produced no usable upstream response (`timed_out`:
    /// the request or an attempt timed out): 504 or 502, or the matching gRPC status.
    pub fn upstream_failed(&self, timed_out: bool) -> Respond<'r> {
        Respond::upstream_failed(timed_out, self.matched)
    }

    pub fn matched(&self) -> &MatchedRoute<'r> {
        &self.matched
    }

    pub fn route(&self) -> &'r Route {
        self.matched.route
    }

    pub fn route_index(&self) -> usize {
        self.matched.route_index
    }

    pub fn rule(&self) -> &'r Rule {
        self.matched.rule
    }

    pub fn rule_index(&self) -> usize {
        self.matched.rule_index
    }

    pub fn placement(&self) -> Placement {
        self.matched.route.placement
    }

    /// The scheme the client used: `https` on an HTTPS listener, else `http`.
    pub fn downstream_scheme(&self) -> &'static str {
        self.scheme
    }

    /// The upstream `Host`: the URLRewrite hostname, else the authority as the client sent it.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The upstream path and query after URLRewrite.
    pub fn path_and_query(&self) -> &str {
        &self.path_and_query
    }

    /// Turns the client's request headers into the upstream request headers: sets `host` to
    /// [`authority`](Self::authority), then applies the rule's RequestHeaderModifier filters
    /// in order. A picked backend's own filters come after (see [`PickedBackend`]).
    pub fn apply_request(&self, headers: &mut HeaderMap) {
        if let Ok(host) = HeaderValue::from_str(&self.authority)
            && !self.authority.is_empty()
        {
            headers.insert(HOST, host);
        }
        for e in &self.compiled.request {
            e.apply(headers);
        }
    }

    /// Applies the rule's ResponseHeaderModifier filters, then the CORS headers for an
    /// allowed cross-origin request, to the upstream response's headers.
    pub fn apply_response(&self, headers: &mut HeaderMap) {
        for e in &self.compiled.response {
            e.apply(headers);
        }
        for (name, value) in &self.cors {
            headers.insert(name.clone(), value.clone());
        }
    }

    pub fn timeouts(&self) -> Option<&'r Timeouts> {
        self.matched.rule.timeouts.as_ref()
    }

    /// The whole-request timeout in milliseconds; `None` when unset or disabled (`0`).
    pub fn request_timeout_ms(&self) -> Option<u64> {
        self.timeouts()
            .and_then(|t| t.request_ms)
            .filter(|ms| *ms > 0)
    }

    /// The per-attempt timeout in milliseconds; `None` when unset or disabled (`0`).
    pub fn backend_request_timeout_ms(&self) -> Option<u64> {
        self.timeouts()
            .and_then(|t| t.backend_request_ms)
            .filter(|ms| *ms > 0)
    }

    pub fn retry(&self) -> Option<RetryPolicy<'r>> {
        self.matched.rule.retry.as_ref().map(RetryPolicy::new)
    }

    /// Every backendRef of the rule, valid or not, with its weight.
    pub fn backends(&self) -> &'r [Backend] {
        &self.matched.rule.backends
    }

    /// Weighted choice with a caller-supplied uniform random `draw`. A weight-0 backend is
    /// never picked. A draw that lands on an invalid backend, or a rule whose weights are
    /// all 0, gives the 500 (gRPC UNAVAILABLE) the spec asks for, so invalid backends keep
    /// exactly their share of failures.
    // `allow`, not `expect`: on 32-bit targets `Respond` is small enough for the lint.
    // The signature is what runtimes code against, and the error path is cold.
    #[allow(clippy::result_large_err)]
    pub fn pick(&self, draw: u32) -> Result<PickedBackend<'r>, Respond<'r>> {
        let backends = self.backends();
        let total: u64 = backends.iter().map(|b| u64::from(b.weight)).sum();
        if total == 0 {
            return Err(Respond::backend_unavailable(
                "no backend has a weight",
                self.matched,
            ));
        }
        // Scale the draw to [0, total) without modulo bias beyond 2^-32.
        let point = (u64::from(draw) * total) >> 32;
        let mut end = 0u64;
        for (index, backend) in backends.iter().enumerate() {
            end += u64::from(backend.weight);
            if point < end {
                if matches!(backend.target, BackendTarget::Invalid(_)) {
                    return Err(Respond::backend_unavailable(
                        "backend reference is invalid",
                        self.matched,
                    ));
                }
                return match self.compiled.backends.get(index) {
                    Some(edits) => Ok(PickedBackend {
                        backend,
                        index,
                        edits,
                    }),
                    None => Err(Respond::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "backend tables are inconsistent",
                        Some(self.matched),
                    )),
                };
            }
        }
        Err(Respond::backend_unavailable(
            "no backend has a weight",
            self.matched,
        ))
    }

    /// How many draws [`mirrors`](Self::mirrors) wants: one per rule-level RequestMirror.
    pub fn mirror_count(&self) -> usize {
        self.compiled.mirrors.len()
    }

    /// The rule's mirrors to send for this request, given one uniform draw per mirror (a
    /// missing draw counts as 0, so a mirror with any share is sent). Invalid mirror
    /// backends are skipped: a mirror never affects the client's response.
    pub fn mirrors(&self, draws: &[u32]) -> impl Iterator<Item = &'r Backend> {
        let mirrors: &'r [_] = &self.compiled.mirrors;
        mirrors.iter().enumerate().filter_map(move |(i, m)| {
            let draw = draws.get(i).copied().unwrap_or(0);
            mirror_fires(m, draw).then_some(&*m.backend)
        })
    }
}
