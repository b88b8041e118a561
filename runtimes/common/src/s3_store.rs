//! `s3://bucket/prefix` through aws-sdk-s3: the Kubernetes runtime, Lambda and the CLI.
//!
//! Credentials and region come from the standard chain (environment, profile, web identity,
//! container and instance metadata). The endpoint comes from `--s3-endpoint`, else the
//! standard `AWS_ENDPOINT_URL`; path-style addressing is used when asked for, and chosen
//! automatically when the endpoint's host is an IP address or `localhost` (MinIO, moto,
//! Ceph on a laptop have no per-bucket DNS names). Channel writes are conditional PUTs
//! (`If-None-Match: *` / `If-Match`), channel reads conditional GETs (`If-None-Match` → 304).

mod errors;

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::Region;
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

use crate::store::{
    BundleSource, BundleStore, ChannelPointer, ETag, Fetched, Precondition, StoreError, bundle_key,
    channel_key, history_key, parse_pointer, pointer_bytes, validate_channel, validate_digest,
};

pub use errors::S3Failure;

/// How to reach the store beyond what the standard AWS configuration says.
#[derive(Debug, Clone, Default)]
pub struct S3Options {
    /// Overrides `AWS_ENDPOINT_URL`, e.g. `http://127.0.0.1:9000` or an R2 account endpoint.
    pub endpoint: Option<String>,
    /// Forces path-style (`true`) or virtual-hosted (`false`) addressing; `None` decides
    /// from the endpoint host.
    pub path_style: Option<bool>,
    /// Overrides the region from the standard chain.
    pub region: Option<String>,
    /// Connect timeout; unreachable endpoints fail after this (default 3 s).
    pub connect_timeout: Option<Duration>,
    /// Attempts per request including the first (default 3).
    pub max_attempts: Option<u32>,
    /// Static credentials instead of the standard chain (tests, R2 tokens from a secret).
    pub credentials: Option<aws_sdk_s3::config::Credentials>,
}

/// Path-style is needed when the endpoint host cannot carry a bucket subdomain.
pub fn wants_path_style(endpoint: &str) -> bool {
    let after_scheme = endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest);
    let authority = after_scheme.split(['/', '?']).next().unwrap_or_default();
    let host = if let Some(v6) = authority.strip_prefix('[') {
        return v6.contains(']');
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    host.eq_ignore_ascii_case("localhost")
        || host.to_ascii_lowercase().ends_with(".localhost")
        || host.parse::<std::net::Ipv4Addr>().is_ok()
}

/// A bucket and prefix reached through aws-sdk-s3.
#[derive(Debug, Clone)]
pub struct S3Store {
    client: Client,
    bucket: String,
    prefix: String,
    /// Where requests go, for error messages.
    endpoint: String,
}

impl S3Store {
    /// Loads the standard AWS configuration and builds a client for `bucket`/`prefix`.
    /// Needs a tokio runtime (the SDK's default).
    pub async fn connect(bucket: &str, prefix: &str, options: &S3Options) -> Self {
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
            .build_https();
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http);
        if let Some(endpoint) = &options.endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        if let Some(credentials) = &options.credentials {
            loader = loader.credentials_provider(credentials.clone());
        }
        if let Some(region) = &options.region {
            loader = loader.region(Region::new(region.clone()));
        }
        let sdk = loader.load().await;
        let endpoint = sdk.endpoint_url().map(str::to_owned);
        let path_style = options
            .path_style
            .unwrap_or_else(|| endpoint.as_deref().is_some_and(wants_path_style));
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(options.connect_timeout.unwrap_or(Duration::from_secs(3)))
            .operation_attempt_timeout(Duration::from_secs(30))
            .build();
        let mut config = aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(path_style)
            .timeout_config(timeouts)
            .retry_config(
                RetryConfig::standard().with_max_attempts(options.max_attempts.unwrap_or(3)),
            );
        if sdk.region().is_none() {
            // S3's home region; any region works with S3-compatible stores.
            config = config.region(Region::new("us-east-1"));
        }
        let endpoint = endpoint.unwrap_or_else(|| "AWS S3 (no custom endpoint)".to_owned());
        Self::from_client(Client::from_conf(config.build()), bucket, prefix, endpoint)
    }

    /// Wraps a client configured elsewhere.
    pub fn from_client(
        client: Client,
        bucket: &str,
        prefix: &str,
        endpoint: impl Into<String>,
    ) -> Self {
        Self {
            client,
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
            endpoint: endpoint.into(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    fn key(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}/{key}", self.prefix)
        }
    }

    fn failure(&self, key: &str) -> S3Failure<'_> {
        S3Failure {
            bucket: &self.bucket,
            key: key.to_owned(),
            endpoint: &self.endpoint,
        }
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(self.key(key))
            .send()
            .await
            .map_err(|e| self.failure(key).map(&e))?;
        read_body(out.body, key).await
    }

    /// Keys under `dir/` (relative to `dir/`), in lexical order, across all pages.
    async fn list(&self, dir: &str) -> Result<Vec<String>, StoreError> {
        let full = self.key(&format!("{dir}/"));
        let mut names = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(&full)
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| self.failure(dir).map(&e))?;
            for object in page.contents() {
                if let Some(name) = object.key().and_then(|k| k.strip_prefix(&full))
                    && !name.contains('/')
                {
                    names.push(name.to_owned());
                }
            }
            token = page.next_continuation_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        names.sort();
        Ok(names)
    }

    async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(self.key(key))
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) => match self.failure(key).map(&e) {
                StoreError::NotFound(_) => Ok(false),
                other => Err(other),
            },
        }
    }
}

