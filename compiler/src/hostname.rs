//! Hostnames and their intersection between listeners and routes (the HTTPRoute
//! `hostnames` rules of the Gateway API).

use std::net::IpAddr;

use waygate_core::bundle::Hostname;

use crate::error::FieldError;

/// Validates a Gateway API hostname: RFC 1123, optionally with a leading `*.` label, and
/// never an IP address.
pub(crate) fn parse(value: &str, field: &str) -> Result<Hostname, FieldError> {
    if value.parse::<IpAddr>().is_ok() {
        return Err(FieldError::new(
            field,
            format!("hostname {value:?} is an IP address; the Gateway API allows only DNS names"),
        ));
    }
    if value.bytes().any(|b| b.is_ascii_uppercase()) {
        // The Gateway API pattern allows lower-case labels only.
        return Err(FieldError::new(
            field,
            format!("hostname {value:?} must be lower case"),
        ));
    }
    Hostname::new(value).map_err(|e| FieldError::new(field, e))
}

/// Parses a list of hostnames, reporting `field[i]` for the first bad one. Duplicates are
/// dropped so that no two match entries differ only by a repeated hostname.
pub(crate) fn parse_all(values: &[String], field: &str) -> Result<Vec<Hostname>, FieldError> {
    let mut out: Vec<Hostname> = Vec::with_capacity(values.len());
    for (i, value) in values.iter().enumerate() {
        let hostname = parse(value, &format!("{field}[{i}]"))?;
        if !out.contains(&hostname) {
            out.push(hostname);
        }
    }
    Ok(out)
}

/// The hostnames a route answers on a listener: the intersection of the listener's
/// hostname with the route's. `None` when they do not intersect at all; `Some([None])`
/// when neither restricts the host (any host matches).
pub(crate) fn intersect(
    listener: Option<&Hostname>,
    route: &[Hostname],
) -> Option<Vec<Option<Hostname>>> {
    match (listener, route.is_empty()) {
        (None, true) => Some(vec![None]),
        (Some(l), true) => Some(vec![Some(l.clone())]),
        (None, false) => Some(route.iter().cloned().map(Some).collect()),
        (Some(l), false) => {
            let mut out: Vec<Option<Hostname>> = Vec::new();
            for r in route {
                if let Some(h) = intersect_one(l, r)
                    && !out.iter().any(|o| o.as_ref() == Some(&h))
                {
                    out.push(Some(h));
                }
            }
            (!out.is_empty()).then_some(out)
        }
    }
}

/// The more specific of two hostnames when one covers the other.
fn intersect_one(listener: &Hostname, route: &Hostname) -> Option<Hostname> {
    match (listener.is_wildcard(), route.is_wildcard()) {
        (false, false) => (listener == route).then(|| listener.clone()),
        (false, true) => route.matches(listener.as_str()).then(|| listener.clone()),
        (true, false) => listener.matches(route.as_str()).then(|| route.clone()),
        (true, true) => {
            if route.suffix().ends_with(listener.suffix()) {
                Some(route.clone())
            } else if listener.suffix().ends_with(route.suffix()) {
                Some(listener.clone())
            } else {
                None
            }
        }
    }
}

#[cfg(test)]
mod tests;
