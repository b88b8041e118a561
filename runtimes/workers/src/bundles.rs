//! The bundle this isolate serves, kept in the isolate's global state across requests.
//!
//! The first request of an isolate reads the configuration, opens the store and loads the
//! bundle inline (there is nothing to serve before that). After that a poll (one conditional
//! GET of the channel) is due at most every `WAYGATE_REFRESH_SECONDS`; it runs through
//! `ctx.wait_until`, so the request that triggered it is answered with the bundle already
//! loaded and never waits for the store. A failed poll keeps the running bundle. With no
//! bundle at all requests get a 503 saying why, and loading is retried at most once per
//! second.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use waygate_core::router::Router;
use waygate_runtime_common::Loader;

use crate::config::Config;
use crate::source::{Source, unix_now};

/// Retry interval while no bundle is loaded (when shorter than the refresh interval).
const NO_BUNDLE_RETRY_MS: f64 = 1000.0;

/// How long a request waits for a load another request started, and how often it looks.
const LOAD_WAIT_MS: u64 = 10_000;
const LOAD_WAIT_STEP_MS: u64 = 20;

pub(crate) struct State {
    pub config: Config,
    source: Source,
    /// `None` while a poll is in flight (the loader is moved into it): at most one poll at
    /// a time per isolate.
    loader: RefCell<Option<Loader<Source>>>,
    router: RefCell<Option<Arc<Router>>>,
    last_poll_ms: RefCell<Option<f64>>,
    last_error: RefCell<Option<String>>,
}

thread_local! {
    /// Isolate-global: a Worker isolate is single-threaded and reused across requests.
    static STATE: RefCell<Option<Result<Rc<State>, String>>> = const { RefCell::new(None) };
}

/// The isolate's state, created on first use. A configuration error is remembered too:
/// vars and bindings do not change within an isolate's life.
pub(crate) fn state(env: &worker::Env) -> Result<Rc<State>, String> {
    if let Some(s) = STATE.with(|s| s.borrow().clone()) {
        return s;
    }
    let made = Config::from_env(env).and_then(|config| {
        let source = Source::open(&config.store, env)?;
        Ok(Rc::new(State {
            loader: RefCell::new(Some(Loader::new(
                source.clone(),
                config.channel.clone(),
                config.keys.clone(),
            ))),
            source,
            config,
            router: RefCell::new(None),
            last_poll_ms: RefCell::new(None),
            last_error: RefCell::new(None),
        }))
    });
    STATE.with(|s| *s.borrow_mut() = Some(made.clone()));
    made
}

impl State {
    fn due(&self) -> bool {
        let has_router = self.router.borrow().is_some();
        #[allow(clippy::cast_precision_loss)]
        let refresh_ms = self.config.refresh_seconds as f64 * 1000.0;
        let interval = if has_router {
            refresh_ms
        } else {
            refresh_ms.min(NO_BUNDLE_RETRY_MS)
        };
        let idle = self.loader.borrow().is_some();
        idle && self
            .last_poll_ms
            .borrow()
            .is_none_or(|at| js_sys::Date::now() - at >= interval)
    }

    /// The router to answer this request with. Polls inline when nothing is loaded yet;
    /// otherwise hands a due poll to `ctx.wait_until` and answers with the running bundle.
    pub(crate) async fn router(
        self: &Rc<Self>,
        ctx: &worker::Context,
    ) -> Result<Arc<Router>, String> {
        if self.due() {
            if self.router.borrow().is_some() {
                let me = Rc::clone(self);
                ctx.wait_until(async move { me.poll().await });
            } else {
                self.poll().await;
            }
        }
        // Nothing loaded and another request's load in flight: wait for it (bounded) rather
        // than failing the requests that arrive together at an isolate's start.
        let mut waited = 0;
        while self.router.borrow().is_none()
            && self.loader.borrow().is_none()
            && waited < LOAD_WAIT_MS
        {
            worker::Delay::from(std::time::Duration::from_millis(LOAD_WAIT_STEP_MS)).await;
            waited += LOAD_WAIT_STEP_MS;
        }
        let router = self.router.borrow().clone();
        router.ok_or_else(|| {
            self.last_error.borrow().clone().unwrap_or_else(|| {
                "the bundle is still loading (another request started the load)".to_owned()
            })
        })
    }

    async fn poll(&self) {
        let Some(mut loader) = self.loader.borrow_mut().take() else {
            return;
        };
        *self.last_poll_ms.borrow_mut() = Some(js_sys::Date::now());
        let outcome = match loader.poll(unix_now()).await {
            Ok(None) => Ok(()),
            Ok(Some(loaded)) => match Router::new(&loaded.bundle) {
                Ok(router) => {
                    worker::console_log!(
                        "{}",
                        serde_json::json!({
                            "message": "serving bundle",
                            "bundle": router.digest().to_string(),
                            "generation": router.generation(),
                            "channel": self.config.channel,
                        })
                    );
                    *self.router.borrow_mut() = Some(Arc::new(router));
                    Ok(())
                }
                Err(e) => {
                    // The loader already counts this generation as running: start afresh so
                    // a fixed re-publish of the same generation is not skipped.
                    loader = Loader::new(
                        self.source.clone(),
                        self.config.channel.clone(),
                        self.config.keys.clone(),
                    );
                    if let Some(r) = self.router.borrow().as_ref() {
                        loader.set_running(r.generation());
                    }
                    Err(format!(
                        "bundle {} does not load: {e}",
                        loaded.bundle.digest()
                    ))
                }
            },
            Err(e) => Err(e.to_string()),
        };
        *self.loader.borrow_mut() = Some(loader);
        match outcome {
            Ok(()) => *self.last_error.borrow_mut() = None,
            Err(why) => {
                worker::console_warn!(
                    "{}",
                    serde_json::json!({
                        "message": "bundle refresh failed; keeping the running bundle",
                        "channel": self.config.channel,
                        "error": why,
                        "serving": self.router.borrow().as_ref().map(|r| r.digest().to_string()),
                    })
                );
                *self.last_error.borrow_mut() = Some(why);
            }
        }
    }
}
