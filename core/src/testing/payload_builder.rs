//! Builds payloads the way the compiler lays them out: routes attached to listeners with
//! hostname intersection, one match entry per (rule, match, hostname), sorted by sort key.

use crate::bundle::{
    Gateway, Hostname, InvalidName, Listener, ListenerTls, MatchEntry, Payload, Protocol, Route,
    SCHEMA_VERSION, SortKey, TlsMode,
};

/// Route hostnames narrowed to a listener's (Gateway API hostname intersection). `None` in
/// the result means "any host"; an empty result means the route does not attach.
pub fn effective_hostnames(
    listener: Option<&Hostname>,
    route: &[Hostname],
) -> Vec<Option<Hostname>> {
    let Some(lh) = listener else {
        return if route.is_empty() {
            vec![None]
        } else {
            route.iter().cloned().map(Some).collect()
        };
    };
    if route.is_empty() {
        return vec![Some(lh.clone())];
    }
    let mut out: Vec<Option<Hostname>> = Vec::new();
    for rh in route {
        let effective = if rh == lh || (lh.is_wildcard() && lh.matches(rh.as_str())) {
            Some(rh.clone())
        } else if rh.is_wildcard() && rh.matches(lh.as_str()) {
            Some(lh.clone())
        } else {
            None
        };
        if let Some(h) = effective
            && !out.contains(&Some(h.clone()))
        {
            out.push(Some(h));
        }
    }
    out
}

fn len(s: &str) -> u32 {
    u32::try_from(s.chars().count()).unwrap_or(u32::MAX)
}

fn count<T>(v: &[T]) -> u32 {
    u32::try_from(v.len()).unwrap_or(u32::MAX)
}

/// The precedence key of one (route, rule, match, hostname).
pub fn sort_key(
    route: &Route,
    rule: u32,
    match_index: u32,
    hostname: Option<&Hostname>,
) -> Option<SortKey> {
    let m = route
        .rules
        .get(rule as usize)?
        .matches
        .get(match_index as usize)?;
    Some(SortKey {
        hostname_exact: hostname.is_some_and(|h| !h.is_wildcard()),
        hostname_len: hostname.map_or(0, |h| len(h.as_str())),
        path_kind: m.path.kind,
        path_len: len(&m.path.value),
        service_len: 0,
        method_len: 0,
        method: m.method.is_some(),
        headers: count(&m.headers),
        query_params: count(&m.query_params),
        created: None,
        route: format!("{}/{}", route.namespace, route.name),
        rule,
        match_index,
    })
}

#[derive(Debug, Clone)]
struct Attachment {
    gateway: usize,
    /// Listener names (sectionName); empty attaches to every HTTP/HTTPS listener.
    sections: Vec<String>,
    route: u32,
    hostnames: Vec<Hostname>,
}

/// Assembles a [`Payload`]. Listeners and routes go to the most recently added gateway.
#[derive(Debug, Clone)]
pub struct PayloadBuilder {
    payload: Payload,
    attachments: Vec<Attachment>,
    error: Option<InvalidName>,
}

impl Default for PayloadBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl PayloadBuilder {
    pub fn new() -> Self {
        Self {
            payload: Payload {
                schema_version: SCHEMA_VERSION,
                generation: 1,
                created: 1_700_000_000,
                expires: None,
                kubernetes_origin: None,
                gateways: Vec::new(),
                routes: Vec::new(),
            },
            attachments: Vec::new(),
            error: None,
        }
    }

    #[must_use]
    pub fn generation(mut self, generation: u64) -> Self {
        self.payload.generation = generation;
        self
    }

    #[must_use]
    pub fn kubernetes_origin(mut self, origin: &str) -> Self {
        self.payload.kubernetes_origin = Some(origin.into());
        self
    }

    #[must_use]
    pub fn gateway(mut self, namespace: &str, name: &str) -> Self {
        self.payload.gateways.push(Gateway {
            namespace: namespace.into(),
            name: name.into(),
            listeners: Vec::new(),
        });
        self
    }

    fn hostname(&mut self, h: &str) -> Option<Hostname> {
        match Hostname::new(h) {
            Ok(h) => Some(h),
            Err(e) => {
                self.error.get_or_insert(e);
                None
            }
        }
    }

