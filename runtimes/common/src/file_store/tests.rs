use std::sync::Arc;

use pollster::block_on;
use waygate_core::bundle::Digest;

use super::FileStore;
use crate::store::{
    BundleSource as _, BundleStore as _, ChannelPointer, ETag, Fetched, Precondition, StoreError,
};

fn pointer(generation: u64) -> ChannelPointer {
    ChannelPointer {
        digest: Digest::of(format!("bundle {generation}").as_bytes()).to_string(),
        generation,
        updated: 1_700_000_000 + generation,
    }
}

fn store() -> (tempfile::TempDir, FileStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path());
    (dir, store)
}

#[test]
fn channel_writes_are_compare_and_swap() {
    let (_dir, store) = store();
    let absent = block_on(store.channel("prod", None));
    assert!(matches!(absent, Err(StoreError::NotFound(ref k)) if k == "channels/prod"));

    let first = block_on(store.put_channel("prod", &pointer(1), &Precondition::Absent)).unwrap();
    let again = block_on(store.put_channel("prod", &pointer(2), &Precondition::Absent));
    assert!(matches!(again, Err(StoreError::PreconditionFailed { .. })));
    let stale = Precondition::Matches(ETag("not-the-etag".into()));
    let wrong = block_on(store.put_channel("prod", &pointer(2), &stale));
    assert!(matches!(wrong, Err(StoreError::PreconditionFailed { .. })));

    let second =
        block_on(store.put_channel("prod", &pointer(2), &Precondition::Matches(first.clone())))
            .unwrap();
    assert_ne!(first, second);
    // The old ETag no longer matches: a publisher that read before this write must retry.
    let lost = block_on(store.put_channel("prod", &pointer(3), &Precondition::Matches(first)));
    assert!(matches!(lost, Err(StoreError::PreconditionFailed { .. })));

    match block_on(store.channel("prod", None)).unwrap() {
        Fetched::Fresh { value, etag } => {
            assert_eq!(value, pointer(2));
            assert_eq!(etag, second);
        }
        Fetched::NotModified => panic!("unconditional read came back not modified"),
    }
    assert_eq!(
        block_on(store.channel("prod", Some(&second))).unwrap(),
        Fetched::NotModified
    );
}

#[test]
fn matches_on_a_missing_channel_fails() {
    let (_dir, store) = store();
    let r = block_on(store.put_channel(
        "prod",
        &pointer(1),
        &Precondition::Matches(ETag("x".into())),
    ));
    assert!(matches!(r, Err(StoreError::PreconditionFailed { .. })));
}

#[test]
fn bundles_are_written_once_under_their_digest() {
    let (dir, store) = store();
    let bytes = b"envelope bytes".to_vec();
    let digest = Digest::of(&bytes).to_string();
    assert!(block_on(store.put_bundle(&digest, &bytes)).unwrap());
    assert!(!block_on(store.put_bundle(&digest, &bytes)).unwrap());
    assert_eq!(block_on(store.bundle(&digest)).unwrap(), bytes);
    assert_eq!(
        std::fs::read(dir.path().join("bundles").join(&digest)).unwrap(),
        bytes
    );

    let other = Digest::of(b"other").to_string();
    let mislabelled = block_on(store.put_bundle(&other, &bytes));
    assert!(matches!(mislabelled, Err(StoreError::Invalid { .. })));
    assert_eq!(
        block_on(store.list_bundles()).unwrap(),
        vec![digest.clone()]
    );

    block_on(store.delete_bundle(&digest)).unwrap();
    assert!(matches!(
        block_on(store.bundle(&digest)),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        block_on(store.delete_bundle(&digest)),
        Err(StoreError::NotFound(_))
    ));
    // Temporary files never outlive a write.
    let leftovers = std::fs::read_dir(dir.path().join(".tmp")).unwrap().count();
    assert_eq!(leftovers, 0);
}

#[test]
fn names_that_could_escape_the_root_are_refused() {
    let (_dir, store) = store();
    for bad in ["../etc", "a/b", ".hidden", ""] {
        assert!(
            matches!(
                block_on(store.channel(bad, None)),
                Err(StoreError::Invalid { .. })
            ),
            "{bad:?}"
        );
    }
    assert!(matches!(
        block_on(store.bundle("../../etc/passwd")),
        Err(StoreError::Invalid { .. })
    ));
}

#[test]
fn history_and_listings_are_ordered() {
    let (dir, store) = store();
    for generation in [10, 2, 1_000] {
        block_on(store.put_history("prod", &pointer(generation))).unwrap();
    }
    let gens: Vec<u64> = block_on(store.history("prod"))
        .unwrap()
        .iter()
        .map(|p| p.generation)
        .collect();
    assert_eq!(gens, vec![2, 10, 1_000]);
    assert!(block_on(store.history("never")).unwrap().is_empty());

    block_on(store.put_channel("staging", &pointer(1), &Precondition::Absent)).unwrap();
    block_on(store.put_channel("prod", &pointer(1), &Precondition::Absent)).unwrap();
    std::fs::write(dir.path().join("channels").join(".junk"), b"x").unwrap();
    assert_eq!(
        block_on(store.list_channels()).unwrap(),
        vec!["prod".to_owned(), "staging".to_owned()]
    );
}

#[test]
fn a_corrupt_pointer_is_reported_with_its_key() {
    let (dir, store) = store();
    std::fs::create_dir_all(dir.path().join("channels")).unwrap();
    std::fs::write(dir.path().join("channels/prod"), b"{not json").unwrap();
    let err = block_on(store.channel("prod", None)).unwrap_err();
    assert!(err.to_string().contains("channels/prod"), "{err}");
}

#[test]
fn racing_writers_never_lose_an_update() {
    let (_dir, store) = store();
    let store = Arc::new(store);
    block_on(store.put_channel("prod", &pointer(0), &Precondition::Absent)).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let mut won = Vec::new();
                for _ in 0..5 {
                    loop {
                        let Fetched::Fresh { value, etag } =
                            block_on(store.channel("prod", None)).unwrap()
                        else {
                            panic!("unconditional read came back not modified");
                        };
                        let next = pointer(value.generation + 1);
                        match block_on(store.put_channel(
                            "prod",
                            &next,
                            &Precondition::Matches(etag),
                        )) {
                            Ok(_) => {
                                won.push(next.generation);
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
    let mut all: Vec<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    all.sort_unstable();
    // Every successful swap saw a distinct predecessor: 40 increments, no duplicates.
    assert_eq!(all, (1..=40).collect::<Vec<_>>());
    let Fetched::Fresh { value, .. } = block_on(store.channel("prod", None)).unwrap() else {
        panic!("unconditional read came back not modified");
    };
    assert_eq!(value.generation, 40);
}

#[test]
fn an_abandoned_lock_is_taken_over() {
    let (dir, store) = store();
    let locks = dir.path().join(".locks");
    std::fs::create_dir_all(&locks).unwrap();
    let lock = locks.join("prod.lock");
    std::fs::write(&lock, b"12345\n").unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_mins(2);
    std::fs::File::options()
        .write(true)
        .open(&lock)
        .unwrap()
        .set_modified(old)
        .unwrap();
    block_on(store.put_channel("prod", &pointer(1), &Precondition::Absent)).unwrap();
    assert!(!lock.exists());
}
