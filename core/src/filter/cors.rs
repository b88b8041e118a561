//! The CORS filter (GEP-1767): answers preflight requests and decorates actual responses.

use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN,
};
use http::{HeaderMap, HeaderValue, Method};

use super::request_redirect::default_port;
use crate::bundle::{BundleError, Cors};

/// The spec's default for `maxAge`, in seconds.
const DEFAULT_MAX_AGE: u32 = 5;

/// Whether a request is a CORS preflight: `OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`.
pub fn is_preflight(method: &Method, headers: &HeaderMap) -> bool {
    method == Method::OPTIONS
        && headers.contains_key(ORIGIN)
        && headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD)
}

/// `scheme`, lower-cased host (brackets kept for IPv6) and port (the scheme's default when
/// absent) of an origin or origin pattern.
fn split_origin(origin: &str) -> Option<(&str, &str, Option<u16>)> {
    let (scheme, rest) = origin.split_once("://")?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = if let Some(end) = rest.find(']') {
        let (host, tail) = rest.split_at(end + 1);
        match tail.strip_prefix(':') {
            Some(p) => (host, Some(p.parse().ok()?)),
            None if tail.is_empty() => (host, None),
            None => return None,
        }
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) => (h, Some(p.parse().ok()?)),
            None => (rest, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    Some((scheme, host, port.or_else(|| default_port(scheme))))
}

/// Whether `origin` (as the client sent it) is allowed by `pattern` (as configured): `*`
/// allows everything; otherwise scheme, host and port must match, where a `*` at the start
/// of the pattern's host stands for one or more labels (`https://*.example.com`). A missing
/// port means the scheme's default, so `https://a.com` and `https://a.com:443` are equal.
pub fn origin_matches(pattern: &str, origin: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let (Some((p_scheme, p_host, p_port)), Some((scheme, host, port))) =
        (split_origin(pattern), split_origin(origin))
    else {
        return false;
    };
    if !p_scheme.eq_ignore_ascii_case(scheme) || p_port != port {
        return false;
    }
    match p_host.strip_prefix('*') {
        Some("") => true,
        Some(suffix) => {
            host.len() > suffix.len()
                && host.as_bytes()[host.len() - suffix.len()..]
                    .eq_ignore_ascii_case(suffix.as_bytes())
        }
        None => p_host.eq_ignore_ascii_case(host),
    }
}

/// A CORS filter with its header values prepared once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsPolicy {
    origins: Vec<String>,
    any_origin: bool,
    methods: AllowList,
    headers: AllowList,
    expose: AllowList,
    credentials: bool,
    max_age: HeaderValue,
}

/// A configured list of methods or header names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AllowList {
    Unset,
    /// `*`.
    Any,
    /// The names joined with `, `.
    Names(HeaderValue),
}

impl AllowList {
    fn compile(items: &[String]) -> Result<Self, BundleError> {
        if items.is_empty() {
            return Ok(Self::Unset);
        }
        if items.iter().any(|i| i == "*") {
            return Ok(Self::Any);
        }
        HeaderValue::from_str(&items.join(", "))
            .map(Self::Names)
            .map_err(|_| BundleError::Inconsistent(format!("invalid CORS list {items:?}")))
    }

    /// The header value to send; `*` is answered with the request's own value, which is
    /// valid with and without credentials where a literal `*` is not.
    fn answer(&self, echo: Option<&HeaderValue>) -> Option<HeaderValue> {
        match self {
            Self::Unset => None,
            Self::Any => echo.cloned(),
            Self::Names(v) => Some(v.clone()),
        }
    }
}

impl CorsPolicy {
    pub fn compile(cors: &Cors) -> Result<Self, BundleError> {
        Ok(Self {
            origins: cors.allow_origins.clone(),
            any_origin: cors.allow_origins.iter().any(|o| o == "*"),
            methods: AllowList::compile(&cors.allow_methods)?,
            headers: AllowList::compile(&cors.allow_headers)?,
            expose: AllowList::compile(&cors.expose_headers)?,
            credentials: cors.allow_credentials,
            max_age: HeaderValue::from(cors.max_age.unwrap_or(DEFAULT_MAX_AGE)),
        })
    }

