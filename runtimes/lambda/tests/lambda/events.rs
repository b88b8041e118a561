//! Every event source lambda_http accepts, from JSON fixtures, through `Function::invoke`
//! with a capturing upstream: what reaches the backend and what goes back to Lambda.

use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;
use waygate_lambda::{Function, Outgoing};

use super::support::{
    Capture, Error, TestResult, fixture, gateway, payload, publish, routes, signed,
};

/// Loads the standard routes into a fresh store and invokes `name`'s event once.
async fn invoke(name: &str) -> Result<(Value, Outgoing), Error> {
    let dir = tempfile::tempdir()?;
    let store = waygate_runtime_common::file_store::FileStore::new(dir.path());
    let addr = "127.0.0.1:9".parse()?;
    publish(&store, &signed(&payload(&routes(addr), 1)?)?, 1).await?;
    let capture = Capture::default();
    let function = Function::ready(gateway(dir.path(), capture.clone(), Duration::from_mins(1)));
    let response = serde_json::to_value(function.invoke(fixture(name)?).await)?;
    let mut sent = capture.taken();
    assert_eq!(sent.len(), 1, "{name}: one upstream request, got {sent:?}");
    Ok((response, sent.remove(0)))
}

fn values<'a>(out: &'a Outgoing, name: &str) -> Vec<&'a str> {
    out.request
        .headers()
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect()
}

fn decoded_body(res: &Value) -> Result<Vec<u8>, Error> {
    let body = res["body"].as_str().unwrap_or_default();
    if res["isBase64Encoded"] == true {
        Ok(base64::engine::general_purpose::STANDARD.decode(body)?)
    } else {
        Ok(body.as_bytes().to_vec())
    }
}

#[tokio::test]
async fn rest_api_v1_strips_the_stage_and_keeps_multi_values_and_binary_bodies() -> TestResult {
    let (res, out) = invoke("apigw_v1_rest").await?;
    let req = &out.request;
    assert_eq!(req.method(), "POST");
    assert_eq!(req.uri().path(), "/api/items", "stage /prod removed");
    assert_eq!(req.uri().host(), Some("127.0.0.1"));
    let query = req.uri().query().unwrap_or_default();
    for pair in ["tag=a", "tag=b", "q=x"] {
        assert!(query.split('&').any(|p| p == pair), "{pair} in {query}");
    }
    assert_eq!(values(&out, "host"), ["api.example.com"]);
    assert_eq!(values(&out, "x-multi"), ["one", "two"]);
    assert_eq!(
        values(&out, "x-gateway"),
        ["waygate"],
        "RequestHeaderModifier set"
    );
    assert!(
        values(&out, "x-secret").is_empty(),
        "RequestHeaderModifier remove"
    );
    assert_eq!(req.body().as_ref(), [0, 1, 2, 0xff, 0, b'h', b'i']);
    assert_eq!(out.backend.name, "echo");

    assert_eq!(res["statusCode"], 200);
    assert_eq!(
        res["isBase64Encoded"], true,
        "binary answer goes back as base64"
    );
    assert_eq!(decoded_body(&res)?, [0, 1, 2, 0xff, 0, b'h', b'i']);
    assert_eq!(
        res["multiValueHeaders"]["x-served-by"],
        serde_json::json!(["lambda"])
    );
    Ok(())
}

#[tokio::test]
async fn http_api_v2_keeps_the_raw_query_original_host_and_cookies() -> TestResult {
    let (res, out) = invoke("apigw_v2_http").await?;
    let req = &out.request;
    assert_eq!(req.method(), "PUT");
    assert_eq!(
        req.uri()
            .path_and_query()
            .map(http::uri::PathAndQuery::as_str),
        Some("/api/v2/things?a=1&a=2&b=%20x"),
        "named stage /beta removed, raw query kept byte for byte"
    );
    assert_eq!(
        values(&out, "host"),
        ["Gateway.Example.com:8443"],
        "Host as the client sent it"
    );
    assert_eq!(values(&out, "cookie"), ["session=abc; theme=dark"]);
    assert_eq!(req.body().as_ref(), br#"{"hello":"world"}"#);
    assert_eq!(res["statusCode"], 200);
    assert_eq!(res["headers"]["x-served-by"], "lambda");
    assert_eq!(decoded_body(&res)?, br#"{"hello":"world"}"#);
    Ok(())
}

#[tokio::test]
async fn function_url_decodes_and_reencodes_binary_bodies() -> TestResult {
    let (res, out) = invoke("function_url").await?;
    let req = &out.request;
    assert_eq!(
        req.uri()
            .path_and_query()
            .map(http::uri::PathAndQuery::as_str),
        Some("/api/upload?x=%2F1")
    );
    assert_eq!(
        values(&out, "host"),
        ["abcdefg.lambda-url.us-east-1.on.aws"]
    );
    assert_eq!(values(&out, "cookie"), ["c=1"]);
    assert_eq!(req.body().as_ref(), [0xff, 0, 0x80, 0x81]);
    assert_eq!(res["isBase64Encoded"], true);
    assert_eq!(decoded_body(&res)?, [0xff, 0, 0x80, 0x81]);
    Ok(())
}

#[tokio::test]
async fn alb_keeps_multi_value_headers_and_query() -> TestResult {
    let (res, out) = invoke("alb").await?;
    let req = &out.request;
    assert_eq!(req.method(), "GET");
    assert_eq!(req.uri().path(), "/api/list");
    let query = req.uri().query().unwrap_or_default();
    for pair in ["page=2", "sort=asc", "sort=desc"] {
        assert!(query.split('&').any(|p| p == pair), "{pair} in {query}");
    }
    assert_eq!(values(&out, "host"), ["alb.example.com"]);
    assert_eq!(values(&out, "x-multi"), ["one", "two"]);
    assert_eq!(res["statusCode"], 200);
    assert_eq!(res["statusDescription"], "200 OK");
    assert_eq!(
        res["multiValueHeaders"]["x-served-by"],
        serde_json::json!(["lambda"])
    );
    assert_eq!(res["headers"]["x-served-by"], "lambda");
    Ok(())
}

#[tokio::test]
async fn lambda_http_from_str_parses_every_fixture() -> TestResult {
    for name in ["apigw_v1_rest", "apigw_v2_http", "function_url", "alb"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/fixtures/{name}.json"));
        let req = lambda_http::request::from_str(&std::fs::read_to_string(path)?)?;
        assert!(req.uri().path().contains("/api/"), "{name}: {}", req.uri());
    }
    Ok(())
}
