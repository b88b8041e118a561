//! The `tests/` conformance corpus against the live server: every request of every case is
//! sent over loopback HTTP and what the client (and the upstream) saw is compared with the
//! case's expectation. Services have no EndpointSlices in the corpus, so every upstream
//! connection goes to one echo server (`upstream_override`) that reports the path, Host and
//! headers it received.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use waygate_conformance::{Case, CaseRequest, corpus_dir, json_subset, load_corpus};
use waygate_core::bundle::{ObjectRef, verify};
use waygate_k8s::Server;

use super::support::{Error, TestCa, TestResult, config};

/// Answers with what it received, as JSON.
async fn echo(listener: TcpListener) {
    while let Ok((tcp, _)) = listener.accept().await {
        tokio::spawn(async move {
            let svc = service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
                let mut headers: BTreeMap<String, String> = BTreeMap::new();
                for (k, v) in req.headers() {
                    let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                    headers
                        .entry(k.as_str().to_owned())
                        .and_modify(|e| {
                            e.push_str(", ");
                            e.push_str(&v);
                        })
                        .or_insert(v);
                }
                let body = json!({
                    "path": req.uri().path_and_query().map(ToString::to_string),
                    "host": headers.get("host"),
                    "headers": headers,
                });
                Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from(
                    body.to_string(),
                ))))
            });
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(tcp), svc)
                .await;
        });
    }
}

fn gateway_of(req: &CaseRequest) -> Option<ObjectRef> {
    req.gateway
        .as_deref()
        .and_then(|g| g.split_once('/'))
        .map(|(ns, n)| ObjectRef::new(ns, n))
}

/// Accepts any server certificate: the corpus checks routing over HTTPS listeners, and its
/// certificates are made up per run (certificate selection by SNI is covered in `tls.rs`).
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &rustls_pki_types::CertificateDer<'_>,
        _: &[rustls_pki_types::CertificateDer<'_>],
        _: &rustls_pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn tls_connector() -> Result<tokio_rustls::TlsConnector, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsConnector::from(Arc::new(cfg)))
}

/// Sends `request` over TLS to `addr` with `sni` as the server name, on a fresh connection.
async fn send_tls(
    addr: SocketAddr,
    sni: &str,
    request: hyper::Request<Full<Bytes>>,
) -> Result<hyper::Response<hyper::body::Incoming>, Error> {
    let name = rustls_pki_types::ServerName::try_from(sni.to_owned())?;
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let tls = tls_connector()?.connect(name, tcp).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await?;
    tokio::spawn(conn);
    Ok(sender.send_request(request).await?)
}

/// What the live server did, in the corpus's expectation vocabulary. Over TLS when `https`,
/// with the URL's host as the server name.
async fn send(
    client: &hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        Full<Bytes>,
    >,
    addr: SocketAddr,
    https: bool,
    req: &CaseRequest,
) -> Result<Value, Error> {
    let rest = req
        .url
        .split_once("://")
        .map_or(req.url.as_str(), |(_, r)| r);
    let (authority, path) = rest.find('/').map_or((rest, "/"), |i| rest.split_at(i));
    let mut b = hyper::Request::builder()
        .method(req.method.as_str())
        // The pooled client needs an absolute URI to connect; on the TLS connection the
        // origin form keeps the Host header authoritative.
        .uri(if https {
            path.to_owned()
        } else {
            format!("http://{addr}{path}")
        });
    let mut has_host = false;
    for (k, v) in req.header_list() {
        has_host |= k.eq_ignore_ascii_case("host");
        b = b.header(k.trim(), v.trim());
    }
    if !has_host {
        b = b.header("host", authority);
    }
    let request = b.body(Full::new(Bytes::new()))?;
    let res = if https {
        let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
        send_tls(addr, host, request).await?
    } else {
        client.request(request).await?
    };
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response_headers: BTreeMap<String, String> = res
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let grpc_status = res
        .headers()
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = res.into_body().collect().await?.to_bytes();
    let upstream: Option<Value> = serde_json::from_slice(&body)
        .ok()
        .filter(|v: &Value| v.get("headers").is_some());
    Ok(json!({
        "status": status,
        "location": location,
        "grpc_status": grpc_status,
        "upstream": upstream,
        "response_headers": response_headers,
    }))
}

