//! Shared fixtures: an upstream echo server, a compiled bundle from YAML, a running gateway,
//! and real-client helpers.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::channel::Channel;
use http_body_util::{BodyExt as _, Full, combinators::BoxBody};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use waygate_compiler::{CompileOptions, Source, compile};
use waygate_core::bundle::{Payload, VerifiedBundle, sign, verify};
use waygate_k8s::{Config, Server};

pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;
pub(crate) type TestResult = Result<(), Error>;
type UpBody = BoxBody<Bytes, Infallible>;

/// A loopback HTTP/1.1 + h2c upstream that reports what it received.
pub(crate) struct Upstream {
    pub(crate) addr: SocketAddr,
    pub(crate) hits: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn full(s: impl Into<Bytes>) -> UpBody {
    Full::new(s.into()).boxed()
}

async fn upstream_handle(
    name: &'static str,
    hits: Arc<AtomicUsize>,
    req: Request<Incoming>,
) -> Result<Response<UpBody>, Infallible> {
    let n = hits.fetch_add(1, Ordering::SeqCst) + 1;
    let path = req.uri().path().to_owned();
    let mut segments = path.trim_start_matches('/').split('/');
    let first = segments.next().unwrap_or("");
    let arg = segments.next().unwrap_or("");
    let res =
        match first {
            _ if req.headers().contains_key("upgrade") => {
                // Accept any upgrade and echo bytes back (enough for splice and close tests).
                let mut req = req;
                let on = hyper::upgrade::on(&mut req);
                tokio::spawn(async move {
                    if let Ok(up) = on.await {
                        let mut io = TokioIo::new(up);
                        let (mut r, mut w) = tokio::io::split(&mut io);
                        let _ = tokio::io::copy(&mut r, &mut w).await;
                    }
                });
                Response::builder()
                    .status(101)
                    .header("connection", "upgrade")
                    .header("upgrade", "websocket")
                    .header("sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
                    .body(full(""))
            }
            "status" => Response::builder()
                .status(arg.parse::<u16>().unwrap_or(500))
                .body(full(format!("status {arg}"))),
            "flaky" if n <= arg.parse::<usize>().unwrap_or(0) => {
                Response::builder().status(503).body(full("try again"))
            }
            "sleep" | "slow" => {
                tokio::time::sleep(Duration::from_millis(arg.parse().unwrap_or(0))).await;
                Response::builder().body(full("slept"))
            }
            "sse" => {
                // Three events, 300 ms apart, each its own frame.
                let (mut tx, body) = Channel::<Bytes, Infallible>::new(1);
                tokio::spawn(async move {
                    for i in 0..3 {
                        if tx
                            .send_data(Bytes::from(format!("data: event {i}\n\n")))
                            .await
                            .is_err()
                        {
                            return;
                        }
                        tokio::time::sleep(Duration::from_millis(300)).await;
                    }
                });
                Response::builder()
                    .header("content-type", "text/event-stream")
                    .body(body.boxed())
            }
            "grpc.test.Echo" => {
                // A gRPC answer: one empty message, then trailers with grpc-status 0.
                let (mut tx, body) = Channel::<Bytes, Infallible>::new(2);
                tokio::spawn(async move {
                    let _ = tx.send_data(Bytes::from_static(&[0, 0, 0, 0, 0])).await;
                    let mut t = http::HeaderMap::new();
                    t.insert("grpc-status", http::HeaderValue::from_static("0"));
                    t.insert("x-trailer", http::HeaderValue::from_static("kept"));
                    let _ = tx.send_trailers(t).await;
                });
                Response::builder()
                    .header("content-type", "application/grpc")
                    .body(body.boxed())
            }
            _ => {
                let method = req.method().clone();
                let version = req.version();
                let headers: Vec<String> = req
                    .headers()
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or("?")))
                    .collect();
                let body = req
                    .into_body()
                    .collect()
                    .await
                    .map(http_body_util::Collected::to_bytes)
                    .unwrap_or_default();
                Response::builder().header("x-upstream", name).body(full(format!(
                "upstream={name} method={method} path={path} version={version:?} body={}\n{}\n",
                String::from_utf8_lossy(&body),
                headers.join("\n")
            )))
            }
        };
    Ok(res.unwrap_or_else(|_| Response::new(full("bad response"))))
}

