//! The function as Lambda runs it: configured from the environment at init, then one
//! [`Function::invoke`] per event. A configuration that cannot work still yields a function —
//! one that answers 503 saying what is wrong — because a failing init makes Lambda retry the
//! cold start on every request.

use std::time::Instant;

use bytes::Bytes;
use http::StatusCode;
use lambda_http::request::LambdaRequest;
use waygate_runtime_common::store::BundleSource;

use crate::bundles::{Bundles, Refresh};
use crate::config::Config;
use crate::event::{EventResponse, into_request, into_response};
use crate::gateway::{Gateway, text};
use crate::hyper_upstream::HyperUpstream;
use crate::store::Store;
use crate::upstream::Upstream;

pub enum Function<S, U> {
    Ready(Box<Gateway<S, U>>),
    /// Why the function cannot serve (bad environment); every request gets a 503 with it.
    Misconfigured(String),
}

impl Function<Store, HyperUpstream> {
    /// Init: reads the configuration through `get`, opens the store and loads the bundle
    /// once. A failed first load is logged and retried by later requests.
    pub async fn init(get: impl Fn(&str) -> Option<String>) -> Self {
        let start = Instant::now();
        let config = match Config::from_lookup(get) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "configuration error; answering 503");
                return Self::Misconfigured(format!("configuration error: {e}"));
            }
        };
        let upstream = match HyperUpstream::new() {
            Ok(u) => u,
            Err(e) => return Self::Misconfigured(format!("TLS client: {e}")),
        };
        let store = Store::open(&config.store).await;
        let bundles = Bundles::new(store, &config.channel, config.keys.clone(), config.refresh);
        let outcome = bundles.refresh_now().await;
        tracing::info!(
            store = %config.store,
            channel = %config.channel,
            loaded = matches!(outcome, Refresh::Loaded { .. }),
            init_ms = start.elapsed().as_secs_f64() * 1000.0,
            "init"
        );
        Self::Ready(Box::new(Gateway::new(
            bundles,
            upstream,
            config.gateway,
            config.port,
        )))
    }
}

impl<S: BundleSource + Clone, U: Upstream> Function<S, U> {
    pub fn ready(gateway: Gateway<S, U>) -> Self {
        Self::Ready(Box::new(gateway))
    }

    /// Answers one `http` request.
    pub async fn handle(&self, req: http::Request<Bytes>) -> http::Response<Bytes> {
        match self {
            Self::Ready(g) => g.handle(req).await,
            Self::Misconfigured(why) => {
                tracing::warn!(target: "waygate::access", status = 503, error = %why, "request");
                text(StatusCode::SERVICE_UNAVAILABLE, format!("waygate: {why}\n"))
            }
        }
    }

    /// Answers one Lambda event in its origin's response shape.
    pub async fn invoke(&self, event: LambdaRequest) -> EventResponse {
        let (origin, req) = into_request(event);
        into_response(&origin, self.handle(req).await)
    }
}
