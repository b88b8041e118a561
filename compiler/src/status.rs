//! Gateway API status as the compiler reports it (`--status`): conditions for Gateways,
//! their listeners and every route with a parent we own.

use serde::Serialize;
use serde_json::{Map, Value};

/// The controller name waygate reports in route status and expects on its GatewayClass.
pub(crate) const CONTROLLER_NAME: &str = "waygate.dev/gateway-controller";

/// The status of one object, in the shape `kubectl` would show under `.status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectStatus {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub status: Value,
}

/// Why a condition is False: a Gateway API reason and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub reason: &'static str,
    pub message: String,
}

impl Problem {
    pub(crate) fn new(reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            reason,
            message: message.into(),
        }
    }
}

/// Builds conditions for one object. `lastTransitionTime` is the compile's creation time,
/// so the same inputs always give the same status.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Conditions<'a> {
    pub generation: Option<i64>,
    pub time: &'a str,
}

impl Conditions<'_> {
    pub(crate) fn make(&self, kind: &str, ok: bool, reason: &str, message: &str) -> Value {
        // Built by hand rather than with `json!`: status is written for every route, and
        // this is measurably cheaper at 10k routes.
        let mut map = Map::new();
        map.insert("type".to_owned(), Value::String(kind.to_owned()));
        let status = if ok { "True" } else { "False" };
        map.insert("status".to_owned(), Value::String(status.to_owned()));
        map.insert("reason".to_owned(), Value::String(reason.to_owned()));
        map.insert("message".to_owned(), Value::String(message.to_owned()));
        if let Some(generation) = self.generation {
            map.insert("observedGeneration".to_owned(), Value::from(generation));
        }
        map.insert(
            "lastTransitionTime".to_owned(),
            Value::String(self.time.to_owned()),
        );
        Value::Object(map)
    }

    /// `True` with `ok_reason` when there is no problem, else `False` with its reason.
    pub(crate) fn verdict(
        &self,
        kind: &str,
        problem: Option<&Problem>,
        ok_reason: &str,
        ok_message: &str,
    ) -> Value {
        match problem {
            None => self.make(kind, true, ok_reason, ok_message),
            Some(p) => self.make(kind, false, p.reason, &p.message),
        }
    }
}

/// RFC 3339 UTC (`2024-01-02T03:04:05Z`) for Unix seconds.
pub(crate) fn rfc3339(secs: u64) -> String {
    i64::try_from(secs)
        .ok()
        .and_then(|s| k8s_openapi::jiff::Timestamp::from_second(s).ok())
        .map_or_else(|| "9999-12-31T23:59:59Z".to_owned(), |t| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_are_deterministic_and_carry_generation() {
        let time = rfc3339(1_700_000_000);
        assert_eq!(time, "2023-11-14T22:13:20Z");
        let c = Conditions {
            generation: Some(3),
            time: &time,
        };
        let v = c.make("Accepted", true, "Accepted", "ok");
        assert_eq!(v["status"], "True");
        assert_eq!(v["observedGeneration"], 3);
        assert_eq!(v["lastTransitionTime"], "2023-11-14T22:13:20Z");
        let none = Conditions {
            generation: None,
            time: &time,
        };
        let v = none.verdict(
            "ResolvedRefs",
            Some(&Problem::new("BackendNotFound", "gone")),
            "ResolvedRefs",
            "",
        );
        assert_eq!(v["status"], "False");
        assert_eq!(v["reason"], "BackendNotFound");
        assert!(v.get("observedGeneration").is_none());
    }
}
