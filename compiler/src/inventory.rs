//! Every object the compiler reads, typed and indexed by kind and `namespace/name`.
//!
//! Documents are dispatched on `apiVersion` and `kind`. Kinds waygate does not use are
//! skipped with a note; a known group with an unknown version is an error, because
//! silently ignoring a Gateway someone meant to ship is worse than failing CI.

use std::borrow::Cow;
use std::collections::BTreeMap;

use gateway_api::experimental::gatewayclasses::GatewayClassSpec;
use gateway_api::experimental::gateways::GatewaySpec;
use gateway_api::experimental::grpcroutes::GrpcRouteSpec;
use gateway_api::experimental::httproutes::HttpRouteSpec;
use gateway_api::experimental::referencegrants::ReferenceGrantSpec;
use gateway_api::experimental::tcproutes::TcpRouteSpec;
use gateway_api::experimental::tlsroutes::TlsRouteSpec;
use k8s_openapi::api::core::v1::ServiceSpec;
use k8s_openapi::api::discovery::v1::EndpointSlice;

use crate::document::{Document, Meta, for_each_document, spec, typed};
use crate::error::Location;
use crate::kgateway::BackendSpec;
use crate::{CompileError, Source};

pub(crate) const GATEWAY_GROUP: &str = "gateway.networking.k8s.io";
pub(crate) const KGATEWAY_GROUP: &str = "gateway.kgateway.dev";
/// The label EndpointSlices carry to name their Service.
const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// `(namespace, name)`.
pub(crate) type Key = (String, String);

#[derive(Debug)]
pub(crate) struct Object<T> {
    pub meta: Meta,
    pub spec: T,
}

/// All typed input, in `BTreeMap`s so iteration order never depends on input order.
#[derive(Debug, Default)]
pub(crate) struct Inventory {
    pub gateway_classes: BTreeMap<String, Object<GatewayClassSpec>>,
    pub gateways: BTreeMap<Key, Object<GatewaySpec>>,
    pub http_routes: BTreeMap<Key, Object<HttpRouteSpec>>,
    pub grpc_routes: BTreeMap<Key, Object<GrpcRouteSpec>>,
    pub tcp_routes: BTreeMap<Key, Object<TcpRouteSpec>>,
    pub tls_routes: BTreeMap<Key, Object<TlsRouteSpec>>,
    pub reference_grants: BTreeMap<Key, Object<ReferenceGrantSpec>>,
    pub services: BTreeMap<Key, Object<ServiceSpec>>,
    /// EndpointSlices by the `(namespace, service)` they belong to.
    pub endpoint_slices: BTreeMap<Key, Vec<Object<EndpointSlice>>>,
    /// Namespace labels (as Kubernetes sets them: always with `kubernetes.io/metadata.name`).
    pub namespaces: BTreeMap<String, Object<()>>,
    pub backends: BTreeMap<Key, Object<BackendSpec>>,
    pub notes: Vec<String>,
    /// First location of every object, for duplicate detection.
    seen: BTreeMap<(String, String, String, String), Location>,
}

/// Which typed collection a document goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    GatewayClass,
    Gateway,
    HttpRoute,
    GrpcRoute,
    TcpRoute,
    TlsRoute,
    ReferenceGrant,
    Service,
    EndpointSlice,
    Namespace,
    Backend,
}

impl Kind {
    /// `Ok(None)`: a kind waygate does not use. `Err`: a kind it uses, at a version it
    /// does not know.
    fn of(doc: &Document) -> Result<Option<Self>, String> {
        let (kind, versions): (Self, &[&str]) = match (doc.group.as_str(), doc.kind.as_str()) {
            (GATEWAY_GROUP, "GatewayClass") => (Self::GatewayClass, &["v1", "v1beta1"]),
            (GATEWAY_GROUP, "Gateway") => (Self::Gateway, &["v1", "v1beta1"]),
            (GATEWAY_GROUP, "HTTPRoute") => (Self::HttpRoute, &["v1", "v1beta1"]),
            (GATEWAY_GROUP, "GRPCRoute") => (Self::GrpcRoute, &["v1", "v1alpha2"]),
            (GATEWAY_GROUP, "TCPRoute") => (Self::TcpRoute, &["v1alpha2", "v1alpha3", "v1"]),
            (GATEWAY_GROUP, "TLSRoute") => (Self::TlsRoute, &["v1alpha2", "v1alpha3", "v1"]),
            (GATEWAY_GROUP, "ReferenceGrant") => {
                (Self::ReferenceGrant, &["v1beta1", "v1alpha2", "v1"])
            }
            ("", "Service") => (Self::Service, &["v1"]),
            ("", "Namespace") => (Self::Namespace, &["v1"]),
            ("discovery.k8s.io", "EndpointSlice") => (Self::EndpointSlice, &["v1"]),
            (KGATEWAY_GROUP, "Backend") => (Self::Backend, &["v1alpha1"]),
            _ => return Ok(None),
        };
        if versions.contains(&doc.version.as_str()) {
            Ok(Some(kind))
        } else {
            Err(format!(
                "{}/{} is not a supported apiVersion for {} (supported: {})",
                doc.group,
                doc.version,
                doc.kind,
                versions.join(", ")
            ))
        }
    }

