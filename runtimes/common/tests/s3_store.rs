//! S3Store and the Loader against a real S3-compatible server (moto on loopback).
//! Needs TEST_INFRA_DIR (scripts/test.sh sets it); fails, not skips, without it.
#![cfg(feature = "s3")]
// Test helpers outside #[test] fns fail loudly on purpose.
#![allow(clippy::unwrap_used, clippy::panic)]

#[path = "s3_store/moto.rs"]
mod moto;

use std::time::Duration;

use aws_sdk_s3::config::Credentials;
use aws_sdk_s3::primitives::ByteStream;
use moto::Moto;
use waygate_core::bundle::{Digest, Payload, SCHEMA_VERSION, sign};
use waygate_core::testing;
use waygate_runtime_common::s3_store::{S3Options, S3Store};
use waygate_runtime_common::store::{
    BundleSource as _, BundleStore as _, ChannelPointer, Fetched, Precondition, StoreError,
};
use waygate_runtime_common::{LoadError, Loader};

const NOW: u64 = 1_750_000_000;

fn options(endpoint: &str) -> S3Options {
    S3Options {
        endpoint: Some(endpoint.to_owned()),
        credentials: Some(Credentials::new("test", "test", None, None, "test")),
        connect_timeout: Some(Duration::from_millis(500)),
        max_attempts: Some(1),
        ..S3Options::default()
    }
}

async fn store_with_bucket(moto: &Moto, bucket: &str, prefix: &str) -> S3Store {
    let store = S3Store::connect(bucket, prefix, &options(&moto.endpoint())).await;
    store
        .client()
        .create_bucket()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    store
}

fn signed(generation: u64) -> Vec<u8> {
    let payload = Payload {
        schema_version: SCHEMA_VERSION,
        generation,
        created: NOW,
        expires: None,
        kubernetes_origin: None,
        gateways: Vec::new(),
        routes: Vec::new(),
    };
    sign(&payload, &[&testing::key()]).unwrap()
}

async fn publish(store: &S3Store, channel: &str, bytes: &[u8], generation: u64) -> String {
    let digest = Digest::of(bytes).to_string();
    store.put_bundle(&digest, bytes).await.unwrap();
    let precondition = match store.channel(channel, None).await {
        Ok(Fetched::Fresh { etag, .. }) => Precondition::Matches(etag),
        _ => Precondition::Absent,
    };
    let pointer = ChannelPointer {
        digest: digest.clone(),
        generation,
        updated: NOW,
    };
    store
        .put_channel(channel, &pointer, &precondition)
        .await
        .unwrap();
    digest
}

