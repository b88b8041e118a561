//! HTTPRoute → bundle rules: matches, filters, backends, timeouts and retries.

use gateway_api::experimental::httproutes::{
    HttpRouteRules, HttpRouteRulesMatches, HttpRouteRulesMatchesHeadersType,
    HttpRouteRulesMatchesMethod, HttpRouteRulesMatchesPathType,
    HttpRouteRulesMatchesQueryParamsType, HttpRouteSpec,
};
use waygate_core::bundle::{
    PathMatch, PathMatchKind, Retry, RouteMatch, Rule, Timeouts, ValueMatch, ValueMatchKind,
};

use crate::backend_ref::{RouteScope, backend_ref_spec};
use crate::error::FieldError;
use crate::filter;
use crate::inventory::Object;
use crate::route::{Body, LoweredRoute, RouteType, first_problem, first_reason, parent_refs};

/// Lowers one HTTPRoute. Errors name the failing field.
pub(crate) fn lower<'a>(
    scope: &RouteScope<'_>,
    route: &'a Object<HttpRouteSpec>,
) -> Result<LoweredRoute<'a>, FieldError> {
    let spec = &route.spec;
    let mut lowered = LoweredRoute::http(
        RouteType::Http,
        &route.meta,
        spec.hostnames.as_deref(),
        parent_refs!(spec.parent_refs, &route.meta.namespace)?,
    )?;
    let mut rules = Vec::new();
    // The CRD defaults an absent `rules` to one rule matching every path (and with no
    // backends, so requests get 500); the API server would have filled it in.
    let defaulted = [HttpRouteRules::default()];
    let list = spec.rules.as_deref().unwrap_or(&defaulted);
    for (i, rule) in list.iter().enumerate() {
        rules.push(lower_rule(
            scope,
            rule,
            &format!("spec.rules[{i}]"),
            &mut lowered,
        )?);
    }
    lowered.body = Body::Http {
        rules,
        grpc: Vec::new(),
    };
    Ok(lowered)
}

fn lower_rule(
    scope: &RouteScope<'_>,
    rule: &HttpRouteRules,
    field: &str,
    route: &mut LoweredRoute<'_>,
) -> Result<Rule, FieldError> {
    let matches = match rule.matches.as_deref() {
        None | Some([]) => vec![default_match()],
        Some(list) => list
            .iter()
            .enumerate()
            .map(|(j, m)| lower_match(m, &format!("{field}.matches[{j}]")))
            .collect::<Result<Vec<_>, _>>()?,
    };
    let filters = filter::lower(
        scope,
        rule.filters.as_deref().unwrap_or_default(),
        &format!("{field}.filters"),
    )?;
    if filters.replaces_prefix {
        check_prefix_rewrite(&matches, field)?;
    }
    first_problem(&mut route.problem, filters.problem);
    first_reason(&mut route.pinned, filters.pinned);
    let mut backends = Vec::new();
    for (j, r) in rule.backend_refs.iter().flatten().enumerate() {
        let at = format!("{field}.backendRefs[{j}]");
        let (mut backend, resolution) = scope.backend(&backend_ref_spec!(r, r.weight), &at)?;
        first_problem(&mut route.problem, resolution.problem);
        first_reason(&mut route.pinned, resolution.pinned);
        if let Some(list) = &r.filters {
            let converted = list
                .iter()
                .enumerate()
                .map(|(k, f)| filter::as_http(f, &format!("{at}.filters[{k}]")))
                .collect::<Result<Vec<_>, _>>()?;
            let lowered = filter::lower(scope, &converted, &format!("{at}.filters"))?;
            if lowered.replaces_prefix {
                check_prefix_rewrite(&matches, field)?;
            }
            first_problem(&mut route.problem, lowered.problem);
            if let Some(why) = lowered.unresolved {
                // A backend whose filter cannot run must not receive traffic unfiltered.
                return Err(FieldError::new(format!("{at}.filters"), why));
            }
            backend.filters = lowered.filters;
        }
        backends.push(backend);
    }
    Ok(Rule {
        name: rule.name.clone(),
        matches,
        filters: filters.filters,
        backends,
        timeouts: rule
            .timeouts
            .as_ref()
            .map(|t| {
                timeouts(
                    t.request.as_deref(),
                    t.backend_request.as_deref(),
                    &format!("{field}.timeouts"),
                )
            })
            .transpose()?,
        retry: rule
            .retry
            .as_ref()
            .map(|r| {
                retry(
                    r.attempts,
                    r.codes.as_deref(),
                    r.backoff.as_deref(),
                    &format!("{field}.retry"),
                )
            })
            .transpose()?,
        unresolved_filter: filters.unresolved,
    })
}

