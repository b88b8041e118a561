//! gRPC through a GRPCRoute with grpcurl: trailers reach the client intact, and a rule
//! whose backend is invalid answers UNAVAILABLE.

use std::process::Command;

use super::support::{Gateway, TestResult, Upstream, config, payload, run, service_yaml, tool};

const PROTO: &str = r#"syntax = "proto3";
package grpc.test;
message Empty {}
service Echo { rpc Ping(Empty) returns (Empty); }
service Broken { rpc Ping(Empty) returns (Empty); }
"#;

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
kind: GRPCRoute
metadata: {{name: echo, namespace: default}}
spec:
  parentRefs: [{{name: gw}}]
  rules:
    - matches: [{{method: {{service: grpc.test.Echo}}}}]
      backendRefs: [{{name: grpc, port: 80}}]
    - matches: [{{method: {{service: grpc.test.Broken}}}}]
      backendRefs: [{{name: missing, port: 80}}]
{svc}",
        svc = service_yaml("grpc", up.addr, Some("kubernetes.io/h2c")),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpcurl_through_grpcroute_keeps_trailers_and_gets_unavailable() -> TestResult {
    let grpcurl = tool("grpcurl")?;
    let up = Upstream::start("grpc").await?;
    let gw = Gateway::start(&payload(&yaml(&up), 1)?, config()).await?;
    let addr = gw.addr(8080)?.to_string();
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("echo.proto"), PROTO)?;
    let import = dir.path().to_str().ok_or("path")?.to_owned();
    let call = |method: &str| {
        let mut cmd = Command::new(&grpcurl);
        cmd.args([
            "-plaintext",
            "-v",
            "-max-time",
            "10",
            "-import-path",
            &import,
            "-proto",
            "echo.proto",
            "-d",
            "{}",
            &addr,
            method,
        ]);
        cmd
    };
    let out = run(call("grpc.test.Echo/Ping")).await?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Response trailers received:"), "{stdout}");
    assert!(stdout.contains("x-trailer: kept"), "{stdout}");

    let out = run(call("grpc.test.Broken/Ping")).await?;
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success());
    assert!(all.contains("Code: Unavailable"), "{all}");
    Ok(())
}
