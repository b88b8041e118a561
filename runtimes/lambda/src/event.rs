//! Lambda HTTP events (API Gateway REST v1, HTTP API v2, Function URLs — which use the v2
//! shape — and ALB) to plain `http` requests, and the answer back to the event's response
//! shape.
//!
//! lambda_http does most of the decoding (base64 bodies, v2 cookies into `cookie`). Three
//! things it does differently from what a gateway needs are fixed here:
//! - v1 and ALB events carry both `headers` and `multiValueHeaders`; lambda_http lets the
//!   single values replace the multi-values, so repeated headers lose all but one value.
//! - the URI it builds goes through a URL parser (lower-cased host, default port dropped,
//!   dot segments removed) and has the stage prepended; core must see the request target as
//!   the client sent it, so the raw path is used instead, with the `/{stage}` prefix of a
//!   non-`$default` stage removed, and the Host header is kept as sent.
//! - its response conversion decodes a text-typed body lossily; here a body goes out as text
//!   only when it is valid UTF-8 and not content-encoded, else base64.

use bytes::Bytes;
use http::header::{CONTENT_ENCODING, HOST, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Uri};
use lambda_http::aws_lambda_events::alb::AlbTargetGroupResponse;
use lambda_http::aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayV2httpResponse};
use lambda_http::request::{LambdaRequest, RequestOrigin};
use lambda_http::{Body, RequestExt as _};
use serde::Serialize;

/// The response shapes of the event sources (lambda_http's own enum is not nameable
/// outside it). Serialized untagged, as the Runtime API expects the bare object.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum EventResponse {
    ApiGatewayV1(ApiGatewayProxyResponse),
    ApiGatewayV2(ApiGatewayV2httpResponse),
    Alb(AlbTargetGroupResponse),
}

/// Moves single-value headers into the multi-value map (where absent) and empties the
/// single-value map, so lambda_http's merge keeps every value.
fn merge_headers(single: &mut HeaderMap, multi: &mut HeaderMap) {
    for name in single.keys() {
        if !multi.contains_key(name) {
            for value in single.get_all(name) {
                multi.append(name.clone(), value.clone());
            }
        }
    }
    single.clear();
}

/// The stage whose prefix to strip from the raw path (never `$default`).
fn named_stage(stage: Option<&String>) -> Option<String> {
    stage.filter(|s| !s.is_empty() && *s != "$default").cloned()
}

fn strip_stage<'p>(path: &'p str, stage: Option<&str>) -> &'p str {
    let Some(stage) = stage else { return path };
    match path.strip_prefix('/').and_then(|p| p.strip_prefix(stage)) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => path,
    }
}

fn body_bytes(body: Body) -> Bytes {
    match body {
        Body::Text(s) => Bytes::from(s),
        Body::Binary(b) => Bytes::from(b),
        _ => Bytes::new(),
    }
}

