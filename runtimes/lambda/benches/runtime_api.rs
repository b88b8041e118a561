//! A minimal Lambda Runtime API (the interface `lambda_runtime` polls, as AWS and cargo-lambda
//! serve it) on 127.0.0.1:0, and a harness that spawns the `bootstrap` binary against it and
//! times one cold start: process spawn → the first invocation's response posted back.
//! Shared by the cold-start bench and the bootstrap test.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::sync::{Mutex, mpsc};

pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;

/// What the function posted back for the one invocation.
#[derive(Debug)]
pub(crate) struct Invocation {
    /// From spawning the process to receiving the response.
    pub(crate) elapsed: Duration,
    /// `response` or `error` (the Runtime API path it used).
    pub(crate) kind: String,
    pub(crate) body: serde_json::Value,
}

struct Api {
    event: Bytes,
    served: Mutex<bool>,
    done: mpsc::Sender<(String, Bytes)>,
}

async fn route(
    api: Arc<Api>,
    req: http::Request<Incoming>,
) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_owned();
    if path.ends_with("/invocation/next") {
        let mut served = api.served.lock().await;
        if *served {
            drop(served);
            // One invocation per process: park the poller until the harness kills it.
            return std::future::pending().await;
        }
        *served = true;
        let deadline = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis())
            + 30_000;
        let res = http::Response::builder()
            .header("lambda-runtime-aws-request-id", "req-1")
            .header("lambda-runtime-deadline-ms", deadline.to_string())
            .header(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:000000000000:function:waygate",
            )
            .header(
                "lambda-runtime-trace-id",
                "Root=1-00000000-000000000000000000000000",
            )
            .body(Full::new(api.event.clone()));
        return Ok(res.unwrap_or_default());
    }
    let kind = if path.ends_with("/response") {
        "response"
    } else {
        "error"
    };
    let body = req
        .into_body()
        .collect()
        .await
        .map(http_body_util::Collected::to_bytes)
        .unwrap_or_default();
    let _ = api.done.send((kind.to_owned(), body)).await;
    let mut res = http::Response::new(Full::new(Bytes::new()));
    *res.status_mut() = http::StatusCode::ACCEPTED;
    Ok(res)
}

async fn serve(api: Arc<Api>) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), Error> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let api = api.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req| route(api.clone(), req));
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tcp), svc)
                    .await;
            });
        }
    });
    Ok((addr, task))
}

/// Spawns `bootstrap` with `env`, feeds it `event` and waits (at most `limit`) for the answer.
pub(crate) async fn cold_start(
    bootstrap: &Path,
    env: &[(&str, String)],
    event: &str,
    limit: Duration,
) -> Result<Invocation, Error> {
    let (done, mut finished) = mpsc::channel(1);
    let api = Arc::new(Api {
        event: Bytes::from(event.to_owned()),
        served: Mutex::new(false),
        done,
    });
    let (addr, server) = serve(api).await?;
    let start = Instant::now();
    let mut child = tokio::process::Command::new(bootstrap)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "waygate")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("WAYGATE_LOG", "warn")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let answer = tokio::time::timeout(limit, finished.recv()).await;
    let elapsed = start.elapsed();
    let _ = child.kill().await;
    server.abort();
    let (kind, body) = answer
        .map_err(|_| format!("no answer within {limit:?}"))?
        .ok_or("runtime API closed")?;
    Ok(Invocation {
        elapsed,
        kind,
        body: serde_json::from_slice(&body)?,
    })
}
