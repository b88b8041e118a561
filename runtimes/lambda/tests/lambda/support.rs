//! Shared fixtures: bundles compiled from YAML and published to a file store, a capturing
//! upstream, a loopback HTTP server, and the event fixtures.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use lambda_http::request::LambdaRequest;
use waygate_compiler::{CompileOptions, Source, compile};
use waygate_core::bundle::{Digest, Payload, sign};
use waygate_lambda::{Bundles, Gateway, Outgoing, Store, Upstream, UpstreamError};
use waygate_runtime_common::file_store::FileStore;
use waygate_runtime_common::store::{BundleStore, ChannelPointer, Fetched, Precondition};

pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;
pub(crate) type TestResult = Result<(), Error>;

pub(crate) const CHANNEL: &str = "prod";
pub(crate) const ORIGIN: &str = "https://k8s.example.com";

const GATEWAY: &str = r"
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: waygate}
spec: {controllerName: waygate.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: default}
spec:
  gatewayClassName: waygate
  listeners:
  - {name: http, port: 80, protocol: HTTP}
";

/// A Service `name` whose EndpointSlice points at `addr`.
pub(crate) fn service(name: &str, addr: SocketAddr) -> String {
    format!(
        r"
---
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: default}}
spec:
  ports: [{{name: p, port: 80}}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: {name}-local
  namespace: default
  labels: {{kubernetes.io/service-name: {name}}}
addressType: IPv4
endpoints: [{{addresses: ['{ip}']}}]
ports: [{{name: p, port: {port}}}]
",
        ip = addr.ip(),
        port = addr.port()
    )
}

/// The routes most tests use, all on the `echo` Service at `addr`:
/// `/api` forwarded with header edits, `/old` redirected, `/k8s` pinned to Kubernetes,
/// `/flaky` retried on 503, `/slow` with a 300 ms request timeout.
pub(crate) fn routes(addr: SocketAddr) -> String {
    let echo = service("echo", addr);
    format!(
        r"{echo}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: api, namespace: default}}
spec:
  parentRefs: [{{name: edge}}]
  rules:
  - matches: [{{path: {{type: PathPrefix, value: /api}}}}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{{name: x-gateway, value: waygate}}]
        remove: [x-secret]
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        add: [{{name: x-served-by, value: lambda}}]
    backendRefs: [{{name: echo, port: 80}}]
  - matches: [{{path: {{type: PathPrefix, value: /old}}}}]
    filters:
    - type: RequestRedirect
      requestRedirect: {{hostname: new.example.com, statusCode: 301}}
  - matches: [{{path: {{type: PathPrefix, value: /flaky}}}}]
    retry: {{attempts: 2, codes: [503]}}
    backendRefs: [{{name: echo, port: 80}}]
  - matches: [{{path: {{type: PathPrefix, value: /slow}}}}]
    timeouts: {{request: 300ms}}
    backendRefs: [{{name: echo, port: 80}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: agents
  namespace: default
  annotations: {{waygate.dev/placement: kubernetes}}
spec:
  parentRefs: [{{name: edge}}]
  rules:
  - matches: [{{path: {{type: PathPrefix, value: /k8s}}}}]
    backendRefs: [{{name: echo, port: 80}}]
"
    )
}

/// Compiles `yaml` (after the shared Gateway) at `generation`, with the Kubernetes origin.
pub(crate) fn payload(yaml: &str, generation: u64) -> Result<Payload, Error> {
    let sources = vec![Source {
        name: "test.yaml".into(),
        text: format!("{GATEWAY}\n---\n{yaml}"),
    }];
    let options = CompileOptions {
        gateway_class: "waygate".into(),
        generation,
        created: 1_700_000_000,
        expires: None,
        kubernetes_origin: Some(ORIGIN.into()),
    };
    Ok(compile(&sources, &options)?.payload)
}

pub(crate) fn signed(payload: &Payload) -> Result<Vec<u8>, Error> {
    Ok(sign(payload, &[&waygate_core::testing::key()])?)
}

/// Publishes `bytes` to the channel the way `waygate publish` does.
pub(crate) async fn publish(store: &impl BundleStore, bytes: &[u8], generation: u64) -> TestResult {
    let digest = Digest::of(bytes).to_string();
    store.put_bundle(&digest, bytes).await?;
    let precondition = match store.channel(CHANNEL, None).await {
        Ok(Fetched::Fresh { etag, .. }) => Precondition::Matches(etag),
        _ => Precondition::Absent,
    };
    let pointer = ChannelPointer {
        digest,
        generation,
        updated: 1_700_000_000,
    };
    store.put_channel(CHANNEL, &pointer, &precondition).await?;
    Ok(())
}

/// A gateway over a file store at `dir`, polling every `refresh`.
pub(crate) fn gateway<U: Upstream>(
    dir: &std::path::Path,
    upstream: U,
    refresh: Duration,
) -> Gateway<Store, U> {
    let store = Store::File(FileStore::new(dir));
    let bundles = Bundles::new(store, CHANNEL, waygate_core::testing::trusted(), refresh);
    Gateway::new(bundles, upstream, None, None)
}

/// Records every outgoing request and answers 200 with the request body as
/// `application/octet-stream`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Capture(pub(crate) Arc<Mutex<Vec<Outgoing>>>);

impl Capture {
    pub(crate) fn taken(&self) -> Vec<Outgoing> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

impl Upstream for Capture {
    async fn send(&self, out: Outgoing) -> Result<http::Response<Bytes>, UpstreamError> {
        let body = out.request.body().clone();
        if let Ok(mut v) = self.0.lock() {
            v.push(out);
        }
        let mut res = http::Response::new(body);
        res.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/octet-stream"),
        );
        Ok(res)
    }
}

/// Reads `tests/fixtures/NAME.json` as a Lambda event.
pub(crate) fn fixture(name: &str) -> Result<LambdaRequest, Error> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)?;
    Ok(serde_json::from_str(&text)?)
}