async fn read_body(body: ByteStream, key: &str) -> Result<Vec<u8>, StoreError> {
    body.collect()
        .await
        .map(|b| b.into_bytes().to_vec())
        .map_err(|e| StoreError::Unreachable(format!("reading {key}: {e}")))
}

impl BundleSource for S3Store {
    async fn channel(
        &self,
        channel: &str,
        if_none_match: Option<&ETag>,
    ) -> Result<Fetched<ChannelPointer>, StoreError> {
        validate_channel(channel)?;
        let key = channel_key(channel);
        let sent = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(self.key(&key))
            .set_if_none_match(if_none_match.map(|e| e.0.clone()))
            .send()
            .await;
        let out = match sent {
            Ok(out) => out,
            Err(e) if errors::status(&e) == Some(304) => return Ok(Fetched::NotModified),
            Err(e) => return Err(self.failure(&key).map(&e)),
        };
        let etag = out
            .e_tag()
            .map(str::to_owned)
            .ok_or_else(|| StoreError::Invalid {
                key: key.clone(),
                message: "the store returned no ETag".into(),
            })?;
        let bytes = read_body(out.body, &key).await?;
        Ok(Fetched::Fresh {
            value: parse_pointer(&key, &bytes)?,
            etag: ETag(etag),
        })
    }

    async fn bundle(&self, digest: &str) -> Result<Vec<u8>, StoreError> {
        validate_digest(digest)?;
        self.get(&bundle_key(digest)).await
    }
}

impl BundleStore for S3Store {
    async fn put_bundle(&self, digest: &str, bytes: &[u8]) -> Result<bool, StoreError> {
        validate_digest(digest)?;
        let key = bundle_key(digest);
        if waygate_core::bundle::Digest::of(bytes).to_string() != digest {
            return Err(StoreError::Invalid {
                key,
                message: "the bytes do not hash to the digest they are stored under".into(),
            });
        }
        // A HEAD first keeps re-publishing an existing bundle free of uploads.
        if self.exists(&key).await? {
            return Ok(false);
        }
        let sent = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(self.key(&key))
            .content_type("application/vnd.waygate.bundle+json")
            .if_none_match("*")
            .body(ByteStream::from(bytes.to_vec()))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(true),
            // Someone else wrote the same digest (so the same bytes) meanwhile.
            Err(e) => match self.failure(&key).map(&e) {
                StoreError::PreconditionFailed { .. } => Ok(false),
                other => Err(other),
            },
        }
    }

    async fn put_channel(
        &self,
        channel: &str,
        pointer: &ChannelPointer,
        precondition: &Precondition,
    ) -> Result<ETag, StoreError> {
        validate_channel(channel)?;
        validate_digest(&pointer.digest)?;
        let key = channel_key(channel);
        let mut put = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(self.key(&key))
            .content_type("application/json")
            .cache_control("no-cache")
            .body(ByteStream::from(pointer_bytes(pointer)?));
        put = match precondition {
            Precondition::Absent => put.if_none_match("*"),
            Precondition::Matches(etag) => put.if_match(&etag.0),
        };
        let out = put.send().await.map_err(|e| self.failure(&key).map(&e))?;
        out.e_tag()
            .map(|e| ETag(e.to_owned()))
            .ok_or_else(|| StoreError::Invalid {
                key,
                message: "the store returned no ETag for the write".into(),
            })
    }

    async fn put_history(&self, channel: &str, pointer: &ChannelPointer) -> Result<(), StoreError> {
        validate_channel(channel)?;
        let key = history_key(channel, pointer.generation);
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(self.key(&key))
            .content_type("application/json")
            .body(ByteStream::from(pointer_bytes(pointer)?))
            .send()
            .await
            .map_err(|e| self.failure(&key).map(&e))?;
        Ok(())
    }

    async fn list_channels(&self) -> Result<Vec<String>, StoreError> {
        Ok(self
            .list("channels")
            .await?
            .into_iter()
            .filter(|name| validate_channel(name).is_ok())
            .collect())
    }

    async fn history(&self, channel: &str) -> Result<Vec<ChannelPointer>, StoreError> {
        validate_channel(channel)?;
        let dir = format!("history/{channel}");
        let mut out = Vec::new();
        for name in self.list(&dir).await? {
            if name.len() != 20 || !name.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let key = format!("{dir}/{name}");
            out.push(parse_pointer(&key, &self.get(&key).await?)?);
        }
        Ok(out)
    }

    async fn list_bundles(&self) -> Result<Vec<String>, StoreError> {
        Ok(self
            .list("bundles")
            .await?
            .into_iter()
            .filter(|name| validate_digest(name).is_ok())
            .collect())
    }

    async fn delete_bundle(&self, digest: &str) -> Result<(), StoreError> {
        validate_digest(digest)?;
        let key = bundle_key(digest);
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(self.key(&key))
            .send()
            .await
            .map_err(|e| self.failure(&key).map(&e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
