//! `Router::decide`: from the matched rule to a decision, in the order the spec implies —
//! placement, unresolved filters, CORS preflight, redirect, backends, then forward.

use http::header::{CONNECTION, CONTENT_TYPE, UPGRADE};
use http::request::Parts;
use http::{HeaderMap, Method, StatusCode};

use super::decision::{Decision, GRPC_UNIMPLEMENTED, MatchedRoute, Redirect, Respond};
use super::forward_plan::ForwardPlan;
use super::request_head::RequestHead;
use super::{Miss, RequestContext, Router, RuntimeKind};
use crate::bundle::{PathMatchKind, PathModifier, Placement};
use crate::filter::{RedirectTarget, is_preflight, replace_prefix};

/// Status of a successful CORS preflight answer. The spec allows 200 or 204; the upstream
/// conformance suite insists on 200 in several cases, so 200 it is.
pub const CORS_PREFLIGHT_STATUS: StatusCode = StatusCode::OK;

/// An upgrade (WebSocket and friends) or extended CONNECT: such requests cannot follow a
/// redirect, so an edge runtime answers 421 for them instead.
fn is_upgrade(parts: &Parts) -> bool {
    parts.method == Method::CONNECT
        || parts.headers.contains_key(UPGRADE)
        || parts.headers.get_all(CONNECTION).iter().any(|v| {
            v.to_str().is_ok_and(|v| {
                v.split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
            })
        })
}

fn is_grpc_request(parts: &Parts) -> bool {
    parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"))
}

fn with_query(path: &str, query: Option<&str>) -> String {
    match query {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    }
}

impl Router {
    /// Decides what to do with a request head. Never fails: every outcome, including "no
    /// route", is a [`Decision`].
    pub fn decide<'r>(&'r self, ctx: &RequestContext, req: &Parts) -> Decision<'r> {
        let head = RequestHead::new(req);
        let (listener, entry) = match self.find(ctx, &head) {
            Ok(found) => found,
            Err(miss) => {
                let reason = match miss {
                    Miss::Port => "no listener on this port",
                    Miss::Host => "no listener accepts this host",
                    Miss::Route => "no route matched",
                };
                let mut respond = Respond::new(StatusCode::NOT_FOUND, reason, None);
                respond.grpc_status = is_grpc_request(req).then_some(GRPC_UNIMPLEMENTED);
                return Decision::Respond(respond);
            }
        };
        let matched = self.matched(listener, entry);
        let compiled = &self.rules[entry.route as usize][entry.rule as usize];

        if matched.route.placement == Placement::Kubernetes && ctx.runtime == RuntimeKind::Edge {
            return self.pinned(matched, &head);
        }
        if matched.rule.unresolved_filter.is_some() {
            return Decision::Respond(Respond::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "rule has a filter that could not be resolved",
                Some(matched),
            ));
        }
        if let Some(cors) = &compiled.cors
            && is_preflight(&req.method, &req.headers)
        {
            let mut respond = Respond::new(CORS_PREFLIGHT_STATUS, "CORS preflight", Some(matched));
            respond.headers = cors.preflight_headers(&req.headers);
            return Decision::Respond(respond);
        }

        let matched_prefix = matched_prefix(&matched);
        if let Some(redirect) = &compiled.redirect {
            let target = RedirectTarget {
                scheme: listener.scheme(),
                host: &head.host,
                listener_port: listener.port,
                path: head.path,
                query: head.query,
                matched_prefix,
            };
            return Decision::Redirect(Redirect {
                status: StatusCode::from_u16(redirect.status_code).unwrap_or(StatusCode::FOUND),
                location: target.location(redirect),
                matched,
                response_edits: &compiled.response,
            });
        }
        if compiled.no_valid_backend {
            let reason = if matched.rule.backends.is_empty() {
                "rule has no backends"
            } else {
                "rule has no valid backend"
            };
            return Decision::Respond(Respond::backend_unavailable(reason, matched));
        }

        let rewrite = compiled.rewrite.as_ref();
        let authority = rewrite
            .and_then(|r| r.hostname.as_ref())
            .map_or_else(|| head.authority.to_owned(), |h| h.as_str().to_owned());
        let path = match rewrite.and_then(|r| r.path.as_ref()) {
            None => None,
            Some(PathModifier::ReplaceFullPath(p)) => Some(p.clone()),
            Some(PathModifier::ReplacePrefixMatch(r)) => {
                matched_prefix.map(|prefix| replace_prefix(head.path, prefix, r))
            }
        };
        let path_and_query = with_query(path.as_deref().unwrap_or(head.path), head.query);
        let cors = compiled
            .cors
            .as_ref()
            .map_or_else(HeaderMap::new, |c| c.response_headers(&req.headers));
        Decision::Forward(ForwardPlan {
            matched,
            compiled,
            scheme: listener.scheme(),
            authority,
            path_and_query,
            cors,
        })
    }

    /// A Kubernetes-pinned route reached an edge runtime: send the client to the Kubernetes
    /// origin, or 421 when there is none or the request cannot follow a redirect.
    fn pinned<'r>(&'r self, matched: MatchedRoute<'r>, head: &RequestHead<'_>) -> Decision<'r> {
        let origin = self.payload.kubernetes_origin.as_deref();
        match origin {
            Some(origin) if !is_upgrade(head.parts) => Decision::Redirect(Redirect {
                status: StatusCode::TEMPORARY_REDIRECT,
                location: format!(
                    "{}{}",
                    origin.trim_end_matches('/'),
                    with_query(head.path, head.query)
                ),
                matched,
                response_edits: &[],
            }),
            Some(_) => Decision::Respond(Respond::new(
                StatusCode::MISDIRECTED_REQUEST,
                "route is served on Kubernetes and upgrade requests cannot be redirected",
                Some(matched),
            )),
            None => Decision::Respond(Respond::new(
                StatusCode::MISDIRECTED_REQUEST,
                "route is served on Kubernetes and the bundle names no Kubernetes origin",
                Some(matched),
            )),
        }
    }
}

/// The PathPrefix value of the match that fired, for ReplacePrefixMatch.
fn matched_prefix<'r>(matched: &MatchedRoute<'r>) -> Option<&'r str> {
    let m = matched.rule.matches.get(matched.match_index)?;
    (m.path.kind == PathMatchKind::PathPrefix).then_some(m.path.value.as_str())
}
