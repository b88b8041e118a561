//! The `waygate` binary: `serve` on a file store (readiness, JSON access logs, hot reload,
//! SIGTERM, restart from the cache with the store gone) and `dev` on a copy of
//! examples/quickstart (echo upstreams, WebSocket, a bad edit keeps the last good config).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use waygate_runtime_common::file_store::FileStore;

use super::support::{
    Child, Error, TestResult, Upstream, curl, free_port, get, http_client, publish, service_yaml,
    tool, url,
};

/// Builds (incrementally) and returns the `waygate` binary.
fn waygate() -> Result<PathBuf, Error> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "-p",
            "waygate-compiler",
            "--bin",
            "waygate",
        ])
        .current_dir(&root)
        .status()?;
    if !status.success() {
        return Err("building the waygate binary failed".into());
    }
    let target =
        std::env::var("CARGO_TARGET_DIR").map_or_else(|_| root.join("target"), PathBuf::from);
    Ok(target.join("debug").join("waygate"))
}

fn run_ok(cmd: &mut Command) -> TestResult {
    let out = cmd.output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr)).into())
    }
}

/// Sends SIGTERM and waits (at most 10 s) for a clean exit.
async fn terminate(child: &mut Child) -> TestResult {
    run_ok(Command::new("kill").args(["-TERM", &child.0.id().to_string()]))?;
    for _ in 0..200 {
        if let Some(status) = child.0.try_wait()? {
            return if status.success() {
                Ok(())
            } else {
                Err(format!("exited with {status}").into())
            };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err("did not exit within 10 s of SIGTERM".into())
}

/// Waits (at most 15 s) until `/readyz` is 200 with `generation`.
async fn wait_ready(admin: std::net::SocketAddr, generation: u64) -> TestResult {
    let client = http_client();
    for _ in 0..300 {
        if let Ok((200, body)) = get(&client, admin, "/readyz").await
            && body.contains(&format!("\"generation\":{generation}"))
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("{admin} never became ready with generation {generation}").into())
}

fn yaml(port: u16, up: &Upstream, tag: &str) -> String {
    format!(
        r"
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {{name: waygate}}
spec: {{controllerName: waygate.dev/gateway-controller}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: gw, namespace: default}}
spec:
  gatewayClassName: waygate
  listeners:
    - {{name: http, protocol: HTTP, port: {port}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: web, namespace: default}}
spec:
  parentRefs: [{{name: gw}}]
  rules:
    - filters:
        - type: RequestHeaderModifier
          requestHeaderModifier: {{set: [{{name: x-tag, value: {tag}}}]}}
      backendRefs: [{{name: api, port: 80}}]
{svc}",
        svc = service_yaml("api", up.addr, None),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_reloads_drains_and_restarts_from_cache() -> TestResult {
    let bin = waygate()?;
    let up = Upstream::start("api").await?;
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    run_ok(
        Command::new(&bin)
            .args(["keygen", "--private"])
            .arg(d.join("k.pem"))
            .arg("--public")
            .arg(d.join("k.pub")),
    )?;
    let port = free_port()?;
    let store = FileStore::new(d.join("store"));
    for (generation, tag) in [(1u64, "one"), (2, "two")] {
        let src = d.join(format!("src{generation}"));
        std::fs::create_dir_all(&src)?;
        std::fs::write(src.join("all.yaml"), yaml(port, &up, tag))?;
        run_ok(
            Command::new(&bin)
                .arg("compile")
                .arg(&src)
                .arg("--key")
                .arg(d.join("k.pem"))
                .arg("--out")
                .arg(d.join(format!("b{generation}.json")))
                .args(["--generation", &generation.to_string()]),
        )?;
    }
    publish(&store, "prod", &std::fs::read(d.join("b1.json"))?, 1).await?;

    let admin: std::net::SocketAddr = ([127, 0, 0, 1], free_port()?).into();
    let serve = |store_uri: String, log: PathBuf| -> Result<Child, Error> {
        Ok(Child(
            Command::new(&bin)
                .args([
                    "serve",
                    "--store",
                    &store_uri,
                    "--channel",
                    "prod",
                    "--public-key",
                ])
                .arg(d.join("k.pub"))
                .args(["--listen-host", "127.0.0.1", "--admin", &admin.to_string()])
                .arg("--cache-dir")
                .arg(d.join("cache"))
                .args([
                    "--poll-interval",
                    "1",
                    "--log-format",
                    "json",
                    "--drain-seconds",
                    "5",
                ])
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(log)?)
                .spawn()?,
        ))
    };
    let store_uri = format!("file://{}", d.join("store").display());
    let mut child = serve(store_uri, d.join("serve.log"))?;
    wait_ready(admin, 1).await?;
    let gw: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    let (body, status, _) = curl(&[&url(gw, "/hello")]).await?;
    assert_eq!(status, 200);
    assert!(body.contains("x-tag: one"), "{body}");

    publish(&store, "prod", &std::fs::read(d.join("b2.json"))?, 2).await?;
    wait_ready(admin, 2).await?;
    let (body, _, _) = curl(&[&url(gw, "/hello")]).await?;
    assert!(body.contains("x-tag: two"), "{body}");
    terminate(&mut child).await?;
    let log = std::fs::read_to_string(d.join("serve.log"))?;
    let access = log
        .lines()
        .find(|l| l.contains("\"target\":\"access\"") && l.contains("\"status\":200"))
        .ok_or_else(|| format!("no JSON access line in:\n{log}"))?;
    let access: serde_json::Value = serde_json::from_str(access)?;
    assert_eq!(access["route"], "default/web");
    assert_eq!(access["upstream"], up.addr.to_string(), "{access}");

    // The store is gone: the cache still serves generation 2.
    let mut child = serve(
        format!("file://{}", d.join("nowhere").display()),
        d.join("serve2.log"),
    )?;
    wait_ready(admin, 2).await?;
    let (body, status, _) = curl(&[&url(gw, "/hello")]).await?;
    assert_eq!(status, 200);
    assert!(body.contains("x-tag: two"), "{body}");
    terminate(&mut child).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_serves_the_quickstart_and_survives_a_bad_edit() -> TestResult {
    let bin = waygate()?;
    let websocat = tool("websocat")?;
    let dir = tempfile::tempdir()?;
    let src = dir.path().join("quickstart");
    std::fs::create_dir_all(&src)?;
    let (port, api, agents) = (free_port()?, free_port()?, free_port()?);
    let quickstart = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/quickstart");
    for entry in std::fs::read_dir(&quickstart)? {
        let path = entry?.path();
        let Some(name) = path.file_name() else {
            continue;
        };
        let text = std::fs::read_to_string(&path)?
            .replace("port: 8080", &format!("port: {port}"))
            .replace("port: 9090", &format!("port: {api}"))
            .replace("port: 9091", &format!("port: {agents}"));
        std::fs::write(src.join(name), text)?;
    }
    let admin: std::net::SocketAddr = ([127, 0, 0, 1], free_port()?).into();
    let log = dir.path().join("dev.log");
    let mut child = Child(
        Command::new(&bin)
            .arg("dev")
            .arg(&src)
            .args(["--listen-host", "127.0.0.1", "--admin", &admin.to_string()])
            .args([
                "--echo",
                &format!("127.0.0.1:{api}"),
                "--echo",
                &format!("127.0.0.1:{agents}"),
            ])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log)?)
            .spawn()?,
    );
    wait_ready(admin, 1).await?;
    let gw: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    let (body, status, _) =
        curl(&["-H", "Host: quickstart.example", &url(gw, "/api/orders")]).await?;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("GET /api/orders") && body.contains("x-gateway: waygate"),
        "{body}"
    );

    let mut ws = Command::new(&websocat);
    // Connect to loopback but send the quickstart's host name (the listener is *.example).
    ws.args(["-1", "-t"])
        .arg(format!(
            "--ws-c-uri=ws://quickstart.example:{port}/agents/planner/ws"
        ))
        .args(["-", &format!("ws-c:tcp:127.0.0.1:{port}")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = tokio::task::spawn_blocking(move || -> std::io::Result<std::process::Output> {
        use std::io::Write as _;
        let mut child = ws.spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(b"hello agent\n")?;
        }
        child.wait_with_output()
    })
    .await??;
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "hello agent\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A bad edit: the error names file, document and field; generation 1 keeps serving.
    std::fs::write(
        src.join("bad.yaml"),
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: bad, namespace: default}\nspec: {rules: [{matches: [{path: {type: Bogus}}]}]}\n",
    )?;
    let mut reported = String::new();
    for _ in 0..100 {
        reported = std::fs::read_to_string(&log)?;
        if reported.contains("keeping the last good configuration") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        reported.contains(
            "bad.yaml: document 0 (HTTPRoute default/bad): spec.rules[0].matches[0].path.type"
        ),
        "{reported}"
    );
    // A log written to a file carries no terminal colour codes, and the access line names
    // the upstream that answered as plain text.
    assert!(!reported.contains('\u{1b}'), "{reported}");
    assert!(reported.contains(" upstream=127.0.0.1:"), "{reported}");
    let (_, status, _) = curl(&["-H", "Host: quickstart.example", &url(gw, "/api/orders")]).await?;
    assert_eq!(status, 200);
    std::fs::remove_file(src.join("bad.yaml"))?;
    wait_ready(admin, 2).await?;
    terminate(&mut child).await?;
    Ok(())
}

