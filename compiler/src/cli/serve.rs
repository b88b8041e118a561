//! `waygate serve`: the Kubernetes runtime's data plane on a channel of a store, and
//! `waygate echo-upstream`, a toy upstream for local tries.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::ValueEnum;
use waygate_core::bundle::ObjectRef;
use waygate_k8s::Config;
use waygate_k8s::run::{LogFormat, ServeOptions};

use super::inspect::trusted_keys;
use super::store_args::StoreArgs;

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub(crate) enum LogFormatArg {
    #[default]
    Text,
    Json,
}

impl From<LogFormatArg> for LogFormat {
    fn from(f: LogFormatArg) -> Self {
        match f {
            LogFormatArg::Text => Self::Text,
            LogFormatArg::Json => Self::Json,
        }
    }
}

/// Flags `serve` and `dev` share.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ListenArgs {
    /// Address every Gateway listener port binds on.
    #[arg(long, default_value = "0.0.0.0")]
    pub(crate) listen_host: IpAddr,
    /// Admin listener: /healthz, /readyz, /metrics.
    #[arg(long, default_value = "127.0.0.1:9901")]
    pub(crate) admin: SocketAddr,
    /// Listener certificates: DIR/<namespace>/<name>/tls.crt and tls.key.
    #[arg(long)]
    pub(crate) secrets_dir: Option<PathBuf>,
    /// Serve only this Gateway (NAMESPACE/NAME); default: every Gateway in the bundle.
    #[arg(long)]
    pub(crate) gateway: Option<String>,
    /// Seconds SIGTERM waits for in-flight requests.
    #[arg(long, default_value_t = 30)]
    pub(crate) drain_seconds: u64,
    #[arg(long, value_enum, default_value_t)]
    pub(crate) log_format: LogFormatArg,
    /// Seconds an HTTP/1 client may take to send a request head, and may stay idle between
    /// requests on a keep-alive connection; HTTP/2 peers are pinged at this interval.
    #[arg(long, default_value_t = 60)]
    pub(crate) client_header_seconds: u64,
    /// Extra PEM CA certificates trusted for `https` backends (the Mozilla roots are always
    /// trusted).
    #[arg(long)]
    pub(crate) upstream_ca: Option<PathBuf>,
    /// Data-plane threads; default: the CPUs this process may use (cgroup quota included).
    #[arg(long)]
    pub(crate) workers: Option<usize>,
}

impl ListenArgs {
    pub(crate) fn config(&self) -> anyhow::Result<Config> {
        let gateway = self
            .gateway
            .as_deref()
            .map(|g| {
                g.split_once('/')
                    .map(|(ns, name)| ObjectRef::new(ns, name))
                    .with_context(|| format!("--gateway {g:?} must be NAMESPACE/NAME"))
            })
            .transpose()?;
        let defaults = Config::default();
        if self.workers == Some(0) {
            anyhow::bail!("--workers must be at least 1");
        }
        Ok(Config {
            workers: self.workers.unwrap_or(defaults.workers),
            upstream_ca: self.upstream_ca.clone(),
            client_header_timeout: Duration::from_secs(self.client_header_seconds.max(1)),
            listen_host: self.listen_host,
            secrets_dir: self.secrets_dir.clone(),
            gateway,
            drain_deadline: Duration::from_secs(self.drain_seconds),
            ..defaults
        })
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    store: StoreArgs,
    /// The channel to serve.
    #[arg(long)]
    channel: String,
    /// Trusted public key(s) (PEM); repeat during a key rotation.
    #[arg(long = "public-key", required = true)]
    public_keys: Vec<PathBuf>,
    #[command(flatten)]
    listen: ListenArgs,
    /// Keep the last good bundle here and start from it when the store is down.
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Seconds between polls of the channel.
    #[arg(long, default_value_t = 5)]
    poll_interval: u64,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    waygate_k8s::run::init_tracing(args.listen.log_format.into());
    let keys = trusted_keys(&args.public_keys)?;
    let opts = ServeOptions {
        config: args.listen.config()?,
        admin: args.listen.admin,
        channel: args.channel.clone(),
        keys,
        cache_dir: args.cache_dir.clone(),
        poll_interval: Duration::from_secs(args.poll_interval.max(1)),
    };
    let runtime = waygate_k8s::run::runtime().context("starting the async runtime")?;
    runtime.block_on(async {
        let store = args.store.open().await?;
        waygate_k8s::run::serve(store, opts).await
    })?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, clap::Args)]
pub(crate) struct EchoArgs {
    /// Address to listen on; repeat for several upstreams.
    #[arg(long, required = true)]
    listen: Vec<SocketAddr>,
}

pub(crate) fn echo(args: &EchoArgs) -> anyhow::Result<ExitCode> {
    waygate_k8s::run::init_tracing(LogFormat::Text);
    let runtime = waygate_k8s::run::runtime().context("starting the async runtime")?;
    runtime.block_on(echo_all(&args.listen))?;
    Ok(ExitCode::SUCCESS)
}

/// Runs an echo upstream on every address until one fails.
pub(crate) async fn echo_all(addrs: &[SocketAddr]) -> anyhow::Result<()> {
    let mut tasks = tokio::task::JoinSet::new();
    for &addr in addrs {
        tasks.spawn(async move {
            waygate_k8s::echo_upstream::serve(addr)
                .await
                .with_context(|| format!("echo upstream on {addr}"))
        });
    }
    match tasks.join_next().await {
        Some(r) => r?,
        None => Ok(()),
    }
}
