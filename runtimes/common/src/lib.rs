//! Glue shared by every runtime and by `waygate publish`: the object-store layout
//! (`bundles/<digest>`, `channels/<name>`), the [`store::BundleStore`] contract that file,
//! S3 and SigV4-over-fetch stores implement, and the loader that turns fetched bytes into a
//! verified, newer bundle.
//!
//! No `Send` bounds on the traits: wasm-bindgen futures are `!Send` (Workers), while tokio
//! callers still get `Send` futures from concrete types.
//!
//! Features: `file` (default, `file:///dir`), `s3` (aws-sdk-s3), `sigv4` (signed GETs over a
//! runtime-supplied HTTP client; builds for wasm32-unknown-unknown).

#[cfg(feature = "file")]
pub mod file_store;
pub mod loader;
#[cfg(feature = "s3")]
pub mod s3_store;
#[cfg(feature = "sigv4")]
pub mod sigv4_fetch;
pub mod store;
pub mod store_uri;

pub use loader::{LoadError, Loaded, Loader};
pub use store_uri::StoreUri;
