use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use waygate_core::bundle::PrivateKey;

use super::output::Staged;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Where to write the private key (PKCS#8 PEM, mode 0600). Keep it in a CI secret.
    #[arg(long)]
    private: PathBuf,
    /// Where to write the public key (SPKI PEM) that runtimes trust.
    #[arg(long)]
    public: PathBuf,
    /// Overwrite existing key files.
    #[arg(long)]
    force: bool,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    for path in [&args.private, &args.public] {
        if path.exists() && !args.force {
            bail!(
                "{} already exists; pass --force to replace it",
                path.display()
            );
        }
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    let key = PrivateKey::from_seed(&seed);
    let mut out = Staged::new();
    out.add(&args.private, key.to_pem()?.as_bytes(), 0o600)?;
    out.add(&args.public, key.public_key().to_pem()?.as_bytes(), 0o644)?;
    out.commit().context("writing keys")?;
    eprintln!("key id {}", key.key_id());
    Ok(ExitCode::SUCCESS)
}
