use super::*;
use crate::testing::{compile_with_base, compiled, condition, status};
use waygate_core::bundle::{Filter, Placement};

fn route(meta_extra: &str, rules: &str) -> String {
    format!(
        "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r, namespace: apps{meta_extra}}}\nspec:\n  parentRefs: [{{name: gw, namespace: infra}}]\n  rules:\n{rules}"
    )
}

fn rule(text: &str) -> Rule {
    compiled(&route("", text)).payload.routes[0].rules[0].clone()
}

#[test]
fn rule_without_matches_gets_the_default_match() {
    let r = rule("  - backendRefs: [{name: api, port: 8080}]\n");
    assert_eq!(r.matches, vec![default_match()]);
    let r = rule("  - matches: [{headers: [{name: X-A, value: '1'}]}]\n");
    assert_eq!(r.matches[0].path.value, "/");
    assert_eq!(r.matches[0].path.kind, PathMatchKind::PathPrefix);
}

#[test]
fn header_names_are_lower_cased_and_the_first_duplicate_wins() {
    let r = rule(
        "  - matches:\n    - headers: [{name: X-Env, value: a}, {name: x-env, value: b}, {name: Y, type: RegularExpression, value: 'v[0-9]+'}]\n      queryParams: [{name: Q, value: '1'}, {name: Q, value: '2'}]\n      method: PATCH\n",
    );
    let m = &r.matches[0];
    assert_eq!(m.headers.len(), 2);
    assert_eq!(
        (m.headers[0].name.as_str(), m.headers[0].value.as_str()),
        ("x-env", "a")
    );
    assert_eq!(m.headers[1].kind, ValueMatchKind::RegularExpression);
    assert_eq!(m.query_params.len(), 1);
    assert_eq!(m.query_params[0].name, "Q");
    assert_eq!(m.method.as_deref(), Some("PATCH"));
}

#[test]
fn filters_are_lowered() {
    let r = rule(
        r"  - filters:
    - type: RequestHeaderModifier
      requestHeaderModifier: {set: [{name: X-Set, value: s}], add: [{name: X-Add, value: a}], remove: [X-Gone]}
    - type: ResponseHeaderModifier
      responseHeaderModifier: {add: [{name: X-Resp, value: r}]}
    - type: URLRewrite
      urlRewrite: {hostname: internal.example.com, path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}
    - type: RequestMirror
      requestMirror: {backendRef: {name: api, port: 8080}, percent: 25}
    - type: CORS
      cors: {allowOrigins: ['https://a.example'], allowHeaders: [X-Custom], allowCredentials: true, maxAge: 600}
    backendRefs:
    - name: api
      port: 8080
      filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Backend, value: '1'}]}}]
",
    );
    let Filter::RequestHeaderModifier(m) = &r.filters[0] else {
        panic!()
    };
    assert_eq!(
        (
            m.set[0].name.as_str(),
            m.add[0].name.as_str(),
            m.remove[0].as_str()
        ),
        ("x-set", "x-add", "x-gone")
    );
    assert!(matches!(r.filters[1], Filter::ResponseHeaderModifier(_)));
    let Filter::UrlRewrite(u) = &r.filters[2] else {
        panic!()
    };
    assert_eq!(
        u.path,
        Some(waygate_core::bundle::PathModifier::ReplacePrefixMatch(
            "/v2".into()
        ))
    );
    let Filter::RequestMirror(m) = &r.filters[3] else {
        panic!()
    };
    assert_eq!((m.numerator, m.denominator, m.backend.weight), (25, 100, 1));
    let Filter::Cors(c) = &r.filters[4] else {
        panic!()
    };
    assert_eq!(
        (c.allow_headers[0].as_str(), c.allow_credentials, c.max_age),
        ("x-custom", true, Some(600))
    );
    assert_eq!(r.backends[0].filters.len(), 1);
}

#[test]
fn redirect_defaults_to_302_and_mirror_fraction_is_kept() {
    let r = rule(
        r"  - filters:
    - type: RequestRedirect
      requestRedirect: {scheme: https, port: 8443}
    - type: RequestMirror
      requestMirror: {backendRef: {name: api, port: 8080}, fraction: {numerator: 1, denominator: 3}}
",
    );
    let Filter::RequestRedirect(redirect) = &r.filters[0] else {
        panic!()
    };
    assert_eq!(
        (
            redirect.scheme.as_deref(),
            redirect.port,
            redirect.status_code
        ),
        (Some("https"), Some(8443), 302)
    );
    let Filter::RequestMirror(m) = &r.filters[1] else {
        panic!()
    };
    assert_eq!((m.numerator, m.denominator), (1, 3));
}

#[test]
fn extension_ref_makes_the_rule_answer_500_and_reports_it() {
    let c = compiled(&route(
        "",
        "  - filters: [{type: ExtensionRef, extensionRef: {group: example.com, kind: Magic, name: m}}]\n    backendRefs: [{name: api, port: 8080}]\n",
    ));
    let rule = &c.payload.routes[0].rules[0];
    assert!(
        rule.unresolved_filter
            .as_deref()
            .unwrap()
            .contains("example.com/Magic")
    );
    let s = status(&c, "HTTPRoute", "apps", "r");
    assert_eq!(
        condition(&s["parents"][0]["conditions"], "Accepted").0,
        "True"
    );
    assert_eq!(
        condition(&s["parents"][0]["conditions"], "ResolvedRefs"),
        ("False".into(), "InvalidKind".into())
    );
}

