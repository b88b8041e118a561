//! Moving headers between the Fetch API's `Headers` and `http::HeaderMap`.

use http::HeaderMap;
use http::header::{HeaderName, HeaderValue};

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
