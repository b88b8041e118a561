//! RequestHeaderModifier and ResponseHeaderModifier, compiled once into `http` types.

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::bundle::{BundleError, HeaderModifier};

/// A header modifier with names and values already parsed, so applying it cannot fail and
/// does not re-validate per request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderEdits {
    set: Vec<(HeaderName, HeaderValue)>,
    add: Vec<(HeaderName, HeaderValue)>,
    remove: Vec<HeaderName>,
}

fn name(s: &str) -> Result<HeaderName, BundleError> {
    HeaderName::from_bytes(s.as_bytes())
        .map_err(|_| BundleError::Inconsistent(format!("invalid header name {s:?} in a filter")))
}

fn value(s: &str) -> Result<HeaderValue, BundleError> {
    HeaderValue::from_str(s)
        .map_err(|_| BundleError::Inconsistent(format!("invalid header value {s:?} in a filter")))
}

impl HeaderEdits {
    /// Parses a bundle modifier; names are compared case-insensitively. Per the spec only
    /// the first `set` (or `add`) entry for a given name counts.
    pub fn compile(modifier: &HeaderModifier) -> Result<Self, BundleError> {
        let mut edits = Self::default();
        for h in &modifier.set {
            let n = name(&h.name)?;
            if !edits.set.iter().any(|(seen, _)| *seen == n) {
                edits.set.push((n, value(&h.value)?));
            }
        }
        for h in &modifier.add {
            let n = name(&h.name)?;
            if !edits.add.iter().any(|(seen, _)| *seen == n) {
                edits.add.push((n, value(&h.value)?));
            }
        }
        for r in &modifier.remove {
            edits.remove.push(name(r)?);
        }
        Ok(edits)
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.add.is_empty() && self.remove.is_empty()
    }

    /// Set replaces, add appends a value after the existing ones, remove drops every value.
    pub fn apply(&self, headers: &mut HeaderMap) {
        for (n, v) in &self.set {
            headers.insert(n.clone(), v.clone());
        }
        for (n, v) in &self.add {
            headers.append(n.clone(), v.clone());
        }
        for n in &self.remove {
            headers.remove(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::Header;

    fn header(name: &str, value: &str) -> Header {
        Header {
            name: name.into(),
            value: value.into(),
        }
    }

    #[test]
    fn set_add_remove() {
        let edits = HeaderEdits::compile(&HeaderModifier {
            set: vec![header("x-set", "new"), header("X-Set", "ignored")],
            add: vec![header("x-add", "two")],
            remove: vec!["x-gone".into()],
        })
        .unwrap();
        let mut h = HeaderMap::new();
        h.insert("x-set", HeaderValue::from_static("old"));
        h.append("x-set", HeaderValue::from_static("older"));
        h.insert("x-add", HeaderValue::from_static("one"));
        h.insert("x-gone", HeaderValue::from_static("bye"));
        h.insert("x-keep", HeaderValue::from_static("kept"));
        edits.apply(&mut h);
        assert_eq!(h.get_all("x-set").iter().collect::<Vec<_>>(), ["new"]);
        assert_eq!(
            h.get_all("x-add").iter().collect::<Vec<_>>(),
            ["one", "two"]
        );
        assert!(h.get("x-gone").is_none());
        assert_eq!(h["x-keep"], "kept");
    }

    #[test]
    fn invalid_names_are_refused_at_load() {
        let bad = HeaderModifier {
            set: vec![header("bad name", "v")],
            ..HeaderModifier::default()
        };
        assert!(matches!(
            HeaderEdits::compile(&bad),
            Err(BundleError::Inconsistent(_))
        ));
        let bad_value = HeaderModifier {
            add: vec![header("x", "line\nbreak")],
            ..HeaderModifier::default()
        };
        assert!(HeaderEdits::compile(&bad_value).is_err());
    }
}
