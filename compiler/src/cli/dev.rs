//! `waygate dev DIR`: compile DIR with a throwaway key into a local file store, serve it,
//! and recompile when a file changes. A bad edit prints the file, document and field while
//! the last good configuration keeps serving.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use waygate_compiler::{CompileOptions, compile, load_paths};
use waygate_core::bundle::{Digest, PrivateKey, TrustedKeys, sign};
use waygate_k8s::run::ServeOptions;
use waygate_runtime_common::file_store::FileStore;
use waygate_runtime_common::store::{
    BundleSource as _, BundleStore as _, ChannelPointer, Fetched, Precondition,
};

use super::serve::{ListenArgs, echo_all};
use super::unix_now;

const CHANNEL: &str = "dev";
/// How often DIR is checked for changes, and the served channel polled.
const TICK: Duration = Duration::from_millis(500);

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Directory (or file) of Gateway API YAML.
    dir: PathBuf,
    #[command(flatten)]
    listen: ListenArgs,
    /// Also run an echo upstream (HTTP + WebSocket) on this address; repeatable. The
    /// quickstart's EndpointSlices point at 127.0.0.1:9090 and 127.0.0.1:9091.
    #[arg(long)]
    echo: Vec<SocketAddr>,
    /// Compile the Gateways of this GatewayClass.
    #[arg(long, default_value = "waygate")]
    gateway_class: String,
}

/// Every YAML file's modification time and size: a change in any means recompile.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (SystemTime, u64)> {
    fn walk(p: &Path, out: &mut BTreeMap<PathBuf, (SystemTime, u64)>) {
        let Ok(meta) = std::fs::metadata(p) else {
            return;
        };
        if meta.is_dir() {
            if let Ok(entries) = std::fs::read_dir(p) {
                for e in entries.flatten() {
                    walk(&e.path(), out);
                }
            }
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.insert(
                p.to_owned(),
                (
                    meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                    meta.len(),
                ),
            );
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, &mut out);
    out
}

struct Dev {
    dir: PathBuf,
    key: PrivateKey,
    store: FileStore,
    gateway_class: String,
    generation: u64,
}

impl Dev {
    /// Compiles and publishes the next generation; on error prints it and publishes nothing.
    async fn publish(&mut self) -> bool {
        let next = self.generation + 1;
        let bytes = match self.compile(next) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {e:#}");
                if self.generation > 0 {
                    eprintln!(
                        "waygate dev: keeping the last good configuration (generation {})",
                        self.generation
                    );
                }
                return false;
            }
        };
        let digest = Digest::of(&bytes).to_string();
        let result = async {
            self.store.put_bundle(&digest, &bytes).await?;
            let precondition = match self.store.channel(CHANNEL, None).await {
                Ok(Fetched::Fresh { etag, .. }) => Precondition::Matches(etag),
                _ => Precondition::Absent,
            };
            let pointer = ChannelPointer {
                digest: digest.clone(),
                generation: next,
                updated: unix_now(),
            };
            self.store
                .put_channel(CHANNEL, &pointer, &precondition)
                .await
        }
        .await;
        match result {
            Ok(_) => {
                self.generation = next;
                eprintln!(
                    "waygate dev: compiled {} (generation {next})",
                    self.dir.display()
                );
                true
            }
            Err(e) => {
                eprintln!("error: publishing to the local store: {e}");
                false
            }
        }
    }

    fn compile(&self, generation: u64) -> anyhow::Result<Vec<u8>> {
        let sources = load_paths(std::slice::from_ref(&self.dir))?;
        let options = CompileOptions {
            gateway_class: self.gateway_class.clone(),
            generation,
            created: unix_now(),
            expires: None,
            kubernetes_origin: None,
        };
        let compiled = compile(&sources, &options)?;
        for note in &compiled.notes {
            eprintln!("note: {note}");
        }
        Ok(sign(&compiled.payload, &[&self.key])?)
    }

    /// Recompiles whenever DIR changes, forever.
    async fn watch(mut self) {
        let mut seen = snapshot(&self.dir);
        loop {
            tokio::time::sleep(TICK).await;
            let now = snapshot(&self.dir);
            if now != seen {
                seen = now;
                self.publish().await;
            }
        }
    }
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    waygate_k8s::run::init_tracing(args.listen.log_format.into());
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    let key = PrivateKey::from_seed(&seed);
    let root = std::env::temp_dir().join(format!("waygate-dev-{}", std::process::id()));
    std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
    let mut config = args.listen.config()?;
    // A dev server restarts often: do not make the user wait for long drains.
    config.drain_deadline = config.drain_deadline.min(Duration::from_secs(2));
    let opts = ServeOptions {
        config,
        admin: args.listen.admin,
        channel: CHANNEL.into(),
        keys: TrustedKeys::new(vec![key.public_key()]),
        cache_dir: None,
        poll_interval: TICK,
    };
    let mut dev = Dev {
        dir: args.dir.clone(),
        key,
        store: FileStore::new(&root),
        gateway_class: args.gateway_class.clone(),
        generation: 0,
    };
    let runtime = waygate_k8s::run::runtime().context("starting the async runtime")?;
    let result = runtime.block_on(async {
        dev.publish().await;
        let store = dev.store.clone();
        tokio::select! {
            r = waygate_k8s::run::serve(store, opts) => r,
            () = dev.watch() => Ok(()),
            r = echo_all(&args.echo), if !args.echo.is_empty() => r,
        }
    });
    let _ = std::fs::remove_dir_all(&root);
    result?;
    Ok(ExitCode::SUCCESS)
}
