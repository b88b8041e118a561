//! HTTPS termination with curl and a test CA: SNI picks the certificate, ALPN negotiates h2
//! or http/1.1, and a Host that selects another listener than the SNI gets 421.

use super::support::{Gateway, TestCa, TestResult, Upstream, config, curl, payload, service_yaml};

fn yaml(api: &Upstream) -> String {
    format!(
        r"
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: gw, namespace: default}}
spec:
  gatewayClassName: waygate
  listeners:
    - name: secure
      protocol: HTTPS
      port: 8443
      hostname: secure.example
      tls: {{certificateRefs: [{{name: secure-cert}}]}}
    - name: other
      protocol: HTTPS
      port: 8443
      hostname: other.example
      tls: {{certificateRefs: [{{name: other-cert}}]}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: web, namespace: default}}
spec:
  parentRefs: [{{name: gw}}]
  rules:
    - backendRefs: [{{name: api, port: 80}}]
{api}",
        api = service_yaml("api", api.addr, None),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_sni_alpn_and_misdirected_requests() -> TestResult {
    let api = Upstream::start("api").await?;
    let dir = tempfile::tempdir()?;
    let ca = TestCa::new()?;
    ca.write_secret(dir.path(), "default", "secure-cert", &["secure.example"])?;
    ca.write_secret(dir.path(), "default", "other-cert", &["other.example"])?;
    let ca_file = ca.write_pem(dir.path())?;
    let ca_file = ca_file.to_str().ok_or("path")?;
    let mut cfg = config();
    cfg.secrets_dir = Some(dir.path().to_owned());
    let gw = Gateway::start(&payload(&yaml(&api), 1)?, cfg).await?;
    let port = gw.addr(8443)?.port();
    let resolve = |host: &str| format!("{host}:{port}:127.0.0.1");

    for host in ["secure.example", "other.example"] {
        let (body, status, version) = curl(&[
            "--cacert",
            ca_file,
            "--resolve",
            &resolve(host),
            "--http2",
            &format!("https://{host}:{port}/hello"),
        ])
        .await?;
        assert_eq!((status, version.as_str()), (200, "2"), "{host}: {body}");
        assert!(body.contains("path=/hello"), "{body}");
        assert!(body.contains("x-forwarded-proto: https"), "{body}");
    }
    let (_, status, version) = curl(&[
        "--cacert",
        ca_file,
        "--resolve",
        &resolve("secure.example"),
        "--http1.1",
        &format!("https://secure.example:{port}/"),
    ])
    .await?;
    assert_eq!((status, version.as_str()), (200, "1.1"));

    // SNI secure.example, Host other.example: another listener, so 421.
    let (_, status, _) = curl(&[
        "--cacert",
        ca_file,
        "--resolve",
        &resolve("secure.example"),
        "-H",
        "Host: other.example",
        &format!("https://secure.example:{port}/"),
    ])
    .await?;
    assert_eq!(status, 421);

    // A name no listener serves has no certificate: the handshake fails.
    let err = curl(&[
        "--cacert",
        ca_file,
        "--resolve",
        &resolve("nobody.example"),
        &format!("https://nobody.example:{port}/"),
    ])
    .await;
    assert!(err.is_err(), "{err:?}");
    Ok(())
}
