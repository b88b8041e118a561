//! Property tests: the indexed router agrees with a naive reading of the spec. In
//! particular a route never matches a request that violates one of its conditions, and a
//! request that some route matches never gets a 404.

use proptest::prelude::*;

use super::*;
use crate::bundle::{Hostname, PathMatchKind, RouteMatch, ValueMatch, ValueMatchKind};
use crate::testing::{http_route, rule, service, sort_key};

#[derive(Debug, Clone)]
struct Case {
    routes: Vec<(RouteMatch, Option<&'static str>)>,
    host: &'static str,
    method: &'static str,
    path: String,
    headers: Vec<(&'static str, &'static str)>,
    query: Vec<(&'static str, &'static str)>,
}

fn path() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(prop::sample::select(vec!["a", "b", "ab", ""]), 0..4),
        any::<bool>(),
    )
        .prop_map(|(segs, slash)| {
            let mut p = format!("/{}", segs.join("/"));
            if slash && !p.ends_with('/') {
                p.push('/');
            }
            p
        })
}

fn value_match(names: Vec<&'static str>) -> impl Strategy<Value = ValueMatch> {
    (
        prop::sample::select(names),
        prop::sample::select(vec!["1", "2"]),
        any::<bool>(),
    )
        .prop_map(|(n, v, re)| {
            ValueMatch {
                name: n.into(),
                kind: if re {
                    ValueMatchKind::RegularExpression
                } else {
                    ValueMatchKind::Exact
                },
                // As a regex `1|2` is not `1`: both kinds are exercised with a distinct meaning.
                value: if re { format!("{v}|9") } else { v.into() },
            }
        })
}

fn route_match() -> impl Strategy<Value = RouteMatch> {
    (
        path(),
        prop::sample::select(vec![
            PathMatchKind::Exact,
            PathMatchKind::PathPrefix,
            PathMatchKind::RegularExpression,
        ]),
        prop::option::of(prop::sample::select(vec!["GET", "POST"])),
        prop::collection::vec(value_match(vec!["x-a", "x-b"]), 0..3),
        prop::collection::vec(value_match(vec!["q", "Q"]), 0..3),
    )
        .prop_map(|(path, kind, method, headers, query_params)| {
            let value = if kind == PathMatchKind::RegularExpression {
                // Element-wise prefix spelled as a regex.
                format!("{}(/.*)?", regex::escape(path.trim_end_matches('/')))
            } else {
                path
            };
            RouteMatch {
                path: crate::bundle::PathMatch { kind, value },
                method: method.map(Into::into),
                headers,
                query_params,
            }
        })
}

fn case() -> impl Strategy<Value = Case> {
    let hostname = prop::option::of(prop::sample::select(vec![
        "a.example.com",
        "*.example.com",
        "b.example.com",
    ]));
    (
        prop::collection::vec((route_match(), hostname), 1..6),
        prop::sample::select(vec![
            "a.example.com",
            "b.example.com",
            "x.a.example.com",
            "example.com",
        ]),
        prop::sample::select(vec!["GET", "POST"]),
        path(),
        prop::collection::vec(
            (
                prop::sample::select(vec!["x-a", "X-A", "x-b"]),
                prop::sample::select(vec!["1", "2", "9"]),
            ),
            0..3,
        ),
        prop::collection::vec(
            (
                prop::sample::select(vec!["q", "Q"]),
                prop::sample::select(vec!["1", "2", "9"]),
            ),
            0..3,
        ),
    )
        .prop_map(|(routes, host, method, path, headers, query)| Case {
            routes,
            host,
            method,
            path,
            headers,
            query,
        })
}

fn naive_value(m: &ValueMatch, actual: Option<String>) -> bool {
    let Some(actual) = actual else { return false };
    match m.kind {
        ValueMatchKind::Exact => actual == m.value,
        ValueMatchKind::RegularExpression => m.value.split('|').any(|alt| alt == actual),
    }
}

/// The spec, read literally and without indexes.
fn naive_matches(m: &RouteMatch, hostname: Option<&str>, c: &Case) -> bool {
    let host_ok = match hostname {
        None => true,
        Some(h) => match h.strip_prefix('*') {
            Some(suffix) => c.host.ends_with(suffix) && c.host.len() > suffix.len(),
            None => h == c.host,
        },
    };
    let path_ok = match m.path.kind {
        PathMatchKind::Exact => c.path == m.path.value,
        PathMatchKind::PathPrefix | PathMatchKind::RegularExpression => {
            let v = m.path.value.trim_end_matches("(/.*)?").replace('\\', "");
            let v = v.trim_end_matches('/');
            v.is_empty() || c.path == v || c.path.starts_with(&format!("{v}/"))
        }
    };
    let method_ok = m.method.as_deref().is_none_or(|want| want == c.method);
    let mut seen = Vec::new();
    let headers_ok = m.headers.iter().all(|h| {
        if seen.contains(&h.name) {
            return true;
        }
        seen.push(h.name.clone());
        let values: Vec<&str> = c
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(&h.name))
            .map(|(_, v)| *v)
            .collect();
        naive_value(h, (!values.is_empty()).then(|| values.join(",")))
    });
    let mut seen = Vec::new();
    let query_ok = m.query_params.iter().all(|q| {
        if seen.contains(&q.name) {
            return true;
        }
        seen.push(q.name.clone());
        naive_value(
            q,
            c.query
                .iter()
                .find(|(n, _)| *n == q.name)
                .map(|(_, v)| (*v).to_owned()),
        )
    });
    host_ok && path_ok && method_ok && headers_ok && query_ok
}

fn build(c: &Case) -> (Router, Vec<Route>) {
    let mut b = PayloadBuilder::new().listener("http", 80, Protocol::Http, None);
    let mut routes = Vec::new();
    for (i, (m, hostname)) in c.routes.iter().enumerate() {
        let route = http_route(
            "default",
            &format!("r{i}"),
            vec![rule(vec![m.clone()], vec![service("default", "b", 80)])],
        );
        routes.push(route.clone());
        b = b.route(route, hostname.as_slice());
    }
    // Signing is slow in debug builds and not what is under test here.
    let router =
        Router::from_unverified(b.build().unwrap(), crate::bundle::Digest::of(b"")).unwrap();
    (router, routes)
}

fn request(c: &Case) -> Parts {
    let query: Vec<String> = c.query.iter().map(|(n, v)| format!("{n}={v}")).collect();
    let uri = if query.is_empty() {
        c.path.clone()
    } else {
        format!("{}?{}", c.path, query.join("&"))
    };
    let mut headers = vec![("host", c.host)];
    headers.extend(c.headers.iter().copied());
    req(c.method, &uri, &headers)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn router_agrees_with_the_naive_spec(c in case()) {
        let (router, routes) = build(&c);
        let parts = request(&c);
        // The expected winner: the smallest sort key among naively matching routes.
        let expected = c
            .routes
            .iter()
            .enumerate()
            .filter(|(_, (m, h))| naive_matches(m, *h, &c))
            .filter_map(|(i, (_, h))| {
                let h = h.map(|h| Hostname::new(h).unwrap());
                sort_key(&routes[i], 0, 0, h.as_ref()).map(|k| (k, i))
            })
            .min()
            .map(|(_, i)| format!("default/r{i}"));
        let got = routed(&router, &parts);
        if let Some(name) = &got {
            let i: usize = name.trim_start_matches("default/r").parse().unwrap();
            let (m, h) = &c.routes[i];
            prop_assert!(naive_matches(m, *h, &c), "{name} matched a request violating its conditions");
        }
        prop_assert_eq!(got, expected);
    }
}
