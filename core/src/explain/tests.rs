use serde_json::json;

use super::*;
use crate::bundle::{
    Filter, Header, HeaderModifier, PathModifier, Protocol, RequestRedirect, UrlRewrite,
};
use crate::testing::{
    PayloadBuilder, exact, http_route, invalid, prefix, router, rule, service, weighted,
};

fn fixture() -> Router {
    let mut rewrite = rule(
        vec![prefix("/api")],
        vec![
            weighted(service("apps", "api", 8080), 3),
            invalid("apps", "gone"),
        ],
    );
    rewrite.filters = vec![
        Filter::UrlRewrite(UrlRewrite {
            hostname: None,
            path: Some(PathModifier::ReplacePrefixMatch("/".into())),
        }),
        Filter::RequestHeaderModifier(HeaderModifier {
            add: vec![Header {
                name: "x-via".into(),
                value: "waygate".into(),
            }],
            ..HeaderModifier::default()
        }),
    ];
    let mut moved = rule(vec![exact("/old")], vec![]);
    moved.filters = vec![
        Filter::RequestRedirect(RequestRedirect {
            scheme: Some("https".into()),
            hostname: None,
            path: Some(PathModifier::ReplaceFullPath("/new".into())),
            port: None,
            status_code: 301,
        }),
        Filter::ResponseHeaderModifier(HeaderModifier {
            set: vec![Header {
                name: "x-moved".into(),
                value: "yes".into(),
            }],
            ..HeaderModifier::default()
        }),
    ];
    let broken = rule(vec![prefix("/broken")], vec![invalid("apps", "missing")]);
    let payload = PayloadBuilder::new()
        .gateway("infra", "gw")
        .listener("http", 80, Protocol::Http, None)
        .route(
            http_route("apps", "web", vec![rewrite, moved, broken]),
            &["www.example.com"],
        )
        .build()
        .unwrap();
    router(&payload).unwrap()
}

fn request(url: &str, headers: &[(&str, &str)]) -> ExplainRequest {
    ExplainRequest {
        gateway: None,
        port: None,
        method: "GET".into(),
        url: url.into(),
        headers: headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

#[test]
fn forward_json_shape() {
    let e = explain(
        &fixture(),
        &request(
            "http://WWW.example.com/api/users?id=7",
            &[("X-Via", "client")],
        ),
    )
    .unwrap();
    assert_eq!(
        serde_json::to_value(&e).unwrap(),
        json!({
            "outcome": "forward",
            "status": null,
            "route": "apps/web",
            "rule": 0,
            "backends": [
                {"namespace": "apps", "name": "api", "port": 8080, "weight": 3},
                {"namespace": "apps", "name": "gone", "port": 80, "weight": 1}
            ],
            "upstream": {"path": "/users?id=7", "host": "WWW.example.com"},
            "headers": {"host": "WWW.example.com", "x-via": "client, waygate"},
            "location": null,
            "placement": "edge"
        })
    );
    let back: Explanation = serde_json::from_value(serde_json::to_value(&e).unwrap()).unwrap();
    assert_eq!(back, e);
}

#[test]
fn redirect_and_respond_shapes() {
    let router = fixture();
    let e = explain(&router, &request("http://www.example.com:80/old?x=1", &[])).unwrap();
    assert_eq!(e.outcome, Outcome::Redirect);
    assert_eq!(e.status, Some(301));
    assert_eq!(
        e.location.as_deref(),
        Some("https://www.example.com/new?x=1")
    );
    assert_eq!(e.headers.get("x-moved").map(String::as_str), Some("yes"));
    assert_eq!(e.rule, Some(1));

    let e = explain(&router, &request("http://www.example.com/broken", &[])).unwrap();
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["outcome"], "respond");
    assert_eq!(v["status"], 500);
    assert_eq!(v["route"], "apps/web");
    assert_eq!(v["rule"], 2);
    assert_eq!(v["placement"], "edge");

    let e = explain(&router, &request("http://other.example.com/api", &[])).unwrap();
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["status"], 404);
    assert_eq!(v["route"], serde_json::Value::Null);
    assert_eq!(v["placement"], serde_json::Value::Null);
    assert_eq!(v["reason"], "no route matched");
    assert_eq!(v["backends"], json!([]));
}

