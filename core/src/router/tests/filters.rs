//! Filters and backend choice carried out through `decide`.

use http::{HeaderMap, HeaderValue};

use super::*;
use crate::bundle::{
    Cors, Filter, Header, HeaderModifier, Hostname, PathModifier, RequestMirror, RequestRedirect,
    RouteKind, Rule, UrlRewrite,
};
use crate::router::{CORS_PREFLIGHT_STATUS, GRPC_UNAVAILABLE};
use crate::testing::{exact, http_route, invalid, prefix, rule, service, weighted};

fn with_filters(mut rule: Rule, filters: Vec<Filter>) -> Rule {
    rule.filters = filters;
    rule
}

fn one_rule(rule: Rule) -> Router {
    single_listener(vec![(http_route("default", "r", vec![rule]), &[])])
}

fn forward<'r>(router: &'r Router, parts: &Parts) -> crate::router::ForwardPlan<'r> {
    match router.decide(&ctx(80), parts) {
        Decision::Forward(plan) => plan,
        other => panic!("expected forward, got {other:?}"),
    }
}

fn h(name: &str, value: &str) -> Header {
    Header {
        name: name.into(),
        value: value.into(),
    }
}

#[test]
fn request_and_response_header_modifiers() {
    let r = with_filters(
        rule(vec![prefix("/")], vec![service("default", "b", 80)]),
        vec![
            Filter::RequestHeaderModifier(HeaderModifier {
                set: vec![h("x-set", "set")],
                add: vec![h("x-add", "added")],
                remove: vec!["x-remove".into()],
            }),
            Filter::ResponseHeaderModifier(HeaderModifier {
                set: vec![h("x-resp", "r")],
                ..HeaderModifier::default()
            }),
        ],
    );
    let router = one_rule(r);
    let parts = req(
        "GET",
        "/",
        &[
            ("host", "Example.com:8080"),
            ("x-set", "old"),
            ("x-add", "orig"),
            ("x-remove", "gone"),
        ],
    );
    let plan = forward(&router, &parts);
    let mut headers = parts.headers.clone();
    plan.apply_request(&mut headers);
    assert_eq!(headers["host"], "Example.com:8080");
    assert_eq!(headers["x-set"], "set");
    assert_eq!(
        headers.get_all("x-add").iter().collect::<Vec<_>>(),
        ["orig", "added"]
    );
    assert!(headers.get("x-remove").is_none());
    let mut response = HeaderMap::new();
    plan.apply_response(&mut response);
    assert_eq!(response["x-resp"], "r");
}

#[test]
fn url_rewrite_prefix_cases_through_decide() {
    let rewrite = |match_prefix: &str, replacement: &str| {
        one_rule(with_filters(
            rule(
                vec![prefix(match_prefix)],
                vec![service("default", "b", 80)],
            ),
            vec![Filter::UrlRewrite(UrlRewrite {
                hostname: None,
                path: Some(PathModifier::ReplacePrefixMatch(replacement.into())),
            })],
        ))
    };
    for (m, r, path, want) in [
        ("/foo", "/bar", "/foo", "/bar"),
        ("/foo", "/bar", "/foo/", "/bar/"),
        ("/foo", "/bar", "/foo/baz?q=1", "/bar/baz?q=1"),
        ("/foo", "/", "/foo/baz", "/baz"),
        ("/foo", "/", "/foo", "/"),
        ("/foo/", "/bar", "/foo/baz", "/bar/baz"),
        ("/foo/", "/bar", "/foo", "/bar"),
    ] {
        let router = rewrite(m, r);
        let parts = get(path);
        assert_eq!(
            forward(&router, &parts).path_and_query(),
            want,
            "{m} -> {r} on {path}"
        );
    }
}

#[test]
fn url_rewrite_full_path_and_hostname() {
    let router = one_rule(with_filters(
        rule(vec![exact("/old")], vec![service("default", "b", 80)]),
        vec![Filter::UrlRewrite(UrlRewrite {
            hostname: Some(Hostname::new("internal.example.com").unwrap()),
            path: Some(PathModifier::ReplaceFullPath("/new/path".into())),
        })],
    ));
    let parts = req("GET", "/old?a=b", &[("host", "public.example.com")]);
    let plan = forward(&router, &parts);
    assert_eq!(plan.path_and_query(), "/new/path?a=b");
    assert_eq!(plan.authority(), "internal.example.com");
    let mut headers = parts.headers.clone();
    plan.apply_request(&mut headers);
    assert_eq!(headers["host"], "internal.example.com");
}

