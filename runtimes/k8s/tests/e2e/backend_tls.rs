//! `https` backends: TLS to the upstream, verified against the Mozilla roots plus
//! `Config::upstream_ca`; HTTP/1.1 for plain requests and h2 (ALPN) for gRPC.

use super::support::{
    Gateway, TestCa, TestResult, Upstream, config, curl, payload, service_yaml, url,
};

fn yaml(up: &Upstream) -> String {
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
metadata: {{name: secure, namespace: default}}
spec:
  parentRefs: [{{name: gw}}]
  rules:
    - backendRefs: [{{name: secure, port: 80}}]
{svc}",
        svc = service_yaml("secure", up.addr, Some("kubernetes.io/https")),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_backend_is_reached_over_verified_tls() -> TestResult {
    let ca = TestCa::new()?;
    let dir = tempfile::tempdir()?;
    let up = Upstream::start_tls("secure", &ca).await?;
    let cfg = waygate_k8s::Config {
        upstream_ca: Some(ca.write_pem(dir.path())?),
        ..config()
    };
    let gw = Gateway::start(&payload(&yaml(&up), 1)?, cfg).await?;
    let addr = gw.addr(8080)?;

    let (body, status, _) = curl(&[&url(addr, "/hello")]).await?;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("upstream=secure method=GET path=/hello"),
        "{body}"
    );
    assert!(body.contains("version=HTTP/1.1"), "{body}");

    // A request body goes through too, and the connection is reused from the pool.
    let (body, status, _) = curl(&["--data", "ping", &url(addr, "/post")]).await?;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("body=ping"), "{body}");
    assert_eq!(up.hits(), 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_backend_with_an_unknown_ca_is_refused() -> TestResult {
    let ca = TestCa::new()?;
    let up = Upstream::start_tls("secure", &ca).await?;
    // No upstream CA: the test CA is not among the Mozilla roots.
    let gw = Gateway::start(&payload(&yaml(&up), 1)?, config()).await?;
    let (body, status, _) = curl(&[&url(gw.addr(8080)?, "/hello")]).await?;
    assert_eq!(status, 502, "{body}");
    assert_eq!(up.hits(), 0, "no request may reach an unverified upstream");
    Ok(())
}

#[tokio::test]
async fn a_bad_upstream_ca_file_stops_startup_with_its_path() -> TestResult {
    let dir = tempfile::tempdir()?;
    let missing = dir.path().join("missing.pem");
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n")?;
    for (path, expect) in [(&missing, "cannot read"), (&empty, "holds no certificate")] {
        let cfg = waygate_k8s::Config {
            upstream_ca: Some(path.clone()),
            ..config()
        };
        let err = waygate_k8s::Server::new(cfg, std::collections::HashMap::new())
            .err()
            .ok_or("a bad CA file must fail")?
            .to_string();
        assert!(err.contains(expect), "{err}");
        assert!(err.contains(&path.display().to_string()), "{err}");
    }
    Ok(())
}
