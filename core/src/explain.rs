//! `waygate explain`: what the gateway would do with one request, computed by the same
//! [`Router::decide`] every runtime calls, in a stable JSON shape and as text for people.

#[cfg(test)]
mod tests;
mod text;

use std::collections::BTreeMap;

use http::header::HOST;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use serde::{Deserialize, Serialize};

use crate::bundle::{ObjectRef, Placement};
use crate::router::{Decision, MatchedRoute, RequestContext, Router, RuntimeKind};

pub use text::render_text;

/// A request to explain, as the CLI takes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExplainRequest {
    pub gateway: Option<ObjectRef>,
    /// The listener port; defaults to the only one (see [`explain`]).
    pub port: Option<u16>,
    pub method: String,
    /// `http://host[:port]/path?query`, or just `/path?query` with a Host header.
    pub url: String,
    pub headers: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Forward,
    Redirect,
    Respond,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExplainedBackend {
    pub namespace: String,
    pub name: String,
    pub port: Option<u16>,
    pub weight: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upstream {
    /// Path and query after URLRewrite.
    pub path: String,
    /// `Host` after URLRewrite.
    pub host: String,
}

/// The shared JSON shape (DESIGN.md): field names are a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    pub outcome: Outcome,
    /// `null` for forward; the redirect or response status otherwise.
    pub status: Option<u16>,
    /// `namespace/name` of the matched route.
    pub route: Option<String>,
    pub rule: Option<u32>,
    /// Forward: all of the rule's backendRefs, valid or not.
    #[serde(default)]
    pub backends: Vec<ExplainedBackend>,
    pub upstream: Option<Upstream>,
    /// Forward: the full upstream request headers; redirect: the response header edits;
    /// respond: the response headers. Lower-case names, repeated values joined with `, `.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub location: Option<String>,
    pub placement: Option<Placement>,
    /// Why, in words (e.g. "no route matched"); left out when there is nothing to add.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("invalid method {0:?}")]
    Method(String),
    #[error("invalid URL {url:?}: {reason}")]
    Url { url: String, reason: String },
    #[error("invalid header {name:?}: {reason}")]
    Header { name: String, reason: &'static str },
    #[error("gateway {0} is not in the bundle")]
    UnknownGateway(ObjectRef),
    #[error("the bundle has no HTTP or HTTPS listener")]
    NoListener,
    #[error("listeners use several ports ({}); choose one with --port", list_ports(.0))]
    AmbiguousPort(Vec<u16>),
}

fn list_ports(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Splits the URL into its authority (possibly empty) and path-and-query.
fn split_url(url: &str) -> Result<(String, String), ExplainError> {
    let bad = |reason: String| ExplainError::Url {
        url: url.to_owned(),
        reason,
    };
    let text = if url.starts_with('/') || url.contains("://") {
        url.to_owned()
    } else {
        format!("http://{url}")
    };
    let uri: Uri = text
        .parse()
        .map_err(|e: http::uri::InvalidUri| bad(e.to_string()))?;
    let authority = uri
        .authority()
        .map(|a| a.as_str().to_owned())
        .unwrap_or_default();
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let path = if path.is_empty() { "/" } else { path };
    Ok((authority, path.to_owned()))
}

fn choose_port(
    router: &Router,
    req: &ExplainRequest,
    authority: &str,
) -> Result<u16, ExplainError> {
    if let Some(g) = &req.gateway
        && !router
            .payload()
            .gateways
            .iter()
            .any(|gw| gw.namespace == g.namespace && gw.name == g.name)
    {
        return Err(ExplainError::UnknownGateway(g.clone()));
    }
    if let Some(port) = req.port {
        return Ok(port);
    }
    let ports = router.ports(req.gateway.as_ref());
    match ports.as_slice() {
        [] => Err(ExplainError::NoListener),
        [only] => Ok(*only),
        _ => {
            // A port written in the URL settles it when a listener uses it.
            let url_port = authority
                .rsplit_once(':')
                .and_then(|(_, p)| p.parse::<u16>().ok())
                .filter(|p| ports.contains(p));
            url_port.ok_or(ExplainError::AmbiguousPort(ports))
        }
    }
}

fn header_map(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        out.entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    out
}

fn route_fields(
    matched: Option<&MatchedRoute<'_>>,
) -> (Option<String>, Option<u32>, Option<Placement>) {
    match matched {
        Some(m) => (
            Some(m.route_ref().to_string()),
            u32::try_from(m.rule_index).ok(),
            Some(m.placement()),
        ),
        None => (None, None, None),
    }
}

/// Explains one request. The URL's authority is the Host header as sent, unless `headers`
/// has a `Host`. Without a port, the selected gateway(s) must have exactly one listener port
/// (or the URL must name one of theirs). Runs as the Kubernetes runtime would, so
/// `placement` reports where the route lives rather than redirecting.
pub fn explain(router: &Router, req: &ExplainRequest) -> Result<Explanation, ExplainError> {
    let method = Method::from_bytes(req.method.as_bytes())
        .map_err(|_| ExplainError::Method(req.method.clone()))?;
    let (authority, path) = split_url(&req.url)?;
    let port = choose_port(router, req, &authority)?;
    let mut headers = HeaderMap::new();
    for (name, value) in &req.headers {
        let header = |reason| ExplainError::Header {
            name: name.clone(),
            reason,
        };
        let n = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| header("not a valid header name"))?;
        let v =
            HeaderValue::from_str(value.trim()).map_err(|_| header("not a valid header value"))?;
        headers.append(n, v);
    }
    if !headers.contains_key(HOST) && !authority.is_empty() {
        let host = HeaderValue::from_str(&authority).map_err(|_| ExplainError::Url {
            url: req.url.clone(),
            reason: "authority is not a valid Host header".into(),
        })?;
        headers.insert(HOST, host);
    }
    let uri: Uri = path
        .parse()
        .map_err(|e: http::uri::InvalidUri| ExplainError::Url {
            url: req.url.clone(),
            reason: e.to_string(),
        })?;
    let (mut parts, ()) = http::Request::new(()).into_parts();
    parts.method = method;
    parts.uri = uri;
    parts.headers = headers;

    let ctx = RequestContext {
        gateway: req.gateway.clone(),
        port,
        runtime: RuntimeKind::Kubernetes,
    };
    let decision = router.decide(&ctx, &parts);
    let (route, rule, placement) = route_fields(decision.matched());
    let explanation = match &decision {
        Decision::Forward(plan) => {
            let mut upstream_headers = parts.headers.clone();
            plan.apply_request(&mut upstream_headers);
            Explanation {
                outcome: Outcome::Forward,
                status: None,
                route,
                rule,
                backends: plan
                    .backends()
                    .iter()
                    .map(|b| {
                        let (namespace, name, port) = b.target.identity();
                        ExplainedBackend {
                            namespace: namespace.to_owned(),
                            name: name.to_owned(),
                            port,
                            weight: b.weight,
                        }
                    })
                    .collect(),
                upstream: Some(Upstream {
                    path: plan.path_and_query().to_owned(),
                    host: plan.authority().to_owned(),
                }),
                headers: header_map(&upstream_headers),
                location: None,
                placement,
                reason: None,
            }
        }
        Decision::Redirect(r) => {
            let mut edits = HeaderMap::new();
            r.apply_response(&mut edits);
            Explanation {
                outcome: Outcome::Redirect,
                status: Some(r.status.as_u16()),
                route,
                rule,
                backends: Vec::new(),
                upstream: None,
                headers: header_map(&edits),
                location: Some(r.location.clone()),
                placement,
                reason: None,
            }
        }
        Decision::Respond(r) => Explanation {
            outcome: Outcome::Respond,
            status: Some(r.status.as_u16()),
            route,
            rule,
            backends: Vec::new(),
            upstream: None,
            headers: header_map(&r.headers),
            location: None,
            placement,
            reason: Some(r.reason.to_owned()),
        },
    };
    Ok(explanation)
}
