//! End-to-end tests of the Kubernetes runtime with real clients (curl, websocat, grpcurl,
//! rustls) against a live server on loopback. Every test binds 127.0.0.1 port 0, bounds its
//! waits, and stops what it starts.

mod e2e {
    pub(crate) mod support;

    #[path = "../../../common/tests/s3_store/moto.rs"]
    pub(crate) mod moto;

    mod backend_tls;
    mod cli;
    mod corpus;
    mod failover;
    mod grpc;
    mod http;
    mod lifecycle;
    mod stream;
    mod tls;
    mod websocket;
}
