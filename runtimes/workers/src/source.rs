//! Where bundles come from: the `BUNDLES` R2 binding, or S3 through SigV4-signed GETs sent
//! with the Workers Fetch API. Both keep the store layout of
//! `waygate_runtime_common::store` (`<prefix>/channels/<name>`, `<prefix>/bundles/<digest>`).

use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use waygate_runtime_common::sigv4_fetch::{HttpClient, SigV4Config, SigV4Fetch};
use waygate_runtime_common::store::{
    BundleSource, ChannelPointer, ETag, Fetched, StoreError, bundle_key, channel_key,
    parse_pointer, validate_channel, validate_digest,
};
use worker::{Bucket, Conditional};

use crate::config::StoreConfig;

/// The Workers Fetch API as the SigV4 source's HTTP client (buffered: bundles are small and
/// must be hashed whole anyway).
pub(crate) struct FetchClient;

impl HttpClient for FetchClient {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, String> {
        let js = |e: wasm_bindgen::JsValue| format!("{e:?}");
        let headers = web_sys::Headers::new().map_err(js)?;
        for (name, value) in request.headers() {
            if let Ok(v) = value.to_str() {
                headers.append(name.as_str(), v).map_err(js)?;
            }
        }
        let init = web_sys::RequestInit::new();
        init.set_method(request.method().as_str());
        init.set_headers(&headers);
        let req = web_sys::Request::new_with_str_and_init(&request.uri().to_string(), &init)
            .map_err(js)?;
        let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
        let res: web_sys::Response = JsFuture::from(global.fetch_with_request(&req))
            .await
            .map_err(js)?
            .dyn_into()
            .map_err(js)?;
        let buf = JsFuture::from(res.array_buffer().map_err(js)?)
            .await
            .map_err(js)?;
        let body = js_sys::Uint8Array::new(&buf).to_vec();
        let mut out = http::Response::builder().status(res.status());
        for (name, value) in crate::headers::entries(&res.headers()) {
            out = out.header(name, value);
        }
        out.body(body).map_err(|e| e.to_string())
    }
}

/// A [`BundleSource`] over one of the two stores. Cheap to clone (the loader is rebuilt
/// after a bundle that verified but did not compile).
#[derive(Clone)]
pub(crate) enum Source {
    R2 { bucket: Rc<Bucket>, prefix: String },
    S3(Rc<SigV4Fetch<FetchClient>>),
}

/// Unix seconds from the JS clock (wasm32-unknown-unknown has none of its own).
pub(crate) fn unix_now() -> u64 {
    // Date.now() is non-negative milliseconds well inside f64's exact range.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let secs = (js_sys::Date::now() / 1000.0) as u64;
    secs
}

impl Source {
    pub(crate) fn open(store: &StoreConfig, env: &worker::Env) -> Result<Self, String> {
        match store {
            StoreConfig::R2 { prefix } => {
                let bucket = env.bucket("BUNDLES").map_err(|e| {
                    format!("the R2 binding BUNDLES is missing ({e}); bind the bundle bucket or set WAYGATE_STORE=s3://…")
                })?;
                Ok(Self::R2 {
                    bucket: Rc::new(bucket),
                    prefix: prefix.clone(),
                })
            }
            StoreConfig::S3 {
                bucket,
                prefix,
                endpoint,
                region,
                path_style,
                credentials,
            } => Ok(Self::S3(Rc::new(SigV4Fetch::new(
                FetchClient,
                SigV4Config {
                    endpoint: endpoint.clone(),
                    region: region.clone(),
                    bucket: bucket.clone(),
                    prefix: prefix.clone(),
                    path_style: *path_style,
                    credentials: credentials.clone(),
                },
                unix_now,
            )))),
        }
    }
}

fn full_key(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}/{key}")
    }
}

fn r2_error(key: &str, e: &worker::Error) -> StoreError {
    StoreError::Unreachable(format!("R2 GET {key}: {e}"))
}

impl BundleSource for Source {
    async fn channel(
        &self,
        channel: &str,
        if_none_match: Option<&ETag>,
    ) -> Result<Fetched<ChannelPointer>, StoreError> {
        match self {
            Self::S3(s3) => s3.channel(channel, if_none_match).await,
            Self::R2 { bucket, prefix } => {
                validate_channel(channel)?;
                let key = full_key(prefix, &channel_key(channel));
                let mut get = bucket.get(key.clone());
                if let Some(etag) = if_none_match {
                    get = get.only_if(Conditional {
                        etag_does_not_match: Some(etag.0.clone()),
                        ..Conditional::default()
                    });
                }
                let object = get
                    .execute()
                    .await
                    .map_err(|e| r2_error(&key, &e))?
                    .ok_or_else(|| StoreError::NotFound(key.clone()))?;
                // R2 answers a failed precondition with the object's metadata and no body.
                let Some(body) = object.body() else {
                    return Ok(Fetched::NotModified);
                };
                let bytes = body.bytes().await.map_err(|e| r2_error(&key, &e))?;
                Ok(Fetched::Fresh {
                    value: parse_pointer(&key, &bytes)?,
                    etag: ETag(object.etag()),
                })
            }
        }
    }

    async fn bundle(&self, digest: &str) -> Result<Vec<u8>, StoreError> {
        match self {
            Self::S3(s3) => s3.bundle(digest).await,
            Self::R2 { bucket, prefix } => {
                validate_digest(digest)?;
                let key = full_key(prefix, &bundle_key(digest));
                let object = bucket
                    .get(key.clone())
                    .execute()
                    .await
                    .map_err(|e| r2_error(&key, &e))?
                    .ok_or_else(|| StoreError::NotFound(key.clone()))?;
                let body = object.body().ok_or_else(|| StoreError::Invalid {
                    key: key.clone(),
                    message: "R2 returned the object without a body".into(),
                })?;
                body.bytes().await.map_err(|e| r2_error(&key, &e))
            }
        }
    }
}