impl Upstream {
    /// Starts an upstream named `name` (reported in bodies and `x-upstream`).
    pub(crate) async fn start(name: &'static str) -> Result<Self, Error> {
        Self::serve(name, None).await
    }

    /// Like `start`, over TLS with a certificate for 127.0.0.1 from `ca` (ALPN h2 and
    /// http/1.1).
    pub(crate) async fn start_tls(name: &'static str, ca: &TestCa) -> Result<Self, Error> {
        let acceptor = ca.acceptor(&["127.0.0.1"], &[b"h2", b"http/1.1"])?;
        Self::serve(name, Some(acceptor)).await
    }

    async fn serve(
        name: &'static str,
        tls: Option<tokio_rustls::TlsAcceptor>,
    ) -> Result<Self, Error> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&hits);
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let hits = Arc::clone(&counter);
                let tls = tls.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| upstream_handle(name, Arc::clone(&hits), req));
                    let builder =
                        hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                    match tls {
                        Some(acceptor) => {
                            if let Ok(tls) = acceptor.accept(tcp).await {
                                let _ = builder
                                    .serve_connection_with_upgrades(TokioIo::new(tls), svc)
                                    .await;
                            }
                        }
                        None => {
                            let _ = builder
                                .serve_connection_with_upgrades(TokioIo::new(tcp), svc)
                                .await;
                        }
                    }
                });
            }
        });
        Ok(Self { addr, hits, task })
    }

    pub(crate) fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// A loopback TCP server that echoes every connection's bytes back (a TCPRoute backend).
/// Abort the task to stop it.
pub(crate) async fn tcp_echo() -> Result<(SocketAddr, tokio::task::JoinHandle<()>), Error> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = s.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
            });
        }
    });
    Ok((addr, task))
}

/// The value of the sample `name` (with its labels) in a Prometheus text exposition.
pub(crate) fn metric_sample(metrics: &str, name: &str) -> Option<u64> {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

/// A Service named `name` whose EndpointSlice points at `addr` (with an optional appProtocol).
pub(crate) fn service_yaml(name: &str, addr: SocketAddr, app_protocol: Option<&str>) -> String {
    let app = app_protocol.map_or(String::new(), |a| format!("\n      appProtocol: {a}"));
    format!(
        r"
---
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: default}}
spec:
  ports:
    - name: p
      port: 80{app}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: {name}-local
  namespace: default
  labels: {{kubernetes.io/service-name: {name}}}
addressType: IPv4
endpoints:
  - addresses: [{ip}]
ports:
  - name: p
    port: {port}
",
        ip = addr.ip(),
        port = addr.port()
    )
}

pub(crate) const GATEWAY_CLASS: &str = r"
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: waygate}
spec: {controllerName: waygate.dev/gateway-controller}
";

/// Compiles YAML into a payload at `generation`.
pub(crate) fn payload(yaml: &str, generation: u64) -> Result<Payload, Error> {
    let sources = vec![Source {
        name: "test.yaml".into(),
        text: format!("{GATEWAY_CLASS}\n---\n{yaml}"),
    }];
    let options = CompileOptions {
        gateway_class: "waygate".into(),
        generation,
        created: 1_700_000_000,
        expires: None,
        kubernetes_origin: None,
    };
    let compiled = compile(&sources, &options)?;
    Ok(compiled.payload)
}

/// Signs with the fixture key and returns the envelope bytes.
pub(crate) fn signed(payload: &Payload) -> Result<Vec<u8>, Error> {
    Ok(sign(payload, &[&waygate_core::testing::key()])?)
}

pub(crate) fn verified(payload: &Payload) -> Result<VerifiedBundle, Error> {
    Ok(verify(
        &signed(payload)?,
        &waygate_core::testing::trusted(),
        payload.created,
    )?)
}

