use super::*;
use waygate_core::bundle::{BackendTarget, PathMatchKind};

const BASIC: &str = r"
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: waygate
  listeners:
  - {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: apps, generation: 2}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  hostnames: [www.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /api}}]
    backendRefs: [{name: api, port: 8080}]
  - backendRefs: [{name: missing, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: apps}
spec:
  ports: [{name: http, port: 8080, targetPort: 9000}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: junk, namespace: apps}
";

pub(crate) fn source(name: &str, text: &str) -> Source {
    Source {
        name: name.to_owned(),
        text: text.to_owned(),
    }
}

fn opts() -> CompileOptions {
    CompileOptions {
        created: 1_700_000_000,
        ..CompileOptions::default()
    }
}

#[test]
fn compiles_gateway_route_and_service() {
    let compiled = compile(&[source("basic.yaml", BASIC)], &opts()).unwrap();
    let payload = &compiled.payload;
    assert_eq!(payload.gateways.len(), 1);
    let listener = &payload.gateways[0].listeners[0];
    assert_eq!(listener.port, 80);
    // Two rules, one match each, one hostname: the /api prefix sorts first.
    assert_eq!(listener.http.len(), 2);
    assert_eq!(listener.http[0].rule, 0);
    assert_eq!(
        listener.http[0].hostname.as_ref().unwrap().as_str(),
        "www.example.com"
    );
    let route = &payload.routes[0];
    assert_eq!(
        route.rules[0].matches[0].path.kind,
        PathMatchKind::PathPrefix
    );
    match &route.rules[0].backends[0].target {
        BackendTarget::Service(s) => assert_eq!(s.authority, "api.apps.svc.cluster.local:8080"),
        other => panic!("unexpected {other:?}"),
    }
    match &route.rules[1].backends[0].target {
        BackendTarget::Invalid(i) => assert_eq!(i.reason, "BackendNotFound"),
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        compiled
            .notes
            .iter()
            .any(|n| n.contains("skipped ConfigMap apps/junk (basic.yaml: document 3)"))
    );

    let route_status = compiled
        .status
        .iter()
        .find(|s| s.kind == "HTTPRoute")
        .unwrap();
    let conditions = &route_status.status["parents"][0]["conditions"];
    assert_eq!(conditions[0]["type"], "Accepted");
    assert_eq!(conditions[0]["status"], "True");
    assert_eq!(conditions[1]["reason"], "BackendNotFound");
    assert_eq!(conditions[1]["observedGeneration"], 2);
    assert_eq!(conditions[1]["lastTransitionTime"], "2023-11-14T22:13:20Z");
    let gateway_status = compiled
        .status
        .iter()
        .find(|s| s.kind == "Gateway")
        .unwrap();
    assert_eq!(gateway_status.status["listeners"][0]["attachedRoutes"], 1);
}

#[test]
fn invalid_document_error_names_file_document_object_and_field() {
    let text = BASIC.replace("type: PathPrefix", "type: Prefx");
    let err = compile(&[source("routes.yaml", &text)], &opts())
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("routes.yaml: document 1 (HTTPRoute apps/web): spec.rules[0].matches[0].path.type: unknown variant `Prefx`"),
        "{err}"
    );
}

#[test]
fn compile_is_deterministic() {
    let a = compile(&[source("basic.yaml", BASIC)], &opts()).unwrap();
    let b = compile(&[source("basic.yaml", BASIC)], &opts()).unwrap();
    assert_eq!(
        serde_json::to_vec(&a.payload).unwrap(),
        serde_json::to_vec(&b.payload).unwrap()
    );
    assert_eq!(
        serde_json::to_vec(&a.status).unwrap(),
        serde_json::to_vec(&b.status).unwrap()
    );
}

mod attachment {
    use crate::testing::{compiled, condition, status};

    const GATEWAY: &str = r"
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: multi, namespace: apps}
spec:
  gatewayClassName: waygate
  listeners:
  - {name: foo, port: 80, protocol: HTTP, hostname: foo.example.com}
  - {name: wild, port: 80, protocol: HTTP, hostname: '*.example.com'}
  - {name: alt, port: 8080, protocol: HTTP}
