//! Waygate on Cloudflare Workers: a thin adapter around `waygate-core`. Each fetch event is
//! turned into an `http` request head, routed by core with `RuntimeKind::Edge`, and carried
//! out with the Workers Fetch API. The bundle comes from the R2 binding `BUNDLES` (or S3
//! through SigV4-signed fetches), is verified with `WAYGATE_PUBLIC_KEY` and cached in the
//! isolate's global state (see [`bundles`]).

mod bundles;
mod config;
mod forward;
mod gateway;
mod headers;
mod source;

use worker::{Context, Env, Request, Response, event};

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    Ok(gateway::handle(req, &env, &ctx).await)
}
