//! The conformance corpus through the Lambda adapter: each case request becomes a Function
//! URL event, goes through `Function::invoke` with a capturing upstream and a fixed draw, and
//! the observable answer (status, Location, response headers; or which backend, path, Host
//! and headers the upstream request has) must be what core says — `explain` for edge routes,
//! core's edge decision for Kubernetes-pinned ones.

use std::collections::BTreeMap;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde_json::Value;
use waygate_conformance::{CaseRequest, corpus_dir, load_corpus};
use waygate_core::bundle::{ObjectRef, Placement};
use waygate_core::explain::{Explanation, Outcome, explain};
use waygate_core::router::{Decision, RequestContext, Router, RuntimeKind};
use waygate_lambda::{Bundles, Function, Gateway, Store};
use waygate_runtime_common::file_store::FileStore;

use super::support::{Capture, Error, url_event};

/// The draw every pick uses, here and in the adapter, so weighted choices agree.
const DRAW: u32 = 0x9e37_79b9;

/// Splits a case URL into (authority, path and query), as `waygate explain` reads it.
fn split(url: &str) -> (String, String) {
    if url.starts_with('/') {
        return (String::new(), url.to_owned());
    }
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match rest.find('/') {
        Some(i) => (rest[..i].to_owned(), rest[i..].to_owned()),
        None => (rest.to_owned(), "/".to_owned()),
    }
}

fn port_for(
    router: &Router,
    req: &CaseRequest,
    gateway: Option<&ObjectRef>,
    authority: &str,
) -> Option<u16> {
    if req.port.is_some() {
        return req.port;
    }
    let ports = router.ports(gateway);
    if let [only] = ports.as_slice() {
        return Some(*only);
    }
    authority
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .filter(|p| ports.contains(p))
}

fn joined(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<String> = headers
        .get_all(name)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

fn response_headers(res: &Value) -> HeaderMap {
    let mut out = HeaderMap::new();
    if let Some(map) = res["headers"].as_object() {
        for (k, v) in map {
            if let (Ok(n), Some(Ok(v))) = (
                HeaderName::from_bytes(k.as_bytes()),
                v.as_str().map(HeaderValue::from_str),
            ) {
                out.append(n, v);
            }
        }
    }
    out
}

fn check_headers(
    want: &BTreeMap<String, String>,
    got: &HeaderMap,
    skip: &[&str],
) -> Result<(), String> {
    for (name, value) in want {
        if skip.contains(&name.as_str()) {
            continue;
        }
        let actual = joined(got, name);
        // Lambda joins repeated response headers with "," in the v2 `headers` map.
        let same = actual
            .as_deref()
            .is_some_and(|a| a == value || a.replace(", ", ",") == value.replace(", ", ","));
        if !same {
            return Err(format!("header {name}: core {value:?}, adapter {actual:?}"));
        }
    }
    Ok(())
}

/// What core's edge runtime decides for the request (pinned routes), as an `Explanation`-like
/// triple: (status, location).
fn edge_answer(
    router: &Router,
    ctx: &RequestContext,
    method: &str,
    host: &str,
    target: &str,
    headers: &[(String, String)],
) -> Result<(u16, Option<String>), Error> {
    let mut req = http::Request::builder()
        .method(Method::from_bytes(method.as_bytes())?)
        .uri(target);
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) && !host.is_empty() {
        req = req.header("host", host);
    }
    for (k, v) in headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let (parts, ()) = req.body(())?.into_parts();
    Ok(match router.decide(ctx, &parts) {
        Decision::Redirect(r) => (r.status.as_u16(), Some(r.location)),
        Decision::Respond(r) => (r.status.as_u16(), None),
        Decision::Forward(_) => (0, None),
    })
}

fn grpc_status(router: &Router, ctx: &RequestContext, parts: &http::request::Parts) -> Option<u32> {
    match router.decide(ctx, parts) {
        Decision::Respond(r) => r.grpc_status,
        _ => None,
    }
}

