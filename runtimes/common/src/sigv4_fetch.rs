//! `s3://` for runtimes that cannot run the AWS SDK (Cloudflare Workers, Spin): SigV4-signed
//! GETs built here and sent by the runtime's own HTTP client through [`HttpClient`]. No
//! tokio, no SDK, no clock read (the runtime supplies the time); builds for
//! wasm32-unknown-unknown.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::store::{
    BundleSource, ChannelPointer, ETag, Fetched, StoreError, bundle_key, channel_key,
    parse_pointer, validate_channel, validate_digest,
};

/// Characters S3 keys keep unencoded in a SigV4 canonical URI (RFC 3986 unreserved).
const KEY_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The runtime's HTTP client (Workers `fetch`, Spin outbound HTTP, a test client). No `Send`
/// bound: wasm futures are `!Send`. An `Err` means no response arrived (network failure).
#[allow(async_fn_in_trait)]
pub trait HttpClient {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, String>;
}

/// Static credentials: from the platform's secret store (Workers secrets, Spin variables).
#[derive(Clone)]
pub struct SigV4Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for SigV4Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigV4Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Where the bucket is and how to address it.
#[derive(Debug, Clone)]
pub struct SigV4Config {
    /// `https://s3.<region>.amazonaws.com`, an R2 account endpoint, `http://127.0.0.1:9000`…
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    /// Key prefix without leading or trailing `/` (may be empty).
    pub prefix: String,
    /// Path-style (`endpoint/bucket/key`) rather than virtual-hosted (`bucket.host/key`).
    pub path_style: bool,
    pub credentials: SigV4Credentials,
}

/// A [`BundleSource`] over signed GETs. `now` yields the current Unix time in seconds (the
/// signature's timestamp) because wasm32-unknown-unknown has no clock of its own.
pub struct SigV4Fetch<C> {
    client: C,
    config: SigV4Config,
    now: Box<dyn Fn() -> u64>,
}

