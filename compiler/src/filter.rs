//! HTTPRoute (and GRPCRoute, and backendRef) filters lowered to bundle filters.
//!
//! GRPCRoute and backendRef filters are generated as separate Rust types with the same
//! shape as HTTPRoute rule filters; [`as_http`] converts them through serde so there is
//! one lowering.

use gateway_api::experimental::httproutes::{
    HttpRouteRulesFilters, HttpRouteRulesFiltersRequestHeaderModifier,
    HttpRouteRulesFiltersRequestRedirectScheme, HttpRouteRulesFiltersType,
    HttpRouteRulesFiltersUrlRewritePath, HttpRouteRulesFiltersUrlRewritePathType,
};
use serde::Serialize;
use waygate_core::bundle::{
    Cors, Filter, Header, HeaderModifier, PathModifier, RequestMirror, RequestRedirect, UrlRewrite,
};

use crate::backend_ref::{RouteScope, backend_ref_spec};
use crate::error::FieldError;
use crate::hostname;
use crate::status::Problem;

/// Converts a same-shaped generated filter type into the HTTPRoute rule filter type.
pub(crate) fn as_http<T: Serialize>(
    filter: &T,
    field: &str,
) -> Result<HttpRouteRulesFilters, FieldError> {
    serde_json::to_value(filter)
        .and_then(serde_json::from_value)
        .map_err(|e| FieldError::new(field, e))
}

/// Lowered filters of one rule or backendRef.
#[derive(Debug, Default)]
pub(crate) struct Lowered {
    pub filters: Vec<Filter>,
    /// A filter that cannot be honoured: matching requests must get a 500.
    pub unresolved: Option<String>,
    pub problem: Option<Problem>,
    pub pinned: Option<String>,
    /// Some filter rewrites with `ReplacePrefixMatch` (needs a PathPrefix match).
    pub replaces_prefix: bool,
}