/// The spec's default for a rule without matches: any request (`PathPrefix /`).
pub(crate) fn default_match() -> RouteMatch {
    RouteMatch {
        path: PathMatch {
            kind: PathMatchKind::PathPrefix,
            value: "/".to_owned(),
        },
        method: None,
        headers: Vec::new(),
        query_params: Vec::new(),
    }
}

/// `ReplacePrefixMatch` rewrites the matched prefix, so every match must be a PathPrefix.
fn check_prefix_rewrite(matches: &[RouteMatch], field: &str) -> Result<(), FieldError> {
    if matches
        .iter()
        .all(|m| m.path.kind == PathMatchKind::PathPrefix)
    {
        Ok(())
    } else {
        Err(FieldError::new(
            format!("{field}.matches"),
            "ReplacePrefixMatch needs every match of the rule to be a PathPrefix match",
        ))
    }
}

fn lower_match(m: &HttpRouteRulesMatches, field: &str) -> Result<RouteMatch, FieldError> {
    let path = match &m.path {
        None => default_match().path,
        Some(p) => {
            let value = p.value.clone().unwrap_or_else(|| "/".to_owned());
            let kind = match p.r#type {
                None | Some(HttpRouteRulesMatchesPathType::PathPrefix) => PathMatchKind::PathPrefix,
                Some(HttpRouteRulesMatchesPathType::Exact) => PathMatchKind::Exact,
                Some(HttpRouteRulesMatchesPathType::RegularExpression) => {
                    PathMatchKind::RegularExpression
                }
            };
            path_value(kind, &value, &format!("{field}.path.value"))?;
            PathMatch { kind, value }
        }
    };
    let mut headers: Vec<ValueMatch> = Vec::new();
    for (i, h) in m.headers.iter().flatten().enumerate() {
        let at = format!("{field}.headers[{i}]");
        let name = header_name(&h.name, &format!("{at}.name"))?;
        let regex = matches!(
            h.r#type,
            Some(HttpRouteRulesMatchesHeadersType::RegularExpression)
        );
        // The spec: only the first match for a (case-insensitive) name counts.
        if !headers.iter().any(|x| x.name == name) {
            headers.push(value_match(name, &h.value, regex, &format!("{at}.value"))?);
        }
    }
    let mut query_params: Vec<ValueMatch> = Vec::new();
    for (i, q) in m.query_params.iter().flatten().enumerate() {
        let at = format!("{field}.queryParams[{i}]");
        if q.name.is_empty() {
            return Err(FieldError::new(format!("{at}.name"), "must not be empty"));
        }
        let regex = matches!(
            q.r#type,
            Some(HttpRouteRulesMatchesQueryParamsType::RegularExpression)
        );
        if !query_params.iter().any(|x| x.name == q.name) {
            query_params.push(value_match(
                q.name.clone(),
                &q.value,
                regex,
                &format!("{at}.value"),
            )?);
        }
    }
    let method = m
        .method
        .as_ref()
        .map(|method| method_name(method).to_owned());
    Ok(RouteMatch {
        path,
        method,
        headers,
        query_params,
    })
}

fn method_name(method: &HttpRouteRulesMatchesMethod) -> &'static str {
    match method {
        HttpRouteRulesMatchesMethod::Get => "GET",
        HttpRouteRulesMatchesMethod::Head => "HEAD",
        HttpRouteRulesMatchesMethod::Post => "POST",
        HttpRouteRulesMatchesMethod::Put => "PUT",
        HttpRouteRulesMatchesMethod::Delete => "DELETE",
        HttpRouteRulesMatchesMethod::Connect => "CONNECT",
        HttpRouteRulesMatchesMethod::Options => "OPTIONS",
        HttpRouteRulesMatchesMethod::Trace => "TRACE",
        HttpRouteRulesMatchesMethod::Patch => "PATCH",
    }
}

