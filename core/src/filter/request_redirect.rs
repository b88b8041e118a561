//! RequestRedirect: builds the `Location` of a redirect from the request and the filter.

use std::fmt::Write as _;

use super::url_rewrite::replace_prefix;
use crate::bundle::{PathModifier, RequestRedirect};

/// The well-known port of a scheme (`http` 80, `https` 443).
pub fn default_port(scheme: &str) -> Option<u16> {
    if scheme.eq_ignore_ascii_case("http") {
        Some(80)
    } else if scheme.eq_ignore_ascii_case("https") {
        Some(443)
    } else {
        None
    }
}

/// What a redirect starts from: the request as the listener received it.
#[derive(Debug, Clone, Copy)]
pub struct RedirectTarget<'a> {
    /// `https` on an HTTPS listener, `http` otherwise.
    pub scheme: &'a str,
    /// The request host, lower-cased and without port.
    pub host: &'a str,
    pub listener_port: u16,
    pub path: &'a str,
    pub query: Option<&'a str>,
    /// The PathPrefix value of the match that selected the rule (for ReplacePrefixMatch).
    pub matched_prefix: Option<&'a str>,
}

impl RedirectTarget<'_> {
    /// The full `Location` per the spec's port rules: an explicit port wins; else a
    /// configured scheme brings its well-known port; else the listener's port. The port is
    /// left out when it is the scheme's default. The query is kept.
    pub fn location(&self, redirect: &RequestRedirect) -> String {
        let scheme = redirect.scheme.as_deref().unwrap_or(self.scheme);
        let host = redirect.hostname.as_ref().map_or(self.host, |h| h.as_str());
        let port = match (redirect.port, &redirect.scheme) {
            (Some(port), _) => port,
            (None, Some(s)) => default_port(s).unwrap_or(self.listener_port),
            (None, None) => self.listener_port,
        };
        let path = match &redirect.path {
            None => self.path.to_owned(),
            Some(PathModifier::ReplaceFullPath(p)) => p.clone(),
            Some(PathModifier::ReplacePrefixMatch(r)) => match self.matched_prefix {
                Some(prefix) => replace_prefix(self.path, prefix, r),
                None => self.path.to_owned(),
            },
        };
        let mut out = String::with_capacity(scheme.len() + host.len() + path.len() + 16);
        out.push_str(scheme);
        out.push_str("://");
        out.push_str(host);
        if default_port(scheme) != Some(port) {
            let _ = write!(out, ":{port}");
        }
        out.push_str(&path);
        if let Some(q) = self.query {
            out.push('?');
            out.push_str(q);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::Hostname;

    fn target(scheme: &'static str, listener_port: u16) -> RedirectTarget<'static> {
        RedirectTarget {
            scheme,
            host: "example.com",
            listener_port,
            path: "/original-prefix/lemon",
            query: Some("a=1"),
            matched_prefix: Some("/original-prefix"),
        }
    }

    fn redirect() -> RequestRedirect {
        RequestRedirect {
            scheme: None,
            hostname: None,
            path: None,
            port: None,
            status_code: 302,
        }
    }

    #[test]
    fn port_rules() {
        // Nothing set: listener scheme and port; default ports are omitted.
        assert_eq!(
            target("http", 80).location(&redirect()),
            "http://example.com/original-prefix/lemon?a=1"
        );
        assert_eq!(
            target("http", 8080).location(&redirect()),
            "http://example.com:8080/original-prefix/lemon?a=1"
        );
        assert_eq!(
            target("https", 443).location(&redirect()),
            "https://example.com/original-prefix/lemon?a=1"
        );
        // Scheme set, port unset: the scheme's well-known port, not the listener's.
        let https = RequestRedirect {
            scheme: Some("https".into()),
            ..redirect()
        };
        assert_eq!(
            target("http", 8080).location(&https),
            "https://example.com/original-prefix/lemon?a=1"
        );
        // Explicit port: kept unless it is the scheme's default.
        let port = RequestRedirect {
            port: Some(8443),
            ..https.clone()
        };
        assert_eq!(
            target("http", 80).location(&port),
            "https://example.com:8443/original-prefix/lemon?a=1"
        );
        let port443 = RequestRedirect {
            port: Some(443),
            ..https
        };
        assert_eq!(
            target("http", 80).location(&port443),
            "https://example.com/original-prefix/lemon?a=1"
        );
        let http_on_443 = RequestRedirect {
            port: Some(443),
            ..redirect()
        };
        assert_eq!(
            target("http", 80).location(&http_on_443),
            "http://example.com:443/original-prefix/lemon?a=1"
        );
    }

    #[test]
    fn hostname_and_paths() {
        let r = RequestRedirect {
            hostname: Some(Hostname::new("other.example.org").unwrap()),
            path: Some(PathModifier::ReplacePrefixMatch(
                "/replacement-prefix".into(),
            )),
            ..redirect()
        };
        assert_eq!(
            target("http", 80).location(&r),
            "http://other.example.org/replacement-prefix/lemon?a=1"
        );
        let full = RequestRedirect {
            path: Some(PathModifier::ReplaceFullPath("/full".into())),
            ..redirect()
        };
        assert_eq!(
            target("http", 80).location(&full),
            "http://example.com/full?a=1"
        );
        let strip = RequestRedirect {
            path: Some(PathModifier::ReplacePrefixMatch("/".into())),
            ..redirect()
        };
        assert_eq!(
            target("http", 80).location(&strip),
            "http://example.com/lemon?a=1"
        );
    }
}
