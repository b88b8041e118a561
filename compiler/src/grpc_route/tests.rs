use super::*;
use crate::testing::{compiled, condition, error, status};
use waygate_core::bundle::{Placement, RouteKind};

fn full(pattern: &str) -> regex::Regex {
    regex::Regex::new(&format!("^(?:{pattern})$")).unwrap()
}

#[test]
fn service_and_method_exact_is_an_exact_path() {
    let (path, lens) = lower_method(Some("pkg.Echo"), Some("Say"), false, "m").unwrap();
    assert_eq!(path.kind, PathMatchKind::Exact);
    assert_eq!(path.value, "/pkg.Echo/Say");
    assert_eq!(
        lens,
        GrpcLens {
            service: 8,
            method: 3
        }
    );
}

#[test]
fn service_only_is_a_segment_prefix() {
    let (path, lens) = lower_method(Some("pkg.Echo"), None, false, "m").unwrap();
    assert_eq!(path.kind, PathMatchKind::PathPrefix);
    assert_eq!(path.value, "/pkg.Echo");
    assert_eq!(
        lens,
        GrpcLens {
            service: 8,
            method: 0
        }
    );
}

#[test]
fn method_only_is_a_regex_on_any_service() {
    let (path, lens) = lower_method(None, Some("Say"), false, "m").unwrap();
    assert_eq!(path.kind, PathMatchKind::RegularExpression);
    let re = full(&path.value);
    assert!(re.is_match("/pkg.Echo/Say"));
    assert!(re.is_match("/other.Svc/Say"));
    assert!(!re.is_match("/a/b/Say"));
    assert!(!re.is_match("/pkg.Echo/SayMore"));
    assert_eq!(
        lens,
        GrpcLens {
            service: 0,
            method: 3
        }
    );
}

#[test]
fn regex_types_default_missing_parts_to_one_segment() {
    let (path, lens) = lower_method(Some(r"pkg\..*"), None, true, "m").unwrap();
    assert_eq!(path.value, r"/(pkg\..*)/([^/]+)");
    let re = full(&path.value);
    assert!(re.is_match("/pkg.Echo/Say"));
    assert!(!re.is_match("/other.Echo/Say"));
    assert_eq!(lens, GrpcLens::default());
    let (path, _) = lower_method(None, Some("Get.*"), true, "m").unwrap();
    assert!(full(&path.value).is_match("/any.Svc/GetThing"));
}

#[test]
fn exact_names_are_quoted_and_validated() {
    let err = lower_method(
        Some("pkg.Echo"),
        Some("Say.*"),
        false,
        "spec.rules[0].matches[0].method",
    )
    .unwrap_err();
    assert_eq!(err.field, "spec.rules[0].matches[0].method.method");
    let err = lower_method(Some("bad/name"), None, false, "f").unwrap_err();
    assert_eq!(err.field, "f.service");
    let err = lower_method(None, None, false, "f").unwrap_err();
    assert_eq!(err.field, "f");
    let err = lower_method(Some("("), None, true, "f").unwrap_err();
    assert_eq!(err.field, "f.service");
}

const ROUTE: &str = r"
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: echo, namespace: apps}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  rules:
  - matches:
    - method: {service: pkg.Echo}
    - method: {service: pkg.Echo, method: Say}
      headers: [{name: X-Tenant, value: a}]
    backendRefs: [{name: api, port: 8080}]
";

#[test]
fn grpc_route_is_pinned_and_ranked_by_service_and_method() {
    let c = compiled(ROUTE);
    let route = &c.payload.routes[0];
    assert_eq!(route.kind, RouteKind::Grpc);
    assert_eq!(route.placement, Placement::Kubernetes);
    assert_eq!(route.rules[0].matches[1].headers[0].name, "x-tenant");
    let http = &c.payload.gateways[0].listeners[0].http;
    // service+method (8+3) outranks service only (8+0), although declared second.
    assert_eq!(http[0].match_index, 1);
    // Ranked as an exact path so an HTTP catch-all on the listener cannot outrank it.
    assert_eq!(http[0].sort_key.path_kind, PathMatchKind::Exact);
    assert_eq!(http[0].sort_key.path_len, 0);
    assert_eq!(http[1].sort_key.path_kind, PathMatchKind::PathPrefix);
    assert_eq!(
        http[1].sort_key.path_len,
        u32::try_from("/pkg.Echo".len()).unwrap()
    );
    assert_eq!(
        (http[0].sort_key.service_len, http[0].sort_key.method_len),
        (8, 3)
    );
    assert_eq!(c.placement.pinned[0].route, "apps/echo");
    assert_eq!(
        c.placement.pinned[0].path_prefixes,
        vec!["/pkg.Echo", "/pkg.Echo/Say"]
    );
    let s = status(&c, "GRPCRoute", "apps", "echo");
    assert_eq!(
        condition(&s["parents"][0]["conditions"], "Accepted"),
        ("True".into(), "Accepted".into())
    );
}

#[test]
fn grpc_method_errors_name_the_field() {
    let err = error(&ROUTE.replace("{service: pkg.Echo}", "{type: Exact}"));
    assert!(
        err.contains("(GRPCRoute apps/echo): spec.rules[0].matches[0].method: one or both"),
        "{err}"
    );
}
