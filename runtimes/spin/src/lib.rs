//! The Fermyon Spin runtime of Waygate: a `wasi:http/incoming-handler@0.2.0` component
//! (`spin-sdk` 5.x, `#[http_component]`) around the same signed bundle and the same core every
//! runtime uses.
//!
//! It only adapts (DESIGN.md): the incoming request becomes `http` types, core decides
//! ([`gateway`], `RuntimeKind::Edge`), and the decision is carried out with outbound
//! `wasi:http` ([`outbound`], [`forward`]). The bundle is read from the store over outbound
//! HTTP ([`store`]), verified, and cached for the instance's life ([`bundles`]). Settings come
//! from Spin variables through `wasi:config/store`, falling back to the environment
//! ([`settings`]), so the same component runs under `wasmtime serve`.

pub mod bundles;
pub mod forward;
pub mod gateway;
pub mod outbound;
pub mod settings;
pub mod store;

/// The component's export. `#[http_component]` expands to the canonical-ABI glue, which is
/// `unsafe` by nature: it is allowed here and nowhere else in the crate.
#[allow(unsafe_code, clippy::same_length_and_capacity)]
mod entry {
    use spin_sdk::http_component;

    /// One request, one answer; every failure is an HTTP answer.
    #[http_component]
    async fn handle(req: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
        crate::gateway::handle(req).await
    }
}
