//! A RouteMatch compiled for request time: regexes built once, header names parsed once.

use std::borrow::Cow;

use http::HeaderName;
use percent_encoding::percent_decode_str;
use regex::Regex;

use super::request_head::RequestHead;
use crate::bundle::{BundleError, PathMatchKind, RouteMatch, ValueMatch, ValueMatchKind};
use crate::filter::{normalize_prefix, prefix_matches};

/// An anchored regex: Gateway API regex matches are full matches.
fn full_regex(pattern: &str) -> Result<Regex, BundleError> {
    Regex::new(&format!("^(?:{pattern})$"))
        .map_err(|e| BundleError::Inconsistent(format!("regex {pattern:?} does not compile: {e}")))
}

#[derive(Debug)]
pub(crate) enum PathMatcher {
    Exact(Box<str>),
    /// Normalized: no trailing slash; `/` is the empty prefix.
    Prefix(Box<str>),
    Regex(Regex),
}

impl PathMatcher {
    pub(crate) fn matches(&self, path: &str) -> bool {
        match self {
            Self::Exact(p) => **p == *path,
            Self::Prefix(p) => prefix_matches(p, path),
            Self::Regex(r) => r.is_match(path),
        }
    }
}

#[derive(Debug)]
enum ValueMatcher {
    Exact(Box<str>),
    Regex(Regex),
}

impl ValueMatcher {
    fn compile(m: &ValueMatch) -> Result<Self, BundleError> {
        Ok(match m.kind {
            ValueMatchKind::Exact => Self::Exact(m.value.as_str().into()),
            ValueMatchKind::RegularExpression => Self::Regex(full_regex(&m.value)?),
        })
    }

    fn matches(&self, value: &str) -> bool {
        match self {
            Self::Exact(v) => **v == *value,
            Self::Regex(r) => r.is_match(value),
        }
    }
}

#[derive(Debug)]
pub(crate) struct RouteMatcher {
    pub path: PathMatcher,
    method: Option<Box<str>>,
    headers: Vec<(HeaderName, ValueMatcher)>,
    query: Vec<(Box<str>, ValueMatcher)>,
}

impl RouteMatcher {
    pub(crate) fn compile(m: &RouteMatch) -> Result<Self, BundleError> {
        let path = match m.path.kind {
            PathMatchKind::Exact => PathMatcher::Exact(m.path.value.as_str().into()),
            PathMatchKind::PathPrefix => {
                PathMatcher::Prefix(normalize_prefix(&m.path.value).into())
            }
            PathMatchKind::RegularExpression => PathMatcher::Regex(full_regex(&m.path.value)?),
        };
        // The spec: of several entries with an equivalent name only the first counts.
        let mut headers: Vec<(HeaderName, ValueMatcher)> = Vec::with_capacity(m.headers.len());
        for h in &m.headers {
            let name = HeaderName::from_bytes(h.name.as_bytes()).map_err(|_| {
                BundleError::Inconsistent(format!("invalid header name {:?} in a match", h.name))
            })?;
            if !headers.iter().any(|(n, _)| *n == name) {
                headers.push((name, ValueMatcher::compile(h)?));
            }
        }
        let mut query: Vec<(Box<str>, ValueMatcher)> = Vec::with_capacity(m.query_params.len());
        for q in &m.query_params {
            if !query.iter().any(|(n, _)| **n == *q.name) {
                query.push((q.name.as_str().into(), ValueMatcher::compile(q)?));
            }
        }
        Ok(Self {
            path,
            method: m.method.as_deref().map(Into::into),
            headers,
            query,
        })
    }

    /// Everything but the path, which the indexes have already checked.
    pub(crate) fn matches_rest(&self, head: &RequestHead<'_>) -> bool {
        if let Some(m) = &self.method
            && **m != *head.parts.method.as_str()
        {
            return false;
        }
        self.headers
            .iter()
            .all(|(name, m)| header_value(head, name).is_some_and(|v| m.matches(&v)))
            && self
                .query
                .iter()
                .all(|(name, m)| query_value(head.query, name).is_some_and(|v| m.matches(&v)))
    }

    pub(crate) fn matches(&self, head: &RequestHead<'_>) -> bool {
        self.path.matches(head.path) && self.matches_rest(head)
    }
}

