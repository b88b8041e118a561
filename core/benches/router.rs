//! Route lookup at 10, 1k and 10k routes, and bundle load (verify + `Router::new`).
//!
//! The route mix is what a multi-tenant gateway carries: ten routes per hostname (a
//! catch-all, versioned prefixes, exact paths, a header-matched prefix and a regex), every
//! tenth hostname a wildcard, plus host-less routes. Lookups cycle through requests that
//! hit each kind of route and one that misses.

#![expect(
    clippy::unwrap_used,
    reason = "bench fixtures are test code: a broken fixture should stop the bench loudly"
)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use http::request::Parts;
use waygate_core::bundle::{
    Payload, Protocol, RouteMatch, ValueMatch, ValueMatchKind, sign, verify,
};
use waygate_core::router::{RequestContext, Router, RuntimeKind};
use waygate_core::testing::{
    self, PayloadBuilder, exact, http_route, prefix, regex, rule, service,
};

const SIZES: [usize; 3] = [10, 1_000, 10_000];

fn host(group: usize) -> String {
    if group % 10 == 9 {
        format!("*.w{group}.example.com")
    } else {
        format!("svc{group}.example.com")
    }
}

fn route_match(i: usize) -> RouteMatch {
    match i % 10 {
        0 => prefix("/"),
        1..=4 => prefix(&format!("/api/v{}/svc{i}", i % 10)),
        5..=7 => exact(&format!("/api/v1/svc{i}/items")),
        8 => {
            let mut m = prefix(&format!("/svc{i}"));
            m.headers = vec![ValueMatch {
                name: "x-tenant".into(),
                kind: ValueMatchKind::Exact,
                value: format!("t{i}"),
            }];
            m
        }
        _ => regex(&format!("/svc{i}/[0-9]+")),
    }
}

fn payload(routes: usize) -> Payload {
    let mut b =
        PayloadBuilder::new()
            .gateway("infra", "gw")
            .listener("http", 80, Protocol::Http, None);
    for i in 0..routes {
        let route = http_route(
            "tenants",
            &format!("route-{i}"),
            vec![rule(
                vec![route_match(i)],
                vec![service("tenants", &format!("svc-{i}"), 8080)],
            )],
        );
        let hostname = host(i / 10);
        b = b.route(route, &[hostname.as_str()]);
    }
    for path in ["/healthz", "/.well-known/acme-challenge"] {
        let route = http_route(
            "infra",
            &format!("any{}", path.len()),
            vec![rule(vec![prefix(path)], vec![service("infra", "ops", 80)])],
        );
        b = b.route(route, &[]);
    }
    b.build().unwrap()
}

/// Requests aimed at the middle hostname group, so every size sees the same mix.
fn requests(routes: usize) -> Vec<Parts> {
    let group = (routes / 10) / 2;
    let group = if group % 10 == 9 { group - 1 } else { group };
    let host = format!("svc{group}.example.com");
    let base = group * 10;
    let r = |method: &str, path: String, headers: &[(&str, &str)]| {
        let mut h = vec![("host", host.as_str())];
        h.extend_from_slice(headers);
        testing::request(method, &path, &h).unwrap()
    };
    let tenant = format!("t{}", base + 8);
    vec![
        r("GET", format!("/api/v1/svc{}/items", base + 5), &[]),
        r(
            "GET",
            format!("/api/v2/svc{}/orders/17?expand=true", base + 2),
            &[],
        ),
        r(
            "POST",
            format!("/svc{}/upload", base + 8),
            &[("x-tenant", tenant.as_str())],
        ),
        r("GET", format!("/svc{}/42", base + 9), &[]),
        r("GET", "/static/app.js".into(), &[("accept", "*/*")]),
        r("GET", "/healthz".into(), &[]),
        testing::request("GET", "/api/v1/x", &[("host", "unknown.example.org")]).unwrap(),
    ]
}

fn lookup(c: &mut Criterion) {
    let ctx = RequestContext {
        gateway: None,
        port: 80,
        runtime: RuntimeKind::Kubernetes,
    };
    let mut group = c.benchmark_group("lookup");
    for n in SIZES {
        let router = testing::router(&payload(n)).unwrap();
        let reqs = requests(n);
        group.bench_with_input(BenchmarkId::new("lookup", n), &n, |b, _| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % reqs.len();
                black_box(router.lookup(&ctx, black_box(&reqs[i])).is_some())
            });
        });
        group.bench_with_input(BenchmarkId::new("decide", n), &n, |b, _| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % reqs.len();
                black_box(router.decide(&ctx, black_box(&reqs[i])))
                    .matched()
                    .is_some()
            });
        });
    }
    group.finish();
}

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    let key = testing::key();
    let trusted = testing::trusted();
    for n in [1_000, 10_000] {
        let p = payload(n);
        let bytes = sign(&p, &[&key]).unwrap();
        eprintln!("load fixture: {n} routes, {} bundle bytes", bytes.len());
        group.bench_with_input(BenchmarkId::new("verify", n), &n, |b, _| {
            b.iter(|| verify(black_box(&bytes), &trusted, p.created).unwrap());
        });
        let verified = verify(&bytes, &trusted, p.created).unwrap();
        group.bench_with_input(BenchmarkId::new("new", n), &n, |b, _| {
            b.iter(|| Router::new(black_box(&verified)).unwrap());
        });
        group.bench_with_input(BenchmarkId::new("verify+new", n), &n, |b, _| {
            b.iter(|| {
                let verified = verify(black_box(&bytes), &trusted, p.created).unwrap();
                Router::new(&verified).unwrap()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, lookup, load);
criterion_main!(benches);
