use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use waygate_compiler::{CompileOptions, compile, load_paths};
use waygate_core::bundle::{PrivateKey, TrustedKeys, sign, verify};
use waygate_core::router::Router;

use super::output::Staged;
use super::{read, unix_now};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Files or directories of multi-document YAML.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Private signing key (PEM); repeat to sign with several keys during a rotation.
    #[arg(long = "key", required = true)]
    keys: Vec<PathBuf>,
    /// Where to write the signed bundle.
    #[arg(long)]
    out: PathBuf,
    /// Also write Gateway API status for every Gateway and route as JSON.
    #[arg(long)]
    status: Option<PathBuf>,
    /// Also write the host/path prefixes pinned to Kubernetes as JSON (for terraform).
    #[arg(long)]
    placement: Option<PathBuf>,
    /// Compile the Gateways of this GatewayClass.
    #[arg(long, default_value = "waygate")]
    gateway_class: String,
    /// Bundle generation; must grow with every publish. Defaults to the creation time.
    #[arg(long)]
    generation: Option<u64>,
    /// Creation time in Unix seconds. Defaults to SOURCE_DATE_EPOCH, else now; fixing it
    /// makes the output byte-for-byte reproducible.
    #[arg(long, env = "SOURCE_DATE_EPOCH")]
    created: Option<u64>,
    /// Seconds after creation at which runtimes stop accepting the bundle.
    #[arg(long)]
    expires_in: Option<u64>,
    /// Origin edge runtimes redirect Kubernetes-pinned routes to, e.g. https://k8s.example.com.
    #[arg(long)]
    kubernetes_origin: Option<String>,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let keys = args
        .keys
        .iter()
        .map(|path| {
            let pem = String::from_utf8(read(path)?)
                .with_context(|| format!("{} is not text", path.display()))?;
            PrivateKey::from_pem(&pem).with_context(|| format!("{}", path.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    if let Some(origin) = &args.kubernetes_origin {
        let uri: http::Uri = origin
            .parse()
            .with_context(|| format!("--kubernetes-origin {origin:?} is not a URL"))?;
        anyhow::ensure!(
            matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some(),
            "--kubernetes-origin {origin:?} must be an absolute http(s) URL"
        );
    }
    let created = args.created.unwrap_or_else(unix_now);
    let options = CompileOptions {
        gateway_class: args.gateway_class.clone(),
        generation: args.generation.unwrap_or(created),
        created,
        expires: args.expires_in.map(|s| created.saturating_add(s)),
        kubernetes_origin: args.kubernetes_origin.clone(),
    };
    let sources = load_paths(&args.paths)?;
    let compiled = compile(&sources, &options)?;
    for note in &compiled.notes {
        eprintln!("note: {note}");
    }

    let key_refs: Vec<&PrivateKey> = keys.iter().collect();
    let bundle = sign(&compiled.payload, &key_refs)?;
    // Load what we are about to publish exactly as a runtime would, so a bundle that a
    // runtime would refuse never leaves the compiler.
    let trusted = TrustedKeys::new(keys.iter().map(PrivateKey::public_key).collect());
    let verified = verify(&bundle, &trusted, created).context("self-check of the new bundle")?;
    let router = Router::new(&verified).context("self-check of the new bundle")?;

    let mut out = Staged::new();
    out.add(&args.out, &bundle, 0o644)?;
    if let Some(path) = &args.status {
        let mut json = serde_json::to_vec_pretty(&compiled.status)?;
        json.push(b'\n');
        out.add(path, &json, 0o644)?;
    }
    if let Some(path) = &args.placement {
        let mut json = serde_json::to_vec_pretty(&compiled.placement)?;
        json.push(b'\n');
        out.add(path, &json, 0o644)?;
    }
    out.commit()?;

    let payload = &compiled.payload;
    eprintln!(
        "compiled {} gateway(s), {} route(s) into {} (generation {}, sha256 {})",
        payload.gateways.len(),
        payload.routes.len(),
        args.out.display(),
        router.generation(),
        router.digest(),
    );
    Ok(ExitCode::SUCCESS)
}