";

    fn route(parent: &str, hostnames: &str) -> String {
        format!(
            "{GATEWAY}---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r, namespace: apps}}\nspec:\n  parentRefs: [{parent}]\n  hostnames: {hostnames}\n  rules: [{{backendRefs: [{{name: api, port: 8080}}]}}]\n"
        )
    }

    fn accepted(parent: &str, hostnames: &str) -> (String, String) {
        let c = compiled(&route(parent, hostnames));
        condition(
            &status(&c, "HTTPRoute", "apps", "r")["parents"][0]["conditions"],
            "Accepted",
        )
    }

    #[test]
    fn route_attaches_to_every_matching_listener_with_effective_hostnames() {
        let c = compiled(&route(
            "{name: multi}",
            "[foo.example.com, bar.example.com]",
        ));
        let gw = c
            .payload
            .gateways
            .iter()
            .find(|g| g.name == "multi")
            .unwrap();
        let hosts = |i: usize| -> Vec<String> {
            gw.listeners[i]
                .http
                .iter()
                .map(|e| e.hostname.as_ref().map_or("*".into(), ToString::to_string))
                .collect()
        };
        assert_eq!(hosts(0), ["foo.example.com"]);
        assert_eq!(hosts(1), ["bar.example.com", "foo.example.com"]);
        assert_eq!(hosts(2), ["bar.example.com", "foo.example.com"]);
        let listeners = &status(&c, "Gateway", "apps", "multi")["listeners"];
        for i in 0..3 {
            assert_eq!(listeners[i]["attachedRoutes"], 1);
        }
    }

    #[test]
    fn section_name_and_port_select_listeners() {
        let c = compiled(&route(
            "{name: multi, sectionName: alt}, {name: multi, port: 80}",
            "[]",
        ));
        let gw = c
            .payload
            .gateways
            .iter()
            .find(|g| g.name == "multi")
            .unwrap();
        assert_eq!(
            gw.listeners
                .iter()
                .map(|l| l.http.len())
                .collect::<Vec<_>>(),
            [1, 1, 1]
        );
        let parents = &status(&c, "HTTPRoute", "apps", "r")["parents"];
        assert_eq!(parents[0]["parentRef"]["sectionName"], "alt");
        assert_eq!(parents[1]["parentRef"]["port"], 80);
        assert_eq!(
            parents[1]["controllerName"],
            "waygate.dev/gateway-controller"
        );
    }

    #[test]
    fn reasons_for_not_attaching() {
        assert_eq!(
            accepted("{name: multi, sectionName: nope}", "[]").1,
            "NoMatchingParent"
        );
        assert_eq!(
            accepted("{name: multi, port: 9}", "[]").1,
            "NoMatchingParent"
        );
        assert_eq!(
            accepted("{name: multi, sectionName: foo}", "[bar.example.com]").1,
            "NoMatchingListenerHostname"
        );
        assert_eq!(
            accepted("{name: multi, sectionName: wild}", "[example.com]").1,
            "NoMatchingListenerHostname"
        );
        assert_eq!(
            accepted("{name: multi, sectionName: alt}", "[example.com]"),
            ("True".into(), "Accepted".into())
        );
    }

    #[test]
    fn unattached_routes_stay_out_of_the_bundle_but_get_status() {
        let c = compiled(&route("{name: multi, sectionName: foo}", "[other.org]"));
        assert!(c.payload.routes.is_empty());
        let listeners = &status(&c, "Gateway", "apps", "multi")["listeners"];
        assert_eq!(listeners[0]["attachedRoutes"], 0);
    }

    #[test]
    fn parents_that_are_not_ours_get_no_status_entry() {
        let c = compiled(&route(
            "{name: elsewhere}, {name: multi, sectionName: alt}",
            "[]",
        ));
        let parents = status(&c, "HTTPRoute", "apps", "r")["parents"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(parents.len(), 1);
        assert_eq!(parents[0]["parentRef"]["name"], "multi");
        let c = compiled(&route("{name: elsewhere}", "[]"));
        assert!(!c.status.iter().any(|s| s.kind == "HTTPRoute"));
        assert!(
            c.notes
                .iter()
                .any(|n| n.contains("HTTPRoute apps/r has no parentRef")),
            "{:?}",
            c.notes
        );
    }
}

