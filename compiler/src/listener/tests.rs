use super::*;
use crate::testing::{compile_with_base, compiled, condition, status};

fn gateway(listeners: &str) -> String {
    format!(
        "---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {{name: edge, namespace: infra}}\nspec:\n  gatewayClassName: waygate\n  listeners:\n{listeners}"
    )
}

fn route(namespace: &str) -> String {
    format!(
        "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r, namespace: {namespace}}}\nspec:\n  parentRefs: [{{name: edge, namespace: infra}}]\n  rules: [{{backendRefs: [{{name: api, namespace: apps, port: 8080}}]}}]\n"
    )
}

const NAMESPACES: &str = r"
---
apiVersion: v1
kind: Namespace
metadata: {name: team-a, labels: {team: a, env: prod}}
---
apiVersion: v1
kind: Namespace
metadata: {name: team-b, labels: {team: b}}
";

/// Accepted reason of route `ns/r` on Gateway infra/edge.
fn accepted(listeners: &str, namespace: &str) -> String {
    let c = compiled(&format!(
        "{}{NAMESPACES}{}",
        gateway(listeners),
        route(namespace)
    ));
    condition(
        &status(&c, "HTTPRoute", namespace, "r")["parents"][0]["conditions"],
        "Accepted",
    )
    .1
}

#[test]
fn allowed_routes_same_is_the_default() {
    let l = "  - {name: http, port: 81, protocol: HTTP}\n";
    assert_eq!(accepted(l, "infra"), "Accepted");
    assert_eq!(accepted(l, "team-a"), "NotAllowedByListeners");
}

#[test]
fn allowed_routes_all() {
    let l =
        "  - {name: http, port: 81, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}\n";
    assert_eq!(accepted(l, "team-a"), "Accepted");
    assert_eq!(accepted(l, "unlabelled"), "Accepted");
}

#[test]
fn allowed_routes_selector_uses_namespace_labels() {
    let l = "  - name: http\n    port: 81\n    protocol: HTTP\n    allowedRoutes:\n      namespaces:\n        from: Selector\n        selector:\n          matchLabels: {team: a}\n          matchExpressions: [{key: env, operator: In, values: [prod]}]\n";
    assert_eq!(accepted(l, "team-a"), "Accepted");
    assert_eq!(accepted(l, "team-b"), "NotAllowedByListeners");
    assert_eq!(accepted(l, "unlabelled"), "NotAllowedByListeners");
}

#[test]
fn selector_sees_the_metadata_name_label_of_namespaces_without_objects() {
    let l = "  - name: http\n    port: 81\n    protocol: HTTP\n    allowedRoutes:\n      namespaces:\n        from: Selector\n        selector: {matchLabels: {kubernetes.io/metadata.name: ghost}}\n";
    assert_eq!(accepted(l, "ghost"), "Accepted");
    assert_eq!(accepted(l, "team-a"), "NotAllowedByListeners");
}

#[test]
fn invalid_route_kinds_are_reported_and_dropped() {
    let l = "  - name: http\n    port: 81\n    protocol: HTTP\n    allowedRoutes:\n      namespaces: {from: All}\n      kinds: [{kind: HTTPRoute}, {kind: TCPRoute}]\n";
    let c = compiled(&format!("{}{}", gateway(l), route("apps")));
    let listener = &status(&c, "Gateway", "infra", "edge")["listeners"][0];
    assert_eq!(listener["supportedKinds"].as_array().unwrap().len(), 1);
    assert_eq!(listener["supportedKinds"][0]["kind"], "HTTPRoute");
    assert_eq!(
        condition(&listener["conditions"], "ResolvedRefs"),
        ("False".into(), "InvalidRouteKinds".into())
    );
    assert_eq!(condition(&listener["conditions"], "Programmed").0, "True");
    assert_eq!(listener["attachedRoutes"], 1);

    let only_bad = l.replace("{kind: HTTPRoute}, ", "");
    let c = compiled(&format!("{}{}", gateway(&only_bad), route("apps")));
    let listener = &status(&c, "Gateway", "infra", "edge")["listeners"][0];
    assert_eq!(listener["supportedKinds"].as_array().unwrap().len(), 0);
    assert_eq!(condition(&listener["conditions"], "Programmed").0, "False");
}

#[test]
fn unsupported_protocol_is_not_accepted() {
    let l =
        "  - {name: udp, port: 53, protocol: UDP}\n  - {name: http, port: 81, protocol: HTTP}\n";
    let c = compiled(&gateway(l));
    let s = status(&c, "Gateway", "infra", "edge");
    assert_eq!(
        condition(&s["listeners"][0]["conditions"], "Accepted"),
        ("False".into(), "UnsupportedProtocol".into())
    );
    assert_eq!(
        condition(&s["conditions"], "Accepted"),
        ("True".into(), "ListenersNotValid".into())
    );
    let edge = c
        .payload
        .gateways
        .iter()
        .find(|g| g.name == "edge")
        .unwrap();
    assert_eq!(edge.listeners.len(), 1);
}

#[test]
fn conflicts_by_hostname_and_protocol() {
    let l = "  - {name: a, port: 81, protocol: HTTP, hostname: x.example.com}\n  - {name: b, port: 81, protocol: HTTP, hostname: x.example.com}\n  - {name: c, port: 81, protocol: HTTP, hostname: y.example.com}\n  - {name: d, port: 82, protocol: HTTP}\n  - {name: e, port: 82, protocol: TCP}\n";
    let c = compiled(&gateway(l));
    let listeners = &status(&c, "Gateway", "infra", "edge")["listeners"];
    let conflicted = |i: usize| condition(&listeners[i]["conditions"], "Conflicted");
    assert_eq!(conflicted(0), ("True".into(), "HostnameConflict".into()));
    assert_eq!(conflicted(1), ("True".into(), "HostnameConflict".into()));
    assert_eq!(conflicted(2), ("False".into(), "NoConflicts".into()));
    assert_eq!(conflicted(3), ("True".into(), "ProtocolConflict".into()));
    assert_eq!(conflicted(4), ("True".into(), "ProtocolConflict".into()));
    let edge = c
        .payload
        .gateways
        .iter()
        .find(|g| g.name == "edge")
        .unwrap();
    assert_eq!(
        edge.listeners
            .iter()
            .map(|l| l.name.as_str())
            .collect::<Vec<_>>(),
        ["c"]
    );
}

