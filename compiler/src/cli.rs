//! Argument parsing and dispatch for the `waygate` binary.

mod compile;
mod explain;
mod inspect;
mod keygen;
mod output;

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
}

pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Keygen(args) => keygen::run(&args),
        Command::Compile(args) => compile::run(&args),
        Command::Verify(args) => inspect::verify(&args),
        Command::Inspect(args) => inspect::inspect(&args),
        Command::Explain(args) => explain::run(&args),
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
