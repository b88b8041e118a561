//! The parts of a request head the router looks at, extracted once per request.

use std::borrow::Cow;

use http::header::HOST;
use http::request::Parts;

/// A request head viewed for routing. Borrowed from the request; only a host with upper-case
/// letters is copied.
#[derive(Debug)]
pub(crate) struct RequestHead<'a> {
    pub parts: &'a Parts,
    /// The authority as sent (`Host` or `:authority`), port included.
    pub authority: &'a str,
    /// Host for matching: lower-case, without port or userinfo; IPv6 keeps its brackets.
    pub host: Cow<'a, str>,
    pub path: &'a str,
    pub query: Option<&'a str>,
}

impl<'a> RequestHead<'a> {
    pub(crate) fn new(parts: &'a Parts) -> Self {
        // RFC 9112 §3.2.2 and RFC 9113 §8.3.1: the request-target's authority (absolute form,
        // or HTTP/2 `:authority`) wins over the Host header.
        let authority = parts
            .uri
            .authority()
            .map(http::uri::Authority::as_str)
            .or_else(|| parts.headers.get(HOST).and_then(|h| h.to_str().ok()))
            .unwrap_or("");
        Self {
            parts,
            authority,
            host: normalize_host(authority),
            path: parts.uri.path(),
            query: parts.uri.query(),
        }
    }
}

/// Strips userinfo and port and lower-cases, borrowing when nothing needs to change.
pub(crate) fn normalize_host(authority: &str) -> Cow<'_, str> {
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host.starts_with('[') {
        host.find(']').map_or(host, |end| &host[..=end])
    } else {
        match host.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => host,
        }
    };
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(host.to_ascii_lowercase())
    } else {
        Cow::Borrowed(host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_normalization() {
        assert_eq!(normalize_host("Example.COM:8080"), "example.com");
        assert_eq!(normalize_host("example.com"), "example.com");
        assert!(matches!(normalize_host("example.com:80"), Cow::Borrowed(_)));
        assert_eq!(normalize_host("[::1]:8080"), "[::1]");
        assert_eq!(normalize_host("[FE80::1]"), "[fe80::1]");
        assert_eq!(normalize_host("user@host:1"), "host");
        assert_eq!(normalize_host(""), "");
    }

    #[test]
    fn uri_authority_wins_over_host_header() {
        let (parts, ()) = http::Request::builder()
            .uri("http://a.example.com/x?y=1")
            .header(HOST, "b.example.com")
            .body(())
            .unwrap()
            .into_parts();
        let head = RequestHead::new(&parts);
        assert_eq!(head.host, "a.example.com");
        assert_eq!(head.path, "/x");
        assert_eq!(head.query, Some("y=1"));
        let (parts, ()) = http::Request::builder()
            .uri("/x")
            .header(HOST, "B.example.com:81")
            .body(())
            .unwrap()
            .into_parts();
        let head = RequestHead::new(&parts);
        assert_eq!(head.host, "b.example.com");
        assert_eq!(head.authority, "B.example.com:81");
    }
}
