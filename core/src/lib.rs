//! Waygate's platform-neutral core.
//!
//! It holds the bundle types, signature verification and the compiled router, and turns a
//! request head into a decision. It is sans-IO: no async runtime, no clock (callers pass
//! `now`), no randomness (callers pass draws), no environment and no files, so the same
//! code runs on Kubernetes, Lambda, Workers and Spin and builds for `wasm32-unknown-unknown`.

pub mod bundle;
pub mod client_hello;
pub mod explain;
pub mod filter;
pub mod hop_by_hop;
pub mod router;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
