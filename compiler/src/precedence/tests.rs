use crate::testing::compiled;

/// Route/rule/match of each entry on the only listener, in bundle order.
fn order(text: &str) -> Vec<(String, u32, u32)> {
    let c = compiled(text);
    c.payload.gateways[0].listeners[0]
        .http
        .iter()
        .map(|e| {
            (
                c.payload.routes[e.route as usize].name.clone(),
                e.rule,
                e.match_index,
            )
        })
        .collect()
}

fn route(name: &str, created: Option<&str>, body: &str) -> String {
    let created = created.map_or_else(String::new, |t| format!(", creationTimestamp: '{t}'"));
    format!(
        "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: {name}, namespace: apps{created}}}\nspec:\n  parentRefs: [{{name: gw, namespace: infra}}]\n{body}"
    )
}

#[test]
fn hostnames_rank_exact_then_longest_wildcard_then_none() {
    let text = [
        route("any", None, "  rules: [{backendRefs: [{name: api, port: 8080}]}]\n"),
        route("wild", None, "  hostnames: ['*.example.com']\n  rules: [{backendRefs: [{name: api, port: 8080}]}]\n"),
        route("wilder", None, "  hostnames: ['*.a.example.com']\n  rules: [{backendRefs: [{name: api, port: 8080}]}]\n"),
        route("exact", None, "  hostnames: [x.example.com]\n  rules: [{backendRefs: [{name: api, port: 8080}]}]\n"),
    ]
    .concat();
    let names: Vec<String> = order(&text).into_iter().map(|(n, _, _)| n).collect();
    assert_eq!(names, ["exact", "wilder", "wild", "any"]);
}

#[test]
fn paths_rank_exact_then_longest_prefix_then_method_headers_query() {
    let body = r"  rules:
  - matches: [{path: {value: /a}}]
  - matches: [{path: {value: /a/b}}]
  - matches: [{path: {type: Exact, value: /a}}]
  - matches: [{path: {value: /a}, method: GET}]
  - matches: [{path: {value: /a}, headers: [{name: x, value: '1'}, {name: y, value: '2'}]}]
  - matches: [{path: {value: /a}, headers: [{name: x, value: '1'}]}]
  - matches: [{path: {value: /a}, queryParams: [{name: q, value: '1'}]}]
  - matches: [{path: {type: RegularExpression, value: '/a.*'}}]
";
    let rules: Vec<u32> = order(&route("r", None, body))
        .into_iter()
        .map(|(_, r, _)| r)
        .collect();
    // Exact, longest prefix, then among /a: method, more headers, fewer headers, query,
    // plain; regexes last.
    assert_eq!(rules, [2, 1, 3, 4, 5, 6, 0, 7]);
}

#[test]
fn ties_go_to_the_oldest_route_then_namespace_and_name() {
    let body =
        "  rules: [{matches: [{path: {value: /x}}], backendRefs: [{name: api, port: 8080}]}]\n";
    let text = [
        route("b-new", Some("2024-01-02T00:00:00Z"), body),
        route("c-old", Some("2024-01-01T00:00:00Z"), body),
        route("a-undated", None, body),
        route("b-undated", None, body),
    ]
    .concat();
    let names: Vec<String> = order(&text).into_iter().map(|(n, _, _)| n).collect();
    assert_eq!(names, ["c-old", "b-new", "a-undated", "b-undated"]);
}

#[test]
fn sorted_entries_are_non_decreasing_by_sort_key() {
    let body = r"  hostnames: [a.example.com, '*.example.com']
  rules:
  - matches: [{path: {value: /}}, {path: {type: Exact, value: /exact}}]
";
    let c = compiled(&route("r", None, body));
    let http = &c.payload.gateways[0].listeners[0].http;
    assert_eq!(http.len(), 4);
    assert!(http.windows(2).all(|w| w[0].sort_key <= w[1].sort_key));
    assert_eq!(http[0].hostname.as_ref().unwrap().as_str(), "a.example.com");
}
