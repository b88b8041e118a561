//! Carrying out a forward decision with the Fetch API: pick a backend with a draw, build the
//! upstream request with core's header edits, send it racing the rule's per-attempt and
//! request timeouts (a timer; the losing fetch is aborted), retry as the rule says, fire
//! mirrors through `ctx.wait_until` (they never delay the response), and stream the
//! upstream's response back with core's response edits.
//!
//! Bodies stream through untouched, except when the rule retries or mirrors: then the
//! request body is read once so every attempt and every copy can send it.

use std::cell::RefCell;
use std::future::Future;
use std::time::Duration;

use futures_util::future::{Either, select};
use http::request::Parts;
use http::{HeaderMap, Method, StatusCode};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use waygate_core::bundle::Backend;
use waygate_core::router::{ForwardPlan, pick_address};
use worker::{Context, Delay, Request, Response};

use crate::gateway::{respond, text};
use crate::headers::{to_fetch, to_map};
use waygate_core::hop_by_hop::strip_hop_by_hop;

/// A uniform `u32` draw for core's weighted choices (Math.random is fine: not security).
pub(crate) fn draw() -> u32 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let d = (js_sys::Math::random() * 4_294_967_296.0) as u32;
    d
}

/// The request body as it will be sent.
enum Body {
    None,
    /// Read once, for retries and mirrors.
    Bytes(js_sys::Uint8Array),
    /// The client's stream, passed through (single use).
    Stream(RefCell<Option<web_sys::ReadableStream>>),
}

impl Body {
    fn js(&self) -> Option<JsValue> {
        match self {
            Self::None => None,
            Self::Bytes(b) => Some(b.clone().into()),
            Self::Stream(s) => s.borrow_mut().take().map(Into::into),
        }
    }
}

/// Why no upstream response is returned.
enum Failure {
    Timeout,
    Unreachable(String),
    Invalid(String),
}

fn js_err(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| format!("{e:?}"))
}

/// The Fetch request for one backend. Redirects from the upstream are passed to the client,
/// never followed here.
fn build(
    backend: &Backend,
    plan: &ForwardPlan<'_>,
    method: &Method,
    headers: &HeaderMap,
    body: &Body,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<web_sys::Request, Failure> {
    let addr = pick_address(backend, draw())
        .ok_or_else(|| Failure::Invalid("backend has no address".into()))?;
    let url = format!(
        "{}://{addr}{}",
        backend.target.scheme(),
        plan.path_and_query()
    );
    let init = web_sys::RequestInit::new();
    init.set_method(method.as_str());
    init.set_redirect(web_sys::RequestRedirect::Manual);
    let fetch_headers = to_fetch(headers).map_err(|e| Failure::Invalid(js_err(&e)))?;
    init.set_headers(&fetch_headers);
    if let Some(b) = body.js() {
        init.set_body(&b);
    }
    init.set_signal(signal);
    web_sys::Request::new_with_str_and_init(&url, &init).map_err(|e| Failure::Invalid(js_err(&e)))
}

async fn send(request: &web_sys::Request) -> Result<web_sys::Response, Failure> {
    let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let res = JsFuture::from(global.fetch_with_request(request))
        .await
        .map_err(|e| Failure::Unreachable(js_err(&e)))?;
    res.dyn_into().map_err(|e| Failure::Unreachable(js_err(&e)))
}

/// Races `f` against a timer of `ms`; `None` when the timer wins.
async fn race<F: Future>(ms: Option<u64>, f: F) -> Option<F::Output> {
    let Some(ms) = ms else {
        return Some(f.await);
    };
    let f = std::pin::pin!(f);
    match select(f, Delay::from(Duration::from_millis(ms))).await {
        Either::Left((out, _)) => Some(out),
        Either::Right(((), _)) => None,
    }
}

/// `f` bounded by `ms`: on timeout the in-flight fetch (`current`) is aborted, so a slow
/// upstream stops costing a subrequest connection.
async fn within<F: Future<Output = Result<web_sys::Response, Failure>>>(
    ms: Option<u64>,
    f: F,
    current: &RefCell<Option<web_sys::AbortController>>,
) -> Result<web_sys::Response, Failure> {
    if let Some(out) = race(ms, f).await {
        return out;
    }
    if let Some(c) = current.borrow().as_ref() {
        c.abort();
    }
    Err(Failure::Timeout)
}

/// Attempts with retries. `current` holds the in-flight attempt's abort controller so the
/// caller's request timeout can cancel it.
async fn exchange(
    plan: &ForwardPlan<'_>,
    backend: &Backend,
    method: &Method,
    headers: &HeaderMap,
    body: &Body,
    current: &RefCell<Option<web_sys::AbortController>>,
    route: &str,
) -> Result<web_sys::Response, Failure> {
    let per_attempt = plan.backend_request_timeout_ms();
    let policy = plan.retry();
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let controller = web_sys::AbortController::new().ok();
        let request = build(
            backend,
            plan,
            method,
            headers,
            body,
            controller
                .as_ref()
                .map(web_sys::AbortController::signal)
                .as_ref(),
        )?;
        current.replace(controller);
        let result = within(per_attempt, send(&request), current).await;
        let status = match &result {
            Ok(res) => Some(res.status()),
            Err(Failure::Unreachable(e)) => {
                worker::console_warn!(
                    "{}",
                    serde_json::json!({"message": "upstream attempt failed", "route": route, "attempt": attempt, "error": e})
                );
                None
            }
            Err(_) => None,
        };
        match policy
            .as_ref()
            .and_then(|p| p.should_retry(attempt, status))
        {
            Some(wait_ms) => {
                if wait_ms > 0 {
                    Delay::from(Duration::from_millis(wait_ms)).await;
                }
            }
            None => return result,
        }
    }
}

