use std::cell::RefCell;

use pollster::block_on;

use super::{HttpClient, SigV4Config, SigV4Credentials, SigV4Fetch};
use crate::store::{BundleSource as _, ETag, Fetched, StoreError};

/// 2025-06-15T16:53:20Z
const NOW: u64 = 1_750_006_400;

type Reply = Result<(u16, Vec<(&'static str, &'static str)>, &'static str), String>;

/// Answers every request with a canned response and remembers the requests.
struct Canned {
    reply: Reply,
    seen: RefCell<Vec<http::Request<Vec<u8>>>>,
}

impl HttpClient for Canned {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, String> {
        self.seen.borrow_mut().push(request);
        let (status, headers, body) = self.reply.clone()?;
        let mut b = http::Response::builder().status(status);
        for (k, v) in headers {
            b = b.header(k, v);
        }
        Ok(b.body(body.as_bytes().to_vec()).unwrap())
    }
}

fn config(path_style: bool) -> SigV4Config {
    SigV4Config {
        endpoint: "https://s3.eu-west-1.amazonaws.com".into(),
        region: "eu-west-1".into(),
        bucket: "bundles".into(),
        prefix: "edge/prod".into(),
        path_style,
        credentials: SigV4Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: None,
        },
    }
}

fn fetch(reply: Reply) -> SigV4Fetch<Canned> {
    let client = Canned {
        reply,
        seen: RefCell::new(Vec::new()),
    };
    SigV4Fetch::new(client, config(true), || NOW)
}

#[test]
fn urls_are_path_style_or_virtual_hosted() {
    let f = fetch(Err(String::new()));
    assert_eq!(
        f.url("channels/prod").unwrap(),
        "https://s3.eu-west-1.amazonaws.com/bundles/edge/prod/channels/prod"
    );
    let virt = SigV4Fetch::new(
        Canned {
            reply: Err(String::new()),
            seen: RefCell::new(Vec::new()),
        },
        SigV4Config {
            prefix: "a b".into(),
            ..config(false)
        },
        || NOW,
    );
    assert_eq!(
        virt.url("channels/prod").unwrap(),
        "https://bundles.s3.eu-west-1.amazonaws.com/a%20b/channels/prod"
    );
}

#[test]
fn requests_are_signed_for_s3_and_conditional() {
    let f = fetch(Err(String::new()));
    let etag = ETag("\"abc\"".into());
    let r = f.signed_get("channels/prod", Some(&etag), NOW).unwrap();
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let auth = header("authorization");
    assert!(
        auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250615/eu-west-1/s3/aws4_request"
        ),
        "{auth}"
    );
    assert!(auth.contains("if-none-match"), "{auth}");
    assert!(auth.contains("x-amz-content-sha256"), "{auth}");
    assert_eq!(header("x-amz-date"), "20250615T165320Z");
    // SHA-256 of the empty body.
    assert_eq!(
        header("x-amz-content-sha256"),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(header("if-none-match"), "\"abc\"");
    assert_eq!(header("host"), "s3.eu-west-1.amazonaws.com");
    // Same inputs, same signature: nothing random or clock-dependent sneaks in.
    let again = f.signed_get("channels/prod", Some(&etag), NOW).unwrap();
    assert_eq!(
        again.headers().get("authorization"),
        r.headers().get("authorization")
    );
}

#[test]
fn responses_map_to_fetched_and_clear_errors() {
    let f = fetch(Ok((304, vec![], "")));
    let etag = ETag("\"abc\"".into());
    assert_eq!(
        block_on(f.channel("prod", Some(&etag))).unwrap(),
        Fetched::NotModified
    );
    assert_eq!(f.client.seen.borrow().len(), 1);

    let body = r#"{"digest":"0000000000000000000000000000000000000000000000000000000000000000","generation":3,"updated":9}"#;
    let f = fetch(Ok((200, vec![("etag", "\"e1\"")], body)));
    match block_on(f.channel("prod", None)).unwrap() {
        Fetched::Fresh { value, etag } => {
            assert_eq!(value.generation, 3);
            assert_eq!(etag, ETag("\"e1\"".into()));
        }
        Fetched::NotModified => panic!("expected a fresh pointer"),
    }

    let no_bucket = "<Error><Code>NoSuchBucket</Code><Message>nope</Message></Error>";
    let f = fetch(Ok((404, vec![], no_bucket)));
    let err = block_on(f.channel("prod", None)).unwrap_err().to_string();
    assert!(err.contains("bucket \"bundles\" does not exist"), "{err}");

    let f = fetch(Ok((404, vec![], "<Error><Code>NoSuchKey</Code></Error>")));
    assert!(matches!(
        block_on(f.channel("prod", None)),
        Err(StoreError::NotFound(ref k)) if k == "channels/prod"
    ));

    let denied = "<Error><Code>InvalidAccessKeyId</Code><Message>unknown key</Message></Error>";
    let f = fetch(Ok((403, vec![], denied)));
    let err = block_on(f.channel("prod", None)).unwrap_err();
    assert!(matches!(err, StoreError::AccessDenied { .. }));
    assert!(err.to_string().contains("InvalidAccessKeyId"), "{err}");
    assert!(err.to_string().contains("check the access key"), "{err}");

    let f = fetch(Err("connection refused".into()));
    let err = block_on(f.bundle(&"a".repeat(64))).unwrap_err();
    assert!(matches!(err, StoreError::Unreachable(_)));
    assert!(err.to_string().contains("connection refused"), "{err}");
}