/// Converts an event into the request core sees: origin-form URI (raw path and query), the
/// headers as sent (Host included), the decoded body. Also returns the origin, which picks
/// the response shape.
pub fn into_request(mut event: LambdaRequest) -> (RequestOrigin, http::Request<Bytes>) {
    let origin = event.request_origin();
    let stage = match &mut event {
        LambdaRequest::ApiGatewayV1(ev) => {
            merge_headers(&mut ev.headers, &mut ev.multi_value_headers);
            named_stage(ev.request_context.stage.as_ref())
        }
        LambdaRequest::ApiGatewayV2(ev) => named_stage(ev.request_context.stage.as_ref()),
        LambdaRequest::Alb(ev) => {
            merge_headers(&mut ev.headers, &mut ev.multi_value_headers);
            None
        }
        _ => None,
    };
    let req: lambda_http::Request = event.into();
    let raw_path = req.raw_http_path().to_owned();
    let (mut parts, body) = req.into_parts();
    let path = strip_stage(&raw_path, stage.as_deref());
    let path = if path.is_empty() { "/" } else { path };
    let target = match parts.uri.query() {
        Some(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path.to_owned(),
    };
    if !parts.headers.contains_key(HOST)
        && let Some(authority) = parts.uri.authority()
        && let Ok(host) = HeaderValue::from_str(authority.as_str())
    {
        parts.headers.insert(HOST, host);
    }
    // A raw path that is not a valid request target (API Gateway passes some bytes through
    // undecoded) falls back to lambda_http's normalized form rather than failing.
    parts.uri = target.parse::<Uri>().unwrap_or_else(|_| {
        parts
            .uri
            .path_and_query()
            .map_or_else(|| Uri::from_static("/"), |pq| Uri::from(pq.clone()))
    });
    parts.extensions.clear();
    (origin, http::Request::from_parts(parts, body_bytes(body)))
}

/// Text when the bytes can travel as a JSON string unchanged, base64 otherwise.
fn encode_body(headers: &HeaderMap, body: &Bytes) -> (Option<Body>, bool) {
    if body.is_empty() {
        return (None, false);
    }
    if !headers.contains_key(CONTENT_ENCODING)
        && let Ok(text) = std::str::from_utf8(body)
    {
        return (Some(Body::Text(text.to_owned())), false);
    }
    (Some(Body::Binary(body.to_vec())), true)
}

/// Converts the gateway's answer to the response shape of the event's origin.
pub fn into_response(origin: &RequestOrigin, res: http::Response<Bytes>) -> EventResponse {
    let (parts, body) = res.into_parts();
    let status_code = i64::from(parts.status.as_u16());
    let mut headers = parts.headers;
    let (body, is_base64_encoded) = encode_body(&headers, &body);
    match origin {
        RequestOrigin::ApiGatewayV1 => {
            let mut r = ApiGatewayProxyResponse::default();
            r.status_code = status_code;
            // Only multiValueHeaders: API Gateway merges both maps and would duplicate.
            r.multi_value_headers = headers;
            r.body = body;
            r.is_base64_encoded = is_base64_encoded;
            EventResponse::ApiGatewayV1(r)
        }
        RequestOrigin::Alb => {
            let mut r = AlbTargetGroupResponse::default();
            r.status_code = status_code;
            r.status_description = Some(format!(
                "{} {}",
                parts.status.as_u16(),
                parts.status.canonical_reason().unwrap_or_default()
            ));
            // Both maps: the target group decides which one it reads.
            r.headers = headers.clone();
            r.multi_value_headers = headers;
            r.body = body;
            r.is_base64_encoded = is_base64_encoded;
            EventResponse::Alb(r)
        }
        _ => {
            // HTTP API v2 and Function URLs: Set-Cookie goes in `cookies`, since `headers`
            // holds one (comma-joined) value per name and cookies cannot be comma-joined.
            let cookies = headers
                .get_all(SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok().map(str::to_owned))
                .collect();
            headers.remove(SET_COOKIE);
            let mut r = ApiGatewayV2httpResponse::default();
            r.status_code = status_code;
            r.headers = headers;
            r.cookies = cookies;
            r.body = body;
            r.is_base64_encoded = is_base64_encoded;
            EventResponse::ApiGatewayV2(r)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_prefix_is_stripped_only_as_a_whole_segment() {
        assert_eq!(strip_stage("/prod/api/x", Some("prod")), "/api/x");
        assert_eq!(strip_stage("/prod", Some("prod")), "/");
        assert_eq!(strip_stage("/production/x", Some("prod")), "/production/x");
        assert_eq!(strip_stage("/api/x", None), "/api/x");
        assert_eq!(named_stage(Some(&"$default".to_owned())), None);
    }

    #[test]
    fn body_is_text_only_when_it_survives_as_text() {
        let h = HeaderMap::new();
        assert_eq!(encode_body(&h, &Bytes::new()), (None, false));
        assert!(
            matches!(encode_body(&h, &Bytes::from_static(b"hi")), (Some(Body::Text(t)), false) if t == "hi")
        );
        assert!(matches!(
            encode_body(&h, &Bytes::from_static(&[0xff, 0])),
            (Some(Body::Binary(_)), true)
        ));
        let mut gz = HeaderMap::new();
        gz.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        assert!(matches!(
            encode_body(&gz, &Bytes::from_static(b"hi")),
            (Some(Body::Binary(_)), true)
        ));
    }
}
