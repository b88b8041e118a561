//! TCPRoute proxying (a TCP echo) and TLSRoute passthrough by SNI (curl speaks TLS end to end
//! with upstream TLS servers; the gateway only reads the ClientHello's server name).

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

use super::support::{
    Error, Gateway, TestCa, TestResult, config, curl, payload, service_yaml, tcp_echo,
};

/// A TLS server for `name` that answers every request with `name`.
async fn tls_upstream(
    ca: &TestCa,
    name: &'static str,
) -> Result<(std::net::SocketAddr, tokio::task::JoinHandle<()>), Error> {
    let acceptor = ca.acceptor(&[name], &[b"http/1.1"])?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let svc = service_fn(move |_req| async move {
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(
                        http_body_util::Full::new(bytes::Bytes::from(format!(
                            "tls upstream {name}"
                        ))),
                    ))
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), svc)
                    .await;
            });
        }
    });
    Ok((addr, task))
}

fn yaml(
    echo: std::net::SocketAddr,
    one: std::net::SocketAddr,
    two: std::net::SocketAddr,
    web: std::net::SocketAddr,
) -> String {
    format!(
        r"
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: gw, namespace: default}}
spec:
  gatewayClassName: waygate
  listeners:
    - {{name: tcp, protocol: TCP, port: 9000, allowedRoutes: {{kinds: [{{kind: TCPRoute}}]}}}}
    - name: tls
      protocol: TLS
      port: 9443
      tls: {{mode: Passthrough}}
      allowedRoutes: {{kinds: [{{kind: TLSRoute}}]}}
    - name: https
      protocol: HTTPS
      port: 9443
      hostname: term.example
      tls: {{certificateRefs: [{{name: term-cert}}]}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: web, namespace: default}}
spec:
  parentRefs: [{{name: gw, sectionName: https}}]
  rules: [{{backendRefs: [{{name: web, port: 80}}]}}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {{name: echo, namespace: default}}
spec:
  parentRefs: [{{name: gw, sectionName: tcp}}]
  rules: [{{backendRefs: [{{name: echo, port: 80}}]}}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {{name: one, namespace: default}}
spec:
  parentRefs: [{{name: gw, sectionName: tls}}]
  hostnames: [one.example]
  rules: [{{backendRefs: [{{name: one, port: 80}}]}}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {{name: two, namespace: default}}
spec:
  parentRefs: [{{name: gw, sectionName: tls}}]
  hostnames: [two.example]
  rules: [{{backendRefs: [{{name: two, port: 80}}]}}]
{a}{b}{c}{d}",
        a = service_yaml("echo", echo, None),
        d = service_yaml("web", web, None),
        b = service_yaml("one", one, None),
        c = service_yaml("two", two, None),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_echo_and_tls_passthrough_by_sni() -> TestResult {
    let (echo_addr, echo_task) = tcp_echo().await?;
    let ca = TestCa::new()?;
    let (one, one_task) = tls_upstream(&ca, "one.example").await?;
    let (two, two_task) = tls_upstream(&ca, "two.example").await?;
    let web = super::support::Upstream::start("web").await?;
    let secrets = tempfile::tempdir()?;
    ca.write_secret(secrets.path(), "default", "term-cert", &["term.example"])?;
    let mut cfg = config();
    cfg.secrets_dir = Some(secrets.path().to_owned());
    let gw = Gateway::start(&payload(&yaml(echo_addr, one, two, web.addr), 1)?, cfg).await?;

    let mut s = tokio::net::TcpStream::connect(gw.addr(9000)?).await?;
    s.write_all(b"ping over tcp").await?;
    let mut buf = [0u8; 13];
    tokio::time::timeout(std::time::Duration::from_secs(5), s.read_exact(&mut buf)).await??;
    assert_eq!(&buf, b"ping over tcp");
    drop(s);

    let dir = tempfile::tempdir()?;
    let ca_file = ca.write_pem(dir.path())?;
    let ca_file = ca_file.to_str().ok_or("path")?;
    let port = gw.addr(9443)?.port();
    for host in ["one.example", "two.example"] {
        let (body, status, _) = curl(&[
            "--cacert",
            ca_file,
            "--resolve",
            &format!("{host}:{port}:127.0.0.1"),
            &format!("https://{host}:{port}/"),
        ])
        .await?;
        assert_eq!(status, 200);
        assert_eq!(body, format!("tls upstream {host}"));
    }
    // The same port terminates TLS for term.example (the HTTPS listener's hostname is more
    // specific than the passthrough listener's none) and proxies HTTP.
    let (body, status, version) = curl(&[
        "--cacert",
        ca_file,
        "--http2",
        "--resolve",
        &format!("term.example:{port}:127.0.0.1"),
        &format!("https://term.example:{port}/x"),
    ])
    .await?;
    assert_eq!((status, version.as_str()), (200, "2"), "{body}");
    assert!(
        body.contains("upstream=web") && body.contains("path=/x"),
        "{body}"
    );
    // No TLSRoute for this name: the connection is closed.
    let err = curl(&[
        "--cacert",
        ca_file,
        "--resolve",
        &format!("three.example:{port}:127.0.0.1"),
        &format!("https://three.example:{port}/"),
    ])
    .await;
    assert!(err.is_err());
    echo_task.abort();
    one_task.abort();
    two_task.abort();
    Ok(())
}
