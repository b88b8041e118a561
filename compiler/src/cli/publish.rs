//! `waygate publish`: put a bundle in the store and move a channel to it.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use waygate_core::bundle::{inspect, verify};
use waygate_runtime_common::store::{BundleStore, ChannelPointer, validate_channel};

use super::inspect::trusted_keys;
use super::store_args::{Next, StoreArgs, block_on, move_channel};
use super::{read, unix_now};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The signed bundle to publish.
    #[arg(long)]
    bundle: PathBuf,
    #[command(flatten)]
    store: StoreArgs,
    /// The channel to point at the bundle, e.g. prod.
    #[arg(long)]
    channel: String,
    /// Check the signature against these trusted keys before publishing (repeatable).
    #[arg(long = "public-key")]
    public_keys: Vec<PathBuf>,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    validate_channel(&args.channel)?;
    let bytes = read(&args.bundle)?;
    let (payload, digest, _) =
        inspect(&bytes).with_context(|| format!("{} is not a bundle", args.bundle.display()))?;
    if !args.public_keys.is_empty() {
        let keys = trusted_keys(&args.public_keys)?;
        verify(&bytes, &keys, unix_now())
            .with_context(|| format!("{} refused", args.bundle.display()))?;
    }
    block_on(async {
        let store = args.store.open().await?;
        let outcome = publish(&store, &args.channel, &bytes, payload.generation).await?;
        report(
            &args.store.store,
            &args.channel,
            &digest.to_string(),
            payload.generation,
            outcome,
        )?;
        Ok(ExitCode::SUCCESS)
    })?
}

/// What [`publish`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Moved { uploaded: bool },
    AlreadyCurrent,
}

/// Uploads `bytes` (skipped when present) and moves `channel` to them, refusing a
/// generation that is not newer than the channel's.
pub(crate) async fn publish(
    store: &impl BundleStore,
    channel: &str,
    bytes: &[u8],
    generation: u64,
) -> anyhow::Result<Outcome> {
    let digest = waygate_core::bundle::Digest::of(bytes).to_string();
    let uploaded = store
        .put_bundle(&digest, bytes)
        .await
        .with_context(|| format!("uploading bundle {digest}"))?;
    let mut already = false;
    let moved = move_channel(store, channel, &mut |now| {
        if let Some(now) = now {
            if now.digest == digest && now.generation == generation {
                already = true;
                return Ok(None);
            }
            if generation <= now.generation {
                bail!(
                    "refusing to publish: channel {channel} is at generation {} (bundle {}), and this bundle's generation {generation} is not newer; compile again (the generation defaults to the current time) or pass a larger --generation",
                    now.generation,
                    now.digest
                );
            }
        }
        Ok(Some(Next {
            pointer: ChannelPointer {
                digest: digest.clone(),
                generation,
                updated: unix_now(),
            },
            upload: None,
        }))
    })
    .await?;
    Ok(match moved {
        Some(_) => Outcome::Moved { uploaded },
        None if already => Outcome::AlreadyCurrent,
        None => bail!("channel {channel} was not moved"),
    })
}

fn report(
    store: &str,
    channel: &str,
    digest: &str,
    generation: u64,
    outcome: Outcome,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match outcome {
        Outcome::Moved { uploaded } => writeln!(
            out,
            "published {digest} (generation {generation}) to {store} channel {channel}{}",
            if uploaded {
                ""
            } else {
                " (bundle was already in the store)"
            }
        ),
        Outcome::AlreadyCurrent => writeln!(
            out,
            "channel {channel} in {store} already points at {digest} (generation {generation}); nothing to do"
        ),
    }?;
    Ok(())
}
