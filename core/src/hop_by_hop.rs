//! Connection-level headers (RFC 9110 §7.6.1) describe one hop, not the next: every runtime
//! removes them from both directions of a forward, the same way.

use http::HeaderMap;
use http::header::{self, HeaderName};

// Names, not strings: removing by `&str` parses and classifies the name on every call, and
// this runs twice per forwarded request.
const HOP_BY_HOP: [HeaderName; 8] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::UPGRADE,
];

/// Removes hop-by-hop headers, including those the `Connection` header names, and
/// `Transfer-Encoding`. `keep_te` keeps `te` (gRPC needs `te: trailers` end to end).
pub fn strip_hop_by_hop(headers: &mut HeaderMap, keep_te: bool) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|t| HeaderName::from_bytes(t.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in &HOP_BY_HOP {
        if keep_te && name == header::TE {
            continue;
        }
        headers.remove(name);
    }
    headers.remove(header::TRANSFER_ENCODING);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_connection_named_and_hop_by_hop_headers() {
        let mut h = HeaderMap::new();
        h.insert("connection", "keep-alive, x-private".parse().unwrap());
        h.insert("x-private", "1".parse().unwrap());
        h.insert("keep-alive", "timeout=5".parse().unwrap());
        h.insert("te", "trailers".parse().unwrap());
        h.insert("transfer-encoding", "chunked".parse().unwrap());
        h.insert("x-kept", "yes".parse().unwrap());
        let mut grpc = h.clone();
        strip_hop_by_hop(&mut h, false);
        assert_eq!(h.len(), 1);
        assert_eq!(h["x-kept"], "yes");
        strip_hop_by_hop(&mut grpc, true);
        assert_eq!(grpc["te"], "trailers");
        assert!(!grpc.contains_key("x-private"));
    }
}
