//! What the router decided for a request head: forward, redirect, or answer directly.

use http::{HeaderMap, StatusCode};

use super::forward_plan::ForwardPlan;
use crate::bundle::{Gateway, Listener, ObjectRef, Placement, Route, RouteKind, Rule};
use crate::filter::HeaderEdits;

/// gRPC status UNAVAILABLE: a GRPCRoute rule without usable backends.
pub const GRPC_UNAVAILABLE: u32 = 14;
/// gRPC status DEADLINE_EXCEEDED: the upstream did not answer in time.
pub const GRPC_DEADLINE_EXCEEDED: u32 = 4;
/// gRPC status UNIMPLEMENTED: a gRPC request no route matched.
pub const GRPC_UNIMPLEMENTED: u32 = 12;

/// The listener, route, rule and match that selected a request.
#[derive(Debug, Clone, Copy)]
pub struct MatchedRoute<'r> {
    pub gateway: &'r Gateway,
    pub listener: &'r Listener,
    pub route: &'r Route,
    pub route_index: usize,
    pub rule: &'r Rule,
    pub rule_index: usize,
    /// Index into the rule's `matches`.
    pub match_index: usize,
}

impl MatchedRoute<'_> {
    /// `namespace/name` of the route.
    pub fn route_ref(&self) -> ObjectRef {
        ObjectRef::new(&self.route.namespace, &self.route.name)
    }

    pub fn gateway_ref(&self) -> ObjectRef {
        ObjectRef::new(&self.gateway.namespace, &self.gateway.name)
    }

    pub fn placement(&self) -> Placement {
        self.route.placement
    }

    pub fn is_grpc(&self) -> bool {
        self.route.kind == RouteKind::Grpc
    }
}

/// Answer the request without contacting a backend.
#[derive(Debug, Clone)]
pub struct Respond<'r> {
    pub status: StatusCode,
    /// Why, for logs and `explain`; not a response body contract.
    pub reason: &'static str,
    /// The route that matched, when one did.
    pub matched: Option<MatchedRoute<'r>>,
    /// For gRPC requests: the `grpc-status` to send (trailers-only response).
    pub grpc_status: Option<u32>,
    /// Response headers to send (e.g. a CORS preflight answer).
    pub headers: HeaderMap,
}

impl<'r> Respond<'r> {
    /// The answer as an HTTP response: the status, the reason as a plain-text body and the
    /// decision's headers; for gRPC a trailers-only answer (HTTP 200, `grpc-status`). One
    /// rendering, so every runtime answers a direct response the same way.
    pub fn to_response<B: From<&'static str>>(&self) -> http::Response<B> {
        use http::header::{CONTENT_TYPE, HeaderValue};
        let mut res = if let Some(code) = self.grpc_status {
            let mut res = http::Response::new(B::from(""));
            let h = res.headers_mut();
            h.insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
            h.insert("grpc-status", HeaderValue::from(code));
            h.insert("grpc-message", HeaderValue::from_static(self.reason));
            res
        } else {
            let mut res = http::Response::new(B::from(self.reason));
            *res.status_mut() = self.status;
            res.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            res
        };
        for (name, value) in &self.headers {
            res.headers_mut().insert(name.clone(), value.clone());
        }
        res
    }

    pub(crate) fn new(
        status: StatusCode,
        reason: &'static str,
        matched: Option<MatchedRoute<'r>>,
    ) -> Self {
        Self {
            status,
            reason,
            matched,
            grpc_status: None,
            headers: HeaderMap::new(),
        }
    }

    /// No upstream response can be relayed: 504 when the request or an attempt timed out,
    /// 502 when the upstream could not be reached or failed; for gRPC a trailers-only
    /// DEADLINE_EXCEEDED or UNAVAILABLE.
    pub(crate) fn upstream_failed(timed_out: bool, matched: MatchedRoute<'r>) -> Self {
        let (status, reason, grpc) = if timed_out {
            (
                StatusCode::GATEWAY_TIMEOUT,
                "upstream timed out",
                GRPC_DEADLINE_EXCEEDED,
            )
        } else {
            (
                StatusCode::BAD_GATEWAY,
                "upstream unavailable",
                GRPC_UNAVAILABLE,
            )
        };
        Self {
            grpc_status: matched.is_grpc().then_some(grpc),
            ..Self::new(status, reason, Some(matched))
        }
    }

    /// 500 for a rule whose backends cannot take the request; UNAVAILABLE for gRPC.
    pub(crate) fn backend_unavailable(reason: &'static str, matched: MatchedRoute<'r>) -> Self {
        let grpc = matched.is_grpc().then_some(GRPC_UNAVAILABLE);
        Self {
            grpc_status: grpc,
            ..Self::new(StatusCode::INTERNAL_SERVER_ERROR, reason, Some(matched))
        }
    }
}

/// Answer with a redirect.
#[derive(Debug, Clone)]
pub struct Redirect<'r> {
    pub status: StatusCode,
    /// The full `Location` header value.
    pub location: String,
    pub matched: MatchedRoute<'r>,
    pub(crate) response_edits: &'r [HeaderEdits],
}

impl Redirect<'_> {
    /// The redirect as an HTTP response: the status, the rule's response header edits and
    /// `Location`, with an empty body. One rendering for every runtime.
    pub fn to_response<B: Default>(&self) -> http::Response<B> {
        let mut res = http::Response::new(B::default());
        *res.status_mut() = self.status;
        self.apply_response(res.headers_mut());
        if let Ok(v) = http::HeaderValue::from_str(&self.location) {
            res.headers_mut().insert(http::header::LOCATION, v);
        }
        res
    }

    /// Applies the rule's ResponseHeaderModifier filters to the redirect response's headers
    /// (the caller sets `Location`).
    pub fn apply_response(&self, headers: &mut HeaderMap) {
        for e in self.response_edits {
            e.apply(headers);
        }
    }
}

/// The router's answer to a request head.
#[derive(Debug)]
pub enum Decision<'r> {
    Forward(ForwardPlan<'r>),
    Redirect(Redirect<'r>),
    Respond(Respond<'r>),
}

impl<'r> Decision<'r> {
    /// The route that matched, if any.
    pub fn matched(&self) -> Option<&MatchedRoute<'r>> {
        match self {
            Self::Forward(f) => Some(f.matched()),
            Self::Redirect(r) => Some(&r.matched),
            Self::Respond(r) => r.matched.as_ref(),
        }
    }
}
