//! Listener selection, hostname and path precedence, and RouteMatch conditions.

use super::*;
use crate::bundle::{ObjectRef, ValueMatch, ValueMatchKind};
use crate::testing::{exact, http_route, prefix, regex, rule, service};

fn svc_route(name: &str, matches: Vec<crate::bundle::RouteMatch>) -> Route {
    http_route(
        "default",
        name,
        vec![rule(matches, vec![service("default", name, 8080)])],
    )
}

#[test]
fn hostname_precedence() {
    // Like linkerd's `hostname_precedence`: the most specific hostname wins regardless of
    // how specific the paths are.
    let router = single_listener(vec![
        (svc_route("any", vec![exact("/foo")]), &[]),
        (svc_route("wild", vec![prefix("/")]), &["*.example.com"]),
        (
            svc_route("deeper-wild", vec![prefix("/")]),
            &["*.b.example.com"],
        ),
        (svc_route("exact", vec![prefix("/")]), &["a.b.example.com"]),
    ]);
    let at = |host: &str| routed(&router, &req("GET", "/foo", &[("host", host)]));
    assert_eq!(at("a.b.example.com").as_deref(), Some("default/exact"));
    assert_eq!(at("A.B.Example.COM:8080").as_deref(), Some("default/exact"));
    assert_eq!(
        at("c.b.example.com").as_deref(),
        Some("default/deeper-wild")
    );
    assert_eq!(at("b.example.com").as_deref(), Some("default/wild"));
    assert_eq!(at("x.y.example.com").as_deref(), Some("default/wild"));
    // A wildcard never matches the apex: the host-less route takes it.
    assert_eq!(at("example.com").as_deref(), Some("default/any"));
    assert_eq!(at("[::1]:80").as_deref(), Some("default/any"));
    assert_eq!(
        routed(&router, &req("GET", "/bar", &[("host", "example.com")])),
        None
    );
}

#[test]
fn path_prefix_is_element_wise() {
    let router = single_listener(vec![
        (svc_route("foo", vec![prefix("/foo")]), &[]),
        (svc_route("foo-slash", vec![prefix("/v2/")]), &[]),
    ]);
    for (path, want) in [
        ("/foo", Some("default/foo")),
        ("/foo/", Some("default/foo")),
        ("/foo/bar", Some("default/foo")),
        ("/foo?x=1", Some("default/foo")),
        ("/foobar", None),
        ("/fo", None),
        ("/v2", Some("default/foo-slash")),
        ("/v2/x", Some("default/foo-slash")),
        ("/v2x", None),
    ] {
        assert_eq!(routed(&router, &get(path)).as_deref(), want, "{path}");
    }
}

#[test]
fn path_precedence_exact_then_longest_prefix_then_regex() {
    let router = single_listener(vec![
        (svc_route("root", vec![prefix("/")]), &[]),
        (svc_route("prefix", vec![prefix("/api")]), &[]),
        (svc_route("longer", vec![prefix("/api/v1")]), &[]),
        (svc_route("exact", vec![exact("/api/v1/users")]), &[]),
        (svc_route("regex", vec![regex("/api/v[0-9]+/items")]), &[]),
    ]);
    let at = |p: &str| routed(&router, &get(p));
    assert_eq!(at("/api/v1/users").as_deref(), Some("default/exact"));
    assert_eq!(at("/api/v1/users/7").as_deref(), Some("default/longer"));
    assert_eq!(at("/api/v2").as_deref(), Some("default/prefix"));
    assert_eq!(at("/other").as_deref(), Some("default/root"));
    // Any prefix beats a regex in the compiler's order.
    assert_eq!(at("/api/v3/items").as_deref(), Some("default/prefix"));
    let regex_only = single_listener(vec![(
        svc_route("regex", vec![regex("/api/v[0-9]+/items")]),
        &[],
    )]);
    assert_eq!(
        routed(&regex_only, &get("/api/v3/items")).as_deref(),
        Some("default/regex")
    );
    assert_eq!(routed(&regex_only, &get("/api/v3/items/x")), None);
}

fn header(name: &str, value: &str) -> ValueMatch {
    ValueMatch {
        name: name.into(),
        kind: ValueMatchKind::Exact,
        value: value.into(),
    }
}

#[test]
fn method_headers_and_query_refine_and_rank() {
    let mut with_method = prefix("/");
    with_method.method = Some("POST".into());
    let mut with_headers = prefix("/");
    with_headers.headers = vec![header("version", "two"), header("color", "blue")];
    let mut with_header = prefix("/");
    with_header.headers = vec![header("version", "two")];
    let mut with_query = prefix("/");
    with_query.query_params = vec![header("animal", "whale")];
    let router = single_listener(vec![
        (svc_route("plain", vec![prefix("/")]), &[]),
        (svc_route("method", vec![with_method]), &[]),
        (svc_route("two-headers", vec![with_headers]), &[]),
        (svc_route("one-header", vec![with_header]), &[]),
        (svc_route("query", vec![with_query]), &[]),
    ]);
    let at = |m: &str, uri: &str, h: &[(&str, &str)]| routed(&router, &req(m, uri, h));
    assert_eq!(at("GET", "/", &[]).as_deref(), Some("default/plain"));
    assert_eq!(
        at("POST", "/", &[("version", "two")]).as_deref(),
        Some("default/method")
    );
    assert_eq!(
        at("GET", "/", &[("Version", "two"), ("color", "blue")]).as_deref(),
        Some("default/two-headers")
    );
    assert_eq!(
        at("GET", "/", &[("version", "two"), ("color", "red")]).as_deref(),
        Some("default/one-header")
    );
    assert_eq!(
        at("GET", "/?animal=whale", &[]).as_deref(),
        Some("default/query")
    );
    assert_eq!(
        at("GET", "/?animal=dolphin", &[]).as_deref(),
        Some("default/plain")
    );
}

