//! Connection-level lookups for runtimes that own sockets: which TCPRoute or TLSRoute a
//! connection on a TCP/TLS listener reaches (by port and SNI), which HTTPS listener an SNI
//! name selects (for certificate choice and the 421 check), and the weighted backend pick
//! for stream routes. Pure functions over the bundle, like the rest of the router.

use super::backend_ref::PickedBackend;
use super::http_route::BackendEdits;
use super::listener::specificity;
use super::{RequestContext, Router};
use crate::bundle::{
    BackendTarget, Gateway, Listener, ObjectRef, Protocol, StreamKind, StreamRoute,
};

/// Stream backends carry no filters; they share one empty edit set.
static NO_EDITS: BackendEdits = BackendEdits {
    request: Vec::new(),
    response: Vec::new(),
    mirrors: Vec::new(),
};

/// A listener named by position in the payload, stable for one bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListenerId {
    pub gateway: usize,
    pub listener: usize,
}

impl Router {
    fn listeners_on<'r, 'c>(
        &'r self,
        ctx: &'c RequestContext,
    ) -> impl Iterator<Item = (ListenerId, &'r Gateway, &'r Listener)> + use<'r, 'c> {
        self.payload
            .gateways
            .iter()
            .enumerate()
            .filter(move |(_, g)| {
                ctx.gateway
                    .as_ref()
                    .is_none_or(|want| g.namespace == want.namespace && g.name == want.name)
            })
            .flat_map(move |(gi, g)| {
                g.listeners
                    .iter()
                    .enumerate()
                    .filter(move |(_, l)| l.port == ctx.port)
                    .map(move |(li, l)| {
                        (
                            ListenerId {
                                gateway: gi,
                                listener: li,
                            },
                            g,
                            l,
                        )
                    })
            })
    }

    /// Every listener port with its protocol, ascending, for `gateway` (or every gateway).
    /// A port shared by HTTP and HTTPS listeners (a conflict the compiler rejects) reports
    /// each protocol once.
    pub fn listener_ports(&self, gateway: Option<&ObjectRef>) -> Vec<(u16, Protocol)> {
        let mut ports: Vec<(u16, Protocol)> = self
            .payload
            .gateways
            .iter()
            .filter(|g| gateway.is_none_or(|w| g.namespace == w.namespace && g.name == w.name))
            .flat_map(|g| g.listeners.iter().map(|l| (l.port, l.protocol)))
            .collect();
        ports.sort_unstable();
        ports.dedup();
        ports
    }

    /// The listener of `protocol` on the port that a TLS server name selects, by the same
    /// hostname specificity as Host-based selection. `None` when no listener accepts it.
    pub fn listener_for_sni(
        &self,
        ctx: &RequestContext,
        protocol: Protocol,
        sni: &str,
    ) -> Option<(ListenerId, &Listener)> {
        self.sni_among(ctx, sni, |p| p == protocol)
    }

    /// Among the HTTPS (terminate) and TLS (passthrough) listeners sharing a port, the one
    /// a server name selects: the most specific hostname wins whatever the mode.
    pub fn tls_listener_for_sni(
        &self,
        ctx: &RequestContext,
        sni: &str,
    ) -> Option<(ListenerId, &Listener)> {
        self.sni_among(ctx, sni, |p| matches!(p, Protocol::Https | Protocol::Tls))
    }

    fn sni_among(
        &self,
        ctx: &RequestContext,
        sni: &str,
        accept: impl Fn(Protocol) -> bool + Copy,
    ) -> Option<(ListenerId, &Listener)> {
        let host = sni.to_ascii_lowercase();
        let candidates = || {
            self.listeners_on(ctx)
                .filter(move |(_, _, l)| accept(l.protocol))
        };
        let best = candidates()
            .filter_map(|(_, _, l)| specificity(l.hostname.as_ref(), &host))
            .max()?;
        candidates()
            .find(|(_, _, l)| specificity(l.hostname.as_ref(), &host) == Some(best))
            .map(|(id, _, l)| (id, l))
    }

    /// The listener a request reached, as a [`ListenerId`], for comparing with the
    /// SNI-selected one.
    pub fn listener_id(&self, listener: &Listener) -> Option<ListenerId> {
        self.payload
            .gateways
            .iter()
            .enumerate()
            .find_map(|(gi, g)| {
                g.listeners
                    .iter()
                    .position(|l| std::ptr::eq(l, listener))
                    .map(|li| ListenerId {
                        gateway: gi,
                        listener: li,
                    })
            })
    }

    /// The stream route a connection reaches. On a TCP listener: its first TCPRoute. On a
    /// TLS passthrough listener: the TLSRoute whose hostnames fit the SNI best (exact over
    /// wildcard, longer wildcard first; a route without hostnames takes any name), within
    /// the listener the SNI selects.
    pub fn stream_route(&self, ctx: &RequestContext, sni: Option<&str>) -> Option<&StreamRoute> {
        if let Some((_, _, l)) = self
            .listeners_on(ctx)
            .find(|(_, _, l)| l.protocol == Protocol::Tcp)
        {
            return l.streams.iter().find(|s| s.kind == StreamKind::Tcp);
        }
        let sni = sni?.to_ascii_lowercase();
        let (_, listener) = self.listener_for_sni(ctx, Protocol::Tls, &sni)?;
        let fit = |route: &StreamRoute| {
            if route.hostnames.is_empty() {
                return Some((0, 0));
            }
            route
                .hostnames
                .iter()
                .filter_map(|h| specificity(Some(h), &sni))
                .max()
        };
        let best = listener
            .streams
            .iter()
            .filter(|s| s.kind == StreamKind::Tls)
            .filter_map(fit)
            .max()?;
        listener
            .streams
            .iter()
            .filter(|s| s.kind == StreamKind::Tls)
            .find(|s| fit(s) == Some(best))
    }
}