/// `waygate serve --store s3://…` against a real S3 server (moto): it serves what was
/// published, keeps serving when the server stops, and a restart with the server still down
/// comes up from its disk cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_from_s3_survives_the_store_going_away() -> TestResult {
    let bin = waygate()?;
    let mut moto = super::moto::Moto::start(&[]);
    let endpoint = moto.endpoint();
    run_ok(Command::new(tool("curl")?).args(["-sf", "-X", "PUT", &format!("{endpoint}/bundles")]))?;
    let up = Upstream::start("api").await?;
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    run_ok(
        Command::new(&bin)
            .args(["keygen", "--private"])
            .arg(d.join("k.pem"))
            .arg("--public")
            .arg(d.join("k.pub")),
    )?;
    let port = free_port()?;
    std::fs::write(d.join("all.yaml"), yaml(port, &up, "from-s3"))?;
    run_ok(
        Command::new(&bin)
            .arg("compile")
            .arg(d.join("all.yaml"))
            .arg("--key")
            .arg(d.join("k.pem"))
            .arg("--out")
            .arg(d.join("b.json"))
            .args(["--generation", "1"]),
    )?;
    let aws = [
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
    ];
    let store = [
        "--store",
        "s3://bundles/edge",
        "--s3-endpoint",
        endpoint.as_str(),
    ];
    run_ok(
        Command::new(&bin)
            .args(["publish", "--bundle"])
            .arg(d.join("b.json"))
            .args(["--channel", "prod"])
            .args(store)
            .envs(aws),
    )?;

    let admin: std::net::SocketAddr = ([127, 0, 0, 1], free_port()?).into();
    let serve = |log: &str| -> Result<Child, Error> {
        Ok(Child(
            Command::new(&bin)
                .args(["serve", "--channel", "prod", "--public-key"])
                .arg(d.join("k.pub"))
                .args(store)
                .args(["--listen-host", "127.0.0.1", "--admin", &admin.to_string()])
                .arg("--cache-dir")
                .arg(d.join("cache"))
                .args(["--poll-interval", "1", "--drain-seconds", "5"])
                .envs(aws)
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(d.join(log))?)
                .spawn()?,
        ))
    };
    let gw: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    let mut child = serve("serve1.log")?;
    wait_ready(admin, 1).await?;
    let (body, status, _) = curl(&[&url(gw, "/hello")]).await?;
    assert_eq!(status, 200);
    assert!(body.contains("x-tag: from-s3"), "{body}");

    // The store goes away: polls fail (and say so), traffic keeps flowing on the loaded bundle.
    moto.stop();
    let mut logged = false;
    for _ in 0..100 {
        let log = std::fs::read_to_string(d.join("serve1.log"))?.to_lowercase();
        if log.contains("unreachable") {
            logged = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        logged,
        "no failed poll logged within 20 s of stopping the store"
    );
    let (body, status, _) = curl(&[&url(gw, "/hello")]).await?;
    assert_eq!(status, 200, "still serving with the store down");
    assert!(body.contains("x-tag: from-s3"), "{body}");
    terminate(&mut child).await?;

    // A restart while the store is still down comes up from the disk cache.
    let mut child = serve("serve2.log")?;
    wait_ready(admin, 1).await?;
    let (body, status, _) = curl(&[&url(gw, "/hello")]).await?;
    assert_eq!(status, 200);
    assert!(body.contains("x-tag: from-s3"), "{body}");
    terminate(&mut child).await?;
    Ok(())
}