#[test]
fn request_redirect_through_decide() {
    let redirect = |r: RequestRedirect, listener: Protocol, port: u16| {
        let payload = PayloadBuilder::new()
            .listener("l", port, listener, None)
            .route(
                http_route(
                    "default",
                    "r",
                    vec![with_filters(
                        rule(vec![prefix("/original")], vec![]),
                        vec![Filter::RequestRedirect(r)],
                    )],
                ),
                &[],
            )
            .build()
            .unwrap();
        let router = router(&payload);
        let parts = req(
            "GET",
            "/original/lemon?x=y",
            &[("host", "example.com:1234")],
        );
        match router.decide(&ctx(port), &parts) {
            Decision::Redirect(r) => (r.status.as_u16(), r.location),
            other => panic!("{other:?}"),
        }
    };
    let base = RequestRedirect {
        scheme: None,
        hostname: None,
        path: None,
        port: None,
        status_code: 301,
    };
    assert_eq!(
        redirect(base.clone(), Protocol::Http, 80),
        (301, "http://example.com/original/lemon?x=y".into())
    );
    assert_eq!(
        redirect(base.clone(), Protocol::Https, 8443),
        (301, "https://example.com:8443/original/lemon?x=y".into())
    );
    let https = RequestRedirect {
        scheme: Some("https".into()),
        path: Some(PathModifier::ReplacePrefixMatch("/new".into())),
        status_code: 302,
        ..base.clone()
    };
    assert_eq!(
        redirect(https, Protocol::Http, 8080),
        (302, "https://example.com/new/lemon?x=y".into())
    );
    let with_port = RequestRedirect {
        hostname: Some(Hostname::new("other.example.com").unwrap()),
        port: Some(8081),
        ..base
    };
    assert_eq!(
        redirect(with_port, Protocol::Http, 80),
        (
            301,
            "http://other.example.com:8081/original/lemon?x=y".into()
        )
    );
}

#[test]
fn weighted_pick_respects_weights_and_invalid_shares() {
    let router = one_rule(rule(
        vec![prefix("/")],
        vec![
            weighted(service("default", "a", 80), 1),
            weighted(service("default", "zero", 80), 0),
            weighted(service("default", "b", 80), 2),
            weighted(invalid("default", "missing"), 1),
        ],
    ));
    let parts = get("/");
    let plan = forward(&router, &parts);
    assert_eq!(plan.backends().len(), 4);
    let name = |draw: u32| {
        plan.pick(draw)
            .map(|p| p.target().identity().1.to_owned())
            .map_err(|e| e.status.as_u16())
    };
    // Total weight 4: [0,1) a, [1,3) b, [3,4) invalid; the draw covers the u32 range.
    let quarter = u32::MAX / 4;
    assert_eq!(name(0).unwrap(), "a");
    assert_eq!(name(quarter - 1).unwrap(), "a");
    assert_eq!(name(quarter + 1).unwrap(), "b");
    assert_eq!(name(3 * quarter - 1).unwrap(), "b");
    assert_eq!(name(u32::MAX), Err(500));
    // Over a uniform sweep of draws, shares follow the weights and "zero" never appears.
    let mut counts = std::collections::BTreeMap::<String, u32>::new();
    for i in 0..4000u32 {
        let key = name(i.wrapping_mul(1_073_807)).unwrap_or_else(|status| status.to_string());
        *counts.entry(key).or_default() += 1;
    }
    assert!(!counts.contains_key("zero"));
    let share = |k: &str| f64::from(counts[k]) / 4000.0;
    assert!((share("a") - 0.25).abs() < 0.05, "{counts:?}");
    assert!((share("b") - 0.5).abs() < 0.05, "{counts:?}");
    assert!((share("500") - 0.25).abs() < 0.05, "{counts:?}");
}

#[test]
fn backend_filters_and_addresses() {
    let mut b = service("default", "b", 8080);
    b.filters = vec![Filter::RequestHeaderModifier(HeaderModifier {
        set: vec![h("x-backend", "b")],
        ..HeaderModifier::default()
    })];
    if let crate::bundle::BackendTarget::Service(s) = &mut b.target {
        s.endpoints = vec!["127.0.0.1:9000".into(), "127.0.0.1:9001".into()];
    }
    let router = one_rule(rule(
        vec![prefix("/")],
        vec![b, weighted(service("default", "c", 80), 0)],
    ));
    let parts = get("/");
    let plan = forward(&router, &parts);
    let picked = plan.pick(0).unwrap();
    assert_eq!(picked.index, 0);
    assert_eq!(picked.addresses(), ["127.0.0.1:9000", "127.0.0.1:9001"]);
    let mut headers = HeaderMap::new();
    plan.apply_request(&mut headers);
    picked.apply_request(&mut headers);
    assert_eq!(headers["x-backend"], "b");
    let plain = one_rule(rule(vec![prefix("/")], vec![service("default", "c", 80)]));
    let plan = forward(&plain, &parts);
    assert_eq!(
        plan.pick(7).unwrap().addresses(),
        ["c.default.svc.cluster.local:80"]
    );
}