/// Validates a path match value: Exact and PathPrefix take a clean absolute path,
/// RegularExpression a regex in the syntax core compiles.
pub(crate) fn path_value(kind: PathMatchKind, value: &str, field: &str) -> Result<(), FieldError> {
    match kind {
        PathMatchKind::RegularExpression => regex(value, field),
        PathMatchKind::Exact | PathMatchKind::PathPrefix => {
            if !value.starts_with('/') {
                return Err(FieldError::new(
                    field,
                    format!("path {value:?} must start with /"),
                ));
            }
            let bad = ["//", "/./", "/../", "%2f", "%2F", "#"];
            if bad.iter().any(|b| value.contains(b))
                || value.ends_with("/..")
                || value.ends_with("/.")
            {
                return Err(FieldError::new(
                    field,
                    format!(
                        "path {value:?} must not contain //, /./, /../, %2f, %2F or #, nor end with /. or /.."
                    ),
                ));
            }
            Ok(())
        }
    }
}

/// Checks a regex the way core compiles it: a full match, `^(?:value)$`.
pub(crate) fn regex(value: &str, field: &str) -> Result<(), FieldError> {
    regex::Regex::new(&format!("^(?:{value})$"))
        .map(drop)
        .map_err(|e| FieldError::new(field, format!("invalid regular expression {value:?}: {e}")))
}

fn value_match(
    name: String,
    value: &str,
    regex_kind: bool,
    field: &str,
) -> Result<ValueMatch, FieldError> {
    let kind = if regex_kind {
        regex(value, field)?;
        ValueMatchKind::RegularExpression
    } else {
        ValueMatchKind::Exact
    };
    Ok(ValueMatch {
        name,
        kind,
        value: value.to_owned(),
    })
}

/// Validates an HTTP header name (RFC 7230 token) and lower-cases it.
pub(crate) fn header_name(name: &str, field: &str) -> Result<String, FieldError> {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(token) {
        return Err(FieldError::new(
            field,
            format!("{name:?} is not a valid HTTP header name"),
        ));
    }
    Ok(name.to_ascii_lowercase())
}

fn timeouts(
    request: Option<&str>,
    backend: Option<&str>,
    field: &str,
) -> Result<Timeouts, FieldError> {
    let request_ms = request
        .map(|r| crate::duration::millis(r, &format!("{field}.request")))
        .transpose()?;
    let backend_request_ms = backend
        .map(|b| crate::duration::millis(b, &format!("{field}.backendRequest")))
        .transpose()?;
    if let (Some(r), Some(b)) = (request_ms, backend_request_ms)
        && r != 0
        && b > r
    {
        return Err(FieldError::new(
            format!("{field}.backendRequest"),
            "backendRequest timeout cannot be longer than the request timeout",
        ));
    }
    Ok(Timeouts {
        request_ms,
        backend_request_ms,
    })
}

fn retry(
    attempts: Option<i64>,
    codes: Option<&[i64]>,
    backoff: Option<&str>,
    field: &str,
) -> Result<Retry, FieldError> {
    let attempts = attempts
        .map(|a| {
            u32::try_from(a).map_err(|_| {
                FieldError::new(
                    format!("{field}.attempts"),
                    format!("{a} is not a valid number of attempts"),
                )
            })
        })
        .transpose()?;
    let mut out_codes = Vec::new();
    for (i, code) in codes.unwrap_or_default().iter().enumerate() {
        let code = u16::try_from(*code)
            .ok()
            .filter(|c| (400..=599).contains(c))
            .ok_or_else(|| {
                FieldError::new(
                    format!("{field}.codes[{i}]"),
                    format!("{code} is not an HTTP status code in 400-599"),
                )
            })?;
        if !out_codes.contains(&code) {
            out_codes.push(code);
        }
    }
    Ok(Retry {
        attempts,
        codes: out_codes,
        backoff_ms: backoff
            .map(|b| crate::duration::millis(b, &format!("{field}.backoff")))
            .transpose()?,
    })
}

/// `waygate.dev/placement: kubernetes` pins a route; `edge` (or no annotation) does not.
pub(crate) fn placement_annotation(
    meta: &crate::document::Meta,
) -> Result<Option<String>, FieldError> {
    const KEY: &str = "waygate.dev/placement";
    match meta.annotations.get(KEY).map(String::as_str) {
        None | Some("edge") => Ok(None),
        Some("kubernetes") => Ok(Some(format!("annotation {KEY}: kubernetes"))),
        Some(other) => Err(FieldError::new(
            format!("metadata.annotations[{KEY:?}]"),
            format!("unknown placement {other:?}, expected edge or kubernetes"),
        )),
    }
}

#[cfg(test)]
mod tests;
