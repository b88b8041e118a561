//! Helpers for the unit tests: compile YAML text with fixed options.

use serde_json::Value;

use crate::{CompileOptions, Compiled, Source, compile};

/// 2023-11-14T22:13:20Z.
pub(crate) const CREATED: u64 = 1_700_000_000;

/// A Gateway `infra/gw` of class waygate with one HTTP listener on 80 open to all
/// namespaces, and a Service `apps/api` on port 8080.
pub(crate) const BASE: &str = r"
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: waygate
  listeners:
  - {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: apps}
spec:
  ports: [{name: http, port: 8080}]
";

pub(crate) fn source(text: &str) -> Source {
    Source {
        name: "test.yaml".to_owned(),
        text: text.to_owned(),
    }
}

pub(crate) fn options() -> CompileOptions {
    CompileOptions {
        created: CREATED,
        ..CompileOptions::default()
    }
}

/// Compiles `BASE` followed by `text`.
pub(crate) fn compile_with_base(text: &str) -> Result<Compiled, String> {
    compile(&[source(BASE), source(text)], &options()).map_err(|e| e.to_string())
}

pub(crate) fn compiled(text: &str) -> Compiled {
    compile_with_base(text).unwrap_or_else(|e| panic!("compile failed: {e}"))
}

/// The compile error for `BASE` + `text`.
pub(crate) fn error(text: &str) -> String {
    match compile_with_base(text) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

/// The status of one object.
pub(crate) fn status<'c>(
    compiled: &'c Compiled,
    kind: &str,
    namespace: &str,
    name: &str,
) -> &'c Value {
    &compiled
        .status
        .iter()
        .find(|s| s.kind == kind && s.namespace == namespace && s.name == name)
        .unwrap_or_else(|| panic!("no status for {kind} {namespace}/{name}"))
        .status
}

/// `(status, reason)` of condition `kind` in `conditions`.
pub(crate) fn condition(conditions: &Value, kind: &str) -> (String, String) {
    let c = conditions
        .as_array()
        .and_then(|list| list.iter().find(|c| c["type"] == kind))
        .unwrap_or_else(|| panic!("no {kind} condition in {conditions}"));
    (
        c["status"].as_str().unwrap_or_default().to_owned(),
        c["reason"].as_str().unwrap_or_default().to_owned(),
    )
}
