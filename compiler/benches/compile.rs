//! Compile time for 10k HTTPRoutes (target: ≤ 1 s in release), YAML parsing included.

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use waygate_compiler::{CompileOptions, Source, compile};

const ROUTES: usize = 10_000;
const SERVICES: usize = 200;

/// A Gateway with an open listener and a wildcard one, 200 Services, and 10k HTTPRoutes
/// with a mix of hostnames, Exact/PathPrefix paths and header matches.
fn manifests() -> Vec<Source> {
    let mut infra = String::from(
        "apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: infra}
spec:
  gatewayClassName: waygate
  listeners:
  - {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
  - {name: wild, port: 8080, protocol: HTTP, hostname: '*.example.com', allowedRoutes: {namespaces: {from: All}}}
",
    );
    for s in 0..SERVICES {
        let _ = write!(
            infra,
            "---\napiVersion: v1\nkind: Service\nmetadata: {{name: svc-{s}, namespace: team-{}}}\nspec:\n  ports: [{{name: http, port: 80}}]\n",
            s % 20
        );
    }
    let mut routes = String::new();
    for r in 0..ROUTES {
        let team = (r % SERVICES) % 20;
        let svc = r % SERVICES;
        let host = match r % 4 {
            0 => format!("app-{}.example.com", r % 500),
            1 => format!("'*.team-{team}.example.com'"),
            2 => format!("api-{}.example.org", r % 300),
            _ => String::new(),
        };
        let hostnames = if host.is_empty() {
            String::new()
        } else {
            format!("  hostnames: [{host}]\n")
        };
        let (kind, path) = if r % 3 == 0 {
            ("Exact", format!("/v1/items/{r}"))
        } else {
            ("PathPrefix", format!("/svc/{r}/"))
        };
        let headers = if r % 5 == 0 {
            format!("\n      headers: [{{name: X-Tenant, value: t{}}}]", r % 7)
        } else {
            String::new()
        };
        let _ = write!(
            routes,
            "---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: route-{r}, namespace: team-{team}}}
spec:
  parentRefs: [{{name: edge, namespace: infra}}]
{hostnames}  rules:
  - matches:
    - path: {{type: {kind}, value: '{path}'}}{headers}
    - path: {{type: PathPrefix, value: /shared/{}}}
      method: GET
    backendRefs: [{{name: svc-{svc}, port: 80}}]
",
            r % 50
        );
    }
    vec![
        Source {
            name: "infra.yaml".to_owned(),
            text: infra,
        },
        Source {
            name: "routes.yaml".to_owned(),
            text: routes,
        },
    ]
}

fn bench(c: &mut Criterion) {
    let sources = manifests();
    let opts = CompileOptions {
        created: 1_700_000_000,
        ..CompileOptions::default()
    };
    let mut group = c.benchmark_group("compile");
    group.sample_size(10);
    group.bench_function("compile-10k", |b| {
        b.iter(|| compile(black_box(&sources), black_box(&opts)));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