/// Compares the live result with the expectation fields a client can observe.
/// Expected headers (null: absent) against the headers in `got`.
fn headers_match(expect: &Value, got: &Value, what: &str) -> Result<(), String> {
    for (k, v) in expect.as_object().into_iter().flatten() {
        let g = &got[k.to_ascii_lowercase()];
        if v.is_null() != g.is_null() || (!v.is_null() && v != g) {
            return Err(format!("{what} header {k}: expected {v}, got {g}"));
        }
    }
    Ok(())
}

/// Whether the rule core matches for `req` has an unresolved backendRef with weight > 0, so
/// that a 500 (in proportion to that weight) is the spec's answer for this request.
fn invalid_share(router: &waygate_core::router::Router, req: &CaseRequest) -> bool {
    let Ok(request) = req.explain_request() else {
        return false;
    };
    let Ok(answer) = waygate_core::explain::explain(router, &request) else {
        return false;
    };
    let (Some(route), Some(rule)) = (answer.route, answer.rule) else {
        return false;
    };
    router
        .payload()
        .routes
        .iter()
        .find(|r| format!("{}/{}", r.namespace, r.name) == route)
        .and_then(|r| r.rules.get(rule as usize))
        .is_some_and(|rule| {
            rule.backends.iter().any(|b| {
                b.weight > 0 && matches!(b.target, waygate_core::bundle::BackendTarget::Invalid(_))
            })
        })
}

fn compare(expect: &Value, live: &Value) -> Result<(), String> {
    let outcome = expect["outcome"].as_str().unwrap_or("");
    let upstream = &live["upstream"];
    match outcome {
        "forward" => {
            if upstream.is_null() {
                return Err(format!("expected a forward, got {live}"));
            }
            if let Some(path) = expect.pointer("/upstream/path") {
                json_subset(path, &upstream["path"], "upstream.path")?;
            }
            if let Some(host) = expect.pointer("/upstream/host") {
                json_subset(host, &upstream["host"], "upstream.host")?;
            }
            // Request headers as the upstream received them.
            headers_match(&expect["headers"], &upstream["headers"], "upstream request")
        }
        "redirect" | "respond" => {
            if !upstream.is_null() {
                return Err(format!(
                    "expected {outcome}, but the request reached the upstream: {live}"
                ));
            }
            let grpc = live["grpc_status"].as_str().is_some();
            if let Some(status) = expect.get("status").filter(|s| !s.is_null())
                && !grpc
                && *status != live["status"]
            {
                return Err(format!("status: expected {status}, got {}", live["status"]));
            }
            if let Some(loc) = expect.get("location").filter(|l| !l.is_null())
                && *loc != live["location"]
            {
                return Err(format!(
                    "location: expected {loc}, got {}",
                    live["location"]
                ));
            }
            if outcome == "respond" {
                headers_match(&expect["headers"], &live["response_headers"], "response")?;
            }
            Ok(())
        }
        // Only header expectations: what the client sees must match.
        "" => headers_match(&expect["headers"], &live["response_headers"], "response"),
        other => Err(format!("unknown outcome {other:?}")),
    }
}