mod classes {
    use super::*;

    const OTHER: &str = r"
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: theirs, namespace: infra}
spec:
  gatewayClassName: istio
  listeners: [{name: http, port: 80, protocol: HTTP}]
";

    #[test]
    fn gateways_of_other_classes_are_skipped_with_a_note() {
        let c = crate::testing::compiled(OTHER);
        assert_eq!(
            c.payload
                .gateways
                .iter()
                .map(|g| g.name.as_str())
                .collect::<Vec<_>>(),
            ["gw"]
        );
        assert!(c.notes.iter().any(|n| n.contains("Gateway infra/theirs")));
        let cluster = "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}\n";
        let c = crate::testing::compiled(cluster);
        assert!(
            c.notes
                .iter()
                .any(|n| n.starts_with("skipped ClusterRole reader (test.yaml: document 0)")),
            "{:?}",
            c.notes
        );
    }

    #[test]
    fn a_gateway_class_owned_by_another_controller_disowns_its_gateways() {
        let class = "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: waygate}\nspec: {controllerName: example.com/other}\n";
        let c = crate::testing::compiled(class);
        assert!(c.payload.gateways.is_empty());
        assert!(c.status.is_empty());
        let ours = class.replace("example.com/other", "waygate.dev/gateway-controller");
        let c = crate::testing::compiled(&ours);
        assert_eq!(c.payload.gateways.len(), 1);
        assert!(
            c.status
                .iter()
                .any(|s| s.kind == "GatewayClass" && s.name == "waygate")
        );
    }

    #[test]
    fn gateway_class_option_selects_the_class() {
        let opts = CompileOptions {
            gateway_class: "istio".to_owned(),
            ..crate::testing::options()
        };
        let c = compile(
            &[
                source("a.yaml", crate::testing::BASE),
                source("b.yaml", OTHER),
            ],
            &opts,
        )
        .unwrap();
        assert_eq!(
            c.payload
                .gateways
                .iter()
                .map(|g| g.name.as_str())
                .collect::<Vec<_>>(),
            ["theirs"]
        );
    }
}

mod documents {
    use crate::testing::error;

    #[test]
    fn yaml_and_header_errors_name_the_document() {
        let err = error("---\napiVersion: v1\nkind: Service\nmetadata: {name: x\n");
        assert!(err.starts_with("test.yaml: document 0: "), "{err}");
        let err = error(
            "---\nkind: Service\nmetadata: {name: x}\n---\napiVersion: v1\nmetadata: {name: y}\n",
        );
        assert!(
            err.starts_with("test.yaml: document 0: apiVersion: missing"),
            "{err}"
        );
        let err = error(
            "---\napiVersion: v1\nkind: Service\nmetadata: {name: x}\n---\napiVersion: v1\nkind: Service\nmetadata: {namespace: a}\n",
        );
        assert!(
            err.starts_with("test.yaml: document 1: metadata.name: missing"),
            "{err}"
        );
        let err = error("---\n- just\n- a list\n");
        assert!(err.contains("document 0: not a Kubernetes object"), "{err}");
    }

    #[test]
    fn unknown_versions_of_known_kinds_are_errors() {
        let err = error(
            "apiVersion: gateway.networking.k8s.io/v9\nkind: HTTPRoute\nmetadata: {name: r}\n",
        );
        assert!(err.contains("document 0: apiVersion: gateway.networking.k8s.io/v9 is not a supported apiVersion for HTTPRoute"), "{err}");
    }

    #[test]
    fn duplicates_are_errors_naming_both_places() {
        let svc = "---\napiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: apps}\nspec: {ports: [{port: 1}]}\n";
        let err = error(svc);
        assert!(
            err.contains("test.yaml: document 0 (Service apps/api): duplicate object; Service apps/api is already defined in test.yaml: document 1 (Service apps/api)"),
            "{err}"
        );
    }

