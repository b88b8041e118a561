use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use waygate_core::bundle::{ObjectRef, inspect, verify};
use waygate_core::explain::{ExplainRequest, explain, render_text};
use waygate_core::router::Router;

use super::inspect::trusted_keys;
use super::{Format, read, unix_now};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[arg(long)]
    bundle: PathBuf,
    /// Trusted public key (PEM). Without it the signature is not checked (a warning says so).
    #[arg(long = "public-key")]
    public_keys: Vec<PathBuf>,
    /// The Gateway that receives the request, as NAMESPACE/NAME (default: any).
    #[arg(long)]
    gateway: Option<String>,
    /// Listener port the request arrives on (default: the only one).
    #[arg(long)]
    port: Option<u16>,
    #[arg(long, short = 'X', default_value = "GET")]
    method: String,
    /// Absolute URL; its authority is the Host header as sent.
    #[arg(long)]
    url: String,
    /// Request header as 'Name: value'; repeatable.
    #[arg(short = 'H', long = "header")]
    headers: Vec<String>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

fn parse_gateway(s: &str) -> anyhow::Result<ObjectRef> {
    match s.split_once('/') {
        Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains('/') => {
            Ok(ObjectRef::new(ns, name))
        }
        _ => bail!("--gateway {s:?} must be NAMESPACE/NAME"),
    }
}

fn parse_header(s: &str) -> anyhow::Result<(String, String)> {
    let Some((name, value)) = s.split_once(':') else {
        bail!("header {s:?} must be 'Name: value'");
    };
    let name = name.trim();
    if name.is_empty() {
        bail!("header {s:?} has an empty name");
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let bytes = read(&args.bundle)?;
    let router = if args.public_keys.is_empty() {
        eprintln!(
            "warning: no --public-key given; the bundle's signature is NOT checked (runtimes always check it)"
        );
        let (payload, digest, _) = inspect(&bytes)
            .with_context(|| format!("{} is not a bundle", args.bundle.display()))?;
        Router::from_unverified(payload, digest)?
    } else {
        let keys = trusted_keys(&args.public_keys)?;
        let verified = verify(&bytes, &keys, unix_now())
            .with_context(|| format!("{} refused", args.bundle.display()))?;
        Router::new(&verified)?
    };
    let request = ExplainRequest {
        gateway: args.gateway.as_deref().map(parse_gateway).transpose()?,
        port: args.port,
        method: args.method.clone(),
        url: args.url.clone(),
        headers: args
            .headers
            .iter()
            .map(|h| parse_header(h))
            .collect::<anyhow::Result<_>>()?,
    };
    let explanation = explain(&router, &request)?;
    let mut stdout = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut stdout, &explanation)?;
            writeln!(stdout)?;
        }
        Format::Text => write!(stdout, "{}", render_text(&explanation))?,
    }
    Ok(ExitCode::SUCCESS)
}