async fn run_case(
    case: &Case,
    echo_addr: SocketAddr,
    failures: &mut Vec<String>,
) -> Result<(usize, usize), Error> {
    let name = case
        .path
        .strip_prefix(corpus_dir())
        .unwrap_or(&case.path)
        .display()
        .to_string();
    let Ok(prepared) = case.prepare() else {
        return Ok((0, 0));
    };
    let verified = verify(&prepared.bundle, &prepared.keys, 1_700_000_000)
        .or_else(|_| verify(&prepared.bundle, &prepared.keys, u64::MAX / 2))?;
    let payload = verified.payload();
    let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build_http();
    let mut servers: HashMap<Option<ObjectRef>, Arc<Server>> = HashMap::new();
    // A made-up certificate for every certificateRef of an HTTPS listener.
    let secrets = tempfile::tempdir()?;
    let ca = TestCa::new()?;
    for listener in payload.gateways.iter().flat_map(|g| &g.listeners) {
        for r in listener.tls.iter().flat_map(|t| &t.certificate_refs) {
            let name = listener
                .hostname
                .as_ref()
                .map_or("localhost", |h| h.as_str());
            ca.write_secret(secrets.path(), &r.namespace, &r.name, &[name])?;
        }
    }
    let (mut ran, mut skipped) = (0, 0);
    for req in &case.requests {
        let gateway = gateway_of(req);
        let ports = prepared.router.ports(gateway.as_ref());
        let url_port = req
            .url
            .split_once("://")
            .and_then(|(_, r)| r.split('/').next())
            .and_then(|a| a.rsplit_once(':'))
            .and_then(|(_, p)| p.parse::<u16>().ok())
            .filter(|p| ports.contains(p));
        let port = req
            .port
            .or(url_port)
            .or_else(|| (ports.len() == 1).then(|| ports[0]));
        let https = req.url.starts_with("https://")
            || payload.gateways.iter().flat_map(|g| &g.listeners).any(|l| {
                Some(l.port) == port && l.protocol == waygate_core::bundle::Protocol::Https
            });
        let Some(port) = port else {
            skipped += 1;
            continue;
        };
        let server = if let Some(s) = servers.get(&gateway) {
            Arc::clone(s)
        } else {
            {
                let mut prebound = HashMap::new();
                for g in &payload.gateways {
                    for l in &g.listeners {
                        if let std::collections::hash_map::Entry::Vacant(e) = prebound.entry(l.port)
                        {
                            e.insert(TcpListener::bind("127.0.0.1:0").await?);
                        }
                    }
                }
                let cfg = waygate_k8s::Config {
                    gateway: gateway.clone(),
                    upstream_override: Some(echo_addr.to_string()),
                    secrets_dir: Some(secrets.path().to_owned()),
                    ..config()
                };
                let server = Server::new(cfg, prebound)?;
                server.install(&verified)?;
                servers.insert(gateway.clone(), Arc::clone(&server));
                server
            }
        };
        let Some(addr) = server.local_addr(port) else {
            skipped += 1;
            continue;
        };
        ran += 1;
        match send(&client, addr, https, req).await {
            Ok(live) => {
                let invalid_pick = live["status"] == 500
                    && live["upstream"].is_null()
                    && invalid_share(&prepared.router, req);
                if invalid_pick {
                    // The weighted pick landed on an unresolved backendRef: the spec's 500.
                } else if let Err(diff) = compare(&req.expect, &live) {
                    failures.push(format!("{name}: {:?}: {diff}", req.name));
                }
            }
            Err(e) => failures.push(format!("{name}: {:?}: request failed: {e}", req.name)),
        }
    }
    for s in servers.values() {
        s.shutdown(std::time::Duration::from_secs(1)).await;
    }
    Ok((ran, skipped))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_against_the_live_server() -> TestResult {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let echo_addr = listener.local_addr()?;
    let echo_task = tokio::spawn(echo(listener));
    let cases = load_corpus(&corpus_dir())?;
    let mut failures = Vec::new();
    let (mut ran, mut skipped) = (0, 0);
    for case in &cases {
        let (r, s) = run_case(case, echo_addr, &mut failures).await?;
        ran += r;
        skipped += s;
    }
    echo_task.abort();
    eprintln!("corpus live: {ran} requests sent, {skipped} skipped (no single port)");
    assert!(ran > 100, "only {ran} corpus requests ran");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    Ok(())
}
