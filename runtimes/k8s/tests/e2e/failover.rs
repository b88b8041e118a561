//! Addresses that refuse connections: a request moves on to another address of the backend,
//! and later requests (and TCP connections) pass the address over.

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioExecutor;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::support::{
    Gateway, TestResult, Upstream, config, get, http_client, metric_sample, payload, tcp_echo,
};

/// A Service whose EndpointSlice lists `port` on each of `ips`. Only 127.0.0.1 has a
/// listener; the other loopback addresses refuse connections.
fn service(name: &str, ips: &[&str], port: u16) -> String {
    format!(
        r"
---
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: default}}
spec: {{ports: [{{name: p, port: 80}}]}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {{name: {name}-local, namespace: default, labels: {{kubernetes.io/service-name: {name}}}}}
addressType: IPv4
endpoints: [{{addresses: [{ips}]}}]
ports: [{{name: p, port: {port}}}]
",
        ips = ips.join(", ")
    )
}

fn yaml(http_port: u16, echo_port: u16) -> String {
    format!(
        r"
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: gw, namespace: default}}
spec:
  gatewayClassName: waygate
  listeners:
    - {{name: http, protocol: HTTP, port: 8080}}
    - {{name: tcp, protocol: TCP, port: 9000, allowedRoutes: {{kinds: [{{kind: TCPRoute}}]}}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: api, namespace: default}}
spec:
  parentRefs: [{{name: gw, sectionName: http}}]
  rules:
    - matches: [{{path: {{type: PathPrefix, value: /gone}}}}]
      backendRefs: [{{name: gone, port: 80}}]
    - backendRefs: [{{name: api, port: 80}}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {{name: echo, namespace: default}}
spec:
  parentRefs: [{{name: gw, sectionName: tcp}}]
  rules: [{{backendRefs: [{{name: echo, port: 80}}]}}]
{api}{echo}{gone}",
        api = service("api", &["127.0.0.1", "127.0.0.2"], http_port),
        echo = service("echo", &["127.0.0.2", "127.0.0.1"], echo_port),
        gone = service(
            "gone",
            &["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"],
            http_port
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connections_fail_over_and_the_address_is_passed_over() -> TestResult {
    let api = Upstream::start("api").await?;
    let (echo, echo_task) = tcp_echo().await?;
    let echo_port = echo.port();
    let gw = Gateway::start(&payload(&yaml(api.addr.port(), echo_port), 1)?, config()).await?;
    let addr = gw.addr(8080)?;
    let client = http_client();

    // Half the draws land on the dead address; every request is still answered by `api`.
    for i in 0..40 {
        let (status, body) = get(&client, addr, &format!("/r{i}")).await?;
        assert_eq!(status, 200, "request {i}: {body}");
        assert!(body.contains("upstream=api"), "{body}");
    }
    let (_, metrics) = get(&client, gw.admin, "/metrics").await?;
    // Requests run one after another: the first that drew the dead address ejected it, and
    // no later request tried it again.
    assert_eq!(
        metric_sample(&metrics, "waygate_endpoint_ejections_total"),
        Some(1),
        "{metrics}"
    );
    assert_eq!(
        metric_sample(
            &metrics,
            "waygate_upstream_errors_total{route=\"default/api\"}"
        ),
        Some(1),
        "{metrics}"
    );

    // A request body that streams cannot be sent twice, so it relies on the ejection.
    let posting = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    for i in 0..20 {
        let req = http::Request::post(format!("http://{addr}/upload"))
            .body(Full::new(Bytes::from(format!("part {i}"))))?;
        let res = posting.request(req).await?;
        assert_eq!(res.status(), 200, "POST {i}");
        let body = res.into_body().collect().await?.to_bytes();
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains(&format!("body=part {i}")), "{body}");
    }

    // TCPRoute connections fail over the same way, before any client byte is sent.
    for i in 0..10 {
        let mut s = tokio::net::TcpStream::connect(gw.addr(9000)?).await?;
        let msg = format!("ping {i:02}");
        s.write_all(msg.as_bytes()).await?;
        let mut buf = [0u8; 7];
        tokio::time::timeout(std::time::Duration::from_secs(5), s.read_exact(&mut buf)).await??;
        assert_eq!(&buf, msg.as_bytes());
    }

    // When no address answers, one request tries at most three of them, then answers 502.
    let (status, _) = get(&client, addr, "/gone").await?;
    assert_eq!(status, 502);
    let (_, metrics) = get(&client, gw.admin, "/metrics").await?;
    assert_eq!(
        metric_sample(
            &metrics,
            "waygate_upstream_errors_total{route=\"default/api\"}"
        ),
        Some(4),
        "three refused connections on /gone, after the one on the first requests: {metrics}"
    );
    echo_task.abort();
    Ok(())
}