    /// The request's `Origin` if the policy allows it.
    fn allowed_origin<'h>(&self, request: &'h HeaderMap) -> Option<&'h HeaderValue> {
        let origin = request.get(ORIGIN)?;
        let text = origin.to_str().ok()?;
        self.origins
            .iter()
            .any(|p| origin_matches(p, text))
            .then_some(origin)
    }

    /// `*` is only allowed without credentials; with them the request's own value is echoed.
    fn allow_origin(&self, origin: &HeaderValue) -> HeaderValue {
        if self.any_origin && !self.credentials {
            HeaderValue::from_static("*")
        } else {
            origin.clone()
        }
    }

    /// Response headers for an actual (non-preflight) cross-origin request; empty when the
    /// request has no `Origin` or the origin is not allowed.
    pub fn response_headers(&self, request: &HeaderMap) -> HeaderMap {
        let mut out = HeaderMap::new();
        let Some(origin) = self.allowed_origin(request) else {
            return out;
        };
        out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, self.allow_origin(origin));
        if self.credentials {
            out.insert(
                ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        self.insert_expose(&mut out);
        out
    }

    fn insert_expose(&self, out: &mut HeaderMap) {
        match &self.expose {
            AllowList::Names(v) => {
                out.insert(ACCESS_CONTROL_EXPOSE_HEADERS, v.clone());
            }
            // `*` means "all" only for requests without credentials.
            AllowList::Any if !self.credentials => {
                out.insert(ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("*"));
            }
            AllowList::Any | AllowList::Unset => {}
        }
    }

    /// Headers answering a preflight; empty when the origin is not allowed, which makes the
    /// browser refuse the actual request. For `*` methods or headers the request's own
    /// `Access-Control-Request-*` value is echoed.
    pub fn preflight_headers(&self, request: &HeaderMap) -> HeaderMap {
        let mut out = HeaderMap::new();
        let Some(origin) = self.allowed_origin(request) else {
            return out;
        };
        out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, self.allow_origin(origin));
        if self.credentials {
            out.insert(
                ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        if let Some(v) = self
            .methods
            .answer(request.get(ACCESS_CONTROL_REQUEST_METHOD))
        {
            out.insert(ACCESS_CONTROL_ALLOW_METHODS, v);
        }
        if let Some(v) = self
            .headers
            .answer(request.get(ACCESS_CONTROL_REQUEST_HEADERS))
        {
            out.insert(ACCESS_CONTROL_ALLOW_HEADERS, v);
        }
        self.insert_expose(&mut out);
        out.insert(ACCESS_CONTROL_MAX_AGE, self.max_age.clone());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_patterns() {
        assert!(origin_matches("*", "https://anything:1234"));
        assert!(origin_matches("https://www.foo.com", "https://www.foo.com"));
        assert!(origin_matches(
            "https://www.foo.com",
            "https://WWW.foo.com:443"
        ));
        assert!(!origin_matches("https://www.foo.com", "http://www.foo.com"));
        assert!(!origin_matches(
            "https://www.foo.com",
            "https://www.foo.com:8443"
        ));
        assert!(origin_matches("https://*.bar.com", "https://www.bar.com"));
        assert!(origin_matches(
            "https://*.bar.com",
            "https://xpto.www.bar.com"
        ));
        assert!(!origin_matches("https://*.bar.com", "https://bar.com"));
        assert!(!origin_matches("https://*.bar.com", "https://evilbar.com"));
        assert!(origin_matches("http://*", "http://x.y"));
        assert!(origin_matches("http://[::1]:8080", "http://[::1]:8080"));
        assert!(!origin_matches("https://a.com", "null"));
    }

    fn policy(credentials: bool, wildcard: bool) -> CorsPolicy {
        let star = || vec!["*".to_owned()];
        CorsPolicy::compile(&Cors {
            allow_origins: if wildcard {
                star()
            } else {
                vec!["https://www.foo.com".into(), "https://*.bar.com".into()]
            },
            allow_methods: if wildcard {
                star()
            } else {
                vec!["GET".into(), "OPTIONS".into()]
            },
            allow_headers: if wildcard {
                star()
            } else {
                vec!["x-header-1".into(), "x-header-2".into()]
            },
            expose_headers: vec!["x-header-3".into(), "x-header-4".into()],
            allow_credentials: credentials,
            max_age: if wildcard { None } else { Some(3600) },
        })
        .unwrap()
    }

    fn request(origin: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ORIGIN, origin.parse().unwrap());
        h.insert(ACCESS_CONTROL_REQUEST_METHOD, "PUT".parse().unwrap());
        h.insert(ACCESS_CONTROL_REQUEST_HEADERS, "x-a, x-b".parse().unwrap());
        h
    }

    #[test]
    fn preflight_lists_and_credentials() {
        let h = policy(true, false).preflight_headers(&request("https://www.bar.com"));
        assert_eq!(h[ACCESS_CONTROL_ALLOW_ORIGIN], "https://www.bar.com");
        assert_eq!(h[ACCESS_CONTROL_ALLOW_METHODS], "GET, OPTIONS");
        assert_eq!(h[ACCESS_CONTROL_ALLOW_HEADERS], "x-header-1, x-header-2");
        assert_eq!(h[ACCESS_CONTROL_EXPOSE_HEADERS], "x-header-3, x-header-4");
        assert_eq!(h[ACCESS_CONTROL_MAX_AGE], "3600");
        assert_eq!(h[ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
        assert!(
            policy(true, false)
                .preflight_headers(&request("https://foobar.com"))
                .is_empty()
        );
    }

    #[test]
    fn wildcards_echo_the_request() {
        let with_creds = policy(true, true).preflight_headers(&request("https://foobar.com:12345"));
        assert_eq!(
            with_creds[ACCESS_CONTROL_ALLOW_ORIGIN],
            "https://foobar.com:12345"
        );
        assert_eq!(with_creds[ACCESS_CONTROL_ALLOW_METHODS], "PUT");
        assert_eq!(with_creds[ACCESS_CONTROL_ALLOW_HEADERS], "x-a, x-b");
        assert_eq!(with_creds[ACCESS_CONTROL_MAX_AGE], "5");
        let without = policy(false, true).preflight_headers(&request("https://foobar.com"));
        assert_eq!(without[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        assert!(without.get(ACCESS_CONTROL_ALLOW_CREDENTIALS).is_none());
    }

    #[test]
    fn actual_requests() {
        let p = policy(true, false);
        let h = p.response_headers(&request("https://www.foo.com"));
        assert_eq!(h[ACCESS_CONTROL_ALLOW_ORIGIN], "https://www.foo.com");
        assert_eq!(h[ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
        assert!(h.get(ACCESS_CONTROL_ALLOW_METHODS).is_none());
        assert!(
            p.response_headers(&request("https://foobar.com"))
                .is_empty()
        );
        assert!(p.response_headers(&HeaderMap::new()).is_empty());
        assert!(is_preflight(&Method::OPTIONS, &request("https://a.b")));
        assert!(!is_preflight(&Method::GET, &request("https://a.b")));
        assert!(!is_preflight(&Method::OPTIONS, &HeaderMap::new()));
    }
}
