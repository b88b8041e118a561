//! Arbitrary request heads against a fixed bundle: the matcher and filters never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use waygate_core::explain::{ExplainRequest, explain};

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static ROUTER: waygate_core::router::Router = waygate_core::testing::fuzz_router();
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
    let req = ExplainRequest { gateway: None, port: Some(80), method, url, headers };
    ROUTER.with(|r| {
        let _ = explain(r, &req);
    });
});
