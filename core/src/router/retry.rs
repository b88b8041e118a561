//! Retry policy of a rule (HTTPRoute `retry`), evaluated by the runtime after each attempt.

use crate::bundle::Retry;

/// Status codes retried when a rule's retry names none: the gateway-class failures, which
/// say the backend never handled the request.
const DEFAULT_CODES: [u16; 3] = [502, 503, 504];
/// Retries when a rule's retry sets no `attempts`.
const DEFAULT_ATTEMPTS: u32 = 1;
/// Growth of the backoff stops at this multiple of the configured minimum.
const MAX_BACKOFF_FACTOR: u64 = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy<'r> {
    /// Retries after the first attempt.
    pub attempts: u32,
    pub codes: &'r [u16],
    /// Minimum wait before a retry, milliseconds.
    pub backoff_ms: u64,
}

impl<'r> RetryPolicy<'r> {
    pub fn new(retry: &'r Retry) -> Self {
        Self {
            attempts: retry.attempts.unwrap_or(DEFAULT_ATTEMPTS),
            codes: if retry.codes.is_empty() {
                &DEFAULT_CODES
            } else {
                &retry.codes
            },
            backoff_ms: retry.backoff_ms.unwrap_or(0),
        }
    }

    /// After `attempt` attempts (1 after the first) ended with `status` (`None`: no response,
    /// e.g. connection refused or reset), whether to try again and after how many
    /// milliseconds. The wait doubles per retry from `backoff_ms`, capped at 32× — the spec
    /// allows growth as long as it never drops below the configured minimum.
    pub fn should_retry(&self, attempt: u32, status: Option<u16>) -> Option<u64> {
        if attempt == 0 || attempt > self.attempts {
            return None;
        }
        if let Some(code) = status
            && !self.codes.contains(&code)
        {
            return None;
        }
        let factor = 1u64
            .checked_shl(attempt - 1)
            .unwrap_or(u64::MAX)
            .min(MAX_BACKOFF_FACTOR);
        Some(self.backoff_ms.saturating_mul(factor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_listed_codes_up_to_attempts_with_growing_backoff() {
        let retry = Retry {
            attempts: Some(3),
            codes: vec![500, 503],
            backoff_ms: Some(100),
        };
        let p = RetryPolicy::new(&retry);
        assert_eq!(p.should_retry(1, Some(503)), Some(100));
        assert_eq!(p.should_retry(2, Some(500)), Some(200));
        assert_eq!(p.should_retry(3, None), Some(400));
        assert_eq!(p.should_retry(4, Some(503)), None);
        assert_eq!(p.should_retry(1, Some(502)), None);
        assert_eq!(p.should_retry(1, Some(200)), None);
        let many = RetryPolicy { attempts: 100, ..p };
        assert_eq!(many.should_retry(90, None), Some(3200));
    }

    #[test]
    fn defaults() {
        let retry = Retry {
            attempts: None,
            codes: vec![],
            backoff_ms: None,
        };
        let p = RetryPolicy::new(&retry);
        assert_eq!(p.should_retry(1, Some(503)), Some(0));
        assert_eq!(p.should_retry(1, Some(500)), None);
        assert_eq!(p.should_retry(2, Some(503)), None);
        let none = Retry {
            attempts: Some(0),
            ..retry
        };
        assert_eq!(RetryPolicy::new(&none).should_retry(1, None), None);
    }
}