async fn check_request(router: &Router, req: &CaseRequest) -> Result<(), Error> {
    let core: Explanation = explain(router, &req.explain_request()?)?;
    let gateway = req.explain_request()?.gateway;
    let (authority, target) = split(&req.url);
    let port = port_for(router, req, gateway.as_ref(), &authority);
    let mut headers = req.header_list();
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) && !authority.is_empty() {
        headers.push(("host".into(), authority.clone()));
    }
    let header_refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();

    // The adapter, with the case's router installed and a capturing upstream.
    let capture = Capture::default();
    let bundles = Bundles::new(
        Store::File(FileStore::new("/nonexistent")),
        "c",
        waygate_core::testing::trusted(),
        Duration::from_hours(1),
    );
    bundles
        .install(Router::from_unverified(
            router.payload().clone(),
            router.digest(),
        )?)
        .await;
    let gw =
        Gateway::new(bundles, capture.clone(), gateway.clone(), port).with_draw(Box::new(|| DRAW));
    let f = Function::ready(gw);
    let res = serde_json::to_value(
        f.invoke(url_event(&req.method, &target, &header_refs, None)?)
            .await,
    )?;
    let status = res["statusCode"].as_u64().unwrap_or_default();
    let rh = response_headers(&res);
    let sent: Vec<_> = capture.taken().into_iter().filter(|o| !o.mirror).collect();

    if core.placement == Some(Placement::Kubernetes) {
        let ctx = RequestContext {
            gateway: gateway.clone(),
            port: port.unwrap_or(80),
            runtime: RuntimeKind::Edge,
        };
        let (want_status, want_location) = edge_answer(
            router,
            &ctx,
            &req.method,
            &authority,
            &target,
            &req.header_list(),
        )?;
        if u64::from(want_status) != status
            || joined(&rh, "location") != want_location
            || !sent.is_empty()
        {
            return Err(format!("pinned: core {want_status} {want_location:?}, adapter {status} {:?} ({} upstream request(s))", joined(&rh, "location"), sent.len()).into());
        }
        return Ok(());
    }
    let ctx = RequestContext {
        gateway,
        port: port.unwrap_or(80),
        runtime: RuntimeKind::Edge,
    };
    let mut preq = http::Request::builder()
        .method(Method::from_bytes(req.method.as_bytes())?)
        .uri(target.as_str());
    for (k, v) in &headers {
        preq = preq.header(k.as_str(), v.as_str());
    }
    let (parts, ()) = preq.body(())?.into_parts();
    match core.outcome {
        Outcome::Forward => {
            // Core's pick with the same draw says whether a backend is called at all.
            let picked = match router.decide(&ctx, &parts) {
                Decision::Forward(plan) => plan
                    .pick(DRAW)
                    .map(|p| p.backend.target.identity().1.to_owned())
                    .map_err(|r| r.status.as_u16()),
                other => return Err(format!("explain forwards, edge decision is {other:?}").into()),
            };
            match (picked, sent.as_slice()) {
                (Err(code), []) if u64::from(code) == status => Ok(()),
                (Ok(name), [out]) => {
                    let up = core.upstream.as_ref().ok_or("forward without upstream")?;
                    let pq = out
                        .request
                        .uri()
                        .path_and_query()
                        .map_or("/", |p| p.as_str());
                    if out.backend.name != name || pq != up.path {
                        return Err(format!(
                            "core {name} {}, adapter {} {pq}",
                            up.path, out.backend.name
                        )
                        .into());
                    }
                    if !up.host.is_empty()
                        && joined(out.request.headers(), "host").as_deref()
                            != Some(up.host.as_str())
                    {
                        return Err(format!(
                            "host: core {}, adapter {:?}",
                            up.host,
                            joined(out.request.headers(), "host")
                        )
                        .into());
                    }
                    check_headers(
                        &core.headers,
                        out.request.headers(),
                        &["connection", "upgrade", "te", "keep-alive"],
                    )?;
                    Ok(())
                }
                (p, s) => Err(format!(
                    "core pick {p:?}, adapter status {status} with {} upstream request(s)",
                    s.len()
                )
                .into()),
            }
        }
        Outcome::Respond if grpc_status(router, &ctx, &parts).is_some() => {
            // gRPC clients get a trailers-only answer: HTTP 200 carrying `grpc-status`.
            let want = grpc_status(router, &ctx, &parts).map(|c| c.to_string());
            if status != 200 || joined(&rh, "grpc-status") != want || !sent.is_empty() {
                return Err(format!(
                    "grpc: core {want:?}, adapter {status} {:?}",
                    joined(&rh, "grpc-status")
                )
                .into());
            }
            Ok(())
        }
        Outcome::Redirect | Outcome::Respond => {
            if Some(status) != core.status.map(u64::from)
                || joined(&rh, "location") != core.location
                || !sent.is_empty()
            {
                return Err(format!(
                    "core {:?} {:?}, adapter {status} {:?}",
                    core.status,
                    core.location,
                    joined(&rh, "location")
                )
                .into());
            }
            check_headers(&core.headers, &rh, &[])?;
            Ok(())
        }
    }
}

#[tokio::test]
async fn corpus_answers_match_core() -> Result<(), Error> {
    let cases = load_corpus(&corpus_dir())?;
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in cases.iter().filter(|c| c.compile_error.is_none()) {
        let prepared = case.prepare()?;
        for req in &case.requests {
            checked += 1;
            if let Err(e) = check_request(&prepared.router, req).await {
                failures.push(format!("{}: {}: {e}", case.path.display(), req.name));
            }
        }
    }
    for f in &failures {
        eprintln!("FAIL {f}");
    }
    eprintln!(
        "lambda corpus: {checked} request(s), {} failure(s)",
        failures.len()
    );
    assert!(checked > 100, "the corpus has requests");
    assert!(failures.is_empty(), "{} corpus failure(s)", failures.len());
    Ok(())
}
