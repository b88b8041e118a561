//! The store named by `WAYGATE_STORE`: `file://` for tests and local runs, `s3://` through
//! aws-sdk-s3 (credentials from the execution role).

use waygate_runtime_common::StoreUri;
use waygate_runtime_common::file_store::FileStore;
use waygate_runtime_common::s3_store::{S3Options, S3Store};
use waygate_runtime_common::store::{BundleSource, ChannelPointer, ETag, Fetched, StoreError};

#[derive(Debug, Clone)]
pub enum Store {
    File(FileStore),
    S3(S3Store),
}

impl Store {
    /// Opens the store. For S3 this loads the AWS configuration (region, credentials) once
    /// per execution environment; `AWS_ENDPOINT_URL` points it at an S3-compatible server.
    pub async fn open(uri: &StoreUri) -> Self {
        match uri {
            StoreUri::File { root } => Self::File(FileStore::new(root.clone())),
            StoreUri::S3 { bucket, prefix } => {
                Self::S3(S3Store::connect(bucket, prefix, &S3Options::default()).await)
            }
        }
    }
}

impl BundleSource for Store {
    async fn channel(
        &self,
        channel: &str,
        if_none_match: Option<&ETag>,
    ) -> Result<Fetched<ChannelPointer>, StoreError> {
        match self {
            Self::File(s) => s.channel(channel, if_none_match).await,
            Self::S3(s) => s.channel(channel, if_none_match).await,
        }
    }

    async fn bundle(&self, digest: &str) -> Result<Vec<u8>, StoreError> {
        match self {
            Self::File(s) => s.bundle(digest).await,
            Self::S3(s) => s.bundle(digest).await,
        }
    }
}