#[test]
fn no_usable_backend_is_500_and_grpc_unavailable() {
    for backends in [
        vec![],
        vec![invalid("default", "x")],
        vec![
            weighted(service("default", "a", 80), 0),
            weighted(service("default", "b", 80), 0),
        ],
    ] {
        let router = one_rule(rule(vec![prefix("/")], backends));
        match router.decide(&ctx(80), &get("/")) {
            Decision::Respond(r) => {
                assert_eq!(r.status, 500);
                assert_eq!(r.grpc_status, None);
                assert_eq!(r.matched.unwrap().route.name, "r");
            }
            other => panic!("{other:?}"),
        }
    }
    let mut grpc = http_route(
        "default",
        "g",
        vec![rule(
            vec![prefix("/svc.Echo/")],
            vec![invalid("default", "x")],
        )],
    );
    grpc.kind = RouteKind::Grpc;
    let router = single_listener(vec![(grpc, &[])]);
    match router.decide(&ctx(80), &get("/svc.Echo/Hi")) {
        Decision::Respond(r) => assert_eq!(r.grpc_status, Some(GRPC_UNAVAILABLE)),
        other => panic!("{other:?}"),
    }
    // An unmatched gRPC request is UNIMPLEMENTED.
    match router.decide(
        &ctx(80),
        &req(
            "POST",
            "/other.Svc/X",
            &[("content-type", "application/grpc")],
        ),
    ) {
        Decision::Respond(r) => {
            assert_eq!(r.status, 404);
            assert_eq!(r.grpc_status, Some(crate::router::GRPC_UNIMPLEMENTED));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unresolved_filter_is_500() {
    let mut r = rule(vec![prefix("/")], vec![service("default", "a", 80)]);
    r.unresolved_filter = Some("ExtensionRef example.com/Thing missing".into());
    let router = one_rule(r);
    match router.decide(&ctx(80), &get("/")) {
        Decision::Respond(r) => assert_eq!(r.status, 500),
        other => panic!("{other:?}"),
    }
}

#[test]
fn mirrors_follow_draws() {
    let mirror = |name: &str, numerator: u32, denominator: u32| {
        Filter::RequestMirror(RequestMirror {
            backend: Box::new(service("default", name, 80)),
            numerator,
            denominator,
        })
    };
    let router = one_rule(with_filters(
        rule(vec![prefix("/")], vec![service("default", "a", 80)]),
        vec![
            mirror("always", 100, 100),
            mirror("half", 1, 2),
            mirror("never", 0, 100),
            Filter::RequestMirror(RequestMirror {
                backend: Box::new(invalid("default", "broken")),
                numerator: 1,
                denominator: 1,
            }),
        ],
    ));
    let parts = get("/");
    let plan = forward(&router, &parts);
    assert_eq!(plan.mirror_count(), 4);
    let names = |draws: &[u32]| {
        plan.mirrors(draws)
            .map(|b| b.target.identity().1.to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&[0, 0, 0, 0]), ["always", "half"]);
    assert_eq!(names(&[u32::MAX, u32::MAX, 0, 0]), ["always"]);
    assert_eq!(names(&[u32::MAX, u32::MAX / 2 - 1]), ["always", "half"]);
}

#[test]
fn cors_preflight_and_actual_requests() {
    let router = one_rule(with_filters(
        rule(vec![prefix("/")], vec![service("default", "a", 80)]),
        vec![Filter::Cors(Cors {
            allow_origins: vec!["https://www.foo.com".into(), "https://*.bar.com".into()],
            allow_methods: vec!["GET".into(), "OPTIONS".into()],
            allow_headers: vec!["x-header-1".into()],
            expose_headers: vec!["x-header-3".into()],
            allow_credentials: true,
            max_age: Some(3600),
        })],
    ));
    let preflight = req(
        "OPTIONS",
        "/cors",
        &[
            ("origin", "https://xpto.www.bar.com"),
            ("access-control-request-method", "GET"),
        ],
    );
    match router.decide(&ctx(80), &preflight) {
        Decision::Respond(r) => {
            assert_eq!(r.status, CORS_PREFLIGHT_STATUS);
            assert_eq!(
                r.headers["access-control-allow-origin"],
                "https://xpto.www.bar.com"
            );
            assert_eq!(r.headers["access-control-allow-methods"], "GET, OPTIONS");
            assert_eq!(r.headers["access-control-max-age"], "3600");
        }
        other => panic!("{other:?}"),
    }
    let denied = req(
        "OPTIONS",
        "/",
        &[
            ("origin", "https://foobar.com"),
            ("access-control-request-method", "GET"),
        ],
    );
    match router.decide(&ctx(80), &denied) {
        Decision::Respond(r) => assert!(r.headers.get("access-control-allow-origin").is_none()),
        other => panic!("{other:?}"),
    }
    let simple = req("GET", "/", &[("origin", "https://www.foo.com")]);
    let plan = forward(&router, &simple);
    let mut response = HeaderMap::new();
    response.insert("content-type", HeaderValue::from_static("text/plain"));
    plan.apply_response(&mut response);
    assert_eq!(
        response["access-control-allow-origin"],
        "https://www.foo.com"
    );
    assert_eq!(response["access-control-allow-credentials"], "true");
    assert_eq!(response["access-control-expose-headers"], "x-header-3");
    let foreign = req("GET", "/", &[("origin", "https://foobar.com")]);
    let plan = forward(&router, &foreign);
    let mut response = HeaderMap::new();
    plan.apply_response(&mut response);
    assert!(response.is_empty());
    // OPTIONS without the preflight headers is an ordinary request.
    assert!(matches!(
        router.decide(&ctx(80), &req("OPTIONS", "/", &[])),
        Decision::Forward(_)
    ));
}

#[test]
fn timeouts_and_retry_on_the_plan() {
    let mut r = rule(vec![prefix("/")], vec![service("default", "a", 80)]);
    r.timeouts = Some(crate::bundle::Timeouts {
        request_ms: Some(500),
        backend_request_ms: Some(0),
    });
    r.retry = Some(crate::bundle::Retry {
        attempts: Some(2),
        codes: vec![503],
        backoff_ms: Some(10),
    });
    let router = one_rule(r);
    let parts = get("/");
    let plan = forward(&router, &parts);
    assert_eq!(plan.request_timeout_ms(), Some(500));
    assert_eq!(plan.backend_request_timeout_ms(), None);
    let retry = plan.retry().unwrap();
    assert_eq!(retry.should_retry(1, Some(503)), Some(10));
    assert_eq!(retry.should_retry(3, Some(503)), None);
}

#[test]
fn upstream_failures_answer_504_502_or_the_grpc_status() {
    let router = one_rule(rule(vec![prefix("/")], vec![service("default", "b", 80)]));
    let plan = forward(&router, &get("/x"));
    let timed_out = plan.upstream_failed(true);
    assert_eq!(
        (timed_out.status.as_u16(), timed_out.grpc_status),
        (504, None)
    );
    let failed = plan.upstream_failed(false);
    assert_eq!((failed.status.as_u16(), failed.grpc_status), (502, None));

    let mut grpc = http_route(
        "default",
        "g",
        vec![rule(
            vec![prefix("/svc.Echo/")],
            vec![service("default", "b", 80)],
        )],
    );
    grpc.kind = RouteKind::Grpc;
    let router = single_listener(vec![(grpc, &[])]);
    let plan = forward(&router, &get("/svc.Echo/Hi"));
    assert_eq!(
        plan.upstream_failed(true).grpc_status,
        Some(crate::router::GRPC_DEADLINE_EXCEEDED)
    );
    assert_eq!(
        plan.upstream_failed(false).grpc_status,
        Some(GRPC_UNAVAILABLE)
    );
}

#[test]
fn a_redirect_renders_status_location_and_response_edits() {
    let r = with_filters(
        rule(vec![prefix("/old")], vec![]),
        vec![
            Filter::RequestRedirect(RequestRedirect {
                scheme: None,
                hostname: None,
                path: None,
                port: None,
                status_code: 302,
            }),
            Filter::ResponseHeaderModifier(HeaderModifier {
                set: vec![h("x-why", "moved")],
                add: vec![],
                remove: vec![],
            }),
        ],
    );
    let router = one_rule(r);
    let Decision::Redirect(redirect) = router.decide(&ctx(80), &get("/old")) else {
        panic!("expected a redirect");
    };
    let res = redirect.to_response::<Vec<u8>>();
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], redirect.location.as_str());
    assert_eq!(res.headers()["x-why"], "moved");
    assert!(res.body().is_empty());
}
