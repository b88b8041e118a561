//! What every store subcommand shares: the `--store` URI and S3 flags, the store they open,
//! the async runtime they run on, and moving a channel with compare-and-swap.

use std::time::Duration;

use anyhow::{Context as _, bail};
use waygate_runtime_common::StoreUri;
use waygate_runtime_common::file_store::FileStore;
use waygate_runtime_common::s3_store::{S3Options, S3Store};
use waygate_runtime_common::store::{
    BundleSource, BundleStore, ChannelPointer, ETag, Fetched, Precondition, StoreError,
};

#[derive(Debug, Clone, clap::Args)]
pub(crate) struct StoreArgs {
    /// Where bundles and channels live: file:///dir or s3://bucket/prefix.
    #[arg(long, env = "WAYGATE_STORE")]
    pub(crate) store: String,
    /// S3-compatible endpoint (MinIO, R2, Ceph, moto); overrides AWS_ENDPOINT_URL.
    #[arg(long, value_name = "URL")]
    pub(crate) s3_endpoint: Option<String>,
    /// Address buckets as endpoint/bucket (automatic for IP and localhost endpoints).
    #[arg(long)]
    pub(crate) s3_path_style: bool,
}

/// How many times a channel write is retried after losing a race.
const CAS_ATTEMPTS: u32 = 50;

/// Runs one store command to completion on a small runtime (the SDK needs tokio; nothing
/// else in the binary does).
pub(crate) fn block_on<F: Future>(future: F) -> anyhow::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    Ok(runtime.block_on(future))
}

/// The store named by `--store`.
#[derive(Debug)]
pub(crate) enum AnyStore {
    File(FileStore),
    S3(Box<S3Store>),
}

impl StoreArgs {
    pub(crate) fn uri(&self) -> anyhow::Result<StoreUri> {
        Ok(StoreUri::parse(&self.store)?)
    }

    pub(crate) async fn open(&self) -> anyhow::Result<AnyStore> {
        Ok(match self.uri()? {
            StoreUri::File { root } => AnyStore::File(FileStore::new(root)),
            StoreUri::S3 { bucket, prefix } => {
                let options = S3Options {
                    endpoint: self.s3_endpoint.clone(),
                    path_style: self.s3_path_style.then_some(true),
                    ..S3Options::default()
                };
                AnyStore::S3(Box::new(S3Store::connect(&bucket, &prefix, &options).await))
            }
        })
    }
}

macro_rules! each {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            AnyStore::File($s) => $e,
            AnyStore::S3($s) => $e,
        }
    };
}

impl BundleSource for AnyStore {
    async fn channel(
        &self,
        channel: &str,
        if_none_match: Option<&ETag>,
    ) -> Result<Fetched<ChannelPointer>, StoreError> {
        each!(self, s => s.channel(channel, if_none_match).await)
    }

    async fn bundle(&self, digest: &str) -> Result<Vec<u8>, StoreError> {
        each!(self, s => s.bundle(digest).await)
    }
}

impl BundleStore for AnyStore {
    async fn put_bundle(&self, digest: &str, bytes: &[u8]) -> Result<bool, StoreError> {
        each!(self, s => s.put_bundle(digest, bytes).await)
    }

    async fn put_channel(
        &self,
        channel: &str,
        pointer: &ChannelPointer,
        precondition: &Precondition,
    ) -> Result<ETag, StoreError> {
        each!(self, s => s.put_channel(channel, pointer, precondition).await)
    }

    async fn put_history(&self, channel: &str, pointer: &ChannelPointer) -> Result<(), StoreError> {
        each!(self, s => s.put_history(channel, pointer).await)
    }

    async fn list_channels(&self) -> Result<Vec<String>, StoreError> {
        each!(self, s => s.list_channels().await)
    }

    async fn history(&self, channel: &str) -> Result<Vec<ChannelPointer>, StoreError> {
        each!(self, s => s.history(channel).await)
    }

    async fn list_bundles(&self) -> Result<Vec<String>, StoreError> {
        each!(self, s => s.list_bundles().await)
    }

    async fn delete_bundle(&self, digest: &str) -> Result<(), StoreError> {
        each!(self, s => s.delete_bundle(digest).await)
    }
}

/// A channel's pointer and ETag, or `None` when the channel does not exist yet.
pub(crate) async fn current(
    store: &impl BundleSource,
    channel: &str,
) -> anyhow::Result<Option<(ChannelPointer, ETag)>> {
    match store.channel(channel, None).await {
        Ok(Fetched::Fresh { value, etag }) => Ok(Some((value, etag))),
        Ok(Fetched::NotModified) => bail!("the store answered an unconditional read with 304"),
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading channel {channel}")),
    }
}

/// What a channel move writes: the new pointer and, when the bundle it names is made for
/// this attempt (a rollback re-signs under a generation chosen from the channel), its bytes.
pub(crate) struct Next {
    pub(crate) pointer: ChannelPointer,
    pub(crate) upload: Option<Vec<u8>>,
}

/// Decides the next pointer from the channel as it is now; `Ok(None)` means nothing to do
/// and `Err` refuses the move.
pub(crate) type Plan<'a> = dyn FnMut(Option<&ChannelPointer>) -> anyhow::Result<Option<Next>> + 'a;

/// Moves `channel` with compare-and-swap: re-reads and re-plans after every lost race, so
/// no concurrent publish is ever overwritten. `plan` returning `None` means nothing to do.
/// Records the new pointer in the channel's history.
pub(crate) async fn move_channel(
    store: &impl BundleStore,
    channel: &str,
    plan: &mut Plan<'_>,
) -> anyhow::Result<Option<ChannelPointer>> {
    let mut pause = Duration::from_millis(20);
    for _ in 0..CAS_ATTEMPTS {
        let now = current(store, channel).await?;
        let Some(Next {
            pointer: next,
            upload,
        }) = plan(now.as_ref().map(|(p, _)| p))?
        else {
            return Ok(None);
        };
        // The bundle is in the store before any pointer names it.
        if let Some(bytes) = upload {
            store
                .put_bundle(&next.digest, &bytes)
                .await
                .with_context(|| format!("uploading bundle {}", next.digest))?;
        }
        let precondition = match now {
            Some((_, etag)) => Precondition::Matches(etag),
            None => Precondition::Absent,
        };
        match store.put_channel(channel, &next, &precondition).await {
            Ok(_) => {
                store
                    .put_history(channel, &next)
                    .await
                    .with_context(|| format!("recording history of channel {channel}"))?;
                return Ok(Some(next));
            }
            Err(StoreError::PreconditionFailed { .. }) => {
                tokio::time::sleep(pause + jitter()).await;
                pause = (pause * 2).min(Duration::from_millis(500));
            }
            Err(e) => return Err(e).with_context(|| format!("writing channel {channel}")),
        }
    }
    bail!("channel {channel} kept changing under {CAS_ATTEMPTS} attempts to update it; retry")
}

/// Spreads retrying publishers apart so they do not collide again in lockstep.
fn jitter() -> Duration {
    let mut b = [0u8; 2];
    let _ = getrandom::fill(&mut b);
    Duration::from_millis(u64::from(u16::from_le_bytes(b) % 50))
}
