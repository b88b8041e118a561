//! Router behaviour through its public API, on payloads built with `crate::testing`.

mod filters;
mod matching;
mod placement;
mod properties;
mod tables;

use http::request::Parts;

use super::{Decision, RequestContext, Router, RuntimeKind};
use crate::bundle::{Payload, Protocol, Route};
use crate::testing::{self, PayloadBuilder};

fn ctx(port: u16) -> RequestContext {
    RequestContext {
        gateway: None,
        port,
        runtime: RuntimeKind::Kubernetes,
    }
}

fn req(method: &str, uri: &str, headers: &[(&str, &str)]) -> Parts {
    testing::request(method, uri, headers).unwrap()
}

fn get(uri: &str) -> Parts {
    req("GET", uri, &[])
}

fn router(payload: &Payload) -> Router {
    testing::router(payload).unwrap()
}

/// One HTTP listener on port 80 without hostname, with these routes and hostnames.
fn single_listener(routes: Vec<(Route, &[&str])>) -> Router {
    let mut b =
        PayloadBuilder::new()
            .gateway("infra", "gw")
            .listener("http", 80, Protocol::Http, None);
    for (route, hostnames) in routes {
        b = b.route(route, hostnames);
    }
    router(&b.build().unwrap())
}

/// `namespace/name` of the matched route and the rule index, or the status of a direct
/// answer.
fn outcome(router: &Router, ctx: &RequestContext, parts: &Parts) -> Result<(String, usize), u16> {
    match router.decide(ctx, parts) {
        Decision::Forward(plan) => Ok((plan.matched().route_ref().to_string(), plan.rule_index())),
        Decision::Redirect(r) => Err(r.status.as_u16()),
        Decision::Respond(r) => Err(r.status.as_u16()),
    }
}

fn routed(router: &Router, parts: &Parts) -> Option<String> {
    outcome(router, &ctx(80), parts).ok().map(|(r, _)| r)
}
