//! Compiles Kubernetes Gateway API manifests into Waygate bundle payloads, with the
//! Gateway API status a controller would write and the placement report for terraform.
//!
//! Layer 1 → 2 of three (manifests → bundle IR → compiled tables): this crate reads YAML,
//! validates it (errors name file, document, object and field), resolves references and
//! attachment, and makes precedence explicit. It holds no routing semantics of its own:
//! matching, filters and retries run in `waygate-core`, which loads what this emits.
//!
//! Choices the Gateway API leaves to implementations:
//! - A parentRef to a Gateway that is missing or not of our class gets no entry in the
//!   route's `status.parents` (another controller owns that entry); a route with no
//!   parent of ours gets a note instead of a status.
//! - An `ExtensionRef` filter makes its rule answer 500 and sets the route's
//!   ResolvedRefs=False with reason `InvalidKind` (waygate knows no extension kinds);
//!   `ExternalAuth` does the same with reason `UnsupportedValue`.
//! - Conflicted listeners are Accepted=False and Programmed=False with the conflict's
//!   reason, and are left out of the bundle; routes cannot attach to them.
//! - Listeners with a bad certificateRef still count attached routes (as the conformance
//!   suite expects) but are not programmed.
//! - Kinds waygate does not use are skipped with a note; a known kind at an unknown
//!   apiVersion is an error.

mod backend_ref;
mod compile;
mod document;
mod duration;
mod error;
mod filter;
mod gateway;
mod grpc_route;
mod hostname;
mod http_route;
mod inventory;
mod kgateway;
mod label_selector;
mod listener;
mod parent_ref;
mod placement;
mod precedence;
mod reference_grant;
mod route;
mod source;
mod status;
mod stream_route;
#[cfg(test)]
mod testing;

pub use compile::{CompileOptions, Compiled, compile};
pub use error::{CompileError, Location};
pub use placement::{PinnedRoute, PlacementReport};
pub use source::{Source, load_paths};
pub use status::ObjectStatus;
