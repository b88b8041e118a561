//! Snapshot tests: each YAML fixture in `tests/fixtures` compiles to a payload, status,
//! placement report and notes, snapshotted as pretty JSON. Every payload must also load
//! into core's router, as a runtime would load it.

use std::path::{Path, PathBuf};

use serde_json::json;
use waygate_compiler::{CompileOptions, Compiled, Source, compile};
use waygate_core::bundle::Digest;
use waygate_core::router::Router;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{name}.yaml"))
}

fn options() -> CompileOptions {
    CompileOptions {
        gateway_class: "waygate".to_owned(),
        generation: 7,
        created: 1_717_200_000,
        expires: None,
        kubernetes_origin: Some("https://k8s.example.com".to_owned()),
    }
}

fn sources(name: &str) -> Result<Vec<Source>, String> {
    let path = fixture(name);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(vec![Source {
        name: format!("{name}.yaml"),
        text,
    }])
}

fn compiled(name: &str) -> Result<Compiled, String> {
    compile(&sources(name)?, &options()).map_err(|e| e.to_string())
}

/// Pretty JSON of everything a compile produces, after checking core loads the payload.
fn snapshot_text(name: &str) -> Result<String, String> {
    let c = compiled(name)?;
    Router::from_unverified(c.payload.clone(), Digest::of(name.as_bytes()))
        .map_err(|e| format!("core refuses the payload of {name}: {e}"))?;
    let doc = json!({
        "payload": c.payload,
        "status": c.status,
        "placement": c.placement,
        "notes": c.notes,
    });
    serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())
}

macro_rules! fixture_tests {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            let text = snapshot_text(stringify!($name)).unwrap();
            insta::assert_snapshot!(stringify!($name), text);
        }
    )*};
}

fixture_tests!(
    basic,
    multi_listener,
    cross_namespace,
    filters,
    grpc,
    tcp_tls,
    kgateway_backends,
);

const ALL: [&str; 7] = [
    "basic",
    "multi_listener",
    "cross_namespace",
    "filters",
    "grpc",
    "tcp_tls",
    "kgateway_backends",
];

#[test]
fn compiling_twice_is_byte_identical() {
    for name in ALL {
        let a = snapshot_text(name).unwrap();
        let b = snapshot_text(name).unwrap();
        assert_eq!(a, b, "{name}");
    }
}

/// Reverses the order of a fixture's documents.
fn reversed(text: &str) -> String {
    let mut docs: Vec<&str> = text.split("\n---\n").collect();
    docs.reverse();
    docs.join("\n---\n")
}

#[test]
fn document_order_does_not_change_the_payload_or_status() {
    for name in ALL {
        let forward = compiled(name).unwrap();
        let mut backward_sources = sources(name).unwrap();
        backward_sources[0].text = reversed(&backward_sources[0].text);
        let backward = compile(&backward_sources, &options()).unwrap();
        assert_eq!(
            serde_json::to_string(&forward.payload).unwrap(),
            serde_json::to_string(&backward.payload).unwrap(),
            "{name}"
        );
        assert_eq!(
            serde_json::to_string(&forward.status).unwrap(),
            serde_json::to_string(&backward.status).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn splitting_sources_across_files_changes_nothing() {
    for name in ALL {
        let whole = compiled(name).unwrap();
        let text = sources(name).unwrap().remove(0).text;
        let parts: Vec<Source> = text
            .split("\n---\n")
            .enumerate()
            .map(|(i, doc)| Source {
                name: format!("{name}-{i}.yaml"),
                text: doc.to_owned(),
            })
            .collect();
        let split = compile(&parts, &options()).unwrap();
        assert_eq!(whole.payload, split.payload, "{name}");
    }
}
