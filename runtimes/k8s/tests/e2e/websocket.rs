//! WebSocket upgrades spliced end to end (websocat on both sides, an agent at
//! `/<agent>/ws` behind a prefix rewrite) and SSE passed through event by event.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use http_body_util::BodyExt as _;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::support::{
    Child, Gateway, TestResult, Upstream, config, free_port, payload, service_yaml, tool,
    wait_listening,
};

fn yaml(agents: std::net::SocketAddr, api: &Upstream) -> String {
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
metadata: {{name: agents, namespace: default}}
spec:
  parentRefs: [{{name: gw}}]
  rules:
    - matches: [{{path: {{type: PathPrefix, value: /planner}}}}]
      filters:
        - type: URLRewrite
          urlRewrite: {{path: {{type: ReplacePrefixMatch, replacePrefixMatch: /}}}}
      backendRefs: [{{name: agents, port: 80}}]
    - matches: [{{path: {{type: PathPrefix, value: /events}}}}]
      filters:
        - type: URLRewrite
          urlRewrite: {{path: {{type: ReplaceFullPath, replaceFullPath: /sse}}}}
      backendRefs: [{{name: api, port: 80}}]
{a}{b}",
        a = service_yaml("agents", agents, Some("kubernetes.io/ws")),
        b = service_yaml("api", api.addr, None),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_through_prefix_rewrite_and_sse_event_by_event() -> TestResult {
    let websocat = tool("websocat")?;
    let ws_port = free_port()?;
    let ws_addr: std::net::SocketAddr = ([127, 0, 0, 1], ws_port).into();
    let _echo = Child(
        Command::new(&websocat)
            .args(["-t", "-E", &format!("ws-l:{ws_addr}"), "mirror:"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    wait_listening(ws_addr).await?;
    let api = Upstream::start("api").await?;
    let gw = Gateway::start(&payload(&yaml(ws_addr, &api), 1)?, config()).await?;
    let addr = gw.addr(8080)?;

    // Two messages over one connection, echoed back through the splice.
    let mut cmd = Command::new(&websocat);
    cmd.args(["-t", &format!("ws://{addr}/planner/ws")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = tokio::task::spawn_blocking(move || -> std::io::Result<std::process::Output> {
        use std::io::Write as _;
        let mut child = cmd.spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(b"hello\nworld\n")?;
            std::thread::sleep(Duration::from_millis(500));
        }
        // stdin closed: websocat sends a close frame and exits once the echo is done.
        child.wait_with_output()
    })
    .await??;
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text,
        "hello\nworld\n",
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // SSE: each event arrives on its own, ~300 ms apart, before the stream ends.
    let client =
        Client::builder(TokioExecutor::new()).build_http::<http_body_util::Empty<bytes::Bytes>>();
    let res = client.get(format!("http://{addr}/events").parse()?).await?;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut body = res.into_body();
    let start = Instant::now();
    let mut arrivals = Vec::new();
    while let Some(frame) = tokio::time::timeout(Duration::from_secs(5), body.frame()).await? {
        if let Ok(data) = frame?.into_data() {
            arrivals.push((start.elapsed(), String::from_utf8_lossy(&data).into_owned()));
        }
    }
    let events: Vec<&str> = arrivals.iter().map(|(_, d)| d.as_str()).collect();
    assert_eq!(
        events,
        [
            "data: event 0\n\n",
            "data: event 1\n\n",
            "data: event 2\n\n"
        ]
    );
    assert!(arrivals[0].0 < Duration::from_millis(250), "{arrivals:?}");
    assert!(arrivals[2].0 >= Duration::from_millis(500), "{arrivals:?}");
    Ok(())
}
