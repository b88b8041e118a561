use super::*;

fn h(s: &str) -> Hostname {
    Hostname::new(s).unwrap()
}

fn effective(listener: Option<&str>, route: &[&str]) -> Effective {
    let listener = listener.map(h);
    let route: Vec<Hostname> = route.iter().map(|r| h(r)).collect();
    intersect(listener.as_ref(), &route).map(|v| {
        v.into_iter()
            .map(|o| o.map(|h| h.as_str().to_owned()))
            .collect()
    })
}

type Effective = Option<Vec<Option<String>>>;

#[allow(clippy::unnecessary_wraps)] // reads better in the table
fn some(names: &[&str]) -> Effective {
    Some(names.iter().map(|n| Some((*n).to_owned())).collect())
}

#[test]
fn intersection_table() {
    // (listener, route hostnames, effective hostnames)
    let table: &[(Option<&str>, &[&str], Effective)] = &[
        (None, &[], Some(vec![None])),
        (Some("foo.example.com"), &[], some(&["foo.example.com"])),
        (None, &["a.com", "b.com"], some(&["a.com", "b.com"])),
        (
            Some("foo.example.com"),
            &["foo.example.com"],
            some(&["foo.example.com"]),
        ),
        (Some("foo.example.com"), &["bar.example.com"], None),
        (
            Some("foo.example.com"),
            &["*.example.com"],
            some(&["foo.example.com"]),
        ),
        (Some("example.com"), &["*.example.com"], None),
        (
            Some("*.example.com"),
            &["foo.example.com"],
            some(&["foo.example.com"]),
        ),
        (
            Some("*.example.com"),
            &["a.b.example.com"],
            some(&["a.b.example.com"]),
        ),
        (Some("*.example.com"), &["example.com"], None),
        (
            Some("*.example.com"),
            &["*.example.com"],
            some(&["*.example.com"]),
        ),
        (
            Some("*.example.com"),
            &["*.foo.example.com"],
            some(&["*.foo.example.com"]),
        ),
        (
            Some("*.foo.example.com"),
            &["*.example.com"],
            some(&["*.foo.example.com"]),
        ),
        (Some("*.example.com"), &["*.example.org"], None),
        (
            Some("*.example.com"),
            &["foo.example.com", "other.org", "bar.example.com"],
            some(&["foo.example.com", "bar.example.com"]),
        ),
    ];
    for (listener, route, want) in table {
        assert_eq!(
            &effective(*listener, route),
            want,
            "listener {listener:?} route {route:?}"
        );
    }
}

#[test]
fn wildcard_does_not_cover_a_suffix_that_is_not_a_label() {
    assert_eq!(effective(Some("*.example.com"), &["fooexample.com"]), None);
    assert_eq!(effective(Some("*.ample.com"), &["*.example.com"]), None);
}

#[test]
fn rejects_ips_and_bad_names() {
    assert!(parse("10.0.0.1", "spec.hostnames[0]").is_err());
    let err = parse("foo_bar.com", "spec.hostnames[1]").unwrap_err();
    assert_eq!(err.field, "spec.hostnames[1]");
    assert!(parse("*", "x").is_err());
    let err = parse("Foo.Example.com", "x").unwrap_err();
    assert!(err.message.contains("lower case"), "{}", err.message);
    assert_eq!(
        parse("*.example.com", "x").unwrap().as_str(),
        "*.example.com"
    );
}

#[test]
fn parse_all_drops_duplicates_and_names_the_index() {
    let names = vec!["a.com".to_owned(), "a.com".to_owned(), "b.com".to_owned()];
    assert_eq!(parse_all(&names, "spec.hostnames").unwrap().len(), 2);
    let bad = vec!["a.com".to_owned(), "-x.com".to_owned()];
    assert_eq!(
        parse_all(&bad, "spec.hostnames").unwrap_err().field,
        "spec.hostnames[1]"
    );
}
