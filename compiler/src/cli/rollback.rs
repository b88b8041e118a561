//! `waygate rollback`: point a channel back at an older payload, re-signed under a new
//! generation so runtimes (which refuse older generations) take it.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use waygate_core::bundle::{Digest, PrivateKey, inspect, sign};
use waygate_runtime_common::store::{
    BundleStore, ChannelPointer, validate_channel, validate_digest,
};

use super::store_args::{Next, StoreArgs, block_on, current, move_channel};
use super::{read, unix_now};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    store: StoreArgs,
    #[arg(long)]
    channel: String,
    /// Roll back to this bundle digest (from `waygate history`).
    #[arg(long, conflicts_with = "steps")]
    to: Option<String>,
    /// Go back this many history entries (default 1: the publish before the current one).
    #[arg(long)]
    steps: Option<usize>,
    /// Private signing key (PEM); repeat to sign with several keys during a rotation.
    #[arg(long = "key", required = true)]
    keys: Vec<PathBuf>,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    validate_channel(&args.channel)?;
    let keys = args
        .keys
        .iter()
        .map(|path| {
            let pem = String::from_utf8(read(path)?)
                .with_context(|| format!("{} is not text", path.display()))?;
            PrivateKey::from_pem(&pem).with_context(|| format!("{}", path.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let key_refs: Vec<&PrivateKey> = keys.iter().collect();
    block_on(async {
        let store = args.store.open().await?;
        let target = pick(&store, args).await?;
        let pointer = rollback(&store, &args.channel, &target, &key_refs).await?;
        writeln!(
            std::io::stdout().lock(),
            "rolled channel {} back to the payload of {target}: re-signed as {} (generation {})",
            args.channel,
            pointer.digest,
            pointer.generation
        )?;
        Ok(ExitCode::SUCCESS)
    })?
}

/// The digest to roll back to: `--to`, or the history entry `--steps` before the current one.
async fn pick(store: &impl BundleStore, args: &Args) -> anyhow::Result<String> {
    let channel = &args.channel;
    let Some((now, _)) = current(store, channel).await? else {
        bail!(
            "channel {channel} does not exist in {}; nothing to roll back",
            args.store.store
        );
    };
    if let Some(to) = &args.to {
        validate_digest(to)?;
        if *to == now.digest {
            bail!("channel {channel} already points at {to}");
        }
        return Ok(to.clone());
    }
    let steps = args.steps.unwrap_or(1);
    let history = store
        .history(channel)
        .await
        .with_context(|| format!("reading the history of channel {channel}"))?;
    let position = history
        .iter()
        .rposition(|p| p.generation == now.generation)
        .unwrap_or(history.len());
    let Some(index) = position.checked_sub(steps) else {
        bail!(
            "channel {channel} has only {position} earlier history entr{} (asked to go back {steps})",
            if position == 1 { "y" } else { "ies" }
        );
    };
    Ok(history[index].digest.clone())
}

/// Re-signs the payload of bundle `target` with generation `max(now, current + 1)` and moves
/// the channel to it (compare-and-swap, re-signing after a lost race).
pub(crate) async fn rollback(
    store: &impl BundleStore,
    channel: &str,
    target: &str,
    keys: &[&PrivateKey],
) -> anyhow::Result<ChannelPointer> {
    let old = store
        .bundle(target)
        .await
        .with_context(|| format!("reading bundle {target}"))?;
    if Digest::of(&old).to_string() != target {
        bail!(
            "bundle {target} in the store does not hash to its name: it was altered; refusing to re-sign it"
        );
    }
    let (payload, _, _) =
        inspect(&old).with_context(|| format!("bundle {target} is not readable"))?;
    let moved = move_channel(store, channel, &mut |now| {
        let mut p = payload.clone();
        p.generation = unix_now().max(now.map_or(0, |c| c.generation + 1));
        let bytes = sign(&p, keys)?;
        Ok(Some(Next {
            pointer: ChannelPointer {
                digest: Digest::of(&bytes).to_string(),
                generation: p.generation,
                updated: unix_now(),
            },
            upload: Some(bytes),
        }))
    })
    .await?;
    moved.context("the rollback was not applied")
}
