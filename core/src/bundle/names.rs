//! Validated newtypes for the values a bundle carries. Each one is checked when a bundle
//! is decoded, so the router never meets a malformed hostname or weight at request time.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a value in a bundle (or a manifest) is not a valid instance of its type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidName {
    #[error(
        "hostname {0:?} is not a valid RFC 1123 hostname (optionally with a leading `*.` label)"
    )]
    Hostname(String),
    #[error("{0:?} is not a valid Kubernetes object name")]
    ObjectName(String),
}

/// An RFC 1123 hostname in lower case, optionally with a single leading wildcard label
/// (`*.example.com`). A wildcard spans one or more labels and never matches the apex.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Hostname(String);

impl Hostname {
    /// Validates and lower-cases `s`.
    pub fn new(s: &str) -> Result<Self, InvalidName> {
        let lower = s.to_ascii_lowercase();
        let body = lower.strip_prefix("*.").unwrap_or(&lower);
        let valid = !body.is_empty()
            && lower.len() <= 253
            && body.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            });
        if valid {
            Ok(Self(lower))
        } else {
            Err(InvalidName::Hostname(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_wildcard(&self) -> bool {
        self.0.starts_with("*.")
    }

    /// The part after `*` for a wildcard (`.example.com`), the whole name otherwise.
    pub fn suffix(&self) -> &str {
        self.0.strip_prefix('*').unwrap_or(&self.0)
    }

    /// Whether a request host (already lower-cased, port removed) matches this pattern.
    pub fn matches(&self, host: &str) -> bool {
        if self.is_wildcard() {
            let suffix = self.suffix();
            host.len() > suffix.len() && host.ends_with(suffix)
        } else {
            self.0 == host
        }
    }
}

impl TryFrom<String> for Hostname {
    type Error = InvalidName;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(&s)
    }
}

impl From<Hostname> for String {
    fn from(h: Hostname) -> Self {
        h.0
    }
}

impl fmt::Display for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// `namespace/name` of a Kubernetes object, as used in logs, metrics and `explain`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectRef {
    pub namespace: String,
    pub name: String,
}

impl ObjectRef {
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_spans_labels_but_not_apex() {
        let h = Hostname::new("*.Example.com").unwrap();
        assert_eq!(h.as_str(), "*.example.com");
        assert!(h.matches("a.example.com"));
        assert!(h.matches("a.b.example.com"));
        assert!(!h.matches("example.com"));
        assert!(!h.matches("aexample.com"));
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "*.",
            "a..b",
            "-a.com",
            "a_b.com",
            "*.*.a.com",
            "a.*.com",
        ] {
            assert!(Hostname::new(bad).is_err(), "{bad}");
        }
    }
}
