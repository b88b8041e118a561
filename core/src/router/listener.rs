//! One HTTP or HTTPS listener compiled for lookup, and listener selection by Host.

use super::hostname_index::HostnameIndex;
use super::request_head::RequestHead;
use super::route_match::RouteMatcher;
use crate::bundle::{BundleError, Hostname, Listener, MatchEntry, Protocol};

/// A match entry resolved to its compiled matcher.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CompiledEntry {
    pub route: u32,
    pub rule: u32,
    pub match_index: u32,
    /// Index into `Router::matchers`.
    pub matcher: u32,
}

#[derive(Debug)]
pub(crate) struct CompiledListener {
    pub gateway: usize,
    pub listener: usize,
    pub port: u16,
    pub hostname: Option<Hostname>,
    pub https: bool,
    pub entries: Vec<CompiledEntry>,
    index: HostnameIndex,
}

/// How well a listener's hostname fits a request host: exact beats wildcard (a longer
/// wildcard beats a shorter one) beats no hostname. `None` when it does not fit at all.
pub(crate) fn specificity(listener: Option<&Hostname>, host: &str) -> Option<(u8, usize)> {
    match listener {
        None => Some((0, 0)),
        Some(h) if !h.matches(host) => None,
        Some(h) if h.is_wildcard() => Some((1, h.as_str().len())),
        Some(h) => Some((2, h.as_str().len())),
    }
}

impl CompiledListener {
    /// `matcher_of(entry)` resolves an entry to its matcher index after checking the entry's
    /// indices; the entries must already be in sort-key order.
    pub(crate) fn compile(
        gateway: usize,
        listener_index: usize,
        listener: &Listener,
        matchers: &[RouteMatcher],
        matcher_of: impl Fn(&MatchEntry) -> Result<u32, BundleError>,
    ) -> Result<Self, BundleError> {
        let mut entries = Vec::with_capacity(listener.http.len());
        let mut index = HostnameIndex::default();
        for (i, e) in listener.http.iter().enumerate() {
            let matcher = matcher_of(e)?;
            let position = u32::try_from(i)
                .map_err(|_| BundleError::Inconsistent("too many match entries".into()))?;
            let path = &matchers
                .get(matcher as usize)
                .ok_or_else(|| BundleError::Inconsistent("matcher index out of range".into()))?
                .path;
            index.insert(position, e.hostname.as_ref(), path);
            entries.push(CompiledEntry {
                route: e.route,
                rule: e.rule,
                match_index: e.match_index,
                matcher,
            });
        }
        Ok(Self {
            gateway,
            listener: listener_index,
            port: listener.port,
            hostname: listener.hostname.clone(),
            https: listener.protocol == Protocol::Https,
            entries,
            index,
        })
    }

    pub(crate) fn scheme(&self) -> &'static str {
        if self.https { "https" } else { "http" }
    }

    /// The most specific entry matching the request, by sort order.
    pub(crate) fn find(
        &self,
        head: &RequestHead<'_>,
        matchers: &[RouteMatcher],
    ) -> Option<&CompiledEntry> {
        let check = |entry: u32, path_checked: bool| {
            let Some(e) = self.entries.get(entry as usize) else {
                return false;
            };
            matchers.get(e.matcher as usize).is_some_and(|m| {
                if path_checked {
                    m.matches_rest(head)
                } else {
                    m.matches(head)
                }
            })
        };
        let best = self.index.find(&head.host, head.path, &check);
        self.entries.get(best as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listener_hostname_precedence() {
        let exact = Hostname::new("foo.example.com").unwrap();
        let wild = Hostname::new("*.example.com").unwrap();
        let longer = Hostname::new("*.foo.example.com").unwrap();
        let host = "foo.example.com";
        assert!(specificity(Some(&exact), host) > specificity(Some(&wild), host));
        assert!(specificity(Some(&wild), host) > specificity(None, host));
        let deep = "a.foo.example.com";
        assert!(specificity(Some(&longer), deep) > specificity(Some(&wild), deep));
        assert_eq!(specificity(Some(&exact), "bar.example.com"), None);
        assert_eq!(specificity(Some(&wild), "example.com"), None);
    }
}