    #[test]
    fn default_namespace_and_empty_documents() {
        let c = crate::testing::compiled(
            "---\n---\napiVersion: v1\nkind: Service\nmetadata: {name: solo}\nspec: {ports: [{port: 1}]}\n---\n",
        );
        assert!(c.notes.is_empty(), "{:?}", c.notes);
        let err = error(
            "apiVersion: v1\nkind: Service\nmetadata: {name: solo}\nspec: {ports: [{port: 1}]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: solo, namespace: default}\nspec: {ports: [{port: 1}]}\n",
        );
        assert!(
            err.contains("duplicate object; Service default/solo"),
            "{err}"
        );
    }
}

mod streams {
    use crate::testing::{compiled, condition, status};
    use waygate_core::bundle::{BackendTarget, StreamKind};

    const GATEWAY: &str = r"
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: l4, namespace: apps}
spec:
  gatewayClassName: waygate
  listeners:
  - {name: tcp, port: 5432, protocol: TCP}
  - {name: tls, port: 443, protocol: TLS, hostname: '*.example.com', tls: {mode: Passthrough}}
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: pg, namespace: apps}
spec:
  parentRefs: [{name: l4, sectionName: tcp}]
  rules: [{backendRefs: [{name: api, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: sni, namespace: apps}
spec:
  parentRefs: [{name: l4}]
  hostnames: [db.example.com, other.org]
  rules: [{backendRefs: [{name: gone, port: 443}]}]
";

    #[test]
    fn tcp_and_tls_routes_become_stream_routes() {
        let c = compiled(GATEWAY);
        assert!(
            c.payload.routes.is_empty(),
            "stream routes are not HTTP routes"
        );
        let gw = c.payload.gateways.iter().find(|g| g.name == "l4").unwrap();
        let tcp = &gw.listeners[0].streams[0];
        assert_eq!((tcp.kind, tcp.name.as_str()), (StreamKind::Tcp, "pg"));
        assert!(matches!(tcp.backends[0].target, BackendTarget::Service(_)));
        let tls = &gw.listeners[1].streams[0];
        assert_eq!(tls.kind, StreamKind::Tls);
        assert_eq!(
            tls.hostnames
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["db.example.com"]
        );
        let s = status(&c, "TLSRoute", "apps", "sni");
        assert_eq!(
            condition(&s["parents"][0]["conditions"], "Accepted").0,
            "True"
        );
        assert_eq!(
            condition(&s["parents"][0]["conditions"], "ResolvedRefs").1,
            "BackendNotFound"
        );
        let listeners = &status(&c, "Gateway", "apps", "l4")["listeners"];
        assert_eq!(
            (
                listeners[0]["attachedRoutes"].as_u64(),
                listeners[1]["attachedRoutes"].as_u64()
            ),
            (Some(1), Some(1))
        );
    }

    #[test]
    fn an_http_route_cannot_attach_to_a_tcp_listener() {
        let text = format!(
            "{GATEWAY}---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: web, namespace: apps}}\nspec:\n  parentRefs: [{{name: l4, sectionName: tcp}}]\n"
        );
        let c = compiled(&text);
        let s = status(&c, "HTTPRoute", "apps", "web");
        assert_eq!(
            condition(&s["parents"][0]["conditions"], "Accepted").1,
            "NotAllowedByListeners"
        );
    }
}

mod sources {
    use crate::load_paths;

    #[test]
    fn load_paths_walks_directories_in_sorted_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/nested")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(root.join("b/nested/z.yml"), "z").unwrap();
        std::fs::write(root.join("b/a.yaml"), "a").unwrap();
        std::fs::write(root.join("a.YAML"), "top").unwrap();
        std::fs::write(root.join("notes.txt"), "skip").unwrap();
        std::fs::write(root.join(".git/x.yaml"), "hidden").unwrap();
        let explicit = root.join("notes.txt");
        let sources = load_paths(&[root.to_path_buf(), explicit]).unwrap();
        let texts: Vec<&str> = sources.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["top", "a", "z", "skip"]);
        assert!(sources[0].name.ends_with("a.YAML"));
        let err = load_paths(&[root.join("missing.yaml")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing.yaml"), "{err}");
    }
}
