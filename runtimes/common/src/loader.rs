//! Turns a channel in a store into verified, ever-newer bundles: one conditional GET per
//! poll while nothing changes, and on a change the bundle's bytes, their digest, their
//! signature and their generation are all checked before anything is handed to a runtime.
//! Any failure leaves the loader where it was, so the caller keeps serving what it has and
//! the next poll tries again.

use waygate_core::bundle::{BundleError, Digest, TrustedKeys, VerifiedBundle, verify};

use crate::store::{BundleSource, ETag, Fetched, StoreError, validate_digest};

/// A bundle that passed every check and is newer than the one running.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub bundle: VerifiedBundle,
    /// The envelope bytes exactly as fetched (for a disk cache).
    pub bytes: Vec<u8>,
}

/// Why a poll produced nothing loadable. Each cause is its own variant so runtimes can log
/// and count refusals by cause.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Unreachable(StoreError),
    #[error("{0}")]
    NotFound(StoreError),
    #[error("{0}")]
    Store(StoreError),
    #[error(
        "bundle {expected} was altered in the store: its bytes hash to {actual}; keeping the running bundle"
    )]
    DigestMismatch { expected: String, actual: String },
    #[error(
        "channel {channel} claims generation {pointer} but bundle {digest} is signed with generation {signed}"
    )]
    GenerationMismatch {
        channel: String,
        digest: String,
        pointer: u64,
        signed: u64,
    },
    #[error("{0}")]
    Bundle(#[from] BundleError),
}

impl From<StoreError> for LoadError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unreachable(_) => Self::Unreachable(e),
            StoreError::NotFound(_) => Self::NotFound(e),
            _ => Self::Store(e),
        }
    }
}

/// Polls one channel of one store.
#[derive(Debug)]
pub struct Loader<S> {
    source: S,
    channel: String,
    keys: TrustedKeys,
    etag: Option<ETag>,
    running: Option<u64>,
}

impl<S: BundleSource> Loader<S> {
    pub fn new(source: S, channel: impl Into<String>, keys: TrustedKeys) -> Self {
        Self {
            source,
            channel: channel.into(),
            keys,
            etag: None,
            running: None,
        }
    }

    /// Sets the generation already running (e.g. from the disk cache) so older ones are refused.
    pub fn set_running(&mut self, generation: u64) {
        self.running = Some(generation);
    }

    /// The generation last loaded or set, if any.
    pub fn running(&self) -> Option<u64> {
        self.running
    }

    pub fn channel(&self) -> &str {
        &self.channel
    }

    pub fn source(&self) -> &S {
        &self.source
    }

    /// One poll: a conditional GET of the channel; unchanged → `Ok(None)`. Otherwise the
    /// bundle is fetched, its SHA-256 checked against the pointer, its signature and expiry
    /// verified at `now` (Unix seconds) and its generation required to be newer than the
    /// running one. The remembered ETag and generation only move when that all succeeds.
    ///
    /// A pointer at exactly the running generation is the bundle already running (a restart
    /// from the disk cache, say): it is remembered and reported as unchanged.
    pub async fn poll(&mut self, now: u64) -> Result<Option<Loaded>, LoadError> {
        let (pointer, etag) = match self
            .source
            .channel(&self.channel, self.etag.as_ref())
            .await?
        {
            Fetched::NotModified => return Ok(None),
            Fetched::Fresh { value, etag } => (value, etag),
        };
        if let Some(running) = self.running {
            if pointer.generation == running {
                self.etag = Some(etag);
                return Ok(None);
            }
            if pointer.generation < running {
                // Refused without downloading: the signed generation could only be checked
                // to be older still, or differ from the pointer, which is refused as well.
                return Err(BundleError::OlderGeneration {
                    offered: pointer.generation,
                    running,
                }
                .into());
            }
        }
        validate_digest(&pointer.digest)?;
        let bytes = self.source.bundle(&pointer.digest).await?;
        let actual = Digest::of(&bytes).to_string();
        if actual != pointer.digest {
            return Err(LoadError::DigestMismatch {
                expected: pointer.digest,
                actual,
            });
        }
        let bundle = verify(&bytes, &self.keys, now)?;
        if bundle.generation() != pointer.generation {
            return Err(LoadError::GenerationMismatch {
                channel: self.channel.clone(),
                digest: pointer.digest,
                pointer: pointer.generation,
                signed: bundle.generation(),
            });
        }
        if let Some(running) = self.running {
            bundle.ensure_newer_than(running)?;
        }
        self.etag = Some(etag);
        self.running = Some(bundle.generation());
        Ok(Some(Loaded { bundle, bytes }))
    }
}

#[cfg(test)]
mod tests;
