use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use waygate_core::bundle::{
    Payload, StreamKind, TrustedKeys, inspect as read_bundle, verify as check,
};

use super::{Format, read, unix_now};

#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    #[arg(long)]
    bundle: PathBuf,
    /// Trusted public key (PEM); repeat for several keys.
    #[arg(long = "public-key", required = true)]
    public_keys: Vec<PathBuf>,
    /// Check the expiry against this Unix time instead of now.
    #[arg(long)]
    now: Option<u64>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct InspectArgs {
    #[arg(long)]
    bundle: PathBuf,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub(crate) fn trusted_keys(paths: &[PathBuf]) -> anyhow::Result<TrustedKeys> {
    let mut keys = Vec::new();
    for path in paths {
        let text = String::from_utf8(read(path)?)
            .with_context(|| format!("{} is not text", path.display()))?;
        let parsed = TrustedKeys::parse(&text).with_context(|| format!("{}", path.display()))?;
        keys.extend(parsed.iter().cloned());
    }
    Ok(TrustedKeys::new(keys))
}

pub(crate) fn verify(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let keys = trusted_keys(&args.public_keys)?;
    let bytes = read(&args.bundle)?;
    let verified = check(&bytes, &keys, args.now.unwrap_or_else(unix_now))
        .with_context(|| format!("{} refused", args.bundle.display()))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "OK {}: sha256 {}, generation {}, signed by key {}",
        args.bundle.display(),
        verified.digest(),
        verified.generation(),
        verified.key_id()
    )?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn inspect(args: &InspectArgs) -> anyhow::Result<ExitCode> {
    let bytes = read(&args.bundle)?;
    let (payload, digest, key_ids) = read_bundle(&bytes)
        .with_context(|| format!("{} is not a bundle", args.bundle.display()))?;
    let mut stdout = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            let value = serde_json::json!({
                "digest": digest.to_string(),
                "signatures": key_ids,
                "payload": payload,
            });
            serde_json::to_writer_pretty(&mut stdout, &value)?;
            writeln!(stdout)?;
        }
        Format::Text => {
            write!(
                stdout,
                "{}",
                summary(&payload, &digest.to_string(), &key_ids)
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn summary(payload: &Payload, digest: &str, key_ids: &[String]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "digest      sha256 {digest} (signature not checked; use `waygate verify`)"
    );
    let _ = writeln!(s, "signed by   {}", key_ids.join(", "));
    let _ = writeln!(s, "schema      {}", payload.schema_version);
    let _ = writeln!(s, "generation  {}", payload.generation);
    let _ = writeln!(s, "created     {}", payload.created);
    if let Some(expires) = payload.expires {
        let _ = writeln!(s, "expires     {expires}");
    }
    if let Some(origin) = &payload.kubernetes_origin {
        let _ = writeln!(s, "k8s origin  {origin}");
    }
    for gw in &payload.gateways {
        let _ = writeln!(s, "gateway {}/{}", gw.namespace, gw.name);
        for l in &gw.listeners {
            let host = l.hostname.as_ref().map_or("*", |h| h.as_str());
            let _ = writeln!(
                s,
                "  listener {} {:?} :{} host {host}: {} http match(es), {} stream route(s)",
                l.name,
                l.protocol,
                l.port,
                l.http.len(),
                l.streams.len()
            );
            for st in &l.streams {
                let kind = match st.kind {
                    StreamKind::Tcp => "TCPRoute",
                    StreamKind::Tls => "TLSRoute",
                };
                let _ = writeln!(s, "    {kind} {}/{}", st.namespace, st.name);
            }
        }
    }
    for route in &payload.routes {
        let _ = writeln!(
            s,
            "route {:?} {}/{} ({} rule(s), placement {:?})",
            route.kind,
            route.namespace,
            route.name,
            route.rules.len(),
            route.placement
        );
    }
    s
}
