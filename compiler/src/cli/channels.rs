//! `waygate channels` and `waygate history`: what a store holds.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use waygate_runtime_common::store::{BundleStore, validate_channel};

use super::Format;
use super::store_args::{StoreArgs, block_on, current};

#[derive(Debug, clap::Args)]
pub(crate) struct ChannelsArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub(crate) struct HistoryArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[arg(long)]
    channel: String,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub(crate) fn channels(args: &ChannelsArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let store = args.store.open().await?;
        let mut rows = Vec::new();
        for name in store.list_channels().await.context("listing channels")? {
            if let Some((pointer, _)) = current(&store, &name).await? {
                rows.push((name, pointer));
            }
        }
        let mut out = std::io::stdout().lock();
        match args.format {
            super::Format::Json => {
                let value: Vec<_> = rows
                    .iter()
                    .map(|(name, p)| {
                        serde_json::json!({"channel": name, "digest": p.digest,
                            "generation": p.generation, "updated": p.updated})
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut out, &value)?;
                writeln!(out)?;
            }
            super::Format::Text => {
                for (name, p) in &rows {
                    writeln!(
                        out,
                        "{name}\tgeneration {}\t{}\tupdated {}",
                        p.generation, p.digest, p.updated
                    )?;
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })?
}

pub(crate) fn history(args: &HistoryArgs) -> anyhow::Result<ExitCode> {
    validate_channel(&args.channel)?;
    block_on(async {
        let store = args.store.open().await?;
        let entries = store
            .history(&args.channel)
            .await
            .with_context(|| format!("reading the history of channel {}", args.channel))?;
        let now = current(&store, &args.channel).await?.map(|(p, _)| p);
        let mut out = std::io::stdout().lock();
        match args.format {
            super::Format::Json => {
                serde_json::to_writer_pretty(&mut out, &entries)?;
                writeln!(out)?;
            }
            super::Format::Text => {
                for p in &entries {
                    let mark = if now.as_ref() == Some(p) {
                        " (current)"
                    } else {
                        ""
                    };
                    writeln!(
                        out,
                        "generation {}\t{}\tupdated {}{mark}",
                        p.generation, p.digest, p.updated
                    )?;
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })?
}
