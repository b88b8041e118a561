//! The bundle this execution environment serves: loaded once at init, refreshed at most every
//! `WAYGATE_REFRESH_SECONDS` with a conditional GET of the channel on the request path
//! (Lambda freezes the environment between invocations, so there is no background poller).
//!
//! A failed refresh keeps the running bundle. With no bundle at all (store unreachable, bad
//! bundle at cold start) requests get a 503 saying why, and loading is retried at most once
//! per [`NO_BUNDLE_RETRY`] — never a crash, which Lambda would turn into an init loop.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::Mutex;
use waygate_core::bundle::TrustedKeys;
use waygate_core::router::Router;
use waygate_runtime_common::Loader;
use waygate_runtime_common::store::BundleSource;

/// How often loading is retried while no bundle is loaded, when the refresh interval is
/// longer: a cold start that raced the first publish recovers within a second.
pub const NO_BUNDLE_RETRY: Duration = Duration::from_secs(1);

/// Why there is no bundle to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable(pub String);

/// Outcome of one poll, for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refresh {
    /// Not due yet.
    Skipped,
    /// The channel still points at the running bundle.
    Unchanged,
    /// A newer verified bundle is now served.
    Loaded { generation: u64 },
    /// The poll failed; whatever was running still is.
    Failed(String),
}

struct Inner<S> {
    loader: Loader<S>,
    router: Option<Arc<Router>>,
    last_poll: Option<Instant>,
    last_error: Option<String>,
}

pub struct Bundles<S> {
    inner: Mutex<Inner<S>>,
    source: S,
    channel: String,
    keys: TrustedKeys,
    refresh: Duration,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl<S: BundleSource + Clone> Bundles<S> {
    pub fn new(source: S, channel: &str, keys: TrustedKeys, refresh: Duration) -> Self {
        Self {
            inner: Mutex::new(Inner {
                loader: Loader::new(source.clone(), channel, keys.clone()),
                router: None,
                last_poll: None,
                last_error: None,
            }),
            source,
            channel: channel.to_owned(),
            keys,
            refresh,
        }
    }

    /// Serves a router built elsewhere (tests, the conformance runner) without a poll until
    /// the refresh interval has passed.
    pub async fn install(&self, router: Router) {
        let mut inner = self.inner.lock().await;
        inner.loader.set_running(router.generation());
        inner.router = Some(Arc::new(router));
        inner.last_poll = Some(Instant::now());
    }

    /// The router to serve this request with, polling the channel first when due.
    pub async fn router(&self) -> Result<Arc<Router>, Unavailable> {
        let mut inner = self.inner.lock().await;
        self.poll_if_due(&mut inner).await;
        inner.router.clone().ok_or_else(|| {
            Unavailable(
                inner
                    .last_error
                    .clone()
                    .unwrap_or_else(|| "no bundle has been loaded yet".to_owned()),
            )
        })
    }

    /// Polls now regardless of the interval (the init-phase load).
    pub async fn refresh_now(&self) -> Refresh {
        let mut inner = self.inner.lock().await;
        self.poll(&mut inner).await
    }

    async fn poll_if_due(&self, inner: &mut Inner<S>) -> Refresh {
        let interval = if inner.router.is_some() {
            self.refresh
        } else {
            self.refresh.min(NO_BUNDLE_RETRY)
        };
        match inner.last_poll {
            Some(at) if at.elapsed() < interval => Refresh::Skipped,
            _ => self.poll(inner).await,
        }
    }

    async fn poll(&self, inner: &mut Inner<S>) -> Refresh {
        inner.last_poll = Some(Instant::now());
        let outcome = match inner.loader.poll(unix_now()).await {
            Ok(None) => Refresh::Unchanged,
            Ok(Some(loaded)) => match Router::new(&loaded.bundle) {
                Ok(router) => {
                    let generation = router.generation();
                    tracing::info!(
                        bundle = %router.digest(),
                        generation,
                        channel = %self.channel,
                        "serving bundle"
                    );
                    inner.router = Some(Arc::new(router));
                    Refresh::Loaded { generation }
                }
                Err(e) => {
                    // The loader already counts this generation as running; start a fresh one
                    // so a fixed re-publish of the same generation is not skipped.
                    let mut loader =
                        Loader::new(self.source.clone(), self.channel.clone(), self.keys.clone());
                    if let Some(r) = &inner.router {
                        loader.set_running(r.generation());
                    }
                    inner.loader = loader;
                    Refresh::Failed(format!(
                        "bundle {} does not load: {e}",
                        loaded.bundle.digest()
                    ))
                }
            },
            Err(e) => Refresh::Failed(e.to_string()),
        };
        match &outcome {
            Refresh::Failed(why) => {
                tracing::warn!(
                    channel = %self.channel,
                    error = %why,
                    serving = inner.router.as_ref().map(|r| r.digest().to_string()),
                    "bundle refresh failed; keeping the running bundle"
                );
                inner.last_error = Some(why.clone());
            }
            _ => inner.last_error = None,
        }
        outcome
    }
}
