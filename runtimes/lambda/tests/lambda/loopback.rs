//! The production client (`HyperUpstream`) against a real HTTP server on 127.0.0.1:
//! forwarding with header filters, response cookies, redirects, Kubernetes-pinned routes,
//! retries, timeouts and an unreachable backend.

use std::time::{Duration, Instant};

use serde_json::Value;
use waygate_lambda::{Function, HyperUpstream, Store};

use super::support::{
    Echo, Error, TestResult, gateway, payload, publish, routes, signed, url_event,
};

async fn function(
    echo: &Echo,
) -> Result<(tempfile::TempDir, Function<Store, HyperUpstream>), Error> {
    let dir = tempfile::tempdir()?;
    let store = waygate_runtime_common::file_store::FileStore::new(dir.path());
    publish(&store, &signed(&payload(&routes(echo.addr), 1)?)?, 1).await?;
    let g = gateway(dir.path(), HyperUpstream::new()?, Duration::from_mins(1));
    Ok((dir, Function::ready(g)))
}

async fn get(
    f: &Function<Store, HyperUpstream>,
    target: &str,
    headers: &[(&str, &str)],
) -> Result<Value, Error> {
    let mut all = vec![("host", "www.example.com")];
    all.extend_from_slice(headers);
    Ok(serde_json::to_value(
        f.invoke(url_event("GET", target, &all, None)?).await,
    )?)
}

#[tokio::test]
async fn forwards_with_header_filters_and_returns_cookies() -> TestResult {
    let echo = Echo::start().await?;
    let (_dir, f) = function(&echo).await?;
    let res = get(&f, "/api/echo?x=1", &[("x-secret", "s"), ("x-keep", "k")]).await?;
    assert_eq!(res["statusCode"], 200, "{res}");
    let seen: Value = serde_json::from_str(res["body"].as_str().unwrap_or_default())?;
    assert_eq!(seen["path"], "/api/echo?x=1");
    assert_eq!(seen["headers"]["host"], "www.example.com");
    assert_eq!(seen["headers"]["x-gateway"], "waygate");
    assert_eq!(seen["headers"]["x-keep"], "k");
    assert!(seen["headers"].get("x-secret").is_none());
    assert_eq!(res["headers"]["x-served-by"], "lambda");
    assert_eq!(
        res["cookies"],
        serde_json::json!(["a=1; Path=/", "b=2; Path=/"])
    );
    assert_eq!(echo.hits(), 1);
    Ok(())
}

#[tokio::test]
async fn redirects_and_pinned_routes_never_reach_the_backend() -> TestResult {
    let echo = Echo::start().await?;
    let (_dir, f) = function(&echo).await?;
    let res = get(&f, "/old/page?q=1", &[]).await?;
    assert_eq!(res["statusCode"], 301);
    assert_eq!(
        res["headers"]["location"],
        "http://new.example.com/old/page?q=1"
    );

    let res = get(&f, "/k8s/chat?session=7", &[]).await?;
    assert_eq!(
        res["statusCode"], 307,
        "pinned route redirects to the Kubernetes origin"
    );
    assert_eq!(
        res["headers"]["location"],
        "https://k8s.example.com/k8s/chat?session=7"
    );

    let res = get(
        &f,
        "/k8s/ws",
        &[("connection", "Upgrade"), ("upgrade", "websocket")],
    )
    .await?;
    assert_eq!(
        res["statusCode"], 421,
        "an upgrade cannot follow a redirect"
    );
    assert_eq!(echo.hits(), 0);
    Ok(())
}

#[tokio::test]
async fn retries_a_listed_status_then_answers() -> TestResult {
    let echo = Echo::start().await?;
    let (_dir, f) = function(&echo).await?;
    let res = get(&f, "/flaky", &[]).await?;
    assert_eq!(res["statusCode"], 200, "{res}");
    assert_eq!(echo.hits(), 2, "first attempt 503, retried once");
    Ok(())
}

#[tokio::test]
async fn request_timeout_gives_504() -> TestResult {
    let echo = Echo::start().await?;
    let (_dir, f) = function(&echo).await?;
    let start = Instant::now();
    let res = get(&f, "/slow", &[]).await?;
    assert_eq!(res["statusCode"], 504);
    assert!(
        start.elapsed() < Duration::from_millis(1500),
        "{:?}",
        start.elapsed()
    );
    Ok(())
}

#[tokio::test]
async fn unreachable_backend_gives_502() -> TestResult {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        l.local_addr()?
    };
    let dir = tempfile::tempdir()?;
    let store = waygate_runtime_common::file_store::FileStore::new(dir.path());
    publish(&store, &signed(&payload(&routes(closed), 1)?)?, 1).await?;
    let f = Function::ready(gateway(
        dir.path(),
        HyperUpstream::new()?,
        Duration::from_mins(1),
    ));
    let res = get(&f, "/api/x", &[]).await?;
    assert_eq!(res["statusCode"], 502);
    Ok(())
}
