//! `bootstrap`: the Lambda custom-runtime entry point (provided.al2023).

use std::sync::Arc;

use lambda_http::request::LambdaRequest;
use lambda_http::{LambdaEvent, service_fn};
use tracing_subscriber::EnvFilter;
use waygate_lambda::Function;

/// JSON lines on stdout, which Lambda ships to CloudWatch Logs; Logs Insights parses the
/// fields (`route`, `status`, `duration_ms`, `bundle`) without a pattern.
fn init_tracing() {
    let filter = EnvFilter::try_from_env("WAYGATE_LOG")
        .or_else(|_| EnvFilter::try_new("info"))
        .unwrap_or_default();
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_ansi(false)
        .with_env_filter(filter)
        .init();
}

// One invocation at a time per execution environment: a single-threaded runtime starts
// faster and keeps the cold start small.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    init_tracing();
    let function = Arc::new(Function::init(|k| std::env::var(k).ok()).await);
    lambda_http::lambda_runtime::run(service_fn(move |event: LambdaEvent<LambdaRequest>| {
        let function = Arc::clone(&function);
        async move { Ok::<_, lambda_http::Error>(function.invoke(event.payload).await) }
    }))
    .await
}
