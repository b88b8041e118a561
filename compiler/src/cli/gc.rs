//! `waygate gc`: delete bundles nothing refers to any more.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use waygate_runtime_common::store::BundleStore;

use super::store_args::{StoreArgs, block_on, current};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    store: StoreArgs,
    /// Keep the bundles of the last N history entries of every channel (rollback targets).
    #[arg(long, default_value_t = 10)]
    keep: usize,
    /// Only print what would be deleted.
    #[arg(long)]
    dry_run: bool,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    block_on(async {
        let store = args.store.open().await?;
        let doomed = unreferenced(&store, args.keep).await?;
        let mut out = std::io::stdout().lock();
        for digest in &doomed {
            if args.dry_run {
                writeln!(out, "would delete {digest}")?;
            } else {
                store
                    .delete_bundle(digest)
                    .await
                    .with_context(|| format!("deleting bundle {digest}"))?;
                writeln!(out, "deleted {digest}")?;
            }
        }
        writeln!(
            out,
            "{} {} bundle(s)",
            if args.dry_run {
                "would delete"
            } else {
                "deleted"
            },
            doomed.len()
        )?;
        Ok(ExitCode::SUCCESS)
    })?
}

/// Bundles that no channel points at and none of the last `keep` history entries of any
/// channel names. Run it when no publish is in flight: a bundle uploaded a moment before
/// its channel moves is unreferenced in between.
pub(crate) async fn unreferenced(
    store: &impl BundleStore,
    keep: usize,
) -> anyhow::Result<Vec<String>> {
    let mut live = BTreeSet::new();
    for channel in store.list_channels().await.context("listing channels")? {
        if let Some((pointer, _)) = current(store, &channel).await? {
            live.insert(pointer.digest);
        }
        let history = store
            .history(&channel)
            .await
            .with_context(|| format!("reading the history of channel {channel}"))?;
        let skip = history.len().saturating_sub(keep);
        live.extend(history.into_iter().skip(skip).map(|p| p.digest));
    }
    Ok(store
        .list_bundles()
        .await
        .context("listing bundles")?
        .into_iter()
        .filter(|d| !live.contains(d))
        .collect())
}
