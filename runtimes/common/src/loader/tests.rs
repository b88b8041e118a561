use std::cell::Cell;

use pollster::block_on;
use waygate_core::bundle::{BundleError, Digest, Payload, PrivateKey, SCHEMA_VERSION, sign};
use waygate_core::testing;

use super::{LoadError, Loader};
use crate::file_store::FileStore;
use crate::store::{
    BundleSource, BundleStore as _, ChannelPointer, ETag, Fetched, Precondition, StoreError,
};

const NOW: u64 = 1_750_000_000;

fn payload(generation: u64) -> Payload {
    Payload {
        schema_version: SCHEMA_VERSION,
        generation,
        created: NOW,
        expires: None,
        kubernetes_origin: None,
        gateways: Vec::new(),
        routes: Vec::new(),
    }
}

fn signed(generation: u64) -> Vec<u8> {
    sign(&payload(generation), &[&testing::key()]).unwrap()
}

/// Stores `bytes` as a bundle and points `prod` at it with `generation`, whatever it was.
fn point(store: &FileStore, bytes: &[u8], generation: u64) -> String {
    let digest = Digest::of(bytes).to_string();
    block_on(store.put_bundle(&digest, bytes)).unwrap();
    force_pointer(store, &digest, generation);
    digest
}

fn force_pointer(store: &FileStore, digest: &str, generation: u64) {
    let pointer = ChannelPointer {
        digest: digest.to_owned(),
        generation,
        updated: NOW,
    };
    let precondition = match block_on(store.channel("prod", None)) {
        Ok(Fetched::Fresh { etag, .. }) => Precondition::Matches(etag),
        _ => Precondition::Absent,
    };
    block_on(store.put_channel("prod", &pointer, &precondition)).unwrap();
}

fn setup() -> (tempfile::TempDir, FileStore, Loader<FileStore>) {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path());
    let loader = Loader::new(store.clone(), "prod", testing::trusted());
    (dir, store, loader)
}

#[test]
fn loads_then_costs_nothing_while_unchanged() {
    let (_dir, store, mut loader) = setup();
    assert!(matches!(
        block_on(loader.poll(NOW)),
        Err(LoadError::NotFound(_))
    ));

    let bytes = signed(1);
    point(&store, &bytes, 1);
    let loaded = block_on(loader.poll(NOW)).unwrap().unwrap();
    assert_eq!(loaded.bundle.generation(), 1);
    assert_eq!(loaded.bytes, bytes);
    assert_eq!(loader.running(), Some(1));
    assert!(block_on(loader.poll(NOW)).unwrap().is_none());

    point(&store, &signed(2), 2);
    let next = block_on(loader.poll(NOW)).unwrap().unwrap();
    assert_eq!(next.bundle.generation(), 2);
}

#[test]
fn an_altered_bundle_is_refused_and_the_running_one_kept() {
    let (dir, store, mut loader) = setup();
    point(&store, &signed(1), 1);
    block_on(loader.poll(NOW)).unwrap().unwrap();

    let digest = point(&store, &signed(2), 2);
    let path = dir.path().join("bundles").join(&digest);
    let mut tampered = std::fs::read(&path).unwrap();
    tampered[10] ^= 1;
    std::fs::write(&path, &tampered).unwrap();
    let err = block_on(loader.poll(NOW)).unwrap_err();
    assert!(
        matches!(err, LoadError::DigestMismatch { ref expected, .. } if *expected == digest),
        "{err}"
    );
    assert_eq!(loader.running(), Some(1));
    // Still refused on the next poll: a failure does not advance the remembered ETag.
    assert!(matches!(
        block_on(loader.poll(NOW)),
        Err(LoadError::DigestMismatch { .. })
    ));
}

#[test]
fn a_bundle_from_an_untrusted_key_is_refused() {
    let (_dir, store, mut loader) = setup();
    let stranger = PrivateKey::from_seed(&[7; 32]);
    point(&store, &sign(&payload(1), &[&stranger]).unwrap(), 1);
    let err = block_on(loader.poll(NOW)).unwrap_err();
    assert!(
        matches!(err, LoadError::Bundle(BundleError::UntrustedKey(_))),
        "{err}"
    );
    assert_eq!(loader.running(), None);
}

#[test]
fn older_generations_are_refused_and_the_running_one_is_unchanged() {
    let (_dir, store, mut loader) = setup();
    loader.set_running(5);
    point(&store, &signed(3), 3);
    let err = block_on(loader.poll(NOW)).unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::Bundle(BundleError::OlderGeneration {
                offered: 3,
                running: 5
            })
        ),
        "{err}"
    );
    // The channel pointing at exactly what runs (restart from the disk cache) is no change.
    point(&store, &signed(5), 5);
    assert!(block_on(loader.poll(NOW)).unwrap().is_none());
    assert_eq!(loader.running(), Some(5));
}

#[test]
fn a_pointer_that_lies_about_the_generation_is_refused() {
    let (_dir, store, mut loader) = setup();
    loader.set_running(5);
    // The pointer claims 9 but the signed payload says 4: older than what runs.
    point(&store, &signed(4), 9);
    let err = block_on(loader.poll(NOW)).unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::GenerationMismatch {
                pointer: 9,
                signed: 4,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(loader.running(), Some(5));
}

#[test]
fn expired_bundles_are_refused() {
    let (_dir, store, mut loader) = setup();
    let mut p = payload(1);
    p.expires = Some(NOW - 1);
    point(&store, &sign(&p, &[&testing::key()]).unwrap(), 1);
    assert!(matches!(
        block_on(loader.poll(NOW)),
        Err(LoadError::Bundle(BundleError::Expired { .. }))
    ));
}

/// A source whose network is down for the first `failures` calls.
struct Flaky {
    inner: FileStore,
    failures: Cell<u32>,
}

impl BundleSource for Flaky {
    async fn channel(
        &self,
        channel: &str,
        if_none_match: Option<&ETag>,
    ) -> Result<Fetched<ChannelPointer>, StoreError> {
        if self.failures.get() > 0 {
            self.failures.set(self.failures.get() - 1);
            return Err(StoreError::Unreachable("connection refused".into()));
        }
        self.inner.channel(channel, if_none_match).await
    }

    async fn bundle(&self, digest: &str) -> Result<Vec<u8>, StoreError> {
        self.inner.bundle(digest).await
    }
}

#[test]
fn an_unreachable_store_is_reported_and_the_next_poll_recovers() {
    let (_dir, store, _) = setup();
    point(&store, &signed(1), 1);
    let flaky = Flaky {
        inner: store,
        failures: Cell::new(1),
    };
    let mut loader = Loader::new(flaky, "prod", testing::trusted());
    let err = block_on(loader.poll(NOW)).unwrap_err();
    assert!(matches!(err, LoadError::Unreachable(_)), "{err}");
    assert!(err.to_string().contains("connection refused"));
    assert_eq!(
        block_on(loader.poll(NOW))
            .unwrap()
            .map(|l| l.bundle.generation()),
        Some(1)
    );
}