/// A loopback HTTP/1.1 server. It answers with a JSON echo of the request (method, path and
/// query, headers, body); `/flaky…` answers 503 to its first request; `/slow…` waits 2 s;
/// every answer sets two cookies and a binary-safe `x-hits` count.
pub(crate) struct Echo {
    pub(crate) addr: SocketAddr,
    hits: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Echo {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Echo {
    pub(crate) async fn start() -> Result<Self, Error> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let counter = counter.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| answer(req, counter.clone()));
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tcp), svc)
                        .await;
                });
            }
        });
        Ok(Self { addr, hits, task })
    }

    pub(crate) fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

async fn answer(
    req: http::Request<Incoming>,
    hits: Arc<AtomicUsize>,
) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let n = hits.fetch_add(1, Ordering::SeqCst) + 1;
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(http_body_util::Collected::to_bytes)
        .unwrap_or_default();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    if path.starts_with("/slow") {
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let headers: serde_json::Map<String, serde_json::Value> = parts
        .headers
        .keys()
        .map(|k| {
            let values: Vec<String> = parts
                .headers
                .get_all(k)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            (k.as_str().to_owned(), values.join(", ").into())
        })
        .collect();
    let echo = serde_json::json!({
        "method": parts.method.as_str(),
        "path": path,
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
        "body_len": body.len(),
    });
    let status = if path.starts_with("/flaky") && n == 1 {
        503
    } else {
        200
    };
    let res = http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("set-cookie", "a=1; Path=/")
        .header("set-cookie", "b=2; Path=/")
        .header("x-hits", n.to_string())
        .body(Full::new(Bytes::from(echo.to_string())));
    Ok(res.unwrap_or_default())
}

/// A Function URL event (the v2 shape) for `method` `target` with `headers` (repeated names
/// joined with commas, as Lambda does) and an optional text body.
pub(crate) fn url_event(
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Result<LambdaRequest, Error> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut map = serde_json::Map::new();
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        let joined = match map.get(&name).and_then(|v| v.as_str()) {
            Some(prev) => format!("{prev},{value}"),
            None => (*value).to_owned(),
        };
        map.insert(name, joined.into());
    }
    let event = serde_json::json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": map,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "fn",
            "domainName": "fn.lambda-url.us-east-1.on.aws",
            "domainPrefix": "fn",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": "test"},
            "requestId": "id",
            "routeKey": "$default",
            "stage": "$default",
            "time": "12/Mar/2020:19:03:58 +0000",
            "timeEpoch": 1_583_348_638_390_u64
        },
        "body": body,
        "isBase64Encoded": false
    });
    Ok(serde_json::from_value(event)?)
}