#[test]
fn timeouts_and_retries() {
    let r = rule(
        "  - timeouts: {request: 10s, backendRequest: 2s}\n    retry: {attempts: 3, codes: [502, 503], backoff: 100ms}\n",
    );
    assert_eq!(
        r.timeouts,
        Some(Timeouts {
            request_ms: Some(10_000),
            backend_request_ms: Some(2_000)
        })
    );
    assert_eq!(
        r.retry,
        Some(Retry {
            attempts: Some(3),
            codes: vec![502, 503],
            backoff_ms: Some(100)
        })
    );
}

#[test]
fn placement_annotation_pins_the_route() {
    let c = compiled(&route(
        ", annotations: {waygate.dev/placement: kubernetes}",
        "  - backendRefs: [{name: api, port: 8080}]\n",
    ));
    assert_eq!(c.payload.routes[0].placement, Placement::Kubernetes);
    let c = compiled(&route("", "  - backendRefs: [{name: api, port: 8080}]\n"));
    assert_eq!(c.payload.routes[0].placement, Placement::Edge);
    assert!(c.placement.pinned.is_empty());
}

#[test]
fn invalid_fields_are_errors_naming_the_field() {
    for (rules, field) in [
        (
            "  - matches: [{path: {type: RegularExpression, value: '/a('}}]\n",
            "spec.rules[0].matches[0].path.value",
        ),
        (
            "  - matches: [{path: {type: Exact, value: 'a'}}]\n",
            "spec.rules[0].matches[0].path.value",
        ),
        (
            "  - matches: [{path: {value: '/a//b'}}]\n",
            "spec.rules[0].matches[0].path.value",
        ),
        (
            "  - matches: [{headers: [{name: 'bad name', value: x}]}]\n",
            "spec.rules[0].matches[0].headers[0].name",
        ),
        (
            "  - matches: [{headers: [{name: x, type: RegularExpression, value: '['}]}]\n",
            "spec.rules[0].matches[0].headers[0].value",
        ),
        (
            "  - timeouts: {request: 10}\n",
            "spec.rules[0].timeouts.request",
        ),
        (
            "  - timeouts: {request: 1s, backendRequest: 2s}\n",
            "spec.rules[0].timeouts.backendRequest",
        ),
        (
            "  - retry: {codes: [200]}\n",
            "spec.rules[0].retry.codes[0]",
        ),
        ("  - retry: {backoff: 1d}\n", "spec.rules[0].retry.backoff"),
        (
            "  - filters: [{type: RequestRedirect, requestRedirect: {statusCode: 304}}]\n",
            "spec.rules[0].filters[0].requestRedirect.statusCode",
        ),
        (
            "  - filters: [{type: RequestRedirect, requestRedirect: {hostname: 'a..b'}}]\n",
            "spec.rules[0].filters[0].requestRedirect.hostname",
        ),
        (
            "  - filters: [{type: RequestHeaderModifier}]\n",
            "spec.rules[0].filters[0].requestHeaderModifier",
        ),
        (
            "  - filters: [{type: Magic}]\n",
            "spec.rules[0].filters[0].type",
        ),
        (
            "  - matches: [{path: {type: Exact, value: /a}}]\n    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /b}}}]\n",
            "spec.rules[0].matches",
        ),
        (
            "  - filters: [{type: RequestMirror, requestMirror: {backendRef: {name: api, port: 8080}, fraction: {numerator: 5, denominator: 4}}}]\n",
            "spec.rules[0].filters[0].requestMirror.fraction",
        ),
    ] {
        let err = compile_with_base(&route("", rules)).unwrap_err();
        assert!(
            err.contains(&format!(
                "test.yaml: document 0 (HTTPRoute apps/r): {field}: "
            )),
            "{field}: {err}"
        );
    }
}

#[test]
fn route_hostnames_and_annotations_are_validated() {
    let text = route("", "  - backendRefs: [{name: api, port: 8080}]\n").replace(
        "  rules:\n",
        "  hostnames: [ok.example.com, 'not_ok']\n  rules:\n",
    );
    let err = compile_with_base(&text).unwrap_err();
    assert!(
        err.contains("spec.hostnames[1]: hostname \"not_ok\""),
        "{err}"
    );
    let err = compile_with_base(&route(
        ", annotations: {waygate.dev/placement: mars}",
        "  - {}\n",
    ))
    .unwrap_err();
    assert!(
        err.contains("metadata.annotations[\"waygate.dev/placement\"]"),
        "{err}"
    );
}

#[test]
fn absent_rules_default_to_one_catch_all_rule_without_backends() {
    let text = route("", "").replace("  rules:\n", "");
    let c = compiled(&text);
    let rules = &c.payload.routes[0].rules;
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].matches, vec![default_match()]);
    assert!(rules[0].backends.is_empty());
    assert_eq!(c.payload.gateways[0].listeners[0].http.len(), 1);
}

#[test]
fn redirect_and_rewrite_are_exclusive_but_an_empty_prefix_replacement_is_fine() {
    let err = compile_with_base(&route(
        "",
        "  - filters: [{type: RequestRedirect, requestRedirect: {hostname: a.example}}, {type: URLRewrite, urlRewrite: {hostname: b.example}}]\n",
    ))
    .unwrap_err();
    assert!(
        err.contains("(HTTPRoute apps/r): spec.rules[0].filters: may specify either"),
        "{err}"
    );
    let r = rule(
        "  - matches: [{path: {value: /foo}}]\n    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: ''}}}]\n",
    );
    let Filter::UrlRewrite(u) = &r.filters[0] else {
        panic!()
    };
    assert_eq!(
        u.path,
        Some(waygate_core::bundle::PathModifier::ReplacePrefixMatch(
            String::new()
        ))
    );
}
