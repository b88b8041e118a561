use std::collections::HashMap;

use super::*;

fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |k| map.get(k).cloned()
}

fn pem() -> String {
    waygate_core::testing::key().public_key().to_pem().unwrap()
}

#[test]
fn reads_the_terraform_wiring() {
    let key = pem();
    let c = Config::from_lookup(lookup(&[
        ("WAYGATE_STORE", "s3://bundles/prod"),
        ("WAYGATE_CHANNEL", "production"),
        ("WAYGATE_PUBLIC_KEY", &format!("{key},{key}")),
        ("WAYGATE_REFRESH_SECONDS", "5"),
        ("WAYGATE_GATEWAY", "infra/edge"),
        ("WAYGATE_PORT", "443"),
    ]))
    .unwrap();
    assert_eq!(
        c.store,
        StoreUri::S3 {
            bucket: "bundles".into(),
            prefix: "prod".into()
        }
    );
    assert_eq!(c.channel, "production");
    assert_eq!(c.keys.iter().count(), 2);
    assert_eq!(c.refresh, Duration::from_secs(5));
    assert_eq!(c.gateway, Some(ObjectRef::new("infra", "edge")));
    assert_eq!(c.port, Some(443));
}

#[test]
fn defaults_and_errors_name_the_variable() {
    let key = pem();
    let c = Config::from_lookup(lookup(&[
        ("WAYGATE_STORE", "file:///tmp/s"),
        ("WAYGATE_CHANNEL", "prod"),
        ("WAYGATE_PUBLIC_KEY", &key),
    ]))
    .unwrap();
    assert_eq!(c.refresh, DEFAULT_REFRESH);
    assert_eq!(c.gateway, None);

    let e = Config::from_lookup(lookup(&[("WAYGATE_STORE", "file:///tmp/s")])).unwrap_err();
    assert_eq!(e.var, "WAYGATE_CHANNEL");
    let e = Config::from_lookup(lookup(&[
        ("WAYGATE_STORE", "ftp://x"),
        ("WAYGATE_CHANNEL", "prod"),
        ("WAYGATE_PUBLIC_KEY", &key),
    ]))
    .unwrap_err();
    assert_eq!(e.var, "WAYGATE_STORE");
    let e = Config::from_lookup(lookup(&[
        ("WAYGATE_STORE", "file:///tmp/s"),
        ("WAYGATE_CHANNEL", "prod"),
        ("WAYGATE_PUBLIC_KEY", "not a key"),
    ]))
    .unwrap_err();
    assert_eq!(e.var, "WAYGATE_PUBLIC_KEY");
    let e = Config::from_lookup(lookup(&[
        ("WAYGATE_STORE", "file:///tmp/s"),
        ("WAYGATE_CHANNEL", "prod"),
        ("WAYGATE_PUBLIC_KEY", &key),
        ("WAYGATE_REFRESH_SECONDS", "soon"),
    ]))
    .unwrap_err();
    assert_eq!(e.var, "WAYGATE_REFRESH_SECONDS");
}
