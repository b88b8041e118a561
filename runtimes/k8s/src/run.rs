//! The `waygate serve` process: tracing, the admin listener, the bundle lifecycle (cache,
//! then polling the store) and SIGTERM/SIGINT draining. The CLI parses flags and calls
//! [`serve`]; `waygate dev` calls it too, with a local file store.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use waygate_core::bundle::TrustedKeys;
use waygate_runtime_common::store::BundleSource;

use crate::config::Config;
use crate::reload::{Outcome, Reloader};
use crate::server::Server;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Installs the global tracing subscriber (`RUST_LOG` filters; default `info`). Access-log
/// lines use the `access` target.
pub fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colour codes only for a terminal: log collectors and files get plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    // A second call (tests, `dev` restarts) keeps the first subscriber.
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub config: Config,
    pub admin: SocketAddr,
    pub channel: String,
    pub keys: TrustedKeys,
    pub cache_dir: Option<PathBuf>,
    pub poll_interval: Duration,
}

/// The control runtime: store polling, reloads, the admin listener and signals. Proxied
/// connections run on the server's own worker threads (`Config::workers`).
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
}

/// SIGTERM/SIGINT, registered when created: a signal that arrives while the first poll of
/// a slow or unreachable store is still running must drain, not kill, the process.
struct Termination {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl Termination {
    fn install() -> Self {
        Self {
            #[cfg(unix)]
            term: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok(),
        }
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        if let Some(term) = &mut self.term {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Serves until SIGTERM/SIGINT, then drains within `config.drain_deadline`.
pub async fn serve<S: BundleSource>(source: S, opts: ServeOptions) -> anyhow::Result<()> {
    let mut termination = Termination::install();
    let deadline = opts.config.drain_deadline;
    let server = Server::new(opts.config, HashMap::new())?;
    let admin = crate::listener::bind(opts.admin)
        .with_context(|| format!("cannot bind the admin listener on {}", opts.admin))?;
    tracing::info!(admin = %opts.admin, "admin listening (/healthz, /readyz, /metrics)");
    server.serve_admin(admin);
    let mut reloader = Reloader::new(
        source,
        &opts.channel,
        opts.keys,
        std::sync::Arc::clone(&server),
        opts.cache_dir,
    );
    reloader.start_from_cache();
    let serving = async {
        let first = reloader.poll().await;
        if server.generation().is_none() {
            tracing::warn!(outcome = ?first, "no bundle yet; not ready until one loads");
        }
        if matches!(first, Outcome::Refused) && server.generation().is_none() {
            tracing::error!("the channel's bundle was refused and there is no cached bundle");
        }
        reloader.run(opts.poll_interval).await;
    };
    tokio::select! {
        () = serving => {}
        () = termination.recv() => {
            tracing::info!(deadline_s = deadline.as_secs(), "terminating: draining");
        }
    }
    if !server.shutdown(deadline).await {
        tracing::warn!("drain deadline passed; closing remaining connections");
    }
    Ok(())
}
