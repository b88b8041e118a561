//! Plain-text rendering of an [`Explanation`] for people at a terminal.

use std::fmt::Write as _;

use super::{Explanation, Outcome};
use crate::bundle::Placement;

/// A readable multi-line summary; the JSON form is the contract, this is not.
pub fn render_text(e: &Explanation) -> String {
    let mut out = String::new();
    let verb = match e.outcome {
        Outcome::Forward => "forward",
        Outcome::Redirect => "redirect",
        Outcome::Respond => "respond",
    };
    match e.status {
        Some(status) => {
            let _ = write!(out, "{verb} {status}");
        }
        None => out.push_str(verb),
    }
    if let Some(reason) = &e.reason {
        let _ = write!(out, " ({reason})");
    }
    out.push('\n');
    if let Some(route) = &e.route {
        let _ = write!(out, "  route:     {route}");
        if let Some(rule) = e.rule {
            let _ = write!(out, " rule {rule}");
        }
        out.push('\n');
    }
    if let Some(placement) = e.placement {
        let placement = match placement {
            Placement::Edge => "edge",
            Placement::Kubernetes => "kubernetes",
        };
        let _ = writeln!(out, "  placement: {placement}");
    }
    if let Some(location) = &e.location {
        let _ = writeln!(out, "  location:  {location}");
    }
    if let Some(up) = &e.upstream {
        let _ = writeln!(out, "  upstream:  host {} path {}", up.host, up.path);
    }
    if !e.backends.is_empty() {
        out.push_str("  backends:\n");
        for b in &e.backends {
            let _ = write!(out, "    {}/{}", b.namespace, b.name);
            if let Some(port) = b.port {
                let _ = write!(out, ":{port}");
            }
            let _ = writeln!(out, " weight {}", b.weight);
        }
    }
    if !e.headers.is_empty() {
        let title = match e.outcome {
            Outcome::Forward => "upstream request headers",
            Outcome::Redirect => "response header edits",
            Outcome::Respond => "response headers",
        };
        let _ = writeln!(out, "  {title}:");
        for (name, value) in &e.headers {
            let _ = writeln!(out, "    {name}: {value}");
        }
    }
    out
}