/// Weighted choice among a stream route's backends with a uniform `draw`, as
/// `ForwardPlan::pick` does for HTTP: weight 0 is never picked, and a draw landing on an
/// invalid backend gives `None` (the connection is refused), so invalid backends keep their
/// share of failures.
pub fn pick_stream_backend(route: &StreamRoute, draw: u32) -> Option<PickedBackend<'_>> {
    let total: u64 = route.backends.iter().map(|b| u64::from(b.weight)).sum();
    if total == 0 {
        return None;
    }
    let point = (u64::from(draw) * total) >> 32;
    let mut end = 0u64;
    for (index, backend) in route.backends.iter().enumerate() {
        end += u64::from(backend.weight);
        if point < end {
            return (!matches!(backend.target, BackendTarget::Invalid(_))).then_some(
                PickedBackend {
                    backend,
                    index,
                    edits: &NO_EDITS,
                },
            );
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{Hostname, Payload, SCHEMA_VERSION};
    use crate::router::RuntimeKind;

    fn route(kind: StreamKind, name: &str, hostnames: &[&str], port: u16) -> StreamRoute {
        StreamRoute {
            kind,
            namespace: "ns".into(),
            name: name.into(),
            hostnames: hostnames
                .iter()
                .filter_map(|h| Hostname::new(h).ok())
                .collect(),
            backends: vec![crate::testing::service("ns", name, port)],
        }
    }

    fn listener(name: &str, port: u16, protocol: Protocol, streams: Vec<StreamRoute>) -> Listener {
        Listener {
            name: name.into(),
            port,
            protocol,
            hostname: None,
            tls: None,
            http: vec![],
            streams,
        }
    }

    fn router() -> Result<Router, crate::bundle::BundleError> {
        let payload = Payload {
            schema_version: SCHEMA_VERSION,
            generation: 1,
            created: 1,
            expires: None,
            kubernetes_origin: None,
            gateways: vec![Gateway {
                namespace: "ns".into(),
                name: "gw".into(),
                listeners: vec![
                    listener(
                        "tcp",
                        9000,
                        Protocol::Tcp,
                        vec![route(StreamKind::Tcp, "echo", &[], 7)],
                    ),
                    listener(
                        "tls",
                        9443,
                        Protocol::Tls,
                        vec![
                            route(StreamKind::Tls, "any", &[], 1),
                            route(StreamKind::Tls, "wild", &["*.example.com"], 2),
                            route(StreamKind::Tls, "exact", &["a.example.com"], 3),
                        ],
                    ),
                ],
            }],
            routes: vec![],
        };
        crate::testing::router(&payload)
    }

    fn ctx(port: u16) -> RequestContext {
        RequestContext {
            gateway: None,
            port,
            runtime: RuntimeKind::Kubernetes,
        }
    }

    #[test]
    fn tcp_and_tls_routes_by_port_and_sni() -> Result<(), crate::bundle::BundleError> {
        let r = router()?;
        let name = |port, sni| r.stream_route(&ctx(port), sni).map(|s| s.name.clone());
        assert_eq!(name(9000, None).as_deref(), Some("echo"));
        assert_eq!(name(9443, Some("A.example.com")).as_deref(), Some("exact"));
        assert_eq!(name(9443, Some("b.example.com")).as_deref(), Some("wild"));
        assert_eq!(name(9443, Some("other.org")).as_deref(), Some("any"));
        assert_eq!(name(9443, None), None);
        let tls = r.tls_listener_for_sni(&ctx(9443), "x.example.com");
        assert_eq!(tls.map(|(_, l)| l.name.as_str()), Some("tls"));
        assert_eq!(name(1, None), None);
        assert_eq!(
            r.listener_ports(None),
            vec![(9000, Protocol::Tcp), (9443, Protocol::Tls)]
        );
        Ok(())
    }

    #[test]
    fn weighted_stream_pick_skips_zero_weight_and_refuses_invalid() {
        let mut s = route(StreamKind::Tcp, "a", &[], 1);
        s.backends.push(crate::testing::service("ns", "b", 2));
        s.backends[0].weight = 0;
        let picked = pick_stream_backend(&s, 0).map(|p| p.index);
        assert_eq!(picked, Some(1));
        assert_eq!(pick_stream_backend(&s, u32::MAX).map(|p| p.index), Some(1));
        s.backends[1].target = BackendTarget::Invalid(crate::bundle::InvalidBackend {
            kind: "Service".into(),
            namespace: "ns".into(),
            name: "b".into(),
            port: None,
            reason: "BackendNotFound".into(),
        });
        assert!(pick_stream_backend(&s, 0).is_none());
    }
}
