//! Argument parsing and dispatch for the `waygate` binary.

mod channels;
mod compile;
#[cfg(feature = "serve")]
mod dev;
mod explain;
mod gc;
mod inspect;
mod keygen;
mod output;
mod publish;
mod rollback;
#[cfg(feature = "serve")]
mod serve;
mod store_args;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "waygate",
    version,
    about = "Gateway API in, signed routing bundles out"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub(crate) enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create an ed25519 key pair (PKCS#8 / SPKI PEM) for signing bundles.
    Keygen(keygen::Args),
    /// Compile Gateway API manifests into a signed bundle.
    Compile(compile::Args),
    /// Check a bundle's signature against trusted public keys.
    Verify(inspect::VerifyArgs),
    /// Show what a bundle contains (signature not checked).
    Inspect(inspect::InspectArgs),
    /// Show what the gateway would do with one request.
    Explain(explain::Args),
    /// Upload a bundle to a store and move a channel to it.
    Publish(publish::Args),
    /// Point a channel back at an older payload, re-signed under a new generation.
    Rollback(rollback::Args),
    /// List a store's channels and what they point at.
    Channels(channels::ChannelsArgs),
    /// List a channel's past pointers, oldest first.
    History(channels::HistoryArgs),
    /// Delete bundles no channel and no recent history entry refers to.
    Gc(gc::Args),
    /// Serve a channel's bundles: the Kubernetes runtime's data plane.
    #[cfg(feature = "serve")]
    Serve(serve::Args),
    /// Compile a directory with a throwaway key, serve it locally, recompile on change.
    #[cfg(feature = "serve")]
    Dev(dev::Args),
    /// A tiny HTTP + WebSocket echo server to try routes against.
    #[cfg(feature = "serve")]
    EchoUpstream(serve::EchoArgs),
}

pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Keygen(args) => keygen::run(&args),
        Command::Compile(args) => compile::run(&args),
        Command::Verify(args) => inspect::verify(&args),
        Command::Inspect(args) => inspect::inspect(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Publish(args) => publish::run(&args),
        Command::Rollback(args) => rollback::run(&args),
        Command::Channels(args) => channels::channels(&args),
        Command::History(args) => channels::history(&args),
        Command::Gc(args) => gc::run(&args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::run(&args),
        #[cfg(feature = "serve")]
        Command::Dev(args) => dev::run(&args),
        #[cfg(feature = "serve")]
        Command::EchoUpstream(args) => serve::echo(&args),
    }
}

/// Reads a file, naming it in the error.
pub(crate) fn read(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))
}

/// Current Unix time in seconds: the one clock read, kept in the binary (core takes `now`).
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