/// Carries out a forward decision; every failure is an HTTP answer.
pub(crate) async fn forward(
    plan: &ForwardPlan<'_>,
    parts: &Parts,
    req: &Request,
    ctx: &Context,
    route: &str,
) -> Response {
    let picked = match plan.pick(draw()) {
        Ok(p) => p,
        Err(r) => return respond(&r),
    };
    let mut headers = parts.headers.clone();
    strip_hop_by_hop(&mut headers, false);
    plan.apply_request(&mut headers);
    picked.apply_request(&mut headers);

    let count = plan.mirror_count().max(picked.filters().len());
    let draws: Vec<u32> = (0..count).map(|_| draw()).collect();
    let mirrors: Vec<&Backend> = if count == 0 {
        Vec::new()
    } else {
        plan.mirrors(&draws).chain(picked.mirrors(&draws)).collect()
    };

    let stream = if matches!(parts.method, Method::GET | Method::HEAD) {
        None
    } else {
        req.inner().body()
    };
    let body = match stream {
        None => Body::None,
        Some(s) if plan.retry().is_none() && mirrors.is_empty() => {
            Body::Stream(RefCell::new(Some(s)))
        }
        Some(_) => {
            let read = req.inner().array_buffer().map(JsFuture::from);
            match read {
                Ok(fut) => match fut.await {
                    Ok(buf) => Body::Bytes(js_sys::Uint8Array::new(&buf)),
                    Err(e) => {
                        return text(
                            StatusCode::BAD_REQUEST,
                            format!("reading the request body: {}\n", js_err(&e)),
                        );
                    }
                },
                Err(e) => {
                    return text(
                        StatusCode::BAD_REQUEST,
                        format!("reading the request body: {}\n", js_err(&e)),
                    );
                }
            }
        }
    };

    for backend in mirrors {
        if let Ok(request) = build(backend, plan, &parts.method, &headers, &body, None) {
            ctx.wait_until(async move {
                // A mirror's answer is ignored; its failure only matters to debugging.
                if let Err(Failure::Unreachable(e) | Failure::Invalid(e)) = send(&request).await {
                    worker::console_log!(
                        "{}",
                        serde_json::json!({"message": "mirror failed", "error": e})
                    );
                }
            });
        }
    }

    let current = RefCell::new(None);
    let result = within(
        plan.request_timeout_ms(),
        exchange(
            plan,
            picked.backend,
            &parts.method,
            &headers,
            &body,
            &current,
            route,
        ),
        &current,
    )
    .await;
    match result {
        Ok(res) => {
            let mut h = to_map(&res.headers());
            strip_hop_by_hop(&mut h, false);
            plan.apply_response(&mut h);
            picked.apply_response(&mut h);
            let init = web_sys::ResponseInit::new();
            init.set_status(res.status());
            init.set_status_text(&res.status_text());
            if let Ok(fh) = to_fetch(&h) {
                init.set_headers(&fh);
            }
            match web_sys::Response::new_with_opt_readable_stream_and_init(
                res.body().as_ref(),
                &init,
            ) {
                Ok(out) => out.into(),
                Err(e) => text(
                    StatusCode::BAD_GATEWAY,
                    format!("upstream response unusable: {}\n", js_err(&e)),
                ),
            }
        }
        Err(Failure::Timeout) => text(StatusCode::GATEWAY_TIMEOUT, "upstream timed out\n"),
        Err(Failure::Invalid(e)) => {
            worker::console_warn!(
                "{}",
                serde_json::json!({"message": "upstream request invalid", "route": route, "error": e})
            );
            text(
                StatusCode::BAD_GATEWAY,
                "upstream request could not be built\n",
            )
        }
        Err(Failure::Unreachable(_)) => text(StatusCode::BAD_GATEWAY, "upstream unavailable\n"),
    }
}
