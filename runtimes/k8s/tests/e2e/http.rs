//! Plain HTTP through the gateway with curl: HTTP/1.1, h2c prior knowledge, filters,
//! redirects, direct answers, timeouts, retries.

use super::support::{
    Gateway, TestResult, Upstream, config, curl, metric_sample, payload, service_yaml, url,
};

fn yaml(api: &Upstream, other: &Upstream) -> String {
    format!(
        r"
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: gw, namespace: default}}
spec:
  gatewayClassName: waygate
  listeners:
    - {{name: http, protocol: HTTP, port: 8080}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: api, namespace: default}}
spec:
  parentRefs: [{{name: gw}}]
  hostnames: [api.example]
  rules:
    - matches: [{{path: {{type: PathPrefix, value: /api}}}}]
      filters:
        - type: RequestHeaderModifier
          requestHeaderModifier: {{set: [{{name: x-gateway, value: waygate}}]}}
        - type: ResponseHeaderModifier
          responseHeaderModifier: {{add: [{{name: x-served-by, value: waygate}}], remove: [x-upstream]}}
        - type: URLRewrite
          urlRewrite: {{path: {{type: ReplacePrefixMatch, replacePrefixMatch: /v1}}}}
      backendRefs: [{{name: api, port: 80}}]
    - matches: [{{path: {{type: PathPrefix, value: /slow}}}}]
      backendRefs: [{{name: api, port: 80}}]
      timeouts: {{request: 300ms}}
    - matches: [{{path: {{type: PathPrefix, value: /flaky}}}}]
      backendRefs: [{{name: api, port: 80}}]
      retry: {{attempts: 2, codes: [503]}}
    - matches: [{{path: {{type: PathPrefix, value: /old}}}}]
      filters:
        - type: RequestRedirect
          requestRedirect: {{path: {{type: ReplacePrefixMatch, replacePrefixMatch: /new}}, statusCode: 301}}
    - matches: [{{path: {{type: PathPrefix, value: /split}}}}]
      backendRefs: [{{name: api, port: 80, weight: 1}}, {{name: other, port: 80, weight: 1}}]
    - matches: [{{path: {{type: PathPrefix, value: /broken}}}}]
      backendRefs: [{{name: missing, port: 80}}]
    - matches: [{{path: {{type: PathPrefix, value: /mirrored}}}}]
      filters:
        - type: RequestMirror
          requestMirror: {{backendRef: {{name: other, port: 80}}}}
      backendRefs: [{{name: api, port: 80}}]
{api}{other}",
        api = service_yaml("api", api.addr, None),
        other = service_yaml("other", other.addr, None),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http1_and_h2c_forwarding_with_filters() -> TestResult {
    let api = Upstream::start("api").await?;
    let other = Upstream::start("other").await?;
    let gw = Gateway::start(&payload(&yaml(&api, &other), 1)?, config()).await?;
    let addr = gw.addr(8080)?;

    let (body, status, version) = curl(&[
        "-i",
        "-H",
        "Host: api.example",
        &url(addr, "/api/orders?x=1"),
    ])
    .await?;
    assert_eq!((status, version.as_str()), (200, "1.1"), "{body}");
    assert!(
        body.contains("upstream=api method=GET path=/v1/orders"),
        "{body}"
    );
    assert!(body.contains("x-gateway: waygate"), "{body}");
    assert!(body.contains("host: api.example"), "{body}");
    assert!(
        body.to_ascii_lowercase().contains("x-served-by: waygate"),
        "{body}"
    );
    assert!(
        !body.contains("x-upstream:"),
        "response filter removes x-upstream: {body}"
    );

    let (body, status, version) = curl(&[
        "--http2-prior-knowledge",
        "-H",
        "Host: api.example",
        "--data-binary",
        "hello",
        &url(addr, "/api/post"),
    ])
    .await?;
    assert_eq!((status, version.as_str()), (200, "2"), "{body}");
    assert!(
        body.contains("method=POST path=/v1/post") && body.contains("body=hello"),
        "{body}"
    );

    let (_, status, _) = curl(&["-H", "Host: api.example", &url(addr, "/nowhere")]).await?;
    assert_eq!(status, 404);
    let (_, status, _) = curl(&["-H", "Host: api.example", &url(addr, "/broken")]).await?;
    assert_eq!(status, 500);
    let (body, status, _) =
        curl(&["-i", "-H", "Host: api.example", &url(addr, "/old/docs?q=1")]).await?;
    assert_eq!(status, 301);
    assert!(
        body.contains("ocation: http://api.example:8080/new/docs?q=1")
            || body.contains("ocation: http://api.example/new/docs?q=1"),
        "{body}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_retries_weights_and_mirrors() -> TestResult {
    let api = Upstream::start("api").await?;
    let other = Upstream::start("other").await?;
    let gw = Gateway::start(&payload(&yaml(&api, &other), 1)?, config()).await?;
    let addr = gw.addr(8080)?;

    // The upstream answers 503 to its first two hits (this is the first request it sees);
    // two retries reach the third.
    let before = api.hits();
    let (body, status, _) = curl(&["-H", "Host: api.example", &url(addr, "/flaky/2")]).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(api.hits() - before, 3);

    let started = std::time::Instant::now();
    let (_, status, _) = curl(&["-H", "Host: api.example", &url(addr, "/slow/2000")]).await?;
    assert_eq!(status, 504);
    assert!(started.elapsed() < std::time::Duration::from_millis(1500));
    let (_, status, _) = curl(&["-H", "Host: api.example", &url(addr, "/slow/10")]).await?;
    assert_eq!(status, 200);

    let mut seen_api = 0;
    let mut seen_other = 0;
    for _ in 0..40 {
        let (body, _, _) = curl(&["-H", "Host: api.example", &url(addr, "/split")]).await?;
        if body.contains("upstream=api") {
            seen_api += 1;
        } else if body.contains("upstream=other") {
            seen_other += 1;
        }
    }
    assert_eq!(seen_api + seen_other, 40);
    assert!(seen_api >= 5 && seen_other >= 5, "{seen_api}/{seen_other}");

    let other_before = other.hits();
    let (body, status, _) = curl(&["-H", "Host: api.example", &url(addr, "/mirrored")]).await?;
    assert_eq!(status, 200);
    assert!(body.contains("upstream=api"));
    for _ in 0..50 {
        if other.hits() > other_before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(other.hits(), other_before + 1, "the mirror reached `other`");

    // The timed-out request shows up by route, status and as an upstream error.
    let (metrics, status, _) = curl(&[&format!("http://{}/metrics", gw.admin)]).await?;
    assert_eq!(status, 200);
    assert!(
        metrics.contains("waygate_requests_total{route=\"default/api\",status=\"504\"} 1"),
        "{metrics}"
    );
    let errors = metric_sample(
        &metrics,
        "waygate_upstream_errors_total{route=\"default/api\"}",
    )
    .unwrap_or(0);
    assert!(errors >= 1, "{metrics}");
    Ok(())
}
