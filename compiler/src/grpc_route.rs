//! GRPCRoute → bundle rules. gRPC calls are `POST /package.Service/Method`, so each
//! service/method match is lowered to a path match; precedence by service and method
//! length travels in the sort key. Core matches regular expressions in full
//! (`^(?:…)$`), so lowered regexes need no anchors.

use gateway_api::experimental::grpcroutes::{
    GrpcRouteRules, GrpcRouteRulesMatches, GrpcRouteRulesMatchesHeadersType,
    GrpcRouteRulesMatchesMethodType, GrpcRouteSpec,
};
use waygate_core::bundle::{
    PathMatch, PathMatchKind, RouteMatch, Rule, ValueMatch, ValueMatchKind,
};

use crate::backend_ref::{RouteScope, backend_ref_spec};
use crate::error::FieldError;
use crate::filter;
use crate::http_route::{default_match, header_name, regex};
use crate::inventory::Object;
use crate::route::{
    Body, GrpcLens, LoweredRoute, RouteType, first_problem, first_reason, parent_refs,
};

/// Lowers one GRPCRoute. GRPCRoutes always run on Kubernetes (long-lived HTTP/2 streams).
pub(crate) fn lower<'a>(
    scope: &RouteScope<'_>,
    route: &'a Object<GrpcRouteSpec>,
) -> Result<LoweredRoute<'a>, FieldError> {
    let spec = &route.spec;
    let mut lowered = LoweredRoute::http(
        RouteType::Grpc,
        &route.meta,
        spec.hostnames.as_deref(),
        parent_refs!(spec.parent_refs, &route.meta.namespace)?,
    )?;
    first_reason(&mut lowered.pinned, Some("GRPCRoute".to_owned()));
    let mut rules = Vec::new();
    let mut lens = Vec::new();
    for (i, rule) in spec.rules.iter().flatten().enumerate() {
        let (r, l) = lower_rule(scope, rule, &format!("spec.rules[{i}]"), &mut lowered)?;
        rules.push(r);
        lens.push(l);
    }
    lowered.body = Body::Http { rules, grpc: lens };
    Ok(lowered)
}

