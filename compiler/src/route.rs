//! What every route kind has in common once lowered: parentRefs, hostnames, and either
//! HTTP rules (HTTPRoute, GRPCRoute) or stream backends (TCPRoute, TLSRoute).

use waygate_core::bundle::{Backend, Hostname, Rule};

use crate::document::Meta;
use crate::error::FieldError;
use crate::inventory::GATEWAY_GROUP;
use crate::status::Problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum RouteType {
    Http,
    Grpc,
    Tcp,
    Tls,
}

impl RouteType {
    pub(crate) fn kind(self) -> &'static str {
        match self {
            Self::Http => "HTTPRoute",
            Self::Grpc => "GRPCRoute",
            Self::Tcp => "TCPRoute",
            Self::Tls => "TLSRoute",
        }
    }
}

/// A parentRef with the spec's defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParentRef {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub section_name: Option<String>,
    pub port: Option<u16>,
}

impl ParentRef {
    pub(crate) fn targets_gateway(&self) -> bool {
        self.group == GATEWAY_GROUP && self.kind == "Gateway"
    }

    /// The parentRef as status reports it.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        let mut map = serde_json::Map::new();
        map.insert("group".to_owned(), Value::String(self.group.clone()));
        map.insert("kind".to_owned(), Value::String(self.kind.clone()));
        map.insert(
            "namespace".to_owned(),
            Value::String(self.namespace.clone()),
        );
        map.insert("name".to_owned(), Value::String(self.name.clone()));
        if let Some(section) = &self.section_name {
            map.insert("sectionName".to_owned(), Value::String(section.clone()));
        }
        if let Some(port) = self.port {
            map.insert("port".to_owned(), Value::from(port));
        }
        Value::Object(map)
    }
}

/// Converts the generated parentRefs type of any route kind.
macro_rules! parent_refs {
    ($refs:expr, $namespace:expr) => {
        $refs
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, p)| {
                $crate::route::ParentRef::new(
                    p.group.as_deref(),
                    p.kind.as_deref(),
                    p.namespace.as_deref(),
                    &p.name,
                    p.section_name.as_deref(),
                    p.port,
                    $namespace,
                    i,
                )
            })
            .collect::<Result<Vec<_>, _>>()
    };
}
pub(crate) use parent_refs;

impl ParentRef {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        group: Option<&str>,
        kind: Option<&str>,
        namespace: Option<&str>,
        name: &str,
        section_name: Option<&str>,
        port: Option<i32>,
        route_namespace: &str,
        index: usize,
    ) -> Result<Self, FieldError> {
        let port = port
            .map(|p| crate::kgateway::port(i64::from(p), &format!("spec.parentRefs[{index}].port")))
            .transpose()?;
        Ok(Self {
            group: group.unwrap_or(GATEWAY_GROUP).to_owned(),
            kind: kind.unwrap_or("Gateway").to_owned(),
            namespace: namespace.unwrap_or(route_namespace).to_owned(),
            name: name.to_owned(),
            section_name: section_name.filter(|s| !s.is_empty()).map(str::to_owned),
            port,
        })
    }
}

/// Per match, what GRPCRoute precedence needs beyond the lowered path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct GrpcLens {
    pub service: u32,
    pub method: u32,
}

#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// HTTPRoute/GRPCRoute rules; for GRPCRoute also `[rule][match]` precedence lengths.
    Http {
        rules: Vec<Rule>,
        grpc: Vec<Vec<GrpcLens>>,
    },
    /// TCPRoute/TLSRoute: the first rule's backends.
    Stream { backends: Vec<Backend> },
}

/// A route after validation and backend resolution; attachment comes later.
#[derive(Debug, Clone)]
pub(crate) struct LoweredRoute<'a> {
    pub route_type: RouteType,
    pub meta: &'a Meta,
    pub hostnames: Vec<Hostname>,
    pub parent_refs: Vec<ParentRef>,
    pub body: Body,
    /// The first unresolved reference (ResolvedRefs=False), if any.
    pub problem: Option<Problem>,
    /// Why the route must run on Kubernetes, if it must.
    pub pinned: Option<String>,
}

impl<'a> LoweredRoute<'a> {
    /// An HTTPRoute or GRPCRoute before its rules are lowered: hostnames validated and the
    /// placement annotation read.
    pub(crate) fn http(
        route_type: RouteType,
        meta: &'a Meta,
        hostnames: Option<&[String]>,
        parent_refs: Vec<ParentRef>,
    ) -> Result<Self, FieldError> {
        Ok(Self {
            route_type,
            meta,
            hostnames: crate::hostname::parse_all(hostnames.unwrap_or_default(), "spec.hostnames")?,
            parent_refs,
            body: Body::Http {
                rules: Vec::new(),
                grpc: Vec::new(),
            },
            problem: None,
            pinned: crate::http_route::placement_annotation(meta)?,
        })
    }

    pub(crate) fn label(&self) -> String {
        format!("{}/{}", self.meta.namespace, self.meta.name)
    }
}

/// Keeps the first of several problems: status reports the first one found.
pub(crate) fn first_problem(slot: &mut Option<Problem>, problem: Option<Problem>) {
    if slot.is_none() {
        *slot = problem;
    }
}

/// Same for placement reasons.
pub(crate) fn first_reason(slot: &mut Option<String>, reason: Option<String>) {
    if slot.is_none() {
        *slot = reason;
    }
}
