//! Gateway API precedence made explicit: one `MatchEntry` per (route, rule, match,
//! effective hostname), sorted by core's `SortKey` order so runtimes never sort.

use waygate_core::bundle::{Hostname, MatchEntry, PathMatchKind, SortKey};

use crate::route::{Body, LoweredRoute, RouteType};

/// Appends the entries of `route` (at payload index `index`) for these hostnames.
pub(crate) fn entries(
    index: u32,
    route: &LoweredRoute<'_>,
    hostnames: &[Option<Hostname>],
    out: &mut Vec<MatchEntry>,
) {
    let Body::Http { rules, grpc } = &route.body else {
        return;
    };
    let label = route.label();
    for hostname in hostnames {
        let (hostname_exact, hostname_len) = hostname
            .as_ref()
            .map_or((false, 0), |h| (!h.is_wildcard(), len(h.as_str())));
        for (r, rule) in (0u32..).zip(rules) {
            for (m, matched) in (0u32..).zip(&rule.matches) {
                let (path_kind, path_len, service_len, method_len) =
                    if route.route_type == RouteType::Grpc {
                        let lens = grpc
                            .get(r as usize)
                            .and_then(|g| g.get(m as usize))
                            .copied()
                            .unwrap_or_default();
                        let (kind, path_len) = grpc_path_rank(lens.service, lens.method);
                        (kind, path_len, lens.service, lens.method)
                    } else {
                        (matched.path.kind, len(&matched.path.value), 0, 0)
                    };
                out.push(MatchEntry {
                    route: index,
                    rule: r,
                    match_index: m,
                    hostname: hostname.clone(),
                    sort_key: SortKey {
                        hostname_exact,
                        hostname_len,
                        path_kind,
                        path_len,
                        service_len,
                        method_len,
                        method: matched.method.is_some(),
                        headers: len_of(matched.headers.len()),
                        query_params: len_of(matched.query_params.len()),
                        created: route.meta.created,
                        route: label.clone(),
                        rule: r,
                        match_index: m,
                    },
                });
            }
        }
    }
}

/// Sorts entries most specific first; the hostname breaks ties so the order never
/// depends on input order.
pub(crate) fn sort(entries: &mut [MatchEntry]) {
    entries.sort_by(|a, b| {
        a.sort_key
            .cmp(&b.sort_key)
            .then_with(|| a.hostname.cmp(&b.hostname))
    });
}

/// Where a gRPC match sits among path matches. gRPC precedence ranks by service, then
/// method characters (`service_len`, `method_len`); the path rank only has to keep a
/// service+method match ahead of HTTP prefixes (so an HTTPRoute catch-all on the same
/// listener cannot swallow gRPC traffic) and a service-only match (`/svc/*`) in line with
/// HTTP prefixes of the same length, without reordering gRPC matches among themselves.
fn grpc_path_rank(service_len: u32, method_len: u32) -> (PathMatchKind, u32) {
    match (service_len > 0, method_len > 0) {
        (true, true) => (PathMatchKind::Exact, 0),
        (true, false) => (PathMatchKind::PathPrefix, service_len.saturating_add(1)),
        _ => (PathMatchKind::RegularExpression, 0),
    }
}

fn len(s: &str) -> u32 {
    len_of(s.len())
}

fn len_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests;
