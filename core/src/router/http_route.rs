//! A route rule's filters compiled once: header edits parsed, CORS values prepared, and the
//! redirect, rewrite and mirror filters picked out so a decision does not scan the list.

use crate::bundle::{
    Backend, BackendTarget, BundleError, Filter, RequestMirror, RequestRedirect, Rule, UrlRewrite,
};
use crate::filter::{CorsPolicy, HeaderEdits};

/// Header edits a backendRef's own filters make, applied after the rule's.
#[derive(Debug, Default)]
pub(crate) struct BackendEdits {
    pub request: Vec<HeaderEdits>,
    pub response: Vec<HeaderEdits>,
    pub mirrors: Vec<RequestMirror>,
}

#[derive(Debug, Default)]
pub(crate) struct CompiledRule {
    /// RequestHeaderModifier filters in rule order.
    pub request: Vec<HeaderEdits>,
    /// ResponseHeaderModifier filters in rule order.
    pub response: Vec<HeaderEdits>,
    pub redirect: Option<RequestRedirect>,
    pub rewrite: Option<UrlRewrite>,
    pub cors: Option<CorsPolicy>,
    pub mirrors: Vec<RequestMirror>,
    /// Parallel to `Rule::backends`.
    pub backends: Vec<BackendEdits>,
    /// No backend can take traffic: none listed, or every one with weight is invalid.
    pub no_valid_backend: bool,
}

fn compile_filters(
    filters: &[Filter],
    request: &mut Vec<HeaderEdits>,
    response: &mut Vec<HeaderEdits>,
    mirrors: &mut Vec<RequestMirror>,
) -> Result<(), BundleError> {
    for f in filters {
        match f {
            Filter::RequestHeaderModifier(m) => request.push(HeaderEdits::compile(m)?),
            Filter::ResponseHeaderModifier(m) => response.push(HeaderEdits::compile(m)?),
            Filter::RequestMirror(m) => mirrors.push(m.clone()),
            Filter::RequestRedirect(_) | Filter::UrlRewrite(_) | Filter::Cors(_) => {}
        }
    }
    Ok(())
}

fn is_valid(backend: &Backend) -> bool {
    !matches!(backend.target, BackendTarget::Invalid(_))
}

impl CompiledRule {
    pub(crate) fn compile(rule: &Rule) -> Result<Self, BundleError> {
        let mut out = Self::default();
        compile_filters(
            &rule.filters,
            &mut out.request,
            &mut out.response,
            &mut out.mirrors,
        )?;
        for f in &rule.filters {
            match f {
                // The spec allows one of each; should a bundle carry more, the first counts.
                Filter::RequestRedirect(r) if out.redirect.is_none() => {
                    out.redirect = Some(r.clone());
                }
                Filter::UrlRewrite(r) if out.rewrite.is_none() => out.rewrite = Some(r.clone()),
                Filter::Cors(c) if out.cors.is_none() => out.cors = Some(CorsPolicy::compile(c)?),
                _ => {}
            }
        }
        for b in &rule.backends {
            let mut edits = BackendEdits::default();
            compile_filters(
                &b.filters,
                &mut edits.request,
                &mut edits.response,
                &mut edits.mirrors,
            )?;
            out.backends.push(edits);
        }
        out.no_valid_backend = !rule.backends.iter().any(|b| b.weight > 0 && is_valid(b));
        Ok(out)
    }
}
