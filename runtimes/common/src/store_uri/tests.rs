use std::path::PathBuf;

use super::StoreUri;
use crate::store::StoreError;

#[test]
fn parses_file_uris() {
    assert_eq!(
        StoreUri::parse("file:///var/lib/waygate/").ok(),
        Some(StoreUri::File {
            root: PathBuf::from("/var/lib/waygate")
        })
    );
    assert!(matches!(
        StoreUri::parse("file://host/dir"),
        Err(StoreError::Uri { .. })
    ));
}

#[test]
fn parses_s3_uris_and_prefixes_keys() {
    let uri = StoreUri::parse("s3://my-bundles/edge/prod/").ok();
    assert_eq!(
        uri,
        Some(StoreUri::S3 {
            bucket: "my-bundles".into(),
            prefix: "edge/prod".into()
        })
    );
    let uri = uri.unwrap_or(StoreUri::File {
        root: PathBuf::new(),
    });
    assert_eq!(uri.object_key("channels/prod"), "edge/prod/channels/prod");
    assert_eq!(uri.to_string(), "s3://my-bundles/edge/prod");
    let bare = StoreUri::parse("s3://my-bundles").ok();
    assert_eq!(
        bare.as_ref().map(|u| u.object_key("bundles/x")),
        Some("bundles/x".to_owned())
    );
}

#[test]
fn refuses_bad_uris_with_a_hint() {
    for bad in [
        "s3://",
        "s3://UPPER/x",
        "s3://ab",
        "s3://b-ucket/a//b",
        "http://x",
        "dir",
    ] {
        let err = StoreUri::parse(bad).err().map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|m| m.contains(bad)),
            "{bad}: {err:?}"
        );
    }
}
