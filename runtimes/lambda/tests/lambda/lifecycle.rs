//! The bundle's life in one execution environment: init from the environment, 503 while
//! nothing verified is loaded (and recovery without a restart), refresh at most every
//! interval, and a failed refresh keeping the running bundle.

use std::collections::HashMap;
use std::time::Duration;

use waygate_core::bundle::{PrivateKey, sign};
use waygate_lambda::{Function, Refresh};
use waygate_runtime_common::file_store::FileStore;

use super::support::{
    CHANNEL, Capture, Error, TestResult, gateway, payload, publish, routes, signed, url_event,
};

async fn status(
    f: &Function<waygate_lambda::Store, Capture>,
    target: &str,
) -> Result<(i64, String), Error> {
    let ev = url_event("GET", target, &[("host", "h.example.com")], None)?;
    let res = serde_json::to_value(f.invoke(ev).await)?;
    Ok((
        res["statusCode"].as_i64().unwrap_or_default(),
        res["body"].as_str().unwrap_or_default().to_owned(),
    ))
}

/// Generation 1 serves `/api`; the "other" routes serve only `/other`.
fn other_routes() -> String {
    r"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: other, namespace: default}
spec:
  parentRefs: [{name: edge}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /other}}]
    filters:
    - type: RequestRedirect
      requestRedirect: {hostname: other.example.com}
"
    .to_owned()
}

#[tokio::test]
async fn no_bundle_is_503_until_one_is_published() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = FileStore::new(dir.path());
    let f = Function::ready(gateway(dir.path(), Capture::default(), Duration::ZERO));
    let (code, body) = status(&f, "/api/x").await?;
    assert_eq!(code, 503);
    assert!(body.contains("no verified bundle is loaded"), "{body}");
    assert!(body.contains("not found"), "says why: {body}");

    publish(
        &store,
        &signed(&payload(&routes("127.0.0.1:9".parse()?), 1)?)?,
        1,
    )
    .await?;
    assert_eq!(
        status(&f, "/api/x").await?.0,
        200,
        "recovers on a later request"
    );
    Ok(())
}

#[tokio::test]
async fn bad_bundle_at_cold_start_is_503_then_a_good_one_is_served() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = FileStore::new(dir.path());
    let p1 = payload(&routes("127.0.0.1:9".parse()?), 1)?;
    let untrusted = sign(&p1, &[&PrivateKey::from_seed(&[9; 32])])?;
    publish(&store, &untrusted, 1).await?;
    let f = Function::ready(gateway(dir.path(), Capture::default(), Duration::ZERO));
    let (code, body) = status(&f, "/api/x").await?;
    assert_eq!(code, 503);
    assert!(body.contains("no verified bundle is loaded"), "{body}");

    publish(
        &store,
        &signed(&payload(&routes("127.0.0.1:9".parse()?), 2)?)?,
        2,
    )
    .await?;
    assert_eq!(status(&f, "/api/x").await?.0, 200);
    Ok(())
}

#[tokio::test]
async fn failed_refresh_keeps_the_running_bundle() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = FileStore::new(dir.path());
    publish(
        &store,
        &signed(&payload(&routes("127.0.0.1:9".parse()?), 1)?)?,
        1,
    )
    .await?;
    let g = gateway(dir.path(), Capture::default(), Duration::ZERO);
    assert_eq!(
        g.bundles().refresh_now().await,
        Refresh::Loaded { generation: 1 }
    );
    let f = Function::ready(g);

    let p2 = payload(&other_routes(), 2)?;
    publish(&store, &sign(&p2, &[&PrivateKey::from_seed(&[9; 32])])?, 2).await?;
    assert_eq!(
        status(&f, "/api/x").await?.0,
        200,
        "generation 1 still served"
    );
    let Function::Ready(g) = &f else {
        return Err("not ready".into());
    };
    assert!(matches!(
        g.bundles().refresh_now().await,
        Refresh::Failed(_)
    ));

    publish(&store, &signed(&payload(&other_routes(), 3)?)?, 3).await?;
    assert_eq!(
        status(&f, "/api/x").await?.0,
        404,
        "generation 3 replaced it"
    );
    assert_eq!(status(&f, "/other").await?.0, 302);
    Ok(())
}

#[tokio::test]
async fn refreshes_at_most_every_interval() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = FileStore::new(dir.path());
    publish(
        &store,
        &signed(&payload(&routes("127.0.0.1:9".parse()?), 1)?)?,
        1,
    )
    .await?;
    let f = Function::ready(gateway(
        dir.path(),
        Capture::default(),
        Duration::from_hours(1),
    ));
    assert_eq!(status(&f, "/api/x").await?.0, 200);
    publish(&store, &signed(&payload(&other_routes(), 2)?)?, 2).await?;
    assert_eq!(
        status(&f, "/api/x").await?.0,
        200,
        "not polled again within the interval"
    );
    Ok(())
}

#[tokio::test]
async fn init_reads_the_environment_and_reports_bad_configuration() -> TestResult {
    let f = Function::init(|_| None).await;
    let ev = url_event("GET", "/", &[("host", "h")], None)?;
    let res = serde_json::to_value(f.invoke(ev).await)?;
    assert_eq!(res["statusCode"], 503);
    assert!(
        res["body"]
            .as_str()
            .unwrap_or_default()
            .contains("WAYGATE_STORE"),
        "{res}"
    );

    let dir = tempfile::tempdir()?;
    let store = FileStore::new(dir.path());
    publish(
        &store,
        &signed(&payload(&routes("127.0.0.1:9".parse()?), 1)?)?,
        1,
    )
    .await?;
    let key_pem = waygate_core::testing::key().public_key().to_pem()?;
    let other_pem = PrivateKey::from_seed(&[9; 32]).public_key().to_pem()?;
    let env: HashMap<&str, String> = HashMap::from([
        ("WAYGATE_STORE", format!("file://{}", dir.path().display())),
        ("WAYGATE_CHANNEL", CHANNEL.to_owned()),
        ("WAYGATE_PUBLIC_KEY", format!("{other_pem},{key_pem}")),
        ("WAYGATE_REFRESH_SECONDS", "30".to_owned()),
    ]);
    let f = Function::init(|k| env.get(k).cloned()).await;
    let ev = url_event("GET", "/old/x", &[("host", "h")], None)?;
    let res = serde_json::to_value(f.invoke(ev).await)?;
    assert_eq!(
        res["statusCode"], 301,
        "loaded at init with the second of two keys: {res}"
    );
    Ok(())
}
