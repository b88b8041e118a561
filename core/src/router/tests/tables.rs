//! `Router::new` checks the bundle's tables instead of trusting them.

use super::*;
use crate::bundle::{BundleError, Digest};
use crate::testing::{http_route, prefix, regex, rule, service};

fn payload() -> Payload {
    PayloadBuilder::new()
        .generation(7)
        .listener("http", 80, Protocol::Http, None)
        .route(
            http_route(
                "default",
                "a",
                vec![rule(vec![prefix("/a")], vec![service("default", "a", 80)])],
            ),
            &[],
        )
        .route(
            http_route(
                "default",
                "b",
                vec![rule(vec![prefix("/")], vec![service("default", "b", 80)])],
            ),
            &[],
        )
        .build()
        .unwrap()
}

fn refused(payload: &Payload) -> String {
    match testing::router(payload) {
        Err(BundleError::Inconsistent(msg)) => msg,
        other => panic!("expected Inconsistent, got {other:?}"),
    }
}

#[test]
fn accepts_a_well_formed_bundle() {
    let p = payload();
    let verified = testing::verified(&p).unwrap();
    let router = Router::new(&verified).unwrap();
    assert_eq!(router.generation(), 7);
    assert_eq!(router.digest(), verified.digest());
    assert_eq!(router.payload(), &p);
    let unverified = Router::from_unverified(p.clone(), Digest::of(b"x")).unwrap();
    assert_eq!(unverified.digest(), Digest::of(b"x"));
}

#[test]
fn refuses_unsorted_entries() {
    let mut p = payload();
    p.gateways[0].listeners[0].http.reverse();
    assert!(refused(&p).contains("sort-key order"));
}

#[test]
fn refuses_out_of_range_indices() {
    for edit in [
        |e: &mut crate::bundle::MatchEntry| e.route = 9,
        |e: &mut crate::bundle::MatchEntry| e.rule = 9,
        |e: &mut crate::bundle::MatchEntry| e.match_index = 9,
    ] {
        let mut p = payload();
        edit(&mut p.gateways[0].listeners[0].http[0]);
        assert!(refused(&p).contains("match entry names"));
    }
}

#[test]
fn refuses_bad_regexes_and_header_names() {
    let p = PayloadBuilder::new()
        .listener("http", 80, Protocol::Http, None)
        .route(
            http_route(
                "default",
                "r",
                vec![rule(vec![regex("/(unclosed")], vec![])],
            ),
            &[],
        )
        .build()
        .unwrap();
    assert!(refused(&p).contains("does not compile"));
    let mut m = prefix("/");
    m.headers = vec![crate::bundle::ValueMatch {
        name: "bad header".into(),
        kind: crate::bundle::ValueMatchKind::Exact,
        value: "v".into(),
    }];
    let p = PayloadBuilder::new()
        .listener("http", 80, Protocol::Http, None)
        .route(http_route("default", "r", vec![rule(vec![m], vec![])]), &[])
        .build()
        .unwrap();
    assert!(refused(&p).contains("invalid header name"));
}

#[test]
fn router_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Router>();
}
