//! TCPRoute and TLSRoute → stream routes on TCP/TLS listeners (always Kubernetes).

use gateway_api::experimental::tcproutes::TcpRouteSpec;
use gateway_api::experimental::tlsroutes::TlsRouteSpec;

use crate::backend_ref::{BackendRefSpec, RouteScope, backend_ref_spec};
use crate::document::Meta;
use crate::error::FieldError;
use crate::hostname;
use crate::inventory::Object;
use crate::route::{Body, LoweredRoute, ParentRef, RouteType, first_problem, parent_refs};

pub(crate) fn lower_tcp<'a>(
    scope: &RouteScope<'_>,
    route: &'a Object<TcpRouteSpec>,
) -> Result<LoweredRoute<'a>, FieldError> {
    let refs: Vec<Vec<BackendRefSpec>> = route
        .spec
        .rules
        .iter()
        .map(|rule| {
            rule.backend_refs
                .iter()
                .map(|r| backend_ref_spec!(r, r.weight))
                .collect()
        })
        .collect();
    let parents = parent_refs!(route.spec.parent_refs, &route.meta.namespace)?;
    lower(
        scope,
        RouteType::Tcp,
        &route.meta,
        Vec::new(),
        parents,
        &refs,
    )
}

pub(crate) fn lower_tls<'a>(
    scope: &RouteScope<'_>,
    route: &'a Object<TlsRouteSpec>,
) -> Result<LoweredRoute<'a>, FieldError> {
    let refs: Vec<Vec<BackendRefSpec>> = route
        .spec
        .rules
        .iter()
        .map(|rule| {
            rule.backend_refs
                .iter()
                .map(|r| backend_ref_spec!(r, r.weight))
                .collect()
        })
        .collect();
    let hostnames = hostname::parse_all(&route.spec.hostnames, "spec.hostnames")?;
    let parents = parent_refs!(route.spec.parent_refs, &route.meta.namespace)?;
    lower(
        scope,
        RouteType::Tls,
        &route.meta,
        hostnames,
        parents,
        &refs,
    )
}

fn lower<'a>(
    scope: &RouteScope<'_>,
    route_type: RouteType,
    meta: &'a Meta,
    hostnames: Vec<waygate_core::bundle::Hostname>,
    parent_refs: Vec<ParentRef>,
    rules: &[Vec<BackendRefSpec>],
) -> Result<LoweredRoute<'a>, FieldError> {
    // The bundle carries one backend set per stream route (the standard channel allows
    // one rule); refuse more rather than silently drop traffic.
    if rules.len() > 1 {
        return Err(FieldError::new(
            "spec.rules[1]",
            format!("waygate supports one rule per {}", route_type.kind()),
        ));
    }
    let mut problem = None;
    let mut backends = Vec::new();
    for (j, r) in rules.first().into_iter().flatten().enumerate() {
        let (backend, resolution) = scope.backend(r, &format!("spec.rules[0].backendRefs[{j}]"))?;
        first_problem(&mut problem, resolution.problem);
        backends.push(backend);
    }
    Ok(LoweredRoute {
        route_type,
        meta,
        hostnames,
        parent_refs,
        body: Body::Stream { backends },
        problem,
        pinned: Some(route_type.kind().to_owned()),
    })
}
