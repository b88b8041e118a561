//! In-process tests of the Lambda adapter: every event type from JSON fixtures, forwarding to
//! a real loopback upstream through the production client, the bundle lifecycle, the
//! conformance corpus compared with core, and the bundle read from a real S3-compatible
//! server (moto).

mod lambda {
    pub(crate) mod support;

    mod corpus;
    mod events;
    mod lifecycle;
    mod loopback;
    mod s3;
}