/// A header's value; several occurrences are joined with `,` (RFC 9110 §5.3). Values that
/// are not visible ASCII/UTF-8 never match.
fn header_value<'a>(head: &RequestHead<'a>, name: &HeaderName) -> Option<Cow<'a, str>> {
    let mut values = head.parts.headers.get_all(name).iter();
    let first = values.next()?.to_str().ok()?;
    let Some(second) = values.next() else {
        return Some(Cow::Borrowed(first));
    };
    let mut joined = format!("{first},{}", second.to_str().ok()?);
    for v in values {
        joined.push(',');
        joined.push_str(v.to_str().ok()?);
    }
    Some(Cow::Owned(joined))
}

/// The first value of a query parameter, percent-decoded; names are case-sensitive.
pub(crate) fn query_value<'a>(query: Option<&'a str>, name: &str) -> Option<Cow<'a, str>> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode_str(k).decode_utf8().ok()?;
        (k == name)
            .then(|| percent_decode_str(v).decode_utf8().ok())
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::PathMatch;

    fn parts(uri: &str, headers: &[(&str, &str)]) -> http::request::Parts {
        let mut b = http::Request::builder().uri(uri);
        for (n, v) in headers {
            b = b.header(*n, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    fn value(name: &str, kind: ValueMatchKind, value: &str) -> ValueMatch {
        ValueMatch {
            name: name.into(),
            kind,
            value: value.into(),
        }
    }

    fn matcher(kind: PathMatchKind, path: &str) -> RouteMatch {
        RouteMatch {
            path: PathMatch {
                kind,
                value: path.into(),
            },
            method: None,
            headers: vec![],
            query_params: vec![],
        }
    }

    #[test]
    fn regex_is_anchored() {
        let m =
            RouteMatcher::compile(&matcher(PathMatchKind::RegularExpression, "/v[0-9]+")).unwrap();
        let p = parts("/v12", &[]);
        assert!(m.matches(&RequestHead::new(&p)));
        let p = parts("/v12/x", &[]);
        assert!(!m.matches(&RequestHead::new(&p)));
        let p = parts("/x/v12", &[]);
        assert!(!m.matches(&RequestHead::new(&p)));
        assert!(RouteMatcher::compile(&matcher(PathMatchKind::RegularExpression, "(")).is_err());
    }

    #[test]
    fn headers_joined_and_case_insensitive() {
        let mut rm = matcher(PathMatchKind::PathPrefix, "/");
        rm.headers = vec![
            value("x-a", ValueMatchKind::Exact, "1,2"),
            value("x-a", ValueMatchKind::Exact, "ignored"),
            value("x-b", ValueMatchKind::RegularExpression, "b+"),
        ];
        let m = RouteMatcher::compile(&rm).unwrap();
        let p = parts("/", &[("X-A", "1"), ("x-a", "2"), ("X-B", "bbb")]);
        assert!(m.matches(&RequestHead::new(&p)));
        let p = parts("/", &[("x-a", "1"), ("x-b", "bbb")]);
        assert!(!m.matches(&RequestHead::new(&p)));
        let p = parts("/", &[("x-a", "1"), ("x-a", "2"), ("x-b", "bbbc")]);
        assert!(!m.matches(&RequestHead::new(&p)));
    }

    #[test]
    fn query_first_value_case_sensitive_decoded() {
        let mut rm = matcher(PathMatchKind::Exact, "/q");
        rm.query_params = vec![value("Animal", ValueMatchKind::Exact, "white whale")];
        rm.method = Some("POST".into());
        let m = RouteMatcher::compile(&rm).unwrap();
        let post = |uri: &str| {
            let (mut p, ()) = http::Request::builder()
                .method("POST")
                .uri(uri)
                .body(())
                .unwrap()
                .into_parts();
            p.headers.clear();
            p
        };
        assert!(m.matches(&RequestHead::new(&post("/q?Animal=white%20whale&Animal=x"))));
        assert!(!m.matches(&RequestHead::new(&post("/q?Animal=x&Animal=white%20whale"))));
        assert!(!m.matches(&RequestHead::new(&post("/q?animal=white%20whale"))));
        assert!(!m.matches(&RequestHead::new(&parts("/q?Animal=white%20whale", &[]))));
        assert_eq!(query_value(Some("a&b=2"), "a").as_deref(), Some(""));
        assert_eq!(query_value(None, "a"), None);
    }
}