#[test]
fn host_header_overrides_the_url_authority() {
    let router = fixture();
    let e = explain(
        &router,
        &request(
            "http://other.example.com/api",
            &[("Host", "www.example.com")],
        ),
    )
    .unwrap();
    assert_eq!(e.outcome, Outcome::Forward);
    assert_eq!(e.upstream.unwrap().host, "www.example.com");
    // A path-only URL works with a Host header.
    let e = explain(&router, &request("/api", &[("host", "www.example.com")])).unwrap();
    assert_eq!(e.outcome, Outcome::Forward);
    // And a URL without a scheme is read as http.
    let e = explain(&router, &request("www.example.com/api", &[])).unwrap();
    assert_eq!(e.outcome, Outcome::Forward);
}

#[test]
fn port_defaulting() {
    let payload = PayloadBuilder::new()
        .gateway("infra", "a")
        .listener("http", 80, Protocol::Http, None)
        .listener("alt", 8080, Protocol::Http, None)
        .route(
            http_route(
                "apps",
                "r",
                vec![rule(vec![prefix("/")], vec![service("apps", "s", 80)])],
            ),
            &[],
        )
        .gateway("infra", "b")
        .listener("http", 9090, Protocol::Http, None)
        .build()
        .unwrap();
    let router = router(&payload).unwrap();
    let mut req = request("http://x.example.com/", &[]);
    let err = explain(&router, &req).unwrap_err();
    assert!(matches!(&err, ExplainError::AmbiguousPort(p) if *p == [80, 8080, 9090]));
    assert!(err.to_string().contains("80, 8080, 9090"), "{err}");
    req.url = "http://x.example.com:8080/".into();
    assert_eq!(explain(&router, &req).unwrap().outcome, Outcome::Forward);
    req.url = "http://x.example.com/".into();
    req.gateway = Some(ObjectRef::new("infra", "b"));
    let e = explain(&router, &req).unwrap();
    assert_eq!((e.outcome, e.status), (Outcome::Respond, Some(404)));
    req.gateway = Some(ObjectRef::new("infra", "nope"));
    assert!(matches!(
        explain(&router, &req),
        Err(ExplainError::UnknownGateway(_))
    ));
    req.gateway = None;
    req.port = Some(80);
    assert_eq!(explain(&router, &req).unwrap().outcome, Outcome::Forward);
}

#[test]
fn bad_input_is_an_error() {
    let router = fixture();
    let mut req = request("http://www.example.com/", &[]);
    req.method = "GE T".into();
    assert!(matches!(
        explain(&router, &req),
        Err(ExplainError::Method(_))
    ));
    let req = request("http://www.example.com/", &[("bad name", "x")]);
    assert!(matches!(
        explain(&router, &req),
        Err(ExplainError::Header { .. })
    ));
    let req = request("http://[bad/", &[]);
    assert!(matches!(
        explain(&router, &req),
        Err(ExplainError::Url { .. })
    ));
}

#[test]
fn text_rendering() {
    let router = fixture();
    let e = explain(&router, &request("http://www.example.com/api/x", &[])).unwrap();
    let text = render_text(&e);
    assert!(text.starts_with("forward\n"), "{text}");
    assert!(text.contains("route:     apps/web rule 0"), "{text}");
    assert!(text.contains("apps/api:8080 weight 3"), "{text}");
    assert!(
        text.contains("upstream:  host www.example.com path /x"),
        "{text}"
    );
    assert!(text.contains("x-via: waygate"), "{text}");
    let e = explain(&router, &request("http://nowhere.example.com/", &[])).unwrap();
    assert_eq!(render_text(&e), "respond 404 (no route matched)\n");
}
