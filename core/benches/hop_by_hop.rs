//! Stripping hop-by-hop headers, which every runtime does twice per forwarded request: a
//! typical browser request head, and a response head that names a private header in
//! `Connection`.

#![expect(
    clippy::unwrap_used,
    reason = "bench fixtures are test code: a broken fixture should stop the bench loudly"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use http::HeaderMap;
use waygate_core::hop_by_hop::strip_hop_by_hop;

fn head(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(*k, v.parse().unwrap());
    }
    h
}

fn strip(c: &mut Criterion) {
    let request = head(&[
        ("host", "api.example.com"),
        ("user-agent", "Mozilla/5.0"),
        ("accept", "*/*"),
        ("accept-encoding", "gzip, br"),
        ("cookie", "session=abc"),
        ("x-request-id", "4bf92f3577b34da6"),
    ]);
    let response = head(&[
        ("content-type", "application/json"),
        ("content-length", "20"),
        ("connection", "keep-alive, x-private"),
        ("keep-alive", "timeout=5"),
        ("x-private", "1"),
        ("date", "Sun, 22 Nov 2026 05:00:00 GMT"),
    ]);
    let mut group = c.benchmark_group("strip_hop_by_hop");
    for (name, h) in [("request", &request), ("response", &response)] {
        group.bench_function(name, |b| {
            b.iter_batched_ref(
                || h.clone(),
                |h| strip_hop_by_hop(black_box(h), false),
                criterion::BatchSize::SmallInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, strip);
criterion_main!(benches);
