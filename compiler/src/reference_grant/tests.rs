use super::*;
use crate::Source;

const GRANTS: &str = r"
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: allow-routes, namespace: backends}
spec:
  from:
  - {group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: apps}
  to:
  - {group: '', kind: Service, name: only-this}
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: allow-gateway, namespace: certs}
spec:
  from:
  - {group: gateway.networking.k8s.io, kind: Gateway, namespace: infra}
  to:
  - {group: '', kind: Secret}
";

fn inventory() -> Inventory {
    Inventory::load(&[Source {
        name: "grants.yaml".to_owned(),
        text: GRANTS.to_owned(),
    }])
    .unwrap()
}

const ROUTE: RefFrom<'static> = RefFrom {
    group: "gateway.networking.k8s.io",
    kind: "HTTPRoute",
    namespace: "apps",
};

fn service(namespace: &'static str, name: &'static str) -> RefTo<'static> {
    RefTo {
        group: "",
        kind: "Service",
        namespace,
        name,
    }
}

#[test]
fn same_namespace_needs_no_grant() {
    let inv = Inventory::default();
    assert!(permits(&inv, ROUTE, service("apps", "anything")));
}

#[test]
fn grant_allows_only_the_named_target() {
    let inv = inventory();
    assert!(permits(&inv, ROUTE, service("backends", "only-this")));
    assert!(!permits(&inv, ROUTE, service("backends", "other")));
    assert!(!permits(&inv, ROUTE, service("elsewhere", "only-this")));
}

#[test]
fn grant_checks_the_from_kind_and_namespace() {
    let inv = inventory();
    let grpc = RefFrom {
        kind: "GRPCRoute",
        ..ROUTE
    };
    assert!(!permits(&inv, grpc, service("backends", "only-this")));
    let other_ns = RefFrom {
        namespace: "evil",
        ..ROUTE
    };
    assert!(!permits(&inv, other_ns, service("backends", "only-this")));
}

#[test]
fn grant_without_name_allows_every_object_of_the_kind() {
    let inv = inventory();
    let gateway = RefFrom {
        group: "gateway.networking.k8s.io",
        kind: "Gateway",
        namespace: "infra",
    };
    let secret = |name| RefTo {
        group: "",
        kind: "Secret",
        namespace: "certs",
        name,
    };
    assert!(permits(&inv, gateway, secret("a")));
    assert!(permits(&inv, gateway, secret("b")));
    assert!(!permits(&inv, gateway, service("certs", "a")));
}
