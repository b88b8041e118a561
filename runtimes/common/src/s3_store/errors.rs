//! aws-sdk-s3 errors to [`StoreError`]s that say what to check.

use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::store::StoreError;

/// Context for mapping one failed request.
#[derive(Debug)]
pub struct S3Failure<'a> {
    pub bucket: &'a str,
    /// The key relative to the prefix, as the layout names it.
    pub key: String,
    pub endpoint: &'a str,
}

/// The HTTP status of a failed request, if a response arrived.
pub(super) fn status<E, R: HttpStatus>(err: &SdkError<E, R>) -> Option<u16> {
    err.raw_response().map(HttpStatus::status_code)
}

/// The SDK's raw response type, narrowed to what the mapping reads.
pub trait HttpStatus {
    fn status_code(&self) -> u16;
}

impl HttpStatus for aws_sdk_s3::config::http::HttpResponse {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}

impl S3Failure<'_> {
    pub fn map<E, R>(&self, err: &SdkError<E, R>) -> StoreError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: HttpStatus + std::fmt::Debug,
    {
        let status = status(err);
        match err {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
                return StoreError::Unreachable(format!(
                    "cannot reach the S3 endpoint {}: {}; check --s3-endpoint / AWS_ENDPOINT_URL, the network, and that the server is running",
                    self.endpoint,
                    DisplayErrorContext(err)
                ));
            }
            SdkError::ConstructionFailure(_) => {
                return StoreError::Other(format!(
                    "could not build the S3 request for {}: {}; check the region and credentials configuration",
                    self.key,
                    DisplayErrorContext(err)
                ));
            }
            _ => {}
        }
        let code = err.code().unwrap_or_default().to_owned();
        let message = err.message().unwrap_or_default().to_owned();
        match (code.as_str(), status) {
            ("PreconditionFailed" | "ConditionalRequestConflict", _) | (_, Some(412 | 409)) => {
                StoreError::PreconditionFailed {
                    key: self.key.clone(),
                }
            }
            ("NoSuchBucket", _) => StoreError::Other(format!(
                "bucket {:?} does not exist at {} (NoSuchBucket); check the bucket name in --store s3://BUCKET/prefix and the region",
                self.bucket, self.endpoint
            )),
            ("NoSuchKey", _) | (_, Some(404)) => StoreError::NotFound(self.key.clone()),
            (
                "InvalidAccessKeyId"
                | "SignatureDoesNotMatch"
                | "AccessDenied"
                | "ExpiredToken"
                | "InvalidToken",
                _,
            )
            | (_, Some(401 | 403)) => StoreError::AccessDenied {
                what: format!("s3://{}/{}", self.bucket, self.key),
                message: format!(
                    "{} {message}; check the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the assumed role) and that they may read and write this bucket",
                    if code.is_empty() {
                        "HTTP 403".to_owned()
                    } else {
                        code.clone()
                    }
                ),
            },
            _ => StoreError::Other(format!(
                "S3 request for {} failed{}{}: {}",
                self.key,
                status
                    .map(|s| format!(" with HTTP {s}"))
                    .unwrap_or_default(),
                if code.is_empty() {
                    String::new()
                } else {
                    format!(" ({code})")
                },
                DisplayErrorContext(err)
            )),
        }
    }
}