    fn namespaced(self) -> bool {
        !matches!(self, Self::GatewayClass | Self::Namespace)
    }
}

impl Inventory {
    /// Parses and indexes every document of every source.
    pub(crate) fn load(sources: &[Source]) -> Result<Self, CompileError> {
        let mut inventory = Self::default();
        for source in sources {
            for_each_document(source, |doc| inventory.add(doc))?;
        }
        Ok(inventory)
    }

    fn add(&mut self, mut doc: Document) -> Result<(), CompileError> {
        let kind = match Kind::of(&doc) {
            Ok(Some(kind)) => kind,
            Ok(None) => {
                // Name the object as written; its metadata is not validated.
                let field = |f: &str| doc.value.pointer(f).and_then(serde_json::Value::as_str);
                let what = match (field("/metadata/namespace"), field("/metadata/name")) {
                    (Some(ns), Some(name)) => format!(" {ns}/{name}"),
                    (None, Some(name)) => format!(" {name}"),
                    (_, None) => String::new(),
                };
                self.notes.push(format!(
                    "skipped {}{what} ({}): kind not used by waygate",
                    doc.kind, doc.location
                ));
                return Ok(());
            }
            Err(message) => return Err(doc.location.invalid("apiVersion", message)),
        };
        let meta = Meta::read(&mut doc, kind.namespaced())?;
        self.check_duplicate(&doc, &meta)?;
        match kind {
            Kind::GatewayClass => {
                let spec = spec(&mut doc, &meta)?;
                self.gateway_classes
                    .insert(meta.name.clone(), Object { meta, spec });
            }
            Kind::Gateway => {
                let spec = spec(&mut doc, &meta)?;
                self.gateways.insert(meta.key(), Object { meta, spec });
            }
            Kind::HttpRoute => {
                let spec = spec(&mut doc, &meta)?;
                self.http_routes.insert(meta.key(), Object { meta, spec });
            }
            Kind::GrpcRoute => {
                let spec = spec(&mut doc, &meta)?;
                self.grpc_routes.insert(meta.key(), Object { meta, spec });
            }
            Kind::TcpRoute => {
                let spec = spec(&mut doc, &meta)?;
                self.tcp_routes.insert(meta.key(), Object { meta, spec });
            }
            Kind::TlsRoute => {
                let spec = spec(&mut doc, &meta)?;
                self.tls_routes.insert(meta.key(), Object { meta, spec });
            }
            Kind::ReferenceGrant => {
                let spec = spec(&mut doc, &meta)?;
                self.reference_grants
                    .insert(meta.key(), Object { meta, spec });
            }
            Kind::Service => {
                let spec = spec(&mut doc, &meta)?;
                self.services.insert(meta.key(), Object { meta, spec });
            }
            Kind::Backend => {
                let spec = spec(&mut doc, &meta)?;
                self.backends.insert(meta.key(), Object { meta, spec });
            }
            Kind::EndpointSlice => {
                // k8s-openapi checks apiVersion/kind itself, so give it the whole object
                // (minus the metadata already read).
                if let serde_json::Value::Object(map) = &mut doc.value {
                    map.remove("metadata");
                }
                let slice: EndpointSlice = typed(doc.value, "", &meta.location)?;
                match meta.labels.get(SERVICE_NAME_LABEL) {
                    Some(service) => {
                        let key = (meta.namespace.clone(), service.clone());
                        self.endpoint_slices
                            .entry(key)
                            .or_default()
                            .push(Object { meta, spec: slice });
                    }
                    None => self.notes.push(format!(
                        "skipped EndpointSlice {}/{}: no {SERVICE_NAME_LABEL} label",
                        meta.namespace, meta.name
                    )),
                }
            }
            Kind::Namespace => {
                let mut meta = meta;
                meta.labels
                    .insert("kubernetes.io/metadata.name".to_owned(), meta.name.clone());
                self.namespaces
                    .insert(meta.name.clone(), Object { meta, spec: () });
            }
        }
        Ok(())
    }

    fn check_duplicate(&mut self, doc: &Document, meta: &Meta) -> Result<(), CompileError> {
        let key = (
            doc.group.clone(),
            doc.kind.clone(),
            meta.namespace.clone(),
            meta.name.clone(),
        );
        if let Some(first) = self.seen.get(&key) {
            return Err(CompileError::Duplicate {
                location: meta.location.clone(),
                object: meta.location.object.clone().unwrap_or_default(),
                first: Box::new(first.clone()),
            });
        }
        self.seen.insert(key, meta.location.clone());
        Ok(())
    }

    /// Labels of namespace `ns`: those of its Namespace object, or only
    /// `kubernetes.io/metadata.name` when the input has none.
    pub(crate) fn namespace_labels(&self, ns: &str) -> Cow<'_, BTreeMap<String, String>> {
        self.namespaces.get(ns).map_or_else(
            || {
                Cow::Owned(BTreeMap::from([(
                    "kubernetes.io/metadata.name".to_owned(),
                    ns.to_owned(),
                )]))
            },
            |n| Cow::Borrowed(&n.meta.labels),
        )
    }
}