fn lower_rule(
    scope: &RouteScope<'_>,
    rule: &GrpcRouteRules,
    field: &str,
    route: &mut LoweredRoute<'_>,
) -> Result<(Rule, Vec<GrpcLens>), FieldError> {
    let (matches, lens): (Vec<RouteMatch>, Vec<GrpcLens>) = match rule.matches.as_deref() {
        None | Some([]) => (vec![default_match()], vec![GrpcLens::default()]),
        Some(list) => list
            .iter()
            .enumerate()
            .map(|(j, m)| lower_match(m, &format!("{field}.matches[{j}]")))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .unzip(),
    };
    let converted = rule
        .filters
        .iter()
        .flatten()
        .enumerate()
        .map(|(k, f)| filter::as_http(f, &format!("{field}.filters[{k}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let filters = filter::lower(scope, &converted, &format!("{field}.filters"))?;
    first_problem(&mut route.problem, filters.problem);
    let mut backends = Vec::new();
    for (j, r) in rule.backend_refs.iter().flatten().enumerate() {
        let at = format!("{field}.backendRefs[{j}]");
        let (mut backend, resolution) = scope.backend(&backend_ref_spec!(r, r.weight), &at)?;
        first_problem(&mut route.problem, resolution.problem);
        if let Some(list) = &r.filters {
            let converted = list
                .iter()
                .enumerate()
                .map(|(k, f)| filter::as_http(f, &format!("{at}.filters[{k}]")))
                .collect::<Result<Vec<_>, _>>()?;
            let lowered = filter::lower(scope, &converted, &format!("{at}.filters"))?;
            first_problem(&mut route.problem, lowered.problem);
            if let Some(why) = lowered.unresolved {
                return Err(FieldError::new(format!("{at}.filters"), why));
            }
            backend.filters = lowered.filters;
        }
        backends.push(backend);
    }
    let rule = Rule {
        name: rule.name.clone(),
        matches,
        filters: filters.filters,
        backends,
        timeouts: None,
        retry: None,
        unresolved_filter: filters.unresolved,
    };
    Ok((rule, lens))
}

fn lower_match(
    m: &GrpcRouteRulesMatches,
    field: &str,
) -> Result<(RouteMatch, GrpcLens), FieldError> {
    let mut headers: Vec<ValueMatch> = Vec::new();
    for (i, h) in m.headers.iter().flatten().enumerate() {
        let at = format!("{field}.headers[{i}]");
        let name = header_name(&h.name, &format!("{at}.name"))?;
        let kind = if matches!(
            h.r#type,
            Some(GrpcRouteRulesMatchesHeadersType::RegularExpression)
        ) {
            regex(&h.value, &format!("{at}.value"))?;
            ValueMatchKind::RegularExpression
        } else {
            ValueMatchKind::Exact
        };
        if !headers.iter().any(|x| x.name == name) {
            headers.push(ValueMatch {
                name,
                kind,
                value: h.value.clone(),
            });
        }
    }
    let (path, lens) = match &m.method {
        None => (default_match().path, GrpcLens::default()),
        Some(method) => {
            let at = format!("{field}.method");
            let service = method.service.as_deref().filter(|s| !s.is_empty());
            let name = method.method.as_deref().filter(|s| !s.is_empty());
            let is_regex = matches!(
                method.r#type,
                Some(GrpcRouteRulesMatchesMethodType::RegularExpression)
            );
            lower_method(service, name, is_regex, &at)?
        }
    };
    let matched = RouteMatch {
        path,
        method: None,
        headers,
        query_params: Vec::new(),
    };
    Ok((matched, lens))
}

/// The path match for a service/method pair (see the module docs).
pub(crate) fn lower_method(
    service: Option<&str>,
    method: Option<&str>,
    is_regex: bool,
    field: &str,
) -> Result<(PathMatch, GrpcLens), FieldError> {
    if service.is_none() && method.is_none() {
        return Err(FieldError::new(
            field,
            "one or both of service and method must be set",
        ));
    }
    if is_regex {
        for (value, name) in [(service, "service"), (method, "method")] {
            if let Some(v) = value {
                regex(v, &format!("{field}.{name}"))?;
            }
        }
        let path = PathMatch {
            kind: PathMatchKind::RegularExpression,
            value: format!(
                "/({})/({})",
                service.unwrap_or("[^/]+"),
                method.unwrap_or("[^/]+")
            ),
        };
        // Regex lengths say nothing about specificity: rank them after exact names.
        return Ok((path, GrpcLens::default()));
    }
    if let Some(s) = service
        && !valid_service(s)
    {
        return Err(FieldError::new(
            format!("{field}.service"),
            format!("{s:?} is not a valid gRPC service name"),
        ));
    }
    if let Some(m) = method
        && !valid_method(m)
    {
        return Err(FieldError::new(
            format!("{field}.method"),
            format!("{m:?} is not a valid gRPC method name"),
        ));
    }
    let lens = GrpcLens {
        service: service.map_or(0, |s| u32::try_from(s.len()).unwrap_or(u32::MAX)),
        method: method.map_or(0, |m| u32::try_from(m.len()).unwrap_or(u32::MAX)),
    };
    let path = match (service, method) {
        (Some(s), Some(m)) => PathMatch {
            kind: PathMatchKind::Exact,
            value: format!("/{s}/{m}"),
        },
        // PathPrefix is segment-based: `/pkg.Svc` matches `/pkg.Svc/Any` but not `/pkg.SvcX/Any`.
        (Some(s), None) => PathMatch {
            kind: PathMatchKind::PathPrefix,
            value: format!("/{s}"),
        },
        (None, m) => PathMatch {
            kind: PathMatchKind::RegularExpression,
            value: format!("/[^/]+/{}", regex::escape(m.unwrap_or_default())),
        },
    };
    Ok((path, lens))
}

/// `^(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$` from the GRPCRoute CRD.
fn valid_service(s: &str) -> bool {
    let body = s.strip_prefix('.').unwrap_or(s);
    !body.is_empty() && body.split('.').all(valid_identifier)
}

/// `^[A-Za-z_][A-Za-z_0-9]*$`.
fn valid_method(m: &str) -> bool {
    valid_identifier(m)
}

fn valid_identifier(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests;
