//! The Worker's configuration, from the vars and secrets the Terraform module
//! (deploy/terraform/modules/cloudflare-worker) sets: `WAYGATE_PUBLIC_KEY` (PEM, several
//! comma-separated for rotation), `WAYGATE_CHANNEL`, `WAYGATE_REFRESH_SECONDS`,
//! `WAYGATE_STORE` (`r2` — the `BUNDLES` binding, the default — or `s3://bucket/prefix`),
//! `WAYGATE_PREFIX` (R2 key prefix), for S3 `WAYGATE_S3_ENDPOINT`, `WAYGATE_S3_REGION`,
//! `WAYGATE_S3_PATH_STYLE` and the secrets `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`; optionally `WAYGATE_GATEWAY` (`namespace/name`) and `WAYGATE_PORT`.

use waygate_core::bundle::{ObjectRef, TrustedKeys};
use waygate_runtime_common::StoreUri;
use waygate_runtime_common::sigv4_fetch::SigV4Credentials;

/// Refresh interval when `WAYGATE_REFRESH_SECONDS` is unset.
pub(crate) const DEFAULT_REFRESH_SECONDS: u64 = 30;

#[derive(Debug, Clone)]
pub(crate) enum StoreConfig {
    /// The `BUNDLES` R2 binding, keys under `prefix` (no leading/trailing `/`, may be empty).
    R2 { prefix: String },
    S3 {
        bucket: String,
        prefix: String,
        endpoint: String,
        region: String,
        path_style: bool,
        credentials: SigV4Credentials,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub store: StoreConfig,
    pub channel: String,
    pub keys: TrustedKeys,
    pub refresh_seconds: u64,
    pub gateway: Option<ObjectRef>,
    pub port: Option<u16>,
}

/// Reads a var or a secret (a public key may be either), trimmed; empty counts as unset.
fn lookup(env: &worker::Env, name: &str) -> Option<String> {
    env.var(name)
        .map(|v| v.to_string())
        .or_else(|_| env.secret(name).map(|v| v.to_string()))
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl Config {
    pub(crate) fn from_env(env: &worker::Env) -> Result<Self, String> {
        Self::from_lookup(|name| lookup(env, name))
    }

    pub(crate) fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let required = |var: &str| get(var).ok_or_else(|| format!("{var} is not set"));
        let keys = TrustedKeys::parse(&required("WAYGATE_PUBLIC_KEY")?)
            .map_err(|e| format!("WAYGATE_PUBLIC_KEY: {e}"))?;
        let channel = required("WAYGATE_CHANNEL")?;
        waygate_runtime_common::store::validate_channel(&channel)
            .map_err(|e| format!("WAYGATE_CHANNEL: {e}"))?;
        let refresh_seconds = match get("WAYGATE_REFRESH_SECONDS") {
            None => DEFAULT_REFRESH_SECONDS,
            Some(v) => v.parse().map_err(|_| {
                format!("WAYGATE_REFRESH_SECONDS: {v:?} is not a whole number of seconds")
            })?,
        };
        let store = match get("WAYGATE_STORE").as_deref() {
            None | Some("r2") => StoreConfig::R2 {
                prefix: get("WAYGATE_PREFIX")
                    .unwrap_or_default()
                    .trim_matches('/')
                    .to_owned(),
            },
            Some(uri) => match StoreUri::parse(uri).map_err(|e| format!("WAYGATE_STORE: {e}"))? {
                StoreUri::S3 { bucket, prefix } => {
                    let region = get("WAYGATE_S3_REGION").unwrap_or_else(|| "us-east-1".into());
                    StoreConfig::S3 {
                        bucket,
                        prefix,
                        endpoint: get("WAYGATE_S3_ENDPOINT")
                            .unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com")),
                        region,
                        path_style: get("WAYGATE_S3_PATH_STYLE").is_some_and(|v| v == "true"),
                        credentials: SigV4Credentials {
                            access_key_id: required("AWS_ACCESS_KEY_ID")?,
                            secret_access_key: required("AWS_SECRET_ACCESS_KEY")?,
                            session_token: get("AWS_SESSION_TOKEN"),
                        },
                    }
                }
                StoreUri::File { .. } => {
                    return Err(
                        "WAYGATE_STORE: a Worker has no file system; use r2 (the BUNDLES binding) or s3://bucket/prefix"
                            .into(),
                    );
                }
            },
        };
        let gateway = match get("WAYGATE_GATEWAY") {
            None => None,
            Some(v) => {
                let (ns, name) = v
                    .split_once('/')
                    .filter(|(ns, name)| !ns.is_empty() && !name.is_empty())
                    .ok_or_else(|| format!("WAYGATE_GATEWAY: {v:?} is not namespace/name"))?;
                Some(ObjectRef::new(ns, name))
            }
        };
        let port = match get("WAYGATE_PORT") {
            None => None,
            Some(v) => Some(
                v.parse()
                    .map_err(|_| format!("WAYGATE_PORT: {v:?} is not a port"))?,
            ),
        };
        Ok(Self {
            store,
            channel,
            keys,
            refresh_seconds,
            gateway,
            port,
        })
    }
}
