//! Property: the bundle is a function of the manifests, not of their order or of the run.
//! Random route sets are compiled in random document orders and split across random files;
//! payload, status and placement must come out byte-identical.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "property-test helpers: a failure should stop the test loudly"
)]

use proptest::prelude::*;
use waygate_compiler::{CompileOptions, Source, compile};

const BASE: &str = r"
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: waygate
  listeners:
  - {name: http, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: All}}}
  - {name: apps, protocol: HTTP, port: 80, hostname: '*.apps.example.com', allowedRoutes: {namespaces: {from: All}}}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: team-a}
spec: {ports: [{name: http, port: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: team-b}
spec: {ports: [{name: http, port: 80, appProtocol: kubernetes.io/ws}]}
";

#[derive(Debug, Clone)]
struct RouteSpec {
    namespace: &'static str,
    hostname: Option<&'static str>,
    path_kind: &'static str,
    path: String,
    header: Option<(String, String)>,
    backend: (&'static str, &'static str, u16),
    created: Option<u32>,
}

fn route_spec() -> impl Strategy<Value = RouteSpec> {
    (
        prop::sample::select(vec!["team-a", "team-b"]),
        prop::option::of(prop::sample::select(vec![
            "x.apps.example.com",
            "*.apps.example.com",
            "example.com",
        ])),
        prop::sample::select(vec!["Exact", "PathPrefix", "RegularExpression"]),
        "(/[a-z]{1,4}){0,3}",
        prop::option::of(("[a-z]{1,6}", "[a-z0-9]{1,6}")),
        prop::sample::select(vec![
            ("team-a", "api", 8080u16),
            ("team-b", "web", 80),
            ("team-a", "missing", 80),
        ]),
        prop::option::of(0u32..1_000),
    )
        .prop_map(
            |(namespace, hostname, path_kind, path, header, backend, created)| RouteSpec {
                namespace,
                hostname,
                path_kind,
                path: if path.is_empty() { "/".into() } else { path },
                header,
                backend,
                created,
            },
        )
}

fn render(i: usize, r: &RouteSpec) -> String {
    let hostnames = r
        .hostname
        .map(|h| format!("  hostnames: ['{h}']\n"))
        .unwrap_or_default();
    let created = r
        .created
        .map(|s| {
            format!(
                "  creationTimestamp: '2024-01-01T00:{:02}:{:02}Z'\n",
                s / 60 % 60,
                s % 60
            )
        })
        .unwrap_or_default();
    let header = r
        .header
        .as_ref()
        .map(|(n, v)| format!("      headers: [{{name: '{n}', value: '{v}'}}]\n"))
        .unwrap_or_default();
    let (bns, bname, bport) = r.backend;
    format!(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: r{i}\n  namespace: {ns}\n{created}spec:\n  parentRefs: [{{name: gw, namespace: infra}}]\n{hostnames}  rules:\n  - matches:\n    - path: {{type: {kind}, value: '{path}'}}\n{header}    backendRefs: [{{name: {bname}, namespace: {bns}, port: {bport}}}]\n",
        ns = r.namespace,
        kind = r.path_kind,
        path = r.path,
    )
}

fn options() -> CompileOptions {
    CompileOptions {
        gateway_class: "waygate".into(),
        generation: 7,
        created: 1_700_000_000,
        expires: None,
        kubernetes_origin: Some("https://k8s.example.com".into()),
    }
}

/// Payload, status and placement as bytes.
fn output(sources: &[Source]) -> Vec<u8> {
    let compiled = compile(sources, &options()).expect("compiles");
    let mut out = serde_json::to_vec(&compiled.payload).unwrap();
    out.extend(serde_json::to_vec(&compiled.status).unwrap());
    out.extend(serde_json::to_vec(&compiled.placement).unwrap());
    out
}

/// Documents dealt into `files` sources in the order given by `order`.
fn sources(docs: &[String], order: &[usize], files: usize) -> Vec<Source> {
    let mut texts = vec![String::new(); files];
    for (n, &i) in order.iter().enumerate() {
        let text = &mut texts[n % files];
        text.push_str("---\n");
        text.push_str(&docs[i]);
    }
    texts
        .into_iter()
        .enumerate()
        .map(|(i, text)| Source {
            name: format!("part-{i}.yaml"),
            text,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn output_does_not_depend_on_document_order(
        routes in prop::collection::vec(route_spec(), 1..12),
        seed in any::<u64>(),
        files in 1usize..4,
    ) {
        let mut docs: Vec<String> = BASE.split("---").map(str::to_owned).collect();
        docs.extend(routes.iter().enumerate().map(|(i, r)| render(i, r)));
        let identity: Vec<usize> = (0..docs.len()).collect();
        let mut shuffled = identity.clone();
        // Fisher–Yates with a tiny LCG so the permutation is part of the shrinkable input.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let j = usize::try_from(state >> 33).unwrap() % (i + 1);
            shuffled.swap(i, j);
        }
        let first = output(&sources(&docs, &identity, 1));
        prop_assert_eq!(&first, &output(&sources(&docs, &identity, 1)), "same run, same bytes");
        prop_assert_eq!(&first, &output(&sources(&docs, &shuffled, files)), "order and files must not matter");
    }
}
