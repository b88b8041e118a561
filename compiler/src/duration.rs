//! Gateway API durations (GEP-2257: `1h2m3s4ms`, `0s`) as milliseconds.

use crate::error::FieldError;

/// Parses a GEP-2257 duration string into milliseconds.
pub(crate) fn millis(value: &str, field: &str) -> Result<u64, FieldError> {
    let duration: gateway_api::Duration = value
        .parse()
        .map_err(|e: String| FieldError::new(field, format!("invalid duration {value:?}: {e}")))?;
    u64::try_from(duration.as_millis())
        .map_err(|_| FieldError::new(field, format!("duration {value:?} is too long")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_gep_2257() {
        for (text, ms) in [
            ("0s", 0),
            ("1ms", 1),
            ("10s", 10_000),
            ("1m", 60_000),
            ("1h", 3_600_000),
            ("1h2m3s4ms", 3_723_004),
            ("90m", 5_400_000),
        ] {
            assert_eq!(millis(text, "f").unwrap(), ms, "{text}");
        }
    }

    #[test]
    fn rejects_what_gep_2257_forbids() {
        for text in [
            "",
            "1",
            "1.5s",
            "-1s",
            "1us",
            "1d",
            "123456s",
            "1h1m1s1ms1h",
            " 1s",
        ] {
            let err = millis(text, "spec.rules[0].timeouts.request").unwrap_err();
            assert_eq!(err.field, "spec.rules[0].timeouts.request", "{text}");
        }
    }
}
