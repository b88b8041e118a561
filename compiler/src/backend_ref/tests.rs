use crate::testing::{compile_with_base, compiled, condition, status};
use waygate_core::bundle::{BackendTarget, Placement};

fn route(backend_refs: &str) -> String {
    format!(
        "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r, namespace: apps}}\nspec:\n  parentRefs: [{{name: gw, namespace: infra}}]\n  rules: [{{backendRefs: {backend_refs}}}]\n"
    )
}

const OTHER_NS: &str = r"
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: data}
spec:
  ports: [{name: pg, port: 5432, appProtocol: kubernetes.io/h2c}]
";

const GRANT: &str = r"
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: routes-to-db, namespace: data}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: apps}]
  to: [{group: '', kind: Service, name: db}]
";

fn resolved_refs(c: &crate::Compiled) -> (String, String) {
    condition(
        &status(c, "HTTPRoute", "apps", "r")["parents"][0]["conditions"],
        "ResolvedRefs",
    )
}

#[test]
fn endpoint_slices_give_ready_addresses_of_the_named_port() {
    let slices = r"
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: api-1, namespace: apps, labels: {kubernetes.io/service-name: api}}
addressType: IPv4
ports: [{name: http, port: 9000}, {name: metrics, port: 9100}]
endpoints:
- addresses: [10.0.0.2]
  conditions: {ready: true}
- addresses: [10.0.0.1]
- addresses: [10.0.0.3]
  conditions: {ready: false}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: api-2, namespace: apps, labels: {kubernetes.io/service-name: api}}
addressType: IPv6
ports: [{name: http, port: 9000}]
endpoints:
- addresses: ['fd00::1']
";
    let c = compiled(&format!("{slices}{}", route("[{name: api, port: 8080}]")));
    let BackendTarget::Service(s) = &c.payload.routes[0].rules[0].backends[0].target else {
        panic!()
    };
    assert_eq!(
        s.endpoints,
        vec!["10.0.0.1:9000", "10.0.0.2:9000", "[fd00::1]:9000"]
    );
    assert_eq!(s.authority, "api.apps.svc.cluster.local:8080");
    assert_eq!(resolved_refs(&c), ("True".into(), "ResolvedRefs".into()));
}

#[test]
fn cross_namespace_service_needs_a_grant() {
    let refs = "[{name: db, namespace: data, port: 5432, weight: 3}]";
    let c = compiled(&format!("{OTHER_NS}{}", route(refs)));
    let backend = &c.payload.routes[0].rules[0].backends[0];
    assert_eq!(backend.weight, 3);
    let BackendTarget::Invalid(i) = &backend.target else {
        panic!()
    };
    assert_eq!(
        (i.reason.as_str(), i.namespace.as_str(), i.port),
        ("RefNotPermitted", "data", Some(5432))
    );
    assert_eq!(
        resolved_refs(&c),
        ("False".into(), "RefNotPermitted".into())
    );

    let c = compiled(&format!("{OTHER_NS}{GRANT}{}", route(refs)));
    let route = &c.payload.routes[0];
    let BackendTarget::Service(s) = &route.rules[0].backends[0].target else {
        panic!()
    };
    assert_eq!(s.app_protocol.as_deref(), Some("kubernetes.io/h2c"));
    assert_eq!(route.placement, Placement::Kubernetes);
    assert_eq!(resolved_refs(&c), ("True".into(), "ResolvedRefs".into()));
}

#[test]
fn first_problem_wins_and_valid_backends_keep_their_weight() {
    let refs = "[{name: api, port: 8080, weight: 0}, {name: nope, port: 1}, {name: x, kind: ConfigMap, group: ''}]";
    let c = compiled(&route(refs));
    let backends = &c.payload.routes[0].rules[0].backends;
    assert_eq!(backends[0].weight, 0);
    assert!(matches!(backends[0].target, BackendTarget::Service(_)));
    let BackendTarget::Invalid(i) = &backends[2].target else {
        panic!()
    };
    assert_eq!(
        (i.kind.as_str(), i.reason.as_str()),
        ("ConfigMap", "InvalidKind")
    );
    assert_eq!(
        resolved_refs(&c),
        ("False".into(), "BackendNotFound".into())
    );
}

#[test]
fn service_port_must_exist() {
    let c = compiled(&route("[{name: api, port: 9999}]"));
    assert_eq!(
        resolved_refs(&c),
        ("False".into(), "BackendNotFound".into())
    );
}

#[test]
fn reference_errors_name_the_field() {
    for (refs, field) in [
        ("[{name: api}]", "spec.rules[0].backendRefs[0].port"),
        (
            "[{name: api, port: 8080, weight: -1}]",
            "spec.rules[0].backendRefs[0].weight",
        ),
        (
            "[{name: api, port: 8080, weight: 1000001}]",
            "spec.rules[0].backendRefs[0].weight",
        ),
        (
            "[{name: api, port: 70000}]",
            "spec.rules[0].backendRefs[0].port",
        ),
    ] {
        let err = compile_with_base(&route(refs)).unwrap_err();
        assert!(
            err.contains(&format!("(HTTPRoute apps/r): {field}: ")),
            "{field}: {err}"
        );
    }
}
