//! Store URIs: `file:///dir` (the embedded default) and `s3://bucket/prefix`.

use std::fmt;
use std::path::PathBuf;

use crate::store::StoreError;

/// Where bundles and channels live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUri {
    /// A directory on a local or mounted file system.
    File { root: PathBuf },
    /// A bucket and a key prefix without leading or trailing `/` (may be empty).
    S3 { bucket: String, prefix: String },
}

impl StoreUri {
    pub fn parse(uri: &str) -> Result<Self, StoreError> {
        let err = |message: &str| StoreError::Uri {
            uri: uri.to_owned(),
            message: message.to_owned(),
        };
        if let Some(path) = uri.strip_prefix("file://") {
            // Only the empty authority is meaningful here: `file:///dir`, not `file://host/dir`.
            if !path.starts_with('/') {
                return Err(err(
                    "use an absolute path with an empty host, e.g. file:///var/lib/waygate",
                ));
            }
            let trimmed = path.trim_end_matches('/');
            let root = if trimmed.is_empty() { "/" } else { trimmed };
            return Ok(Self::File {
                root: PathBuf::from(root),
            });
        }
        if let Some(rest) = uri.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if !valid_bucket(bucket) {
                return Err(err(
                    "bucket names are 3-63 lowercase letters, digits, '.' and '-', e.g. s3://my-bundles/prod",
                ));
            }
            let prefix = prefix.trim_matches('/');
            if !prefix.is_empty()
                && prefix
                    .split('/')
                    .any(|s| s.is_empty() || s == "." || s == "..")
            {
                return Err(err("the key prefix has an empty, '.' or '..' segment"));
            }
            return Ok(Self::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.to_owned(),
            });
        }
        Err(err("expected file:///dir or s3://bucket/prefix"))
    }

    /// The full object key of `key` (as produced by [`crate::store::bundle_key`] and friends)
    /// under this URI's prefix. For `file://` the key is relative to the root directory.
    pub fn object_key(&self, key: &str) -> String {
        match self {
            Self::S3 { prefix, .. } if !prefix.is_empty() => format!("{prefix}/{key}"),
            _ => key.to_owned(),
        }
    }
}

fn valid_bucket(bucket: &str) -> bool {
    (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && bucket.as_bytes()[0].is_ascii_alphanumeric()
        && bucket.as_bytes()[bucket.len() - 1].is_ascii_alphanumeric()
}

impl fmt::Display for StoreUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File { root } => write!(f, "file://{}", root.display()),
            Self::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            Self::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

#[cfg(test)]
mod tests;