/// A running gateway with every bundle port on an ephemeral loopback port.
pub(crate) struct Gateway {
    pub(crate) server: Arc<Server>,
    pub(crate) admin: SocketAddr,
}

impl Gateway {
    pub(crate) async fn start(payload: &Payload, config: Config) -> Result<Self, Error> {
        let mut prebound = HashMap::new();
        for g in &payload.gateways {
            for l in &g.listeners {
                if let std::collections::hash_map::Entry::Vacant(e) = prebound.entry(l.port) {
                    e.insert(TcpListener::bind("127.0.0.1:0").await?);
                }
            }
        }
        let server = Server::new(config, prebound)?;
        let admin_listener = TcpListener::bind("127.0.0.1:0").await?;
        let admin = admin_listener.local_addr()?;
        server.serve_admin(admin_listener);
        server.install(&verified(payload)?)?;
        Ok(Self { server, admin })
    }

    /// The loopback address serving bundle port `port`.
    pub(crate) fn addr(&self, port: u16) -> Result<SocketAddr, Error> {
        self.server
            .local_addr(port)
            .ok_or_else(|| format!("port {port} is not bound").into())
    }
}

pub(crate) fn config() -> Config {
    Config {
        listen_host: std::net::IpAddr::from([127, 0, 0, 1]),
        drain_deadline: Duration::from_secs(5),
        ..Config::default()
    }
}

/// A tool from the test infrastructure (`$TEST_INFRA_DIR/bin`) or PATH; a clear failure when
/// it is missing — these tests never skip silently.
pub(crate) fn tool(name: &str) -> Result<PathBuf, Error> {
    if let Ok(dir) = std::env::var("TEST_INFRA_DIR") {
        let p = PathBuf::from(dir).join("bin").join(name);
        if p.exists() {
            return Ok(p);
        }
    }
    let home = std::env::var("HOME").unwrap_or_default();
    let cached = PathBuf::from(home)
        .join(".cache/waygate/test-infra/bin")
        .join(name);
    if cached.exists() {
        return Ok(cached);
    }
    for dir in std::env::var("PATH").unwrap_or_default().split(':') {
        let p = PathBuf::from(dir).join(name);
        if p.exists() {
            return Ok(p);
        }
    }
    Err(format!(
        "{name} not found: run `source scripts/env.sh && waygate_test_infra` (it installs {name} into $TEST_INFRA_DIR/bin)"
    )
    .into())
}

/// Runs a command off the async runtime and returns its output.
pub(crate) async fn run(mut cmd: Command) -> Result<Output, Error> {
    Ok(tokio::task::spawn_blocking(move || cmd.output()).await??)
}

