//! Settings, read through a small seam: with the `spin-variables` feature (the build deployed
//! to Spin), Spin variables first — through `wasi:config/store`, which Spin 3+ maps onto the
//! component's `[variables]` — then the process environment. Without it (the build tested
//! under `wasmtime serve`, whose release builds ship without wasi-config: importing it makes
//! instantiation fail) only the environment, which `wasmtime serve -Scli --env K=V` sets.
//! Spin variable names are the lower-case form of the environment names
//! (`waygate_store` ↔ `WAYGATE_STORE`).
//!
//! - `WAYGATE_STORE`: `s3://bucket/prefix` (SigV4-signed GETs) or `http(s)://host/prefix`
//!   (a public bucket or any server with the store layout);
//! - `WAYGATE_CHANNEL`, `WAYGATE_PUBLIC_KEY` (PEM, comma-separated for rotation);
//! - for `s3://`: `WAYGATE_S3_ENDPOINT` (default `https://s3.<region>.amazonaws.com`),
//!   `WAYGATE_S3_REGION` (default `us-east-1`), `WAYGATE_S3_PATH_STYLE` (`true`/`false`),
//!   `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`;
//! - optional: `WAYGATE_GATEWAY` (`namespace/name`), `WAYGATE_PORT`,
//!   `WAYGATE_REFRESH_SECONDS` (default 30).

use std::time::Duration;

use waygate_core::bundle::{ObjectRef, TrustedKeys};
use waygate_runtime_common::StoreUri;
use waygate_runtime_common::sigv4_fetch::{SigV4Config, SigV4Credentials};

pub const DEFAULT_REFRESH: Duration = Duration::from_secs(30);

/// Where the bundle store is.
#[derive(Debug, Clone)]
pub enum StoreSetting {
    /// Plain GETs of `<base>/channels/<name>` and `<base>/bundles/<digest>`.
    Http {
        base: String,
    },
    S3(SigV4Config),
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub store: StoreSetting,
    pub channel: String,
    pub keys: TrustedKeys,
    pub refresh: Duration,
    pub gateway: Option<ObjectRef>,
    pub port: Option<u16>,
}

#[derive(Debug, thiserror::Error)]
#[error("{var}: {message}")]
pub struct SettingsError {
    pub var: &'static str,
    pub message: String,
}

fn err(var: &'static str, message: impl Into<String>) -> SettingsError {
    SettingsError {
        var,
        message: message.into(),
    }
}

/// The seam: a Spin variable, else an environment variable. A `wasi:config` error (a
/// variable declared but unresolvable) is reported, not swallowed.
pub fn lookup(name: &str) -> Result<Option<String>, String> {
    #[cfg(feature = "spin-variables")]
    match spin_sdk::wit::wasi::config::store::get(&name.to_ascii_lowercase()) {
        Ok(Some(v)) => return Ok(Some(v)),
        Ok(None) => {}
        Err(e) => {
            return Err(format!(
                "Spin variable {}: {e:?}",
                name.to_ascii_lowercase()
            ));
        }
    }
    Ok(std::env::var(name).ok())
}

impl Settings {
    /// Reads every setting through `get` (the [`lookup`] seam; a map in tests).
    pub fn from_lookup(
        get: impl Fn(&str) -> Result<Option<String>, String>,
    ) -> Result<Self, SettingsError> {
        let opt = |var: &'static str| -> Result<Option<String>, SettingsError> {
            Ok(get(var)
                .map_err(|e| err(var, e))?
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty()))
        };
        let required = |var: &'static str| opt(var)?.ok_or_else(|| err(var, "is not set"));
        let store_text = required("WAYGATE_STORE")?;
        let store = if store_text.starts_with("http://") || store_text.starts_with("https://") {
            StoreSetting::Http {
                base: store_text.trim_end_matches('/').to_owned(),
            }
        } else {
            match StoreUri::parse(&store_text).map_err(|e| err("WAYGATE_STORE", e.to_string()))? {
                StoreUri::S3 { bucket, prefix } => {
                    let region = opt("WAYGATE_S3_REGION")?.unwrap_or_else(|| "us-east-1".into());
                    let endpoint = opt("WAYGATE_S3_ENDPOINT")?
                        .unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
                    let path_style = match opt("WAYGATE_S3_PATH_STYLE")?.as_deref() {
                        None | Some("false") => false,
                        Some("true") => true,
                        Some(v) => {
                            return Err(err(
                                "WAYGATE_S3_PATH_STYLE",
                                format!("{v:?} is not true/false"),
                            ));
                        }
                    };
                    StoreSetting::S3(SigV4Config {
                        endpoint,
                        region,
                        bucket,
                        prefix,
                        path_style,
                        credentials: SigV4Credentials {
                            access_key_id: required("AWS_ACCESS_KEY_ID")?,
                            secret_access_key: required("AWS_SECRET_ACCESS_KEY")?,
                            session_token: opt("AWS_SESSION_TOKEN")?,
                        },
                    })
                }
                StoreUri::File { .. } => {
                    return Err(err(
                        "WAYGATE_STORE",
                        "file:// stores are not readable from a Spin component; use s3://bucket/prefix or an http(s):// URL",
                    ));
                }
            }
        };
        let channel = required("WAYGATE_CHANNEL")?;
        waygate_runtime_common::store::validate_channel(&channel)
            .map_err(|e| err("WAYGATE_CHANNEL", e.to_string()))?;
        // Spin variables cannot hold newlines comfortably; `\n` escapes are accepted.
        let pem = required("WAYGATE_PUBLIC_KEY")?.replace("\\n", "\n");
        let keys =
            TrustedKeys::parse(&pem).map_err(|e| err("WAYGATE_PUBLIC_KEY", e.to_string()))?;
        let refresh = match opt("WAYGATE_REFRESH_SECONDS")? {
            None => DEFAULT_REFRESH,
            Some(v) => Duration::from_secs(v.parse().map_err(|_| {
                err(
                    "WAYGATE_REFRESH_SECONDS",
                    format!("{v:?} is not a whole number of seconds"),
                )
            })?),
        };
        let gateway = match opt("WAYGATE_GATEWAY")? {
            None => None,
            Some(v) => {
                let (ns, name) = v
                    .split_once('/')
                    .filter(|(ns, name)| !ns.is_empty() && !name.is_empty())
                    .ok_or_else(|| {
                        err("WAYGATE_GATEWAY", format!("{v:?} is not namespace/name"))
                    })?;
                Some(ObjectRef::new(ns, name))
            }
        };
        let port = match opt("WAYGATE_PORT")? {
            None => None,
            Some(v) => Some(
                v.parse()
                    .map_err(|_| err("WAYGATE_PORT", format!("{v:?} is not a port")))?,
            ),
        };
        Ok(Self {
            store,
            channel,
            keys,
            refresh,
            gateway,
            port,
        })
    }
}
