//! Kubernetes-pinned routes on edge runtimes.

use super::*;
use crate::bundle::Placement;
use crate::testing::{http_route, prefix, rule, service};

fn pinned(origin: Option<&str>) -> Router {
    let mut route = http_route(
        "agents",
        "ws",
        vec![rule(
            vec![prefix("/agent")],
            vec![service("agents", "a", 80)],
        )],
    );
    route.placement = Placement::Kubernetes;
    let mut b = PayloadBuilder::new().listener("http", 80, Protocol::Http, None);
    if let Some(o) = origin {
        b = b.kubernetes_origin(o);
    }
    router(&b.route(route, &[]).build().unwrap())
}

fn edge() -> RequestContext {
    RequestContext {
        runtime: RuntimeKind::Edge,
        ..ctx(80)
    }
}

#[test]
fn edge_redirects_to_the_kubernetes_origin() {
    let router = pinned(Some("https://k8s.example.com/"));
    match router.decide(&edge(), &get("/agent/x?y=1")) {
        Decision::Redirect(r) => {
            assert_eq!(r.status, 307);
            assert_eq!(r.location, "https://k8s.example.com/agent/x?y=1");
            assert_eq!(r.matched.placement(), Placement::Kubernetes);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn edge_answers_421_for_upgrades_and_without_origin() {
    let router = pinned(Some("https://k8s.example.com"));
    for headers in [
        &[("upgrade", "websocket"), ("connection", "Upgrade")][..],
        &[("connection", "keep-alive, upgrade")][..],
    ] {
        match router.decide(&edge(), &req("GET", "/agent/ws", headers)) {
            Decision::Respond(r) => assert_eq!(r.status, 421),
            other => panic!("{other:?}"),
        }
    }
    match pinned(None).decide(&edge(), &get("/agent")) {
        Decision::Respond(r) => assert_eq!(r.status, 421),
        other => panic!("{other:?}"),
    }
}

#[test]
fn kubernetes_runtime_forwards_pinned_routes() {
    let router = pinned(None);
    match router.decide(
        &ctx(80),
        &req("GET", "/agent/ws", &[("upgrade", "websocket")]),
    ) {
        Decision::Forward(plan) => assert_eq!(plan.placement(), Placement::Kubernetes),
        other => panic!("{other:?}"),
    }
}
