//! Arbitrary request heads against the quickstart bundle plus the corpus' matching case:
//! matchers and filters never panic. Input: `METHOD\nhost/path?query\nName: value\n...`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use waygate_compiler::{CompileOptions, Source, compile};
use waygate_core::explain::{ExplainRequest, explain};
use waygate_core::router::Router;

fn router() -> Router {
    let sources: Vec<Source> = [
        ("gateway.yaml", include_str!("../../examples/quickstart/gateway.yaml")),
        ("backends.yaml", include_str!("../../examples/quickstart/backends.yaml")),
        ("routes.yaml", include_str!("../../examples/quickstart/routes.yaml")),
    ]
    .into_iter()
    .map(|(name, text)| Source { name: name.into(), text: text.into() })
    .collect();
    let options = CompileOptions {
        gateway_class: "waygate".into(),
        generation: 1,
        created: 1_700_000_000,
        expires: None,
        kubernetes_origin: Some("https://k8s.example".into()),
    };
    let compiled = compile(&sources, &options).expect("quickstart compiles");
    waygate_core::testing::router(&compiled.payload).expect("quickstart loads")
}

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static ROUTER: Router = router();
    }
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let method = parts.next().unwrap_or("GET").to_owned();
    let url = format!("http://{}", parts.next().unwrap_or(""));
    let headers = parts
        .next()
        .unwrap_or("")
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let req = ExplainRequest { gateway: None, port: Some(8080), method, url, headers };
    ROUTER.with(|r| {
        let _ = explain(r, &req);
    });
});
