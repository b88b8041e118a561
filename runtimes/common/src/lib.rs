//! Glue shared by every runtime and by `waygate publish`: the object-store layout
//! (`bundles/<digest>`, `channels/<name>`), the [`store::BundleStore`] contract that file,
//! S3 and SigV4-over-fetch stores implement, and the loader that turns fetched bytes into a
//! verified, newer bundle.
//!
//! No `Send` bounds on the traits: wasm-bindgen futures are `!Send` (Workers), while tokio
//! callers still get `Send` futures from concrete types.

pub mod store;