impl<C> std::fmt::Debug for SigV4Fetch<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigV4Fetch")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<C: HttpClient> SigV4Fetch<C> {
    pub fn new(client: C, config: SigV4Config, now: impl Fn() -> u64 + 'static) -> Self {
        Self {
            client,
            config,
            now: Box::new(now),
        }
    }

    /// The URL of an object key (relative to the prefix).
    pub fn url(&self, key: &str) -> Result<String, StoreError> {
        let c = &self.config;
        let full = if c.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}/{key}", c.prefix.trim_matches('/'))
        };
        let path: Vec<String> = full
            .split('/')
            .map(|s| utf8_percent_encode(s, KEY_SEGMENT).to_string())
            .collect();
        let path = path.join("/");
        let endpoint = c.endpoint.trim_end_matches('/');
        if c.path_style {
            return Ok(format!("{endpoint}/{}/{path}", c.bucket));
        }
        let (scheme, host) = endpoint.split_once("://").ok_or_else(|| StoreError::Uri {
            uri: c.endpoint.clone(),
            message: "the endpoint needs a scheme, e.g. https://s3.us-east-1.amazonaws.com".into(),
        })?;
        Ok(format!("{scheme}://{}.{host}/{path}", c.bucket))
    }

    /// A signed GET of `key`, conditional when `if_none_match` is given, stamped `now`
    /// (Unix seconds).
    pub fn signed_get(
        &self,
        key: &str,
        if_none_match: Option<&ETag>,
        now: u64,
    ) -> Result<http::Request<Vec<u8>>, StoreError> {
        let url = self.url(key)?;
        let uri: http::Uri = url.parse().map_err(|e| StoreError::Uri {
            uri: url.clone(),
            message: format!("{e}"),
        })?;
        let host = uri
            .authority()
            .map(|a| a.as_str().to_owned())
            .unwrap_or_default();
        let mut builder = http::Request::get(uri).header(http::header::HOST, host);
        if let Some(etag) = if_none_match {
            builder = builder.header(http::header::IF_NONE_MATCH, &etag.0);
        }
        let mut request = builder
            .body(Vec::new())
            .map_err(|e| StoreError::Other(format!("building the request for {key}: {e}")))?;
        self.sign(&mut request, now)?;
        Ok(request)
    }

    fn sign(&self, request: &mut http::Request<Vec<u8>>, now: u64) -> Result<(), StoreError> {
        let c = &self.config;
        let fail = |e: &dyn std::fmt::Display| StoreError::Other(format!("SigV4 signing: {e}"));
        let identity = Credentials::new(
            &c.credentials.access_key_id,
            &c.credentials.secret_access_key,
            c.credentials.session_token.clone(),
            None,
            "waygate",
        )
        .into();
        // S3's flavour of SigV4: keys are encoded once, paths are not normalised, and the
        // payload hash travels in x-amz-content-sha256.
        let mut settings = SigningSettings::default();
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&c.region)
            .name("s3")
            .time(SystemTime::UNIX_EPOCH + Duration::from_secs(now))
            .settings(settings)
            .build()
            .map_err(|e| fail(&e))?
            .into();
        let headers: Vec<(&str, &str)> = request
            .headers()
            .iter()
            .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str(), v)))
            .collect();
        let uri = request.uri().to_string();
        let signable = SignableRequest::new(
            request.method().as_str(),
            &uri,
            headers.into_iter(),
            SignableBody::Bytes(request.body()),
        )
        .map_err(|e| fail(&e))?;
        let (instructions, _signature) =
            sign(signable, &params).map_err(|e| fail(&e))?.into_parts();
        instructions.apply_to_request_http1x(request);
        Ok(())
    }

    async fn fetch(
        &self,
        key: &str,
        if_none_match: Option<&ETag>,
    ) -> Result<http::Response<Vec<u8>>, StoreError> {
        let request = self.signed_get(key, if_none_match, (self.now)())?;
        self.client.send(request).await.map_err(|e| {
            StoreError::Unreachable(format!(
                "cannot reach the S3 endpoint {}: {e}; check the endpoint setting, the network, and that the server is running",
                self.config.endpoint
            ))
        })
    }

    /// Turns a non-success response into an error that says what to check.
    pub fn error_for(&self, key: &str, response: &http::Response<Vec<u8>>) -> StoreError {
        let body = String::from_utf8_lossy(response.body());
        let code = xml_text(&body, "Code").unwrap_or_default();
        let message = xml_text(&body, "Message").unwrap_or_default();
        let status = response.status().as_u16();
        match (code, status) {
            ("NoSuchBucket", _) => StoreError::Other(format!(
                "bucket {:?} does not exist at {} (NoSuchBucket); check the bucket name and the region",
                self.config.bucket, self.config.endpoint
            )),
            (_, 404) => StoreError::NotFound(key.to_owned()),
            (_, 401 | 403) => StoreError::AccessDenied {
                what: format!("s3://{}/{key}", self.config.bucket),
                message: format!(
                    "{} {message}; check the access key, secret and region the runtime signs with",
                    if code.is_empty() { "HTTP 403" } else { code }
                ),
            },
            _ => StoreError::Other(format!(
                "S3 GET {key} failed with HTTP {status} {code} {message}"
            )),
        }
    }
}

/// The text of the first `<tag>…</tag>` in an S3 error document.
fn xml_text<'a>(body: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find("</")? + start;
    Some(&body[start..end])
}

impl<C: HttpClient> BundleSource for SigV4Fetch<C> {
    async fn channel(
        &self,
        channel: &str,
        if_none_match: Option<&ETag>,
    ) -> Result<Fetched<ChannelPointer>, StoreError> {
        validate_channel(channel)?;
        let key = channel_key(channel);
        let response = self.fetch(&key, if_none_match).await?;
        match response.status().as_u16() {
            304 => Ok(Fetched::NotModified),
            200 => {
                let etag = response
                    .headers()
                    .get(http::header::ETAG)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| StoreError::Invalid {
                        key: key.clone(),
                        message: "the store returned no ETag".into(),
                    })?
                    .to_owned();
                Ok(Fetched::Fresh {
                    value: parse_pointer(&key, response.body())?,
                    etag: ETag(etag),
                })
            }
            _ => Err(self.error_for(&key, &response)),
        }
    }

    async fn bundle(&self, digest: &str) -> Result<Vec<u8>, StoreError> {
        validate_digest(digest)?;
        let key = bundle_key(digest);
        let response = self.fetch(&key, None).await?;
        if response.status() == http::StatusCode::OK {
            Ok(response.into_body())
        } else {
            Err(self.error_for(&key, &response))
        }
    }
}

#[cfg(test)]
mod tests;