/// Lowers `filters` (at `field`, e.g. `spec.rules[0].filters`).
pub(crate) fn lower(
    scope: &RouteScope<'_>,
    filters: &[HttpRouteRulesFilters],
    field: &str,
) -> Result<Lowered, FieldError> {
    let mut out = Lowered::default();
    let mut seen: Vec<&HttpRouteRulesFiltersType> = Vec::new();
    for (i, f) in filters.iter().enumerate() {
        let at = format!("{field}[{i}]");
        // The spec allows several RequestMirror and ExtensionRef filters; every other
        // type at most once per rule.
        let repeatable = matches!(
            f.r#type,
            HttpRouteRulesFiltersType::RequestMirror | HttpRouteRulesFiltersType::ExtensionRef
        );
        if !repeatable && seen.contains(&&f.r#type) {
            let name = serde_json::to_value(&f.r#type).unwrap_or_default();
            return Err(FieldError::new(
                format!("{at}.type"),
                format!("{name} may appear only once per rule"),
            ));
        }
        seen.push(&f.r#type);
        let missing =
            |name: &str| FieldError::new(format!("{at}.{name}"), "required for this filter type");
        match f.r#type {
            HttpRouteRulesFiltersType::RequestHeaderModifier => {
                let m = f
                    .request_header_modifier
                    .as_ref()
                    .ok_or_else(|| missing("requestHeaderModifier"))?;
                out.filters
                    .push(Filter::RequestHeaderModifier(header_modifier(
                        m,
                        &format!("{at}.requestHeaderModifier"),
                    )?));
            }
            HttpRouteRulesFiltersType::ResponseHeaderModifier => {
                let m = f
                    .response_header_modifier
                    .as_ref()
                    .ok_or_else(|| missing("responseHeaderModifier"))?;
                // Same shape as the request modifier; convert rather than duplicate.
                let m: HttpRouteRulesFiltersRequestHeaderModifier =
                    as_same(m, &format!("{at}.responseHeaderModifier"))?;
                out.filters
                    .push(Filter::ResponseHeaderModifier(header_modifier(
                        &m,
                        &format!("{at}.responseHeaderModifier"),
                    )?));
            }
            HttpRouteRulesFiltersType::RequestRedirect => {
                let r = f
                    .request_redirect
                    .as_ref()
                    .ok_or_else(|| missing("requestRedirect"))?;
                let at = format!("{at}.requestRedirect");
                let status_code = match r.status_code {
                    None => 302,
                    Some(c @ (301 | 302 | 303 | 307 | 308)) => u16::try_from(c).unwrap_or(302),
                    Some(c) => {
                        return Err(FieldError::new(
                            format!("{at}.statusCode"),
                            format!("{c} is not one of 301, 302, 303, 307, 308"),
                        ));
                    }
                };
                let path = match &r.path {
                    None => None,
                    Some(p) => {
                        let p: HttpRouteRulesFiltersUrlRewritePath =
                            as_same(p, &format!("{at}.path"))?;
                        Some(path_modifier(
                            &p,
                            &format!("{at}.path"),
                            &mut out.replaces_prefix,
                        )?)
                    }
                };
                out.filters.push(Filter::RequestRedirect(RequestRedirect {
                    scheme: r.scheme.as_ref().map(|s| match s {
                        HttpRouteRulesFiltersRequestRedirectScheme::Http => "http".to_owned(),
                        HttpRouteRulesFiltersRequestRedirectScheme::Https => "https".to_owned(),
                    }),
                    hostname: r
                        .hostname
                        .as_deref()
                        .map(|h| hostname::parse(h, &format!("{at}.hostname")))
                        .transpose()?,
                    path,
                    port: r
                        .port
                        .map(|p| crate::kgateway::port(i64::from(p), &format!("{at}.port")))
                        .transpose()?,
                    status_code,
                }));
            }
            HttpRouteRulesFiltersType::UrlRewrite => {
                let r = f
                    .url_rewrite
                    .as_ref()
                    .ok_or_else(|| missing("urlRewrite"))?;
                let at = format!("{at}.urlRewrite");
                out.filters.push(Filter::UrlRewrite(UrlRewrite {
                    hostname: r
                        .hostname
                        .as_deref()
                        .map(|h| hostname::parse(h, &format!("{at}.hostname")))
                        .transpose()?,
                    path: r
                        .path
                        .as_ref()
                        .map(|p| path_modifier(p, &format!("{at}.path"), &mut out.replaces_prefix))
                        .transpose()?,
                }));
            }
            HttpRouteRulesFiltersType::RequestMirror => {
                let m = f
                    .request_mirror
                    .as_ref()
                    .ok_or_else(|| missing("requestMirror"))?;
                let at = format!("{at}.requestMirror");
                let (numerator, denominator) = match (&m.percent, &m.fraction) {
                    (Some(_), Some(_)) => {
                        return Err(FieldError::new(
                            at,
                            "only one of percent and fraction may be set",
                        ));
                    }
                    (Some(p), None) => (fraction_part(*p, &format!("{at}.percent"))?, 100),
                    (None, Some(f)) => (
                        fraction_part(f.numerator, &format!("{at}.fraction.numerator"))?,
                        fraction_part(
                            f.denominator.unwrap_or(100),
                            &format!("{at}.fraction.denominator"),
                        )?,
                    ),
                    (None, None) => (100, 100),
                };
                if denominator == 0 || numerator > denominator {
                    return Err(FieldError::new(
                        format!("{at}.fraction"),
                        "numerator must be at most denominator, and denominator positive",
                    ));
                }
                let spec = backend_ref_spec!(m.backend_ref);
                let (backend, resolution) = scope.backend(&spec, &format!("{at}.backendRef"))?;
                crate::route::first_problem(&mut out.problem, resolution.problem);
                out.filters.push(Filter::RequestMirror(RequestMirror {
                    backend: Box::new(backend),
                    numerator,
                    denominator,
                }));
            }
            HttpRouteRulesFiltersType::Cors => {
                let c = f.cors.as_ref().ok_or_else(|| missing("cors"))?;
                let max_age = c
                    .max_age
                    .map(|a| {
                        u32::try_from(a).map_err(|_| {
                            FieldError::new(format!("{at}.cors.maxAge"), "must not be negative")
                        })
                    })
                    .transpose()?;
                out.filters.push(Filter::Cors(Cors {
                    allow_origins: c.allow_origins.clone().unwrap_or_default(),
                    allow_methods: c.allow_methods.clone().unwrap_or_default(),
                    allow_headers: lower_all(c.allow_headers.as_deref()),
                    expose_headers: lower_all(c.expose_headers.as_deref()),
                    allow_credentials: c.allow_credentials.unwrap_or(false),
                    max_age,
                }));
            }
            HttpRouteRulesFiltersType::ExtensionRef => {
                let e = f
                    .extension_ref
                    .as_ref()
                    .ok_or_else(|| missing("extensionRef"))?;
                let what = format!(
                    "ExtensionRef {}/{} {} is not a filter waygate knows",
                    e.group, e.kind, e.name
                );
                crate::route::first_reason(&mut out.unresolved, Some(what.clone()));
                crate::route::first_problem(
                    &mut out.problem,
                    Some(Problem::new("InvalidKind", what)),
                );
            }
            HttpRouteRulesFiltersType::ExternalAuth => {
                let what = "ExternalAuth filters are not supported by waygate".to_owned();
                crate::route::first_reason(&mut out.unresolved, Some(what.clone()));
                crate::route::first_problem(
                    &mut out.problem,
                    Some(Problem::new("UnsupportedValue", what)),
                );
            }
        }
    }
    let has = |t: &HttpRouteRulesFiltersType| filters.iter().any(|f| &f.r#type == t);
    if has(&HttpRouteRulesFiltersType::RequestRedirect)
        && has(&HttpRouteRulesFiltersType::UrlRewrite)
    {
        return Err(FieldError::new(
            field,
            "may specify either RequestRedirect or URLRewrite, but not both",
        ));
    }
    Ok(out)
}

fn as_same<A: Serialize, B: serde::de::DeserializeOwned>(
    a: &A,
    field: &str,
) -> Result<B, FieldError> {
    serde_json::to_value(a)
        .and_then(serde_json::from_value)
        .map_err(|e| FieldError::new(field, e))
}

fn fraction_part(value: i32, field: &str) -> Result<u32, FieldError> {
    u32::try_from(value).map_err(|_| FieldError::new(field, "must not be negative"))
}

fn lower_all(names: Option<&[String]>) -> Vec<String> {
    names
        .unwrap_or_default()
        .iter()
        .map(|n| n.to_ascii_lowercase())
        .collect()
}

fn header_modifier(
    m: &HttpRouteRulesFiltersRequestHeaderModifier,
    field: &str,
) -> Result<HeaderModifier, FieldError> {
    let headers = |list: Option<&[(String, String)]>,
                   at: &str|
     -> Result<Vec<Header>, FieldError> {
        let mut out: Vec<Header> = Vec::new();
        for (i, (name, value)) in list.unwrap_or_default().iter().enumerate() {
            let name = crate::http_route::header_name(name, &format!("{field}.{at}[{i}].name"))?;
            if out.iter().any(|h| h.name == name) {
                return Err(FieldError::new(
                    format!("{field}.{at}[{i}].name"),
                    format!("header {name:?} is listed twice"),
                ));
            }
            out.push(Header {
                name,
                value: value.clone(),
            });
        }
        Ok(out)
    };
    let set: Option<Vec<(String, String)>> = m.set.as_ref().map(|l| {
        l.iter()
            .map(|h| (h.name.clone(), h.value.clone()))
            .collect()
    });
    let add: Option<Vec<(String, String)>> = m.add.as_ref().map(|l| {
        l.iter()
            .map(|h| (h.name.clone(), h.value.clone()))
            .collect()
    });
    let mut remove = Vec::new();
    for (i, name) in m.remove.iter().flatten().enumerate() {
        remove.push(crate::http_route::header_name(
            name,
            &format!("{field}.remove[{i}]"),
        )?);
    }
    Ok(HeaderModifier {
        set: headers(set.as_deref(), "set")?,
        add: headers(add.as_deref(), "add")?,
        remove,
    })
}

fn path_modifier(
    p: &HttpRouteRulesFiltersUrlRewritePath,
    field: &str,
    replaces_prefix: &mut bool,
) -> Result<PathModifier, FieldError> {
    // The CRD sets no pattern here; refuse only what cannot become a request path. An
    // empty prefix replacement is valid (`/foo/bar` with prefix `/foo` becomes `/bar`).
    let check = |value: &str, at: &str, empty_ok: bool| {
        if value.starts_with('/') || (empty_ok && value.is_empty()) {
            Ok(value.to_owned())
        } else {
            Err(FieldError::new(
                format!("{field}.{at}"),
                "must start with /",
            ))
        }
    };
    match p.r#type {
        HttpRouteRulesFiltersUrlRewritePathType::ReplaceFullPath => {
            let value = p.replace_full_path.as_deref().ok_or_else(|| {
                FieldError::new(
                    format!("{field}.replaceFullPath"),
                    "required when type is ReplaceFullPath",
                )
            })?;
            Ok(PathModifier::ReplaceFullPath(check(
                value,
                "replaceFullPath",
                false,
            )?))
        }
        HttpRouteRulesFiltersUrlRewritePathType::ReplacePrefixMatch => {
            let value = p.replace_prefix_match.as_deref().ok_or_else(|| {
                FieldError::new(
                    format!("{field}.replacePrefixMatch"),
                    "required when type is ReplacePrefixMatch",
                )
            })?;
            *replaces_prefix = true;
            Ok(PathModifier::ReplacePrefixMatch(check(
                value,
                "replacePrefixMatch",
                true,
            )?))
        }
    }
}