    /// Adds an HTTP or HTTPS listener (HTTPS terminates with no certificate refs).
    #[must_use]
    pub fn listener(
        mut self,
        name: &str,
        port: u16,
        protocol: Protocol,
        hostname: Option<&str>,
    ) -> Self {
        if self.payload.gateways.is_empty() {
            self = self.gateway("default", "gateway");
        }
        let hostname = hostname.and_then(|h| self.hostname(h));
        let tls = (protocol == Protocol::Https).then(|| ListenerTls {
            mode: TlsMode::Terminate,
            certificate_refs: Vec::new(),
        });
        if let Some(g) = self.payload.gateways.last_mut() {
            g.listeners.push(Listener {
                name: name.into(),
                port,
                protocol,
                hostname,
                tls,
                http: Vec::new(),
                streams: Vec::new(),
            });
        }
        self
    }

    /// Adds a route with `hostnames`, attached to every HTTP/HTTPS listener of the last gateway.
    #[must_use]
    pub fn route(self, route: Route, hostnames: &[&str]) -> Self {
        self.route_on(route, hostnames, &[])
    }

    /// Adds a route attached only to the named listeners of the last gateway.
    #[must_use]
    pub fn route_on(mut self, route: Route, hostnames: &[&str], sections: &[&str]) -> Self {
        let hostnames = hostnames.iter().filter_map(|h| self.hostname(h)).collect();
        let index = u32::try_from(self.payload.routes.len()).unwrap_or(u32::MAX);
        self.payload.routes.push(route);
        self.attachments.push(Attachment {
            gateway: self.payload.gateways.len().saturating_sub(1),
            sections: sections.iter().map(|s| (*s).to_owned()).collect(),
            route: index,
            hostnames,
        });
        self
    }

    /// Attaches routes, writes every listener's sorted match entries and returns the payload.
    pub fn build(mut self) -> Result<Payload, InvalidName> {
        if let Some(e) = self.error {
            return Err(e);
        }
        for a in &self.attachments {
            let route = &self.payload.routes[a.route as usize];
            let Some(gateway) = self.payload.gateways.get_mut(a.gateway) else {
                continue;
            };
            for listener in &mut gateway.listeners {
                if !matches!(listener.protocol, Protocol::Http | Protocol::Https)
                    || !(a.sections.is_empty() || a.sections.contains(&listener.name))
                {
                    continue;
                }
                for hostname in effective_hostnames(listener.hostname.as_ref(), &a.hostnames) {
                    for (ri, rule) in route.rules.iter().enumerate() {
                        for mi in 0..rule.matches.len() {
                            let (rule_i, match_i) =
                                (count(&route.rules[..ri]), count(&rule.matches[..mi]));
                            if let Some(key) = sort_key(route, rule_i, match_i, hostname.as_ref()) {
                                listener.http.push(MatchEntry {
                                    route: a.route,
                                    rule: rule_i,
                                    match_index: match_i,
                                    hostname: hostname.clone(),
                                    sort_key: key,
                                });
                            }
                        }
                    }
                }
            }
        }
        for g in &mut self.payload.gateways {
            for l in &mut g.listeners {
                l.http.sort_by(|a, b| a.sort_key.cmp(&b.sort_key));
            }
        }
        Ok(self.payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Hostname {
        Hostname::new(s).unwrap()
    }

    #[test]
    fn hostname_intersection() {
        assert_eq!(effective_hostnames(None, &[]), vec![None]);
        assert_eq!(
            effective_hostnames(Some(&h("*.example.com")), &[]),
            vec![Some(h("*.example.com"))]
        );
        assert_eq!(
            effective_hostnames(
                Some(&h("*.example.com")),
                &[h("a.example.com"), h("other.org")]
            ),
            vec![Some(h("a.example.com"))]
        );
        assert_eq!(
            effective_hostnames(Some(&h("a.example.com")), &[h("*.example.com")]),
            vec![Some(h("a.example.com"))]
        );
        assert!(effective_hostnames(Some(&h("a.example.com")), &[h("b.example.com")]).is_empty());
    }
}
