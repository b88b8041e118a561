//! The bundle from `s3://` as the function reads it: [`Store::S3`] over aws-sdk-s3 against a
//! real S3-compatible server (moto on a free loopback port, from the test infrastructure;
//! needs TEST_INFRA_DIR, which scripts/test.sh sets — fails, not skips, without it).

#[path = "../../../common/tests/s3_store/moto.rs"]
mod moto;

use std::time::Duration;

use aws_sdk_s3::config::Credentials;
use aws_sdk_s3::primitives::ByteStream;
use moto::Moto;
use waygate_core::bundle::Digest;
use waygate_lambda::{Bundles, Function, Gateway, Refresh, Store};
use waygate_runtime_common::s3_store::{S3Options, S3Store};

use super::support::{
    CHANNEL, Capture, Error, TestResult, payload, publish, routes, signed, url_event,
};

const BUCKET: &str = "waygate-bundles";
const PREFIX: &str = "edge/prod";
/// Short, so the test waits little; long enough that a publish and a request fit inside it.
const REFRESH: Duration = Duration::from_secs(1);
const PAST_REFRESH: Duration = Duration::from_millis(1_100);

/// A generation that only redirects `prefix` to other.example.com.
fn redirect_only(prefix: &str) -> String {
    format!(
        r"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: only, namespace: default}}
spec:
  parentRefs: [{{name: edge}}]
  rules:
  - matches: [{{path: {{type: PathPrefix, value: {prefix}}}}}]
    filters:
    - type: RequestRedirect
      requestRedirect: {{hostname: other.example.com}}
"
    )
}

/// Status and Location of the function's answer to a Function URL GET of `target`.
async fn answer(
    f: &Function<Store, Capture>,
    target: &str,
) -> Result<(i64, Option<String>, String), Error> {
    let ev = url_event("GET", target, &[("host", "h.example.com")], None)?;
    let res = serde_json::to_value(f.invoke(ev).await)?;
    Ok((
        res["statusCode"].as_i64().unwrap_or_default(),
        res["headers"]["location"].as_str().map(str::to_owned),
        res["body"].as_str().unwrap_or_default().to_owned(),
    ))
}

async fn running(f: &Function<Store, Capture>) -> Result<(u64, String), Error> {
    let Function::Ready(g) = f else {
        return Err("the function is misconfigured".into());
    };
    let router = g.bundles().router().await.map_err(|e| e.0)?;
    Ok((router.generation(), router.digest().to_string()))
}

#[tokio::test]
async fn serves_refreshes_and_refuses_an_altered_bundle_from_s3() -> TestResult {
    let moto = Moto::start(&[]);
    let options = S3Options {
        endpoint: Some(moto.endpoint()),
        credentials: Some(Credentials::new("test", "test", None, None, "test")),
        connect_timeout: Some(Duration::from_millis(500)),
        max_attempts: Some(1),
        ..S3Options::default()
    };
    let s3 = S3Store::connect(BUCKET, PREFIX, &options).await;
    s3.client().create_bucket().bucket(BUCKET).send().await?;
    let capture = Capture::default();
    let bundles = Bundles::new(
        Store::S3(s3.clone()),
        CHANNEL,
        waygate_core::testing::trusted(),
        REFRESH,
    );
    let f = Function::ready(Gateway::new(bundles, capture.clone(), None, None));

    // An empty bucket: a 503 that says why, not a crash.
    let (code, _, body) = answer(&f, "/api/x").await?;
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("no verified bundle is loaded"), "{body}");

    // Generation 1 published to S3 is served (loading is retried within a second).
    let g1 = signed(&payload(&routes("127.0.0.1:9".parse()?), 1)?)?;
    publish(&s3, &g1, 1).await?;
    tokio::time::sleep(PAST_REFRESH).await;
    let (code, _, body) = answer(&f, "/api/x").await?;
    assert_eq!(code, 200, "{body}");
    let sent = capture.taken();
    assert_eq!(sent.len(), 1, "forwarded once");
    assert_eq!(sent[0].request.uri().path(), "/api/x");
    assert_eq!(running(&f).await?, (1, Digest::of(&g1).to_string()));

    // Generation 2 is not seen within the interval since that poll, and is after it.
    let g2 = signed(&payload(&redirect_only("/two"), 2)?)?;
    publish(&s3, &g2, 2).await?;
    assert_eq!(
        answer(&f, "/old/x").await?.0,
        301,
        "generation 1 still serves"
    );
    assert_eq!(running(&f).await?.0, 1);
    tokio::time::sleep(PAST_REFRESH).await;
    let (code, location, _) = answer(&f, "/two/x").await?;
    assert_eq!(code, 302);
    assert_eq!(location.as_deref(), Some("http://other.example.com/two/x"));
    assert_eq!(
        answer(&f, "/old/x").await?.0,
        404,
        "generation 1's routes are gone"
    );
    assert_eq!(running(&f).await?, (2, Digest::of(&g2).to_string()));

    // Generation 3 published, then one byte of its object changed in the bucket: refused as
    // altered, and generation 2 keeps serving.
    let g3 = signed(&payload(&redirect_only("/three"), 3)?)?;
    publish(&s3, &g3, 3).await?;
    let key = format!("{PREFIX}/bundles/{}", Digest::of(&g3));
    let mut altered = g3.clone();
    let mid = altered.len() / 2;
    altered[mid] = if altered[mid] == b'X' { b'Y' } else { b'X' };
    let put = |body: Vec<u8>| {
        s3.client()
            .put_object()
            .bucket(BUCKET)
            .key(&key)
            .body(ByteStream::from(body))
            .send()
    };
    put(altered).await?;
    tokio::time::sleep(PAST_REFRESH).await;
    assert_eq!(
        answer(&f, "/three/x").await?.0,
        404,
        "altered bundle not served"
    );
    assert_eq!(
        answer(&f, "/two/x").await?.0,
        302,
        "generation 2 keeps serving"
    );
    assert_eq!(running(&f).await?, (2, Digest::of(&g2).to_string()));
    let Function::Ready(g) = &f else {
        return Err("the function is misconfigured".into());
    };
    match g.bundles().refresh_now().await {
        Refresh::Failed(why) => assert!(
            why.contains("was altered in the store") && why.contains(&Digest::of(&g3).to_string()),
            "{why}"
        ),
        other => panic!("an altered bundle must be refused, got {other:?}"),
    }

    // Restored: picked up without a restart.
    put(g3.clone()).await?;
    assert_eq!(
        g.bundles().refresh_now().await,
        Refresh::Loaded { generation: 3 }
    );
    let (code, location, _) = answer(&f, "/three/x").await?;
    assert_eq!(code, 302);
    assert_eq!(
        location.as_deref(),
        Some("http://other.example.com/three/x")
    );
    Ok(())
}
