//! End-to-end tests of the `waygate` binary as a CI pipeline or an operator runs it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn waygate(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_waygate"))
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("waygate runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "waygate failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn quickstart() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart")
}

fn keygen(dir: &Path, name: &str) {
    ok(&waygate(
        &[
            "keygen",
            "--private",
            &format!("{name}.pem"),
            "--public",
            &format!("{name}.pub"),
        ],
        dir,
    ));
}

fn compile(dir: &Path, out: &str, created: &str) -> Output {
    let qs = quickstart();
    waygate(
        &[
            "compile",
            qs.to_str().unwrap(),
            "--key",
            "k.pem",
            "--out",
            out,
            "--status",
            "status.json",
            "--placement",
            "placement.json",
            "--created",
            created,
            "--kubernetes-origin",
            "https://k8s.example.net",
        ],
        dir,
    )
}

#[test]
fn keygen_compile_verify_explain() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    keygen(dir, "k");
    let mode = std::fs::metadata(dir.join("k.pem")).unwrap().permissions();
    #[cfg(unix)]
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o600
    );
    // A second keygen must not silently replace the signing key.
    assert!(
        !waygate(&["keygen", "--private", "k.pem", "--public", "k.pub"], dir)
            .status
            .success()
    );

    ok(&compile(dir, "a.json", "1700000000"));
    ok(&compile(dir, "b.json", "1700000000"));
    assert_eq!(
        std::fs::read(dir.join("a.json")).unwrap(),
        std::fs::read(dir.join("b.json")).unwrap(),
        "same input, same bytes"
    );
    let status: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("status.json")).unwrap()).unwrap();
    assert!(status.as_array().is_some_and(|a| !a.is_empty()));
    let placement: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("placement.json")).unwrap()).unwrap();
    assert_eq!(placement["kubernetes_origin"], "https://k8s.example.net");

    let verified = ok(&waygate(
        &[
            "verify",
            "--bundle",
            "a.json",
            "--public-key",
            "k.pub",
            "--now",
            "1700000001",
        ],
        dir,
    ));
    assert!(verified.starts_with("OK a.json"), "{verified}");

    let explain = |url: &str| -> serde_json::Value {
        let out = ok(&waygate(
            &[
                "explain",
                "--bundle",
                "a.json",
                "--public-key",
                "k.pub",
                "--method",
                "GET",
                "--url",
                url,
                "--format",
                "json",
            ],
            dir,
        ));
        serde_json::from_str(&out).unwrap()
    };
    let api = explain("http://quickstart.example/api/orders?id=7");
    assert_eq!(api["outcome"], "forward");
    assert_eq!(api["route"], "default/api");
    assert_eq!(api["rule"], 0);
    assert_eq!(api["upstream"]["path"], "/api/orders?id=7");
    assert_eq!(api["headers"]["x-gateway"], "waygate");
    assert_eq!(api["placement"], "edge");
    assert_eq!(
        api["backends"],
        serde_json::json!([{"namespace": "default", "name": "api", "port": 80, "weight": 1}])
    );
    let old = explain("http://quickstart.example/old/docs");
    assert_eq!(old["outcome"], "redirect");
    assert_eq!(old["status"], 301);
    assert_eq!(old["location"], "http://quickstart.example:8080/new/docs");
    let agent = explain("http://quickstart.example/agents/planner/ws");
    assert_eq!(agent["placement"], "kubernetes");
    assert_eq!(agent["upstream"]["path"], "/ws");
    let missing = explain("http://quickstart.example/nowhere");
    assert_eq!(missing["outcome"], "respond");
    assert_eq!(missing["status"], 404);

    let text = ok(&waygate(
        &[
            "explain",
            "--bundle",
            "a.json",
            "--public-key",
            "k.pub",
            "--url",
            "http://quickstart.example/api",
        ],
        dir,
    ));
    assert!(text.contains("default/api"), "{text}");
}

#[test]
fn a_bad_manifest_fails_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    keygen(dir, "k");
    std::fs::write(
        dir.join("bad.yaml"),
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: waygate\n  listeners: []\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: default}\nspec:\n  rules:\n    - matches:\n        - path: {type: Prefx, value: /}\n",
    )
    .unwrap();
    let out = waygate(
        &[
            "compile", "bad.yaml", "--key", "k.pem", "--out", "out.json", "--status", "s.json",
        ],
        dir,
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "bad.yaml",
        "document 1",
        "HTTPRoute",
        "default/r",
        "spec.rules[0].matches[0].path.type",
    ] {
        assert!(err.contains(needle), "error should name {needle:?}: {err}");
    }
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !left
            .iter()
            .any(|n| n.contains("out.json") || n.contains("s.json")),
        "{left:?}"
    );
}

#[test]
fn verify_refuses_tampered_and_foreign_bundles() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    keygen(dir, "k");
    keygen(dir, "other");
    ok(&compile(dir, "a.json", "1700000000"));
    let verify = |key: &str| waygate(&["verify", "--bundle", "a.json", "--public-key", key], dir);
    let foreign = verify("other.pub");
    assert!(!foreign.status.success());
    assert!(String::from_utf8_lossy(&foreign.stderr).contains("untrusted"));

    let mut env: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("a.json")).unwrap()).unwrap();
    let payload = env["payload"].as_str().unwrap().to_owned();
    // Flip one base64 character of the payload: still decodable, no longer signed.
    let flipped = if payload.starts_with('e') {
        payload.replacen('e', "f", 1)
    } else {
        payload.replacen(&payload[..1], "e", 1)
    };
    env["payload"] = flipped.into();
    std::fs::write(dir.join("a.json"), serde_json::to_vec(&env).unwrap()).unwrap();
    let tampered = verify("k.pub");
    assert!(!tampered.status.success());
    let err = String::from_utf8_lossy(&tampered.stderr);
    assert!(
        err.contains("does not verify") || err.contains("malformed"),
        "{err}"
    );
}