#[test]
fn https_and_tls_share_a_port_by_sni() {
    let l = "  - {name: web, port: 443, protocol: HTTPS, hostname: a.example.com, tls: {certificateRefs: [{name: cert}]}}\n  - {name: raw, port: 443, protocol: TLS, hostname: b.example.com, tls: {mode: Passthrough}}\n";
    let c = compiled(&gateway(l));
    let listeners = &status(&c, "Gateway", "infra", "edge")["listeners"];
    assert_eq!(
        condition(&listeners[0]["conditions"], "Conflicted").0,
        "False"
    );
    assert_eq!(
        condition(&listeners[1]["conditions"], "Conflicted").0,
        "False"
    );
    assert_eq!(listeners[1]["supportedKinds"][0]["kind"], "TLSRoute");
    let edge = c
        .payload
        .gateways
        .iter()
        .find(|g| g.name == "edge")
        .unwrap();
    let tls = edge.listeners[0].tls.as_ref().unwrap();
    assert_eq!(tls.mode, TlsMode::Terminate);
    assert_eq!(tls.certificate_refs, vec![ObjectRef::new("infra", "cert")]);
}

#[test]
fn cross_namespace_certificates_need_a_reference_grant() {
    let l = "  - {name: web, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: cert, namespace: certs}]}}\n";
    let c = compiled(&gateway(l));
    let listener = &status(&c, "Gateway", "infra", "edge")["listeners"][0];
    assert_eq!(
        condition(&listener["conditions"], "ResolvedRefs"),
        ("False".into(), "RefNotPermitted".into())
    );
    assert_eq!(condition(&listener["conditions"], "Programmed").0, "False");

    let grant = "---\napiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: g, namespace: certs}\nspec:\n  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: infra}]\n  to: [{group: '', kind: Secret}]\n";
    let c = compiled(&format!("{}{grant}", gateway(l)));
    let listener = &status(&c, "Gateway", "infra", "edge")["listeners"][0];
    assert_eq!(
        condition(&listener["conditions"], "ResolvedRefs"),
        ("True".into(), "ResolvedRefs".into())
    );
}

#[test]
fn certificate_refs_must_be_secrets() {
    let l = "  - {name: web, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: cert, kind: ConfigMap}]}}\n";
    let c = compiled(&gateway(l));
    let listener = &status(&c, "Gateway", "infra", "edge")["listeners"][0];
    assert_eq!(
        condition(&listener["conditions"], "ResolvedRefs"),
        ("False".into(), "InvalidCertificateRef".into())
    );
}

#[test]
fn listener_validation_errors_name_the_field() {
    for (listeners, field) in [
        (
            "  - {name: a, port: 80, protocol: HTTP, hostname: 'bad_host'}\n",
            "spec.listeners[0].hostname",
        ),
        (
            "  - {name: a, port: 0, protocol: HTTP}\n",
            "spec.listeners[0].port",
        ),
        (
            "  - {name: a, port: 443, protocol: HTTPS}\n",
            "spec.listeners[0].tls",
        ),
        (
            "  - {name: a, port: 443, protocol: HTTPS, tls: {mode: Passthrough}}\n",
            "spec.listeners[0].tls.mode",
        ),
        (
            "  - {name: a, port: 80, protocol: HTTP}\n  - {name: a, port: 81, protocol: HTTP}\n",
            "spec.listeners[1].name",
        ),
        (
            "  - name: a\n    port: 80\n    protocol: HTTP\n    allowedRoutes: {namespaces: {from: Selector, selector: {matchExpressions: [{key: k, operator: Is}]}}}\n",
            "spec.listeners[0].allowedRoutes.namespaces.selector.matchExpressions[0].operator",
        ),
    ] {
        let err = compile_with_base(&gateway(listeners)).unwrap_err();
        assert!(
            err.contains(&format!("(Gateway infra/edge): {field}: ")),
            "{field}: {err}"
        );
    }
}

#[test]
fn tls_termination_and_passthrough_conflict_on_the_same_server_name() {
    let l = "  - {name: web, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: cert}]}}\n  - {name: raw, port: 443, protocol: TLS, tls: {mode: Passthrough}}\n  - {name: web2, port: 444, protocol: HTTPS, hostname: '*.example.com', tls: {certificateRefs: [{name: cert}]}}\n  - {name: two, port: 444, protocol: TLS, hostname: db.example.com, tls: {mode: Passthrough}}\n";
    let c = compiled(&gateway(l));
    let listeners = &status(&c, "Gateway", "infra", "edge")["listeners"];
    for i in 0..2 {
        let conditions = &listeners[i]["conditions"];
        assert_eq!(
            condition(conditions, "Conflicted"),
            ("True".into(), "ProtocolConflict".into())
        );
        assert_eq!(
            condition(conditions, "Accepted"),
            ("False".into(), "ProtocolConflict".into())
        );
        assert_eq!(
            condition(conditions, "Programmed"),
            ("False".into(), "ProtocolConflict".into())
        );
    }
    assert_eq!(
        condition(&listeners[2]["conditions"], "Conflicted").0,
        "False"
    );
}
