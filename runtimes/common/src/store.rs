//! The object-store contract. Every store (file://, s3:// through aws-sdk-s3, s3:// through a
//! SigV4-signed fetch, an R2 binding) keeps exactly this layout and these semantics:
//!
//! - `<prefix>/bundles/<digest>`: the envelope bytes, immutable, written once;
//! - `<prefix>/channels/<name>`: a small JSON [`ChannelPointer`], replaced only with a
//!   conditional write (create if absent / replace if the ETag still matches) so two
//!   publishers never lose an update;
//! - `<prefix>/history/<name>/<generation>`: a copy of each pointer a channel ever had, for
//!   `waygate history` and `waygate rollback`.

use serde::{Deserialize, Serialize};

/// Object key of a bundle, relative to the store prefix.
pub fn bundle_key(digest: &str) -> String {
    format!("bundles/{digest}")
}

/// Object key of a channel pointer, relative to the store prefix.
pub fn channel_key(channel: &str) -> String {
    format!("channels/{channel}")
}

/// Object key of one history entry; zero-padded so lexical order is generation order.
pub fn history_key(channel: &str, generation: u64) -> String {
    format!("history/{channel}/{generation:020}")
}

/// What a channel points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelPointer {
    /// SHA-256 of the envelope, hex: the bundle is at `bundles/<digest>`.
    pub digest: String,
    pub generation: u64,
    /// When the pointer was written, Unix seconds.
    pub updated: u64,
}

/// An entity tag as the store returned it (opaque; compared byte for byte).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ETag(pub String);

/// The answer to a conditional read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched<T> {
    /// The object still has the ETag the caller sent: no body was transferred.
    NotModified,
    Fresh {
        value: T,
        etag: ETag,
    },
}

/// The precondition of a channel write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// Create the channel; fail if it exists (`If-None-Match: *`).
    Absent,
    /// Replace the channel only if it still has this ETag (`If-Match`).
    Matches(ETag),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found in the store")]
    NotFound(String),
    #[error("{key} changed concurrently (precondition failed); re-read and retry")]
    PreconditionFailed { key: String },
    #[error("access denied to {what}: {message}")]
    AccessDenied { what: String, message: String },
    #[error("store unreachable: {0}")]
    Unreachable(String),
    #[error("invalid store contents at {key}: {message}")]
    Invalid { key: String, message: String },
    #[error("invalid store URI {uri:?}: {message}")]
    Uri { uri: String, message: String },
    #[error("store error: {0}")]
    Other(String),
}

/// Read side: all a runtime needs.
#[allow(async_fn_in_trait)]
pub trait BundleSource {
    /// Reads a channel pointer; `if_none_match` makes it a conditional GET.
    async fn channel(
        &self,
        channel: &str,
        if_none_match: Option<&ETag>,
    ) -> Result<Fetched<ChannelPointer>, StoreError>;

    /// Reads the envelope bytes of a bundle.
    async fn bundle(&self, digest: &str) -> Result<Vec<u8>, StoreError>;
}

/// Write side: what `waygate publish`, `rollback` and `gc` need.
#[allow(async_fn_in_trait)]
pub trait BundleStore: BundleSource {
    /// Writes `bundles/<digest>` unless it already exists. Returns whether it was written.
    async fn put_bundle(&self, digest: &str, bytes: &[u8]) -> Result<bool, StoreError>;

    /// Conditionally writes a channel pointer and returns the new ETag.
    async fn put_channel(
        &self,
        channel: &str,
        pointer: &ChannelPointer,
        precondition: &Precondition,
    ) -> Result<ETag, StoreError>;

    /// Appends a pointer to the channel's history.
    async fn put_history(&self, channel: &str, pointer: &ChannelPointer) -> Result<(), StoreError>;

    async fn list_channels(&self) -> Result<Vec<String>, StoreError>;

    /// History of a channel, oldest first.
    async fn history(&self, channel: &str) -> Result<Vec<ChannelPointer>, StoreError>;

    async fn list_bundles(&self) -> Result<Vec<String>, StoreError>;

    async fn delete_bundle(&self, digest: &str) -> Result<(), StoreError>;
}

/// Checks a channel name before it becomes part of an object key or a file path: ASCII
/// letters, digits, `.`, `_` and `-`, not starting with `.`, at most 128 bytes. Keeps keys
/// identical across stores and makes path traversal through a name impossible.
pub fn validate_channel(channel: &str) -> Result<(), StoreError> {
    let ok = !channel.is_empty()
        && channel.len() <= 128
        && !channel.starts_with('.')
        && channel
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            key: channel_key(channel),
            message:
                "channel names use only letters, digits, '.', '_' and '-' and do not start with '.'"
                    .into(),
        })
    }
}

/// Checks that a digest is 64 lowercase hex characters (SHA-256) before it names an object.
pub fn validate_digest(digest: &str) -> Result<(), StoreError> {
    if digest.len() == 64
        && digest
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            key: bundle_key(digest),
            message: "a bundle digest is 64 lowercase hex characters (SHA-256)".into(),
        })
    }
}

/// The bytes a channel pointer is stored as (compact JSON and a newline), the same in every
/// store so that `waygate channels` output and ETags computed over them agree.
pub fn pointer_bytes(pointer: &ChannelPointer) -> Result<Vec<u8>, StoreError> {
    let mut bytes = serde_json::to_vec(pointer).map_err(|e| StoreError::Other(e.to_string()))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Parses stored pointer bytes, naming the key when they are not a pointer.
pub fn parse_pointer(key: &str, bytes: &[u8]) -> Result<ChannelPointer, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Invalid {
        key: key.to_owned(),
        message: format!("not a channel pointer: {e}"),
    })
}
