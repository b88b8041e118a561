//! Bundle lifecycle against a real `file://` store: reloads under load with zero failed
//! requests, refusal of tampered and older bundles while the old one keeps serving, the disk
//! cache when the store is down, readiness, metrics, and graceful drain with WebSockets
//! closed with 1001.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use waygate_k8s::reload::{Outcome, Reloader};
use waygate_runtime_common::file_store::FileStore;

use super::support::{
    Gateway, TestResult, Upstream, config, get, http_client, payload, publish, service_yaml, signed,
};

/// One route whose response carries `x-generation: <generation>`.
fn yaml(up: &Upstream, generation: u64) -> String {
    format!(
        r"
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: gw, namespace: default}}
spec:
  gatewayClassName: waygate
  listeners:
    - {{name: http, protocol: HTTP, port: 8080}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: web, namespace: default}}
spec:
  parentRefs: [{{name: gw}}]
  rules:
    - filters:
        - type: RequestHeaderModifier
          requestHeaderModifier: {{set: [{{name: x-generation, value: '{generation}'}}]}}
      backendRefs: [{{name: api, port: 80}}]
{svc}",
        svc = service_yaml("api", up.addr, None),
    )
}

fn bytes(up: &Upstream, generation: u64) -> Result<Vec<u8>, super::support::Error> {
    signed(&payload(&yaml(up, generation), generation)?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reloads_under_load_refusals_cache_and_readiness() -> TestResult {
    let up = Upstream::start("api").await?;
    let store_dir = tempfile::tempdir()?;
    let cache_dir = tempfile::tempdir()?;
    let store = FileStore::new(store_dir.path());
    publish(&store, "prod", &bytes(&up, 1)?, 1).await?;

    let p1 = payload(&yaml(&up, 1), 1)?;
    let gw = Gateway::start(&p1, config()).await?;
    let addr = gw.addr(8080)?;
    let mut reloader = Reloader::new(
        store.clone(),
        "prod",
        waygate_core::testing::trusted(),
        Arc::clone(&gw.server),
        Some(cache_dir.path().to_owned()),
    );
    // Generation 1 is what runs; the channel points at it: unchanged.
    reloader.start_from_cache();
    assert_eq!(reloader.poll().await, Outcome::Installed(1));

    // Load: 8 clients request continuously while generations 2..=6 are published.
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for _ in 0..8 {
        let (stop, ok, failed) = (Arc::clone(&stop), Arc::clone(&ok), Arc::clone(&failed));
        clients.push(tokio::spawn(async move {
            let client = http_client();
            let mut last_gen = 0u64;
            for _ in 0..100_000 {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                match get(&client, addr, "/").await {
                    Ok((200, body)) => {
                        let generation = body
                            .lines()
                            .find_map(|l| l.strip_prefix("x-generation: "))
                            .and_then(|g| g.parse::<u64>().ok())
                            .unwrap_or(0);
                        // Generations only move forward for one client.
                        if generation < last_gen {
                            failed.fetch_add(1, Ordering::SeqCst);
                        }
                        last_gen = generation;
                        ok.fetch_add(1, Ordering::SeqCst);
                    }
                    _ => {
                        failed.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
            last_gen
        }));
    }
    for generation in 2..=6 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        publish(&store, "prod", &bytes(&up, generation)?, generation).await?;
        assert_eq!(reloader.poll().await, Outcome::Installed(generation));
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        assert_eq!(c.await?, 6, "every client ends on the last generation");
    }
    assert_eq!(failed.load(Ordering::SeqCst), 0);
    assert!(
        ok.load(Ordering::SeqCst) > 100,
        "{} requests",
        ok.load(Ordering::SeqCst)
    );

    // A tampered bundle (one payload character changed after signing) and one with a
    // corrupted signature are refused; 6 keeps serving.
    let mut tampered = bytes(&up, 7)?;
    let at = tampered
        .windows(12)
        .position(|w| w == b"\"payload\": \"")
        .ok_or("no payload field")?
        + 40;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let bad = String::from_utf8(bytes(&up, 7)?)?.replacen("\"sig\": \"", "\"sig\": \"AAAA", 1);
    for evil in [tampered, bad.into_bytes()] {
        publish(&store, "prod", &evil, 7).await?;
        assert_eq!(reloader.poll().await, Outcome::Refused);
        assert_eq!(gw.server.generation(), Some(6));
    }
    // An older generation is refused too.
    let client = http_client();
    let running = gw.server.generation().ok_or("no generation")?;
    publish(&store, "prod", &bytes(&up, 3)?, 3).await?;
    assert_eq!(reloader.poll().await, Outcome::Refused);
    assert_eq!(gw.server.generation(), Some(running));
    let (status, body) = get(&client, addr, "/").await?;
    assert_eq!(status, 200);
    assert!(body.contains(&format!("x-generation: {running}")), "{body}");

    let (status, ready) = get(&client, gw.admin, "/readyz").await?;
    assert_eq!(status, 200);
    let ready: serde_json::Value = serde_json::from_str(&ready)?;
    assert_eq!(ready["generation"], running);
    assert_eq!(ready["digest"].as_str().map(str::len), Some(64));
    let (_, metrics) = get(&client, gw.admin, "/metrics").await?;
    assert!(
        metrics.contains("waygate_bundle_reloads_total{outcome=\"older\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("waygate_bundle_reloads_total{outcome=\"invalid\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("waygate_bundle_reloads_total{outcome=\"success\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!("waygate_bundle_generation {running}")),
        "{metrics}"
    );
    assert!(
        metrics.contains("waygate_requests_total{route=\"default/web\",status=\"200\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("waygate_request_duration_seconds_bucket"),
        "{metrics}"
    );

    // A fresh server with the store gone starts from the cache.
    let gw2 = Gateway::start(&p1, config()).await?;
    let mut cold = Reloader::new(
        FileStore::new(store_dir.path().join("gone")),
        "prod",
        waygate_core::testing::trusted(),
        Arc::clone(&gw2.server),
        Some(cache_dir.path().to_owned()),
    );
    assert_eq!(cold.start_from_cache(), Some(running));
    assert_eq!(cold.poll().await, Outcome::Unreachable);
    assert_eq!(gw2.server.generation(), Some(running));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_drain_finishes_requests_and_closes_websockets_with_1001() -> TestResult {
    let up = Upstream::start("api").await?;
    let gw = Gateway::start(&payload(&yaml(&up, 1), 1)?, config()).await?;
    let addr = gw.addr(8080)?;

    // A WebSocket handshake by hand, so the test can read the raw close frame.
    let mut ws = tokio::net::TcpStream::connect(addr).await?;
    ws.write_all(
        b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
          Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    )
    .await?;
    let mut head = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(5), ws.read(&mut head)).await??;
    let head = String::from_utf8_lossy(&head[..n]).into_owned();
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");

    let client = http_client();
    let slow = tokio::spawn(async move { get(&client, addr, "/sleep/800").await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let server = Arc::clone(&gw.server);
    let drain = tokio::spawn(async move { server.shutdown(Duration::from_secs(5)).await });

    // The WebSocket gets a close frame with code 1001.
    let mut frame = [0u8; 4];
    tokio::time::timeout(Duration::from_secs(5), ws.read_exact(&mut frame)).await??;
    assert_eq!(frame, [0x88, 0x02, 0x03, 0xE9]);

    // New connections are refused (the listener is closed) while the slow one finishes.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    let (status, body) = slow.await??;
    assert_eq!((status, body.as_str()), (200, "slept"));
    assert!(drain.await?, "the drain completed before its deadline");
    let (status, _) = get(&http_client(), gw.admin, "/readyz").await?;
    assert_eq!(status, 503, "not ready while draining");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_that_drops_a_port_stops_listening_on_it() -> TestResult {
    let up = Upstream::start("api").await?;
    let two_ports = yaml(&up, 1).replace(
        "    - {name: http, protocol: HTTP, port: 8080}",
        "    - {name: http, protocol: HTTP, port: 8080}\n    - {name: extra, protocol: HTTP, port: 8081}",
    );
    assert!(
        two_ports.contains("port: 8081"),
        "the fixture must gain a listener"
    );
    let gw = Gateway::start(&payload(&two_ports, 1)?, config()).await?;
    let (main, extra) = (gw.addr(8080)?, gw.addr(8081)?);
    let client = http_client();
    assert_eq!(get(&client, extra, "/").await?.0, 200);

    gw.server
        .install(&super::support::verified(&payload(&yaml(&up, 2), 2)?)?)?;
    assert_eq!(gw.server.local_addr(8081), None);
    let mut refused = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(extra).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        refused,
        "port 8081 must stop accepting once the bundle drops it"
    );
    let (status, body) = get(&client, main, "/").await?;
    assert_eq!(status, 200, "{body}");
    Ok(())
}

/// Bytes (EOF included) the server sends within `wait`; None if the connection stayed open.
async fn closed_within(
    s: &mut tokio::net::TcpStream,
    wait: Duration,
) -> Result<Option<Vec<u8>>, super::support::Error> {
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let mut buf = [0u8; 4096];
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Err(_) => return Ok(None),
            Ok(Ok(0) | Err(_)) => return Ok(Some(got)),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_clients_are_disconnected() -> TestResult {
    let up = Upstream::start("api").await?;
    let cfg = waygate_k8s::Config {
        client_header_timeout: Duration::from_millis(300),
        ..config()
    };
    let gw = Gateway::start(&payload(&yaml(&up, 1), 1)?, cfg).await?;
    let addr = gw.addr(8080)?;

    // A client that never finishes its request head.
    let mut slow = tokio::net::TcpStream::connect(addr).await?;
    slow.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n").await?;
    let got = closed_within(&mut slow, Duration::from_secs(5)).await?;
    assert!(
        got.is_some(),
        "a request head that never completes must be cut off"
    );

    // A keep-alive client that goes quiet after a request.
    let mut idle = tokio::net::TcpStream::connect(addr).await?;
    idle.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").await?;
    let got = closed_within(&mut idle, Duration::from_secs(5)).await?;
    let text = String::from_utf8_lossy(got.as_deref().unwrap_or_default()).into_owned();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");

    // A client within the timeout is served normally.
    let mut prompt = tokio::net::TcpStream::connect(addr).await?;
    prompt
        .write_all(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .await?;
    let got = closed_within(&mut prompt, Duration::from_secs(5)).await?;
    let text = String::from_utf8_lossy(got.as_deref().unwrap_or_default()).into_owned();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    Ok(())
}
