use super::*;
use crate::testing::{compile_with_base, compiled, condition, status};
use waygate_core::bundle::{ObjectRef, Placement};

fn backend(name: &str, spec: &str) -> String {
    format!(
        "---\napiVersion: gateway.kgateway.dev/v1alpha1\nkind: Backend\nmetadata: {{name: {name}, namespace: apps}}\nspec:\n{spec}"
    )
}

fn route_to(backend: &str) -> String {
    format!(
        "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r, namespace: apps}}\nspec:\n  parentRefs: [{{name: gw, namespace: infra}}]\n  rules: [{{backendRefs: [{{group: gateway.kgateway.dev, kind: Backend, name: {backend}}}]}}]\n"
    )
}

fn target(text: &str) -> (BackendTarget, Placement) {
    let c = compiled(text);
    let route = &c.payload.routes[0];
    (route.rules[0].backends[0].target.clone(), route.placement)
}

#[test]
fn static_backend() {
    let spec = "  type: Static\n  static:\n    hosts: [{host: api.example.com, port: 443}, {host: 10.0.0.1, port: 8080}]\n";
    let (t, placement) = target(&format!("{}{}", backend("s", spec), route_to("s")));
    let BackendTarget::Static(s) = t else {
        panic!("{t:?}")
    };
    assert_eq!(
        s.hosts,
        vec![
            HostPort {
                host: "api.example.com".into(),
                port: 443
            },
            HostPort {
                host: "10.0.0.1".into(),
                port: 8080
            },
        ]
    );
    assert_eq!(placement, Placement::Edge);
}

#[test]
fn ai_backend_current_and_legacy_shapes() {
    let current = "  type: AI\n  ai:\n    llm:\n      provider:\n        openai:\n          model: gpt-4o-mini\n          authToken: {kind: SecretRef, secretRef: {name: openai-key}}\n";
    let legacy = "  type: AI\n  ai:\n    llm:\n      anthropic:\n        authToken: {secretRef: {name: claude-key}}\n      hostOverride: {host: proxy.internal, port: 8443}\n      pathOverride: {fullPath: /v1/messages}\n";
    let (t, _) = target(&format!("{}{}", backend("ai", current), route_to("ai")));
    let BackendTarget::Ai(ai) = t else {
        panic!("{t:?}")
    };
    assert_eq!(ai.provider, "openai");
    assert_eq!(ai.model.as_deref(), Some("gpt-4o-mini"));
    assert_eq!(ai.auth_secret, Some(ObjectRef::new("apps", "openai-key")));

    let (t, _) = target(&format!("{}{}", backend("ai", legacy), route_to("ai")));
    let BackendTarget::Ai(ai) = t else {
        panic!("{t:?}")
    };
    assert_eq!(ai.provider, "anthropic");
    assert_eq!(
        (ai.host.as_deref(), ai.port, ai.path.as_deref()),
        (Some("proxy.internal"), Some(8443), Some("/v1/messages"))
    );
}

#[test]
fn inline_tokens_are_refused() {
    let spec = "  type: AI\n  ai:\n    llm:\n      provider:\n        openai:\n          authToken: {kind: Inline, inline: sk-secret}\n";
    let err = compile_with_base(&backend("ai", spec)).unwrap_err();
    assert!(
        err.contains(
            "(Backend apps/ai): spec.ai.llm.provider.openai.authToken: inline tokens are refused"
        ),
        "{err}"
    );
    assert!(
        !err.contains("sk-secret"),
        "the secret must not be echoed: {err}"
    );
}

#[test]
fn mcp_backend_with_sse_pins_the_route() {
    let spec = "  type: MCP\n  mcp:\n    targets:\n    - name: tools\n      static: {host: tools.apps.svc.cluster.local, port: 3000, protocol: SSE}\n    - name: more\n      static: {host: more.example.com, port: 443, path: /mcp}\n";
    let c = compiled(&format!("{}{}", backend("mcp", spec), route_to("mcp")));
    let route = &c.payload.routes[0];
    let BackendTarget::Mcp(m) = &route.rules[0].backends[0].target else {
        panic!()
    };
    assert_eq!(m.targets[0].protocol, "SSE");
    assert_eq!(m.targets[1].protocol, "StreamableHTTP");
    assert_eq!(m.targets[1].path.as_deref(), Some("/mcp"));
    assert_eq!(route.placement, Placement::Kubernetes);
    assert_eq!(c.placement.pinned.len(), 1);
}

#[test]
fn mcp_selector_finds_services_by_label() {
    let services = "---\napiVersion: v1\nkind: Service\nmetadata: {name: weather, namespace: apps, labels: {mcp: 'yes'}, annotations: {kgateway.dev/mcp-path: /sse, kgateway.dev/mcp-protocol: SSE}}\nspec:\n  ports: [{port: 9000, appProtocol: kgateway.dev/mcp}, {port: 9001}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: other, namespace: apps}\nspec:\n  ports: [{port: 9000, appProtocol: kgateway.dev/mcp}]\n";
    let spec = "  type: MCP\n  mcp:\n    targets:\n    - name: found\n      selector: {service: {matchLabels: {mcp: 'yes'}}}\n";
    let c = compiled(&format!(
        "{services}{}{}",
        backend("mcp", spec),
        route_to("mcp")
    ));
    let BackendTarget::Mcp(m) = &c.payload.routes[0].rules[0].backends[0].target else {
        panic!()
    };
    assert_eq!(m.targets.len(), 1);
    assert_eq!(m.targets[0].host, "weather.apps.svc.cluster.local");
    assert_eq!(m.targets[0].port, 9000);
    assert_eq!(m.targets[0].path.as_deref(), Some("/sse"));
    assert_eq!(m.targets[0].protocol, "SSE");
}

#[test]
fn unsupported_types_resolve_invalid() {
    let spec = "  type: AWS\n  aws: {accountId: '000000000000'}\n";
    let c = compiled(&format!(
        "{}{}",
        backend("lambda", spec),
        route_to("lambda")
    ));
    let BackendTarget::Invalid(i) = &c.payload.routes[0].rules[0].backends[0].target else {
        panic!()
    };
    assert_eq!(i.kind, "gateway.kgateway.dev/Backend");
    assert_eq!(i.reason, "InvalidKind");
    let s = status(&c, "HTTPRoute", "apps", "r");
    assert_eq!(
        condition(&s["parents"][0]["conditions"], "ResolvedRefs"),
        ("False".into(), "InvalidKind".into())
    );
}

#[test]
fn backend_validation_names_fields() {
    for (spec, field) in [
        ("  type: Static\n", "spec.static"),
        (
            "  type: Static\n  static: {hosts: [{host: a, port: 70000}]}\n",
            "spec.static.hosts[0].port",
        ),
        ("  type: AI\n  ai: {llm: {}}\n", "spec.ai.llm"),
        (
            "  type: AI\n  ai: {llm: {openai: {}, gemini: {}}}\n",
            "spec.ai.llm",
        ),
        (
            "  type: MCP\n  mcp: {targets: [{name: t}]}\n",
            "spec.mcp.targets[0]",
        ),
        (
            "  type: MCP\n  mcp: {targets: [{name: t, static: {host: h, port: 1, protocol: WS}}]}\n",
            "spec.mcp.targets[0].static.protocol",
        ),
    ] {
        let err = compile_with_base(&backend("b", spec)).unwrap_err();
        assert!(
            err.contains(&format!("(Backend apps/b): {field}: ")),
            "{field}: {err}"
        );
    }
}
