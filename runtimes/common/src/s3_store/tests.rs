use super::wants_path_style;

#[test]
fn path_style_follows_the_endpoint_host() {
    for endpoint in [
        "http://127.0.0.1:9000",
        "http://localhost:5000/",
        "https://LOCALHOST",
        "http://[::1]:9000",
        "10.0.0.7",
        "http://minio.localhost:9000",
    ] {
        assert!(wants_path_style(endpoint), "{endpoint}");
    }
    for endpoint in [
        "https://s3.eu-west-1.amazonaws.com",
        "https://acct.r2.cloudflarestorage.com",
        "https://127.0.0.1.nip.io",
    ] {
        assert!(!wants_path_style(endpoint), "{endpoint}");
    }
}
