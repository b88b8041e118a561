//! Moving headers between the Fetch API's `Headers` and `http::HeaderMap`, and the
//! hop-by-hop rules (RFC 9110 §7.6.1) applied to both directions of a forward.

use http::HeaderMap;
use http::header::{HeaderName, HeaderValue};

/// Connection-level headers that describe the client's hop, not the next one.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "upgrade",
];

/// Every `(name, value)` of a Fetch `Headers` (names lower-case, as the Fetch API gives them).
pub(crate) fn entries(headers: &web_sys::Headers) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Ok(Some(iter)) = js_sys::try_iter(headers) else {
        return out;
    };
    for pair in iter.flatten() {
        let pair = js_sys::Array::from(&pair);
        if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
            out.push((k, v));
        }
    }
    out
}

/// A `HeaderMap` from Fetch `Headers`; names or values `http` rejects are dropped.
/// `Set-Cookie` is read with `getSetCookie` semantics by the runtime's iterator (one entry per
/// cookie), so cookies are not merged.
pub(crate) fn to_map(headers: &web_sys::Headers) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in entries(headers) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(&v),
        ) {
            map.append(name, value);
        }
    }
    map
}

/// Fetch `Headers` from a `HeaderMap`; values that are not visible ASCII are dropped
/// (the Fetch API takes strings).
pub(crate) fn to_fetch(map: &HeaderMap) -> Result<web_sys::Headers, wasm_bindgen::JsValue> {
    let headers = web_sys::Headers::new()?;
    for (name, value) in map {
        if let Ok(v) = value.to_str() {
            headers.append(name.as_str(), v)?;
        }
    }
    Ok(headers)
}

/// Removes hop-by-hop headers, including those the Connection header names.
pub(crate) fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|t| HeaderName::from_bytes(t.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    headers.remove(http::header::TRANSFER_ENCODING);
}
