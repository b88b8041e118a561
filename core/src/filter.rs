//! HTTPRoute filters carried out on request heads: header modifiers, redirects, URL rewrites
//! and CORS. Pure functions over `http` types; the router decides when each one runs.

mod cors;
mod header_modifier;
mod request_redirect;
mod url_rewrite;

pub use cors::{CorsPolicy, is_preflight, origin_matches};
pub use header_modifier::HeaderEdits;
pub use request_redirect::{RedirectTarget, default_port};
pub use url_rewrite::{normalize_prefix, prefix_matches, replace_prefix};
