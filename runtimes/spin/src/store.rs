//! The bundle store over outbound HTTP: `s3://` through SigV4-signed GETs
//! (`waygate_runtime_common::sigv4_fetch`) and plain `http(s)://` GETs for public buckets or
//! any server with the store layout. Same keys, same conditional-GET semantics.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use waygate_runtime_common::sigv4_fetch::{HttpClient, SigV4Fetch};
use waygate_runtime_common::store::{
    BundleSource, ChannelPointer, ETag, Fetched, StoreError, bundle_key, channel_key,
    parse_pointer, validate_channel, validate_digest,
};

use crate::outbound::{self, Deadline};
use crate::settings::StoreSetting;

/// Bound on one store read: a 1k-route bundle is a few hundred kilobytes.
const STORE_TIMEOUT: Duration = Duration::from_secs(10);

/// Outbound wasi:http as the SigV4 fetcher's client.
#[derive(Debug, Clone, Copy)]
pub struct WasiClient;

impl HttpClient for WasiClient {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, String> {
        outbound::send(&request, Some(Deadline::after(STORE_TIMEOUT))).map_err(|e| e.to_string())
    }
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Unsigned GETs under a base URL.
#[derive(Debug, Clone)]
pub struct HttpStore {
    pub base: String,
}

impl HttpStore {
    fn get(&self, key: &str, etag: Option<&ETag>) -> Result<http::Response<Vec<u8>>, StoreError> {
        let url = format!("{}/{key}", self.base);
        let mut builder = http::Request::get(&url);
        if let Some(etag) = etag {
            builder = builder.header(http::header::IF_NONE_MATCH, &etag.0);
        }
        let request = builder.body(Vec::new()).map_err(|e| StoreError::Uri {
            uri: url.clone(),
            message: e.to_string(),
        })?;
        outbound::send(&request, Some(Deadline::after(STORE_TIMEOUT))).map_err(|e| {
            StoreError::Unreachable(format!(
                "cannot reach the store at {url}: {e}; check WAYGATE_STORE and allowed_outbound_hosts"
            ))
        })
    }

    fn failure(key: &str, response: &http::Response<Vec<u8>>) -> StoreError {
        match response.status().as_u16() {
            404 => StoreError::NotFound(key.to_owned()),
            s @ (401 | 403) => StoreError::AccessDenied {
                what: key.to_owned(),
                message: format!(
                    "HTTP {s}; a plain http(s) store must be publicly readable, use s3:// with credentials otherwise"
                ),
            },
            s => StoreError::Other(format!("GET {key} failed with HTTP {s}")),
        }
    }
}

impl BundleSource for HttpStore {
    async fn channel(
        &self,
        channel: &str,
        if_none_match: Option<&ETag>,
    ) -> Result<Fetched<ChannelPointer>, StoreError> {
        validate_channel(channel)?;
        let key = channel_key(channel);
        let response = self.get(&key, if_none_match)?;
        match response.status().as_u16() {
            304 => Ok(Fetched::NotModified),
            200 => {
                // A server without ETags still works; it just never answers 304.
                let etag = response
                    .headers()
                    .get(http::header::ETAG)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                Ok(Fetched::Fresh {
                    value: parse_pointer(&key, response.body())?,
                    etag: ETag(etag),
                })
            }
            _ => Err(Self::failure(&key, &response)),
        }
    }

    async fn bundle(&self, digest: &str) -> Result<Vec<u8>, StoreError> {
        validate_digest(digest)?;
        let key = bundle_key(digest);
        let response = self.get(&key, None)?;
        if response.status() == http::StatusCode::OK {
            Ok(response.into_body())
        } else {
            Err(Self::failure(&key, &response))
        }
    }
}

/// The store `WAYGATE_STORE` names.
pub enum Store {
    Http(HttpStore),
    S3(SigV4Fetch<WasiClient>),
}

impl Store {
    pub fn open(setting: &StoreSetting) -> Self {
        match setting {
            StoreSetting::Http { base } => Self::Http(HttpStore { base: base.clone() }),
            StoreSetting::S3(config) => {
                Self::S3(SigV4Fetch::new(WasiClient, config.clone(), unix_now))
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
            Self::Http(s) => s.channel(channel, if_none_match).await,
            Self::S3(s) => s.channel(channel, if_none_match).await,
        }
    }

    async fn bundle(&self, digest: &str) -> Result<Vec<u8>, StoreError> {
        match self {
            Self::Http(s) => s.bundle(digest).await,
            Self::S3(s) => s.bundle(digest).await,
        }
    }
}
