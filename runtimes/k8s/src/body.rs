//! The one body type the data plane passes around: boxed, streaming, `Send`.

use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty, Full, combinators::BoxBody};
use hyper::body::Incoming;

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Request and response bodies, boxed so that streamed, buffered and empty bodies share a type.
pub(crate) type Body = BoxBody<Bytes, BoxError>;

pub(crate) fn empty() -> Body {
    Empty::new().map_err(|never| match never {}).boxed()
}

pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// Streams a hyper body through without buffering.
pub(crate) fn stream(body: Incoming) -> Body {
    body.map_err(BoxError::from).boxed()
}