#[tokio::test]
async fn store_semantics_match_the_file_store() {
    let moto = Moto::start(&[]);
    let store = store_with_bucket(&moto, "bundles", "edge/prod").await;

    let bytes = signed(1);
    let digest = Digest::of(&bytes).to_string();
    assert!(store.put_bundle(&digest, &bytes).await.unwrap());
    assert!(!store.put_bundle(&digest, &bytes).await.unwrap());
    assert_eq!(store.bundle(&digest).await.unwrap(), bytes);
    assert!(matches!(
        store.channel("prod", None).await,
        Err(StoreError::NotFound(_))
    ));

    let p = |generation| ChannelPointer {
        digest: digest.clone(),
        generation,
        updated: NOW,
    };
    let first = store
        .put_channel("prod", &p(1), &Precondition::Absent)
        .await
        .unwrap();
    assert!(matches!(
        store
            .put_channel("prod", &p(2), &Precondition::Absent)
            .await,
        Err(StoreError::PreconditionFailed { .. })
    ));
    let second = store
        .put_channel("prod", &p(2), &Precondition::Matches(first.clone()))
        .await
        .unwrap();
    assert!(matches!(
        store
            .put_channel("prod", &p(3), &Precondition::Matches(first))
            .await,
        Err(StoreError::PreconditionFailed { .. })
    ));
    // An unchanged channel costs a 304 and no body.
    assert_eq!(
        store.channel("prod", Some(&second)).await.unwrap(),
        Fetched::NotModified
    );

    for generation in [2, 1] {
        store.put_history("prod", &p(generation)).await.unwrap();
    }
    let gens: Vec<u64> = store
        .history("prod")
        .await
        .unwrap()
        .iter()
        .map(|h| h.generation)
        .collect();
    assert_eq!(gens, vec![1, 2]);
    assert_eq!(
        store.list_channels().await.unwrap(),
        vec!["prod".to_owned()]
    );
    assert_eq!(store.list_bundles().await.unwrap(), vec![digest.clone()]);
    // Everything lives under the prefix.
    let listed = store
        .client()
        .list_objects_v2()
        .bucket("bundles")
        .send()
        .await
        .unwrap();
    assert!(
        listed
            .contents()
            .iter()
            .all(|o| o.key().is_some_and(|k| k.starts_with("edge/prod/")))
    );
    store.delete_bundle(&digest).await.unwrap();
    assert!(store.list_bundles().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_writers_never_lose_an_update() {
    let moto = Moto::start(&[]);
    let store = store_with_bucket(&moto, "race", "").await;
    let digest = Digest::of(b"x").to_string();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            let digest = digest.clone();
            tokio::spawn(async move {
                let mut won = Vec::new();
                for _ in 0..3 {
                    loop {
                        let (generation, precondition) = match store.channel("prod", None).await {
                            Ok(Fetched::Fresh { value, etag }) => {
                                (value.generation + 1, Precondition::Matches(etag))
                            }
                            Err(StoreError::NotFound(_)) => (1, Precondition::Absent),
                            other => panic!("{other:?}"),
                        };
                        let pointer = ChannelPointer {
                            digest: digest.clone(),
                            generation,
                            updated: NOW,
                        };
                        match store.put_channel("prod", &pointer, &precondition).await {
                            Ok(_) => {
                                store.put_history("prod", &pointer).await.unwrap();
                                won.push(generation);
                                break;
                            }
                            Err(StoreError::PreconditionFailed { .. }) => {}
                            Err(e) => panic!("{e}"),
                        }
                    }
                }
                won
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort_unstable();
    assert_eq!(all, (1..=24).collect::<Vec<_>>());
    let history: Vec<u64> = store
        .history("prod")
        .await
        .unwrap()
        .iter()
        .map(|p| p.generation)
        .collect();
    assert_eq!(history, all);
}

#[tokio::test]
async fn the_loader_refuses_an_altered_bundle_and_reports_a_stopped_server() {
    let mut moto = Moto::start(&[]);
    let store = store_with_bucket(&moto, "bundles", "p").await;
    publish(&store, "prod", &signed(1), 1).await;
    let mut loader = Loader::new(store.clone(), "prod", testing::trusted());
    let first = loader.poll(NOW).await.unwrap().unwrap();
    assert_eq!(first.bundle.generation(), 1);
    assert!(loader.poll(NOW).await.unwrap().is_none());

    // Someone with write access replaces bundle 2's object after it was published.
    let digest = publish(&store, "prod", &signed(2), 2).await;
    let mut tampered = signed(2);
    tampered[12] ^= 1;
    store
        .client()
        .put_object()
        .bucket("bundles")
        .key(format!("p/bundles/{digest}"))
        .body(ByteStream::from(tampered))
        .send()
        .await
        .unwrap();
    let err = loader.poll(NOW).await.unwrap_err();
    assert!(matches!(err, LoadError::DigestMismatch { .. }), "{err}");
    assert!(err.to_string().contains("altered"), "{err}");
    assert_eq!(loader.running(), Some(1));

    moto.stop();
    let err = loader.poll(NOW).await.unwrap_err();
    assert!(matches!(err, LoadError::Unreachable(_)), "{err}");
    assert!(
        err.to_string().contains("cannot reach the S3 endpoint"),
        "{err}"
    );
    assert_eq!(loader.running(), Some(1));
}

#[tokio::test]
async fn failures_say_what_to_check() {
    let moto = Moto::start(&[]);
    let missing = S3Store::connect("no-such-bucket", "", &options(&moto.endpoint())).await;
    let err = missing.channel("prod", None).await.unwrap_err().to_string();
    assert!(
        err.contains("bucket \"no-such-bucket\" does not exist")
            && err.contains("check the bucket name"),
        "{err}"
    );

    let closed = format!("http://127.0.0.1:{}", moto::free_port());
    let down = S3Store::connect("bundles", "", &options(&closed)).await;
    let err = down.channel("prod", None).await.unwrap_err();
    assert!(matches!(err, StoreError::Unreachable(_)), "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&closed) && text.contains("AWS_ENDPOINT_URL"),
        "{text}"
    );

    // moto checks credentials once its IAM emulation is on from the first request.
    let strict = Moto::start(&[("INITIAL_NO_AUTH_ACTION_COUNT", "0")]);
    let denied = S3Store::connect("bundles", "", &options(&strict.endpoint())).await;
    let err = denied.channel("prod", None).await.unwrap_err();
    assert!(matches!(err, StoreError::AccessDenied { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("InvalidAccessKeyId") && text.contains("check the credentials"),
        "{text}"
    );
}
