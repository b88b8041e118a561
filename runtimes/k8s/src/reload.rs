//! Bundle lifecycle: start from the disk cache when there is one, then poll the store's
//! channel. A newer verified bundle is swapped in; an older one, a bad signature, a tampered
//! object or an unreachable store is logged and counted while the running bundle keeps
//! serving. Every installed bundle is written to `--cache-dir` for the next start.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use waygate_core::bundle::{BundleError, TrustedKeys, verify};
use waygate_runtime_common::store::BundleSource;
use waygate_runtime_common::{LoadError, Loader};

use crate::server::Server;

const CACHE_FILE: &str = "bundle.json";

/// What one poll did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Unchanged,
    Installed(u64),
    /// Refused: older generation, bad signature or tampered bytes. The running bundle stays.
    Refused,
    /// The store could not be read. The running bundle stays.
    Unreachable,
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Polls one channel into one server.
#[derive(Debug)]
pub struct Reloader<S> {
    loader: Loader<S>,
    server: Arc<Server>,
    keys: TrustedKeys,
    cache_dir: Option<PathBuf>,
}

impl<S: BundleSource> Reloader<S> {
    pub fn new(
        source: S,
        channel: &str,
        keys: TrustedKeys,
        server: Arc<Server>,
        cache_dir: Option<PathBuf>,
    ) -> Self {
        Self {
            loader: Loader::new(source, channel, keys.clone()),
            server,
            keys,
            cache_dir,
        }
    }

    /// Installs the cached bundle, if one verifies, so the server can serve while the store
    /// is down. Returns its generation.
    pub fn start_from_cache(&mut self) -> Option<u64> {
        let path = self.cache_dir.as_ref()?.join(CACHE_FILE);
        let bytes = std::fs::read(&path).ok()?;
        let bundle = match verify(&bytes, &self.keys, unix_now()) {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cached bundle refused");
                return None;
            }
        };
        if let Err(e) = self.server.install(&bundle) {
            tracing::warn!(error = %e, "cached bundle could not be installed");
            return None;
        }
        self.loader.set_running(bundle.generation());
        tracing::info!(
            generation = bundle.generation(),
            "serving the cached bundle"
        );
        Some(bundle.generation())
    }

    /// One poll of the channel.
    pub async fn poll(&mut self) -> Outcome {
        let metrics = &self.server.shared().metrics;
        match self.loader.poll(unix_now()).await {
            Ok(None) => Outcome::Unchanged,
            Ok(Some(loaded)) => {
                let generation = loaded.bundle.generation();
                if let Err(e) = self.server.install(&loaded.bundle) {
                    tracing::error!(generation, error = %e, "verified bundle could not be installed; keeping the running one");
                    metrics.reload("invalid");
                    return Outcome::Refused;
                }
                metrics.reload("success");
                if let Some(dir) = &self.cache_dir
                    && let Err(e) = write_cache(dir, &loaded.bytes)
                {
                    tracing::warn!(dir = %dir.display(), error = %e, "cannot write the bundle cache");
                }
                Outcome::Installed(generation)
            }
            Err(e @ (LoadError::Unreachable(_) | LoadError::NotFound(_) | LoadError::Store(_))) => {
                tracing::warn!(error = %e, "bundle store unavailable; keeping the running bundle");
                metrics.reload("unreachable");
                Outcome::Unreachable
            }
            Err(e) => {
                let outcome = match &e {
                    LoadError::Bundle(BundleError::OlderGeneration { .. }) => "older",
                    _ => "invalid",
                };
                tracing::error!(error = %e, "bundle refused; keeping the running bundle");
                metrics.reload(outcome);
                Outcome::Refused
            }
        }
    }

    /// Polls every `interval` until shutdown.
    pub async fn run(mut self, interval: Duration) {
        let shared = Arc::clone(self.server.shared());
        loop {
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                () = shared.shutting_down() => return,
            }
            self.poll().await;
        }
    }
}

/// Writes the cache atomically (temp file + rename) so a crash never leaves half a bundle.
fn write_cache(dir: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{CACHE_FILE}.{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, dir.join(CACHE_FILE))
}
