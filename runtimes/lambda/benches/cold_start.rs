//! Cold start: time from spawning the release `bootstrap` to the first answered request, with
//! a 1,000-route bundle in a file store, against a local Runtime API. Run with
//! `cargo bench -p waygate-lambda --bench cold_start`.

#[path = "runtime_api.rs"]
mod runtime_api;

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Duration;

use waygate_compiler::{CompileOptions, Source, compile};
use waygate_core::bundle::{Digest, sign};
use waygate_runtime_common::file_store::FileStore;
use waygate_runtime_common::store::{BundleStore as _, ChannelPointer, Precondition};

use runtime_api::{Error, cold_start};

const ROUTES: usize = 1000;
const RUNS: usize = 30;

/// 1,000 HTTPRoutes (one PathPrefix rule each) on one Gateway, redirecting so the first
/// request measures the gateway rather than a backend.
fn manifests() -> String {
    let mut yaml = String::from(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: waygate}\nspec: {controllerName: waygate.dev/gateway-controller}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: edge, namespace: default}\nspec:\n  gatewayClassName: waygate\n  listeners: [{name: http, port: 80, protocol: HTTP}]\n",
    );
    for i in 0..ROUTES {
        let _ = write!(
            yaml,
            "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r{i}, namespace: default}}\nspec:\n  parentRefs: [{{name: edge}}]\n  hostnames: [h{i}.example.com]\n  rules:\n  - matches: [{{path: {{type: PathPrefix, value: /svc{i}}}}}]\n    filters: [{{type: RequestRedirect, requestRedirect: {{hostname: moved{i}.example.com}}}}]\n"
        );
    }
    yaml
}

fn event() -> String {
    serde_json::json!({
        "version": "2.0", "routeKey": "$default", "rawPath": "/svc999/x", "rawQueryString": "",
        "headers": {"host": "h999.example.com"},
        "requestContext": {"accountId": "anonymous", "apiId": "fn", "domainName": "h999.example.com",
            "domainPrefix": "fn", "http": {"method": "GET", "path": "/svc999/x", "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1", "userAgent": "bench"}, "requestId": "id", "routeKey": "$default",
            "stage": "$default", "time": "12/Mar/2020:19:03:58 +0000", "timeEpoch": 0},
        "isBase64Encoded": false
    })
    .to_string()
}

async fn run() -> Result<(), Error> {
    let compiled = compile(
        &[Source {
            name: "bench.yaml".into(),
            text: manifests(),
        }],
        &CompileOptions {
            gateway_class: "waygate".into(),
            generation: 1,
            created: 1_700_000_000,
            expires: None,
            kubernetes_origin: None,
        },
    )?;
    let bytes = sign(&compiled.payload, &[&waygate_core::testing::key()])?;
    let dir = tempfile::tempdir()?;
    let store = FileStore::new(dir.path());
    let digest = Digest::of(&bytes).to_string();
    store.put_bundle(&digest, &bytes).await?;
    let pointer = ChannelPointer {
        digest,
        generation: 1,
        updated: 1_700_000_000,
    };
    store
        .put_channel("prod", &pointer, &Precondition::Absent)
        .await?;
    let env = [
        ("WAYGATE_STORE", format!("file://{}", dir.path().display())),
        ("WAYGATE_CHANNEL", "prod".to_owned()),
        (
            "WAYGATE_PUBLIC_KEY",
            waygate_core::testing::key().public_key().to_pem()?,
        ),
    ];
    let bootstrap = std::path::Path::new(env!("CARGO_BIN_EXE_bootstrap"));
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let inv = cold_start(bootstrap, &env, &event(), Duration::from_secs(10)).await?;
        if inv.kind != "response" || inv.body["statusCode"] != 302 {
            return Err(format!("unexpected answer: {} {}", inv.kind, inv.body).into());
        }
        times.push(inv.elapsed);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let size = std::fs::metadata(bootstrap)?.len();
    writeln!(
        std::io::stdout(),
        "cold start ({ROUTES} routes, bundle {} bytes, {RUNS} runs): min {:.1} ms, median {:.1} ms, p90 {:.1} ms, max {:.1} ms; binary {} ({} KiB)",
        bytes.len(),
        ms(times[0]),
        ms(times[RUNS / 2]),
        ms(times[RUNS * 9 / 10]),
        ms(times[RUNS - 1]),
        bootstrap.display(),
        size / 1024
    )?;
    Ok(())
}

fn main() -> Result<(), Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}