#[test]
fn matches_of_one_rule_are_or_ed() {
    let route = http_route(
        "default",
        "multi",
        vec![
            rule(
                vec![exact("/a"), exact("/b")],
                vec![service("default", "ab", 80)],
            ),
            rule(vec![prefix("/c")], vec![service("default", "c", 80)]),
        ],
    );
    let router = single_listener(vec![(route, &[])]);
    assert_eq!(
        outcome(&router, &ctx(80), &get("/a")),
        Ok(("default/multi".into(), 0))
    );
    assert_eq!(
        outcome(&router, &ctx(80), &get("/b")),
        Ok(("default/multi".into(), 0))
    );
    assert_eq!(
        outcome(&router, &ctx(80), &get("/c/d")),
        Ok(("default/multi".into(), 1))
    );
    assert_eq!(outcome(&router, &ctx(80), &get("/d")), Err(404));
}

#[test]
fn listener_isolation() {
    // GatewayHTTPListenerIsolation: a request goes to the most specific listener for its
    // host and only that listener's routes are considered, even if a less specific
    // listener has a route that would match.
    let payload = PayloadBuilder::new()
        .gateway("infra", "gw")
        .listener("empty", 80, Protocol::Http, None)
        .listener("wildcard", 80, Protocol::Http, Some("*.example.com"))
        .listener("foo", 80, Protocol::Http, Some("foo.example.com"))
        .listener("other-port", 8080, Protocol::Http, None)
        .route_on(
            svc_route("on-empty", vec![prefix("/empty")]),
            &[],
            &["empty"],
        )
        .route_on(
            svc_route("on-wildcard", vec![prefix("/wildcard")]),
            &[],
            &["wildcard"],
        )
        .route_on(svc_route("on-foo", vec![prefix("/foo")]), &[], &["foo"])
        .route_on(
            svc_route("on-8080", vec![prefix("/")]),
            &[],
            &["other-port"],
        )
        .build()
        .unwrap();
    let router = router(&payload);
    let at =
        |host: &str, path: &str| outcome(&router, &ctx(80), &req("GET", path, &[("host", host)]));
    assert_eq!(
        at("foo.example.com", "/foo").map(|r| r.0),
        Ok("default/on-foo".into())
    );
    assert_eq!(at("foo.example.com", "/wildcard"), Err(404));
    assert_eq!(at("foo.example.com", "/empty"), Err(404));
    assert_eq!(
        at("bar.example.com", "/wildcard").map(|r| r.0),
        Ok("default/on-wildcard".into())
    );
    assert_eq!(at("bar.example.com", "/empty"), Err(404));
    assert_eq!(
        at("bar.com", "/empty").map(|r| r.0),
        Ok("default/on-empty".into())
    );
    assert_eq!(at("bar.com", "/foo"), Err(404));
    let on_8080 = outcome(
        &router,
        &ctx(8080),
        &req("GET", "/foo", &[("host", "foo.example.com")]),
    );
    assert_eq!(on_8080.map(|r| r.0), Ok("default/on-8080".into()));
    assert_eq!(outcome(&router, &ctx(9999), &get("/")), Err(404));
    assert_eq!(router.ports(None), vec![80, 8080]);
}

#[test]
fn gateway_selection_and_reasons() {
    let payload = PayloadBuilder::new()
        .gateway("infra", "one")
        .listener("http", 80, Protocol::Http, Some("one.example.com"))
        .route(svc_route("r1", vec![prefix("/")]), &[])
        .gateway("infra", "two")
        .listener("http", 80, Protocol::Http, None)
        .listener("https", 443, Protocol::Https, None)
        .route(svc_route("r2", vec![prefix("/")]), &[])
        .build()
        .unwrap();
    let router = router(&payload);
    let one = ObjectRef::new("infra", "one");
    let two = ObjectRef::new("infra", "two");
    let on = |gateway: Option<&ObjectRef>, host: &str| {
        let ctx = RequestContext {
            gateway: gateway.cloned(),
            ..ctx(80)
        };
        router.decide(&ctx, &req("GET", "/", &[("host", host)]))
    };
    let route_of = |d: Decision<'_>| d.matched().map(|m| m.route.name.clone());
    assert_eq!(route_of(on(None, "one.example.com")).as_deref(), Some("r1"));
    assert_eq!(route_of(on(None, "two.example.com")).as_deref(), Some("r2"));
    assert_eq!(
        route_of(on(Some(&two), "one.example.com")).as_deref(),
        Some("r2")
    );
    match on(Some(&one), "two.example.com") {
        Decision::Respond(r) => assert_eq!(r.reason, "no listener accepts this host"),
        other => panic!("{other:?}"),
    }
    assert_eq!(router.ports(Some(&one)), vec![80]);
    assert_eq!(router.ports(Some(&two)), vec![80, 443]);
    match router.decide(&ctx(81), &get("/")) {
        Decision::Respond(r) => {
            assert_eq!(r.status, 404);
            assert_eq!(r.reason, "no listener on this port");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn lookup_without_deciding() {
    let router = single_listener(vec![(svc_route("r", vec![prefix("/x")]), &[])]);
    let m = router.lookup(&ctx(80), &get("/x/y")).unwrap();
    assert_eq!(m.route.name, "r");
    assert_eq!(m.listener.name, "http");
    assert_eq!(m.gateway_ref(), ObjectRef::new("infra", "gw"));
    assert!(router.lookup(&ctx(80), &get("/y")).is_none());
}
