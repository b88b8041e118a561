//! SigV4Fetch against a real S3-compatible server (moto), sent with a minimal HTTP/1.1
//! client over std's TcpStream (the runtimes plug in their platform fetch instead).
#![cfg(all(feature = "sigv4", feature = "s3"))]
// Test helpers outside #[test] fns fail loudly on purpose.
#![allow(clippy::unwrap_used, clippy::panic)]

#[path = "s3_store/moto.rs"]
mod moto;

use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;

use aws_sdk_s3::config::Credentials;
use moto::Moto;
use waygate_core::bundle::{Digest, Payload, SCHEMA_VERSION, sign};
use waygate_core::testing;
use waygate_runtime_common::Loader;
use waygate_runtime_common::s3_store::{S3Options, S3Store};
use waygate_runtime_common::sigv4_fetch::{HttpClient, SigV4Config, SigV4Credentials, SigV4Fetch};
use waygate_runtime_common::store::{BundleStore as _, ChannelPointer, Precondition, StoreError};

struct Plain;

impl HttpClient for Plain {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, String> {
        let authority = request.uri().authority().ok_or("no authority")?.to_string();
        let mut stream = TcpStream::connect(&authority).map_err(|e| e.to_string())?;
        let path = request
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        let mut head = format!(
            "{} {path} HTTP/1.1\r\nconnection: close\r\n",
            request.method()
        );
        for (name, value) in request.headers() {
            let value = value.to_str().map_err(|e| e.to_string())?;
            let _ = write!(head, "{name}: {value}\r\n");
        }
        head.push_str("\r\n");
        stream
            .write_all(head.as_bytes())
            .map_err(|e| e.to_string())?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).map_err(|e| e.to_string())?;
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or("no header end")?;
        let head = String::from_utf8_lossy(&raw[..split]).to_string();
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .ok_or("bad status line")?;
        let mut builder = http::Response::builder().status(status);
        for line in lines {
            if let Some((k, v)) = line.split_once(':') {
                builder = builder.header(k.trim(), v.trim());
            }
        }
        builder
            .body(raw[split + 4..].to_vec())
            .map_err(|e| e.to_string())
    }
}

fn config(endpoint: String, bucket: &str) -> SigV4Config {
    SigV4Config {
        endpoint,
        region: "us-east-1".into(),
        bucket: bucket.into(),
        prefix: "edge".into(),
        path_style: true,
        credentials: SigV4Credentials {
            access_key_id: "test".into(),
            secret_access_key: "test".into(),
            session_token: None,
        },
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[tokio::test]
async fn signed_gets_load_bundles_from_real_s3() {
    let moto = Moto::start(&[]);
    let options = S3Options {
        endpoint: Some(moto.endpoint()),
        credentials: Some(Credentials::new("test", "test", None, None, "test")),
        ..S3Options::default()
    };
    let writer = S3Store::connect("bundles", "edge", &options).await;
    writer
        .client()
        .create_bucket()
        .bucket("bundles")
        .send()
        .await
        .unwrap();
    let payload = Payload {
        schema_version: SCHEMA_VERSION,
        generation: 7,
        created: now(),
        expires: None,
        kubernetes_origin: None,
        gateways: Vec::new(),
        routes: Vec::new(),
    };
    let bytes = sign(&payload, &[&testing::key()]).unwrap();
    let digest = Digest::of(&bytes).to_string();
    writer.put_bundle(&digest, &bytes).await.unwrap();
    let pointer = ChannelPointer {
        digest,
        generation: 7,
        updated: now(),
    };
    writer
        .put_channel("prod", &pointer, &Precondition::Absent)
        .await
        .unwrap();

    let fetch = SigV4Fetch::new(Plain, config(moto.endpoint(), "bundles"), now);
    let mut loader = Loader::new(fetch, "prod", testing::trusted());
    let loaded = loader.poll(now()).await.unwrap().unwrap();
    assert_eq!(loaded.bundle.generation(), 7);
    assert_eq!(loaded.bytes, bytes);
    // The second poll is a conditional GET answered 304.
    assert!(loader.poll(now()).await.unwrap().is_none());

    let missing = SigV4Fetch::new(Plain, config(moto.endpoint(), "no-such-bucket"), now);
    let mut loader = Loader::new(missing, "prod", testing::trusted());
    let err = loader.poll(now()).await.unwrap_err().to_string();
    assert!(err.contains("does not exist"), "{err}");

    let closed = format!("http://127.0.0.1:{}", moto::free_port());
    let down = SigV4Fetch::new(Plain, config(closed, "bundles"), now);
    let mut loader = Loader::new(down, "prod", testing::trusted());
    let err = loader.poll(now()).await.unwrap_err();
    assert!(
        matches!(
            err,
            waygate_runtime_common::LoadError::Unreachable(StoreError::Unreachable(_))
        ),
        "{err}"
    );
}
