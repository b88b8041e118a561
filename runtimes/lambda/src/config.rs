//! The function's configuration, from the environment the Terraform module wires
//! (deploy/terraform/modules/aws-lambda): `WAYGATE_STORE`, `WAYGATE_CHANNEL`,
//! `WAYGATE_PUBLIC_KEY` (one or more PEM keys, comma-separated for rotation) and
//! `WAYGATE_REFRESH_SECONDS`; optionally `WAYGATE_GATEWAY` (`namespace/name`) and
//! `WAYGATE_PORT` (the listener port requests are routed as).

use std::time::Duration;

use waygate_core::bundle::{ObjectRef, TrustedKeys};
use waygate_runtime_common::StoreUri;

/// Refresh interval when `WAYGATE_REFRESH_SECONDS` is unset (the module's default).
pub const DEFAULT_REFRESH: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct Config {
    pub store: StoreUri,
    pub channel: String,
    pub keys: TrustedKeys,
    /// Minimum time between two conditional GETs of the channel.
    pub refresh: Duration,
    /// The gateway this function serves; `None` serves every gateway's listeners.
    pub gateway: Option<ObjectRef>,
    /// The listener port to route as; `None` picks it per request (see
    /// [`crate::gateway::listener_port`]).
    pub port: Option<u16>,
}

#[derive(Debug, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

fn err(var: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        message: message.into(),
    }
}

impl Config {
    /// Reads the configuration through `get` (`std::env::var` in the binary; a map in tests,
    /// which then need not touch the process environment).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |var: &'static str| {
            get(var)
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| err(var, "is not set"))
        };
        let store = StoreUri::parse(required("WAYGATE_STORE")?.trim())
            .map_err(|e| err("WAYGATE_STORE", e.to_string()))?;
        let channel = required("WAYGATE_CHANNEL")?.trim().to_owned();
        waygate_runtime_common::store::validate_channel(&channel)
            .map_err(|e| err("WAYGATE_CHANNEL", e.to_string()))?;
        let keys = TrustedKeys::parse(&required("WAYGATE_PUBLIC_KEY")?)
            .map_err(|e| err("WAYGATE_PUBLIC_KEY", e.to_string()))?;
        let refresh = match get("WAYGATE_REFRESH_SECONDS").filter(|v| !v.trim().is_empty()) {
            None => DEFAULT_REFRESH,
            Some(v) => Duration::from_secs(v.trim().parse().map_err(|_| {
                err(
                    "WAYGATE_REFRESH_SECONDS",
                    format!("{v:?} is not a whole number of seconds"),
                )
            })?),
        };
        let gateway = match get("WAYGATE_GATEWAY").filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(v) => {
                let (ns, name) = v
                    .trim()
                    .split_once('/')
                    .filter(|(ns, name)| !ns.is_empty() && !name.is_empty())
                    .ok_or_else(|| {
                        err("WAYGATE_GATEWAY", format!("{v:?} is not namespace/name"))
                    })?;
                Some(ObjectRef::new(ns, name))
            }
        };
        let port = match get("WAYGATE_PORT").filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(v) => Some(
                v.trim()
                    .parse()
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

#[cfg(test)]
mod tests;
