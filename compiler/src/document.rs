//! YAML documents: split a source into documents and read the header every Kubernetes
//! object has (apiVersion, kind, metadata).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Deserialize as _;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::Location;
use crate::{CompileError, Source};

/// One non-empty YAML document.
#[derive(Debug)]
pub(crate) struct Document {
    pub location: Location,
    /// Group of `apiVersion` (`""` for the core group).
    pub group: String,
    pub version: String,
    pub kind: String,
    pub value: Value,
}

/// Hands each non-empty document of `source` to `each`, in order, skipping empty ones (a
/// stray `---`). Streaming keeps only one document's tree in memory at a time.
pub(crate) fn for_each_document(
    source: &Source,
    mut each: impl FnMut(Document) -> Result<(), CompileError>,
) -> Result<(), CompileError> {
    for (index, doc) in serde_yaml_ng::Deserializer::from_str(&source.text).enumerate() {
        let location = Location::new(&source.name, index);
        let value = Value::deserialize(doc).map_err(|e| location.invalid_document(e))?;
        match value {
            Value::Null => {}
            Value::Object(_) => each(header(location, value)?)?,
            _ => {
                return Err(
                    location.invalid_document("not a Kubernetes object (expected a mapping)")
                );
            }
        }
    }
    Ok(())
}

fn header(location: Location, value: Value) -> Result<Document, CompileError> {
    let api_version = required_str(&value, "apiVersion", &location)?;
    let kind = required_str(&value, "kind", &location)?;
    let (group, version) = match api_version.split_once('/') {
        Some((group, version)) => (group.to_owned(), version.to_owned()),
        None => (String::new(), api_version),
    };
    Ok(Document {
        location,
        group,
        version,
        kind,
        value,
    })
}

fn required_str(value: &Value, field: &str, location: &Location) -> Result<String, CompileError> {
    match value.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::String(_)) | None => Err(location.invalid(field, "missing")),
        Some(other) => Err(location.invalid(field, format!("expected a string, found {other}"))),
    }
}

/// Object metadata as the compiler uses it.
#[derive(Debug, Clone)]
pub(crate) struct Meta {
    pub namespace: String,
    pub name: String,
    pub generation: Option<i64>,
    /// `creationTimestamp` in Unix seconds.
    pub created: Option<i64>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub location: Location,
}

impl Meta {
    /// Reads `metadata`; `namespaced` objects without a namespace get `default`,
    /// cluster-scoped ones get `""`.
    pub(crate) fn read(doc: &mut Document, namespaced: bool) -> Result<Self, CompileError> {
        let raw = doc
            .value
            .get_mut("metadata")
            .map_or(Value::Null, Value::take);
        if raw.is_null() {
            return Err(doc.location.invalid("metadata.name", "missing"));
        }
        let meta: ObjectMeta = typed(raw, "metadata", &doc.location)?;
        let name = match meta.name {
            Some(name) if !name.is_empty() => name,
            _ => return Err(doc.location.invalid("metadata.name", "missing")),
        };
        let namespace = if namespaced {
            meta.namespace
                .filter(|ns| !ns.is_empty())
                .unwrap_or_else(|| "default".to_owned())
        } else {
            String::new()
        };
        let object = if namespaced {
            format!("{} {namespace}/{name}", doc.kind)
        } else {
            format!("{} {name}", doc.kind)
        };
        Ok(Self {
            location: doc.location.with_object(object),
            namespace,
            name,
            generation: meta.generation,
            created: meta.creation_timestamp.map(|t| t.0.as_second()),
            labels: meta.labels.unwrap_or_default(),
            annotations: meta.annotations.unwrap_or_default(),
        })
    }

    /// `namespace/name`.
    pub(crate) fn key(&self) -> (String, String) {
        (self.namespace.clone(), self.name.clone())
    }
}

/// Deserialises `value` into `T`, reporting the failing field as `prefix.path`.
pub(crate) fn typed<T: DeserializeOwned>(
    value: Value,
    prefix: &str,
    location: &Location,
) -> Result<T, CompileError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            prefix.to_owned()
        } else if prefix.is_empty() {
            path
        } else {
            format!("{prefix}.{path}")
        };
        location.invalid(field, e.into_inner())
    })
}

/// The object's `spec` as `T`; a missing spec reads as `{}` so that required fields are
/// reported by name.
pub(crate) fn spec<T: DeserializeOwned>(
    doc: &mut Document,
    meta: &Meta,
) -> Result<T, CompileError> {
    let raw = match doc.value.get_mut("spec").map(Value::take) {
        None | Some(Value::Null) => Value::Object(serde_json::Map::new()),
        Some(v) => v,
    };
    typed(raw, "spec", &meta.location)
}
