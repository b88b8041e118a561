//! The bundle this instance serves: loaded on the first request, kept for the instance's
//! life, and re-checked with a conditional GET of the channel once `WAYGATE_REFRESH_SECONDS`
//! have passed. A failed refresh keeps the running bundle; with none at all the request gets a
//! 503 saying why.
//!
//! How long "the instance's life" is belongs to the host: `wasmtime serve` and Spin both
//! instantiate the component per request, so there every request loads and verifies the
//! bundle (see BENCHMARKS.md for the cost); a host that reuses instances keeps the cache.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use waygate_core::router::Router;
use waygate_runtime_common::Loader;

use crate::settings::Settings;
use crate::store::{Store, unix_now};

/// Why there is nothing to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable(pub String);

struct State {
    settings: Settings,
    loader: Loader<Store>,
    router: Option<Rc<Router>>,
    last_poll: Option<Instant>,
    last_error: Option<String>,
}

thread_local! {
    // wasm32-wasip2 components are single-threaded: one instance, one thread.
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

fn new_loader(settings: &Settings) -> Loader<Store> {
    Loader::new(
        Store::open(&settings.store),
        settings.channel.clone(),
        settings.keys.clone(),
    )
}

/// The router for this request (and the settings it was loaded with), polling when due.
pub async fn router() -> Result<(Rc<Router>, Settings), Unavailable> {
    let taken = STATE.with(|s| s.borrow_mut().take());
    let mut state = if let Some(s) = taken {
        s
    } else {
        {
            let settings = Settings::from_lookup(crate::settings::lookup)
                .map_err(|e| Unavailable(format!("configuration error: {e}")))?;
            State {
                loader: new_loader(&settings),
                settings,
                router: None,
                last_poll: None,
                last_error: None,
            }
        }
    };
    let due = match state.last_poll {
        None => true,
        Some(at) => at.elapsed() >= state.settings.refresh || state.router.is_none(),
    };
    if due {
        poll(&mut state).await;
    }
    let result = match &state.router {
        Some(r) => Ok((r.clone(), state.settings.clone())),
        None => Err(Unavailable(
            state
                .last_error
                .clone()
                .unwrap_or_else(|| "no bundle has been loaded yet".into()),
        )),
    };
    STATE.with(|s| *s.borrow_mut() = Some(state));
    result
}

async fn poll(state: &mut State) {
    state.last_poll = Some(Instant::now());
    match state.loader.poll(unix_now()).await {
        Ok(None) => state.last_error = None,
        Ok(Some(loaded)) => match Router::new(&loaded.bundle) {
            Ok(router) => {
                state.router = Some(Rc::new(router));
                state.last_error = None;
            }
            Err(e) => {
                // The loader already counts this generation as running: start afresh so a
                // fixed re-publish of the same generation is not skipped.
                let mut fresh = new_loader(&state.settings);
                if let Some(r) = &state.router {
                    fresh.set_running(r.generation());
                }
                state.loader = fresh;
                state.last_error = Some(format!(
                    "bundle {} does not load: {e}",
                    loaded.bundle.digest()
                ));
            }
        },
        Err(e) => state.last_error = Some(e.to_string()),
    }
    if let Some(why) = &state.last_error {
        eprintln!(
            "{}",
            serde_json::json!({
                "level": "warn",
                "msg": "bundle refresh failed; keeping the running bundle",
                "channel": state.settings.channel,
                "error": why,
                "serving": state.router.as_ref().map(|r| r.digest().to_string()),
            })
        );
    }
}