/// `curl -sS --max-time 10 ARGS... -w '\n%{http_code} %{http_version}'`; returns (body, status, version).
pub(crate) async fn curl(args: &[&str]) -> Result<(String, u16, String), Error> {
    let mut cmd = Command::new(tool("curl")?);
    cmd.args([
        "-sS",
        "--max-time",
        "10",
        "-w",
        "\n%{http_code} %{http_version}",
    ]);
    cmd.args(args);
    let out = run(cmd).await?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, tail) = text.rsplit_once('\n').unwrap_or(("", &text));
    let mut it = tail.split(' ');
    let status = it.next().unwrap_or("0").parse().unwrap_or(0);
    let version = it.next().unwrap_or("").to_owned();
    if status == 0 {
        return Err(format!("curl failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok((body.to_owned(), status, version))
}

/// GET `http://addr/path` with a Host header.
pub(crate) fn url(addr: SocketAddr, path: &str) -> String {
    format!("http://{addr}{path}")
}

/// A throwaway CA that issues server certificates for the TLS tests.
pub(crate) struct TestCa {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    pub(crate) pem: String,
}

impl TestCa {
    pub(crate) fn new() -> Result<Self, Error> {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "waygate test CA");
        let key = rcgen::KeyPair::generate()?;
        let cert = params.self_signed(&key)?;
        Ok(Self {
            pem: cert.pem(),
            issuer: rcgen::Issuer::new(params, key),
        })
    }

    /// (certificate PEM, key PEM) for `names`.
    pub(crate) fn issue(&self, names: &[&str]) -> Result<(String, String), Error> {
        let key = rcgen::KeyPair::generate()?;
        let params = rcgen::CertificateParams::new(
            names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>(),
        )?;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok((cert.pem(), key.serialize_pem()))
    }

    /// Writes `<dir>/<ns>/<name>/tls.crt|tls.key` as `--secrets-dir` expects.
    pub(crate) fn write_secret(
        &self,
        dir: &std::path::Path,
        ns: &str,
        name: &str,
        names: &[&str],
    ) -> Result<(), Error> {
        let (crt, key) = self.issue(names)?;
        let d = dir.join(ns).join(name);
        std::fs::create_dir_all(&d)?;
        std::fs::write(d.join("tls.crt"), crt)?;
        std::fs::write(d.join("tls.key"), key)?;
        Ok(())
    }

    /// A TLS acceptor with a certificate from this CA for `names`, offering `alpn`.
    pub(crate) fn acceptor(
        &self,
        names: &[&str],
        alpn: &[&[u8]],
    ) -> Result<tokio_rustls::TlsAcceptor, Error> {
        use rustls_pki_types::pem::PemObject as _;
        use rustls_pki_types::{CertificateDer, PrivateKeyDer};
        let (crt, key) = self.issue(names)?;
        let chain =
            CertificateDer::pem_slice_iter(crt.as_bytes()).collect::<Result<Vec<_>, _>>()?;
        let key = PrivateKeyDer::from_pem_slice(key.as_bytes())?;
        let mut cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
        cfg.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Ok(tokio_rustls::TlsAcceptor::from(Arc::new(cfg)))
    }

    pub(crate) fn write_pem(&self, dir: &std::path::Path) -> Result<PathBuf, Error> {
        let p = dir.join("ca.pem");
        std::fs::write(&p, &self.pem)?;
        Ok(p)
    }
}

/// A free loopback port for tools that insist on binding themselves (websocat). The tiny
/// race with other processes is acceptable in tests.
pub(crate) fn free_port() -> Result<u16, Error> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Kills a child process when dropped.
pub(crate) struct Child(pub(crate) std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until `addr` accepts TCP connections (at most 5 s).
pub(crate) async fn wait_listening(addr: SocketAddr) -> TestResult {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("{addr} never started listening").into())
}

/// Publishes signed bytes to a file store channel the way `waygate publish` does (the
/// pointer's digest is the SHA-256 of `bytes`; `generation` is what the pointer claims).
pub(crate) async fn publish(
    store: &waygate_runtime_common::file_store::FileStore,
    channel: &str,
    bytes: &[u8],
    generation: u64,
) -> TestResult {
    use waygate_runtime_common::store::{
        BundleSource as _, BundleStore as _, ChannelPointer, Fetched, Precondition,
    };
    let digest = waygate_core::bundle::Digest::of(bytes).to_string();
    store.put_bundle(&digest, bytes).await?;
    let precondition = match store.channel(channel, None).await {
        Ok(Fetched::Fresh { etag, .. }) => Precondition::Matches(etag),
        _ => Precondition::Absent,
    };
    let pointer = ChannelPointer {
        digest,
        generation,
        updated: 1_700_000_000,
    };
    store.put_channel(channel, &pointer, &precondition).await?;
    Ok(())
}

/// GETs `http://addr/path` with a plain hyper client: (status, body).
pub(crate) async fn get(
    client: &hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Empty<Bytes>,
    >,
    addr: SocketAddr,
    path: &str,
) -> Result<(u16, String), Error> {
    let res = client.get(format!("http://{addr}{path}").parse()?).await?;
    let status = res.status().as_u16();
    let body = res.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

pub(crate) fn http_client() -> hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    http_body_util::Empty<Bytes>,
> {
    hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build_http()
}
