//! Per-listener hostname index: exact hostnames, wildcard suffixes walked label by label,
//! and the entries that accept any host. Each bucket holds a [`PathIndex`].

use super::fast_hash::FastMap;
use super::path_index::{Candidate, PathIndex};
use super::route_match::PathMatcher;
use crate::bundle::Hostname;

#[derive(Debug, Default)]
pub(crate) struct HostnameIndex {
    exact: FastMap<Box<str>, PathIndex>,
    /// Keyed by the wildcard's suffix without `*.` (`example.com` for `*.example.com`).
    wildcard: FastMap<Box<str>, PathIndex>,
    /// Bit `n` is set when some wildcard suffix has `n` labels (63 stands for 63 or more),
    /// so the label walk skips suffix lengths no wildcard has.
    wildcard_labels: u64,
    any: PathIndex,
}

fn label_bit(labels: usize) -> u64 {
    1 << labels.min(63)
}

impl HostnameIndex {
    /// Adds an entry. Entries must be inserted in ascending order.
    pub(crate) fn insert(&mut self, entry: u32, hostname: Option<&Hostname>, path: &PathMatcher) {
        let bucket = match hostname {
            None => &mut self.any,
            Some(h) => match h.as_str().strip_prefix("*.") {
                Some(suffix) => {
                    self.wildcard_labels |= label_bit(suffix.split('.').count());
                    self.wildcard.entry(suffix.into()).or_default()
                }
                None => self.exact.entry(h.as_str().into()).or_default(),
            },
        };
        bucket.insert(entry, path);
    }

    /// The smallest entry index that matches `host` (lower-case, no port) and `path` and
    /// passes `check`, or `u32::MAX`.
    pub(crate) fn find(&self, host: &str, path: &str, check: &impl Candidate) -> u32 {
        let mut best = u32::MAX;
        if !self.exact.is_empty()
            && let Some(bucket) = self.exact.get(host)
        {
            bucket.find(path, &mut best, check);
        }
        if self.wildcard_labels != 0 {
            // A wildcard spans one or more labels but never the apex, so only proper
            // suffixes after a non-empty first label are looked up.
            let mut labels = host.bytes().filter(|b| *b == b'.').count();
            for (i, b) in host.bytes().enumerate() {
                if b != b'.' {
                    continue;
                }
                if i > 0
                    && self.wildcard_labels & label_bit(labels) != 0
                    && let Some(bucket) = self.wildcard.get(&host[i + 1..])
                {
                    bucket.find(path, &mut best, check);
                }
                labels -= 1;
            }
        }
        self.any.find(path, &mut best, check);
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(entries: &[Option<&str>]) -> HostnameIndex {
        let mut index = HostnameIndex::default();
        for (i, h) in entries.iter().enumerate() {
            let h = h.map(|h| Hostname::new(h).unwrap());
            index.insert(
                u32::try_from(i).unwrap(),
                h.as_ref(),
                &PathMatcher::Prefix("".into()),
            );
        }
        index
    }

    #[test]
    fn host_buckets() {
        let index = build(&[
            Some("a.b.example.com"),
            Some("*.b.example.com"),
            Some("*.example.com"),
            None,
        ]);
        let all = |_, _| true;
        assert_eq!(index.find("a.b.example.com", "/", &all), 0);
        assert_eq!(index.find("c.b.example.com", "/", &all), 1);
        assert_eq!(index.find("x.y.b.example.com", "/", &all), 1);
        assert_eq!(index.find("b.example.com", "/", &all), 2);
        assert_eq!(index.find("example.com", "/", &all), 3);
        assert_eq!(index.find(".example.com", "/", &all), 3);
        assert_eq!(index.find("[::1]", "/", &all), 3);
        let only_wild = build(&[Some("*.example.com")]);
        assert_eq!(only_wild.find("example.com", "/", &all), u32::MAX);
    }
}
