//! Per-hostname path index: an exact-path map, a prefix tree keyed by path segments, and a
//! list for everything else (regexes). Entries are indices into the listener's sorted match
//! entries, so the most specific match is the smallest index that fully matches.

use super::fast_hash::FastMap;
use super::route_match::PathMatcher;

#[derive(Debug, Default)]
struct PrefixNode {
    children: FastMap<Box<str>, PrefixNode>,
    /// PathPrefix entries whose (normalized) prefix ends at this node, ascending.
    entries: Vec<u32>,
}

#[derive(Debug, Default)]
pub(crate) struct PathIndex {
    exact: FastMap<Box<str>, Vec<u32>>,
    prefix: PrefixNode,
    other: Vec<u32>,
}

/// Whether a candidate matches; `path_checked` tells whether the index already proved the
/// path part.
pub(crate) trait Candidate {
    fn matches(&self, entry: u32, path_checked: bool) -> bool;
}

impl<F: Fn(u32, bool) -> bool> Candidate for F {
    fn matches(&self, entry: u32, path_checked: bool) -> bool {
        self(entry, path_checked)
    }
}

/// Lowers `best` to the first entry of the ascending `list` that matches, looking only at
/// entries below the current best.
fn scan(list: &[u32], best: &mut u32, path_checked: bool, check: &impl Candidate) {
    for &entry in list {
        if entry >= *best {
            return;
        }
        if check.matches(entry, path_checked) {
            *best = entry;
            return;
        }
    }
}

/// Segments of a path after the leading slash; `/a/b/` gives `a`, `b`, ``.
fn segments(path: &str) -> Option<std::str::Split<'_, char>> {
    path.strip_prefix('/').map(|rest| rest.split('/'))
}

impl PathIndex {
    /// Adds an entry. Entries must be inserted in ascending order.
    pub(crate) fn insert(&mut self, entry: u32, path: &PathMatcher) {
        match path {
            PathMatcher::Exact(p) => self.exact.entry(p.clone()).or_default().push(entry),
            PathMatcher::Prefix(p) => {
                let mut node = &mut self.prefix;
                if !p.is_empty() {
                    for seg in segments(p).into_iter().flatten() {
                        node = node.children.entry(seg.into()).or_default();
                    }
                }
                node.entries.push(entry);
            }
            PathMatcher::Regex(_) => self.other.push(entry),
        }
    }

    /// Lowers `best` to the smallest matching entry of this index, if below `best`.
    pub(crate) fn find(&self, path: &str, best: &mut u32, check: &impl Candidate) {
        if !self.exact.is_empty()
            && let Some(list) = self.exact.get(path)
        {
            scan(list, best, true, check);
        }
        let mut node = &self.prefix;
        // The empty prefix (`/`) matches even the empty path of authority-form targets.
        if path.is_empty() || path.starts_with('/') {
            scan(&node.entries, best, true, check);
        }
        for seg in segments(path).into_iter().flatten() {
            if node.children.is_empty() {
                break;
            }
            match node.children.get(seg) {
                Some(child) => {
                    node = child;
                    scan(&node.entries, best, true, check);
                }
                None => break,
            }
        }
        scan(&self.other, best, false, check);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(index: &PathIndex, path: &str) -> Option<u32> {
        let mut best = u32::MAX;
        index.find(path, &mut best, &|_, _| true);
        (best != u32::MAX).then_some(best)
    }

    #[test]
    fn exact_prefix_and_precedence_by_index() {
        let mut index = PathIndex::default();
        index.insert(0, &PathMatcher::Exact("/foo/bar".into()));
        index.insert(1, &PathMatcher::Prefix("/foo/bar".into()));
        index.insert(2, &PathMatcher::Prefix("/foo".into()));
        index.insert(3, &PathMatcher::Prefix("".into()));
        assert_eq!(found(&index, "/foo/bar"), Some(0));
        assert_eq!(found(&index, "/foo/bar/"), Some(1));
        assert_eq!(found(&index, "/foo/bar/baz"), Some(1));
        assert_eq!(found(&index, "/foo/barn"), Some(2));
        assert_eq!(found(&index, "/foo"), Some(2));
        assert_eq!(found(&index, "/foobar"), Some(3));
        assert_eq!(found(&index, "/"), Some(3));
        assert_eq!(found(&index, "*"), None);
    }

    #[test]
    fn rejected_candidates_fall_through_in_order() {
        let mut index = PathIndex::default();
        index.insert(0, &PathMatcher::Prefix("/a".into()));
        index.insert(1, &PathMatcher::Prefix("/a".into()));
        index.insert(2, &PathMatcher::Prefix("".into()));
        let mut best = u32::MAX;
        index.find("/a/b", &mut best, &|e, _| e != 0);
        assert_eq!(best, 1);
        let mut best = u32::MAX;
        index.find("/a/b", &mut best, &|e, _| e == 2);
        assert_eq!(best, 2);
    }
}
