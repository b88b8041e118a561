use super::InvalidName;

/// Why a bundle was refused. Every variant is distinct so that runtimes can log and count
/// refusals by cause; the `Display` text is for people, not a contract.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("bundle is truncated: {0}")]
    Truncated(String),
    #[error("bundle envelope is malformed: {0}")]
    Malformed(String),
    #[error("bundle payload type is {found:?}, expected {expected:?}")]
    WrongPayloadType {
        found: String,
        expected: &'static str,
    },
    #[error("bundle has no signatures")]
    Unsigned,
    #[error("bundle is signed only by untrusted keys {0:?}")]
    UntrustedKey(Vec<String>),
    #[error(
        "bundle signature by key {0} does not verify: the bundle was altered or signed with another key"
    )]
    BadSignature(String),
    #[error("bundle payload is invalid: {0}")]
    InvalidPayload(String),
    #[error("bundle schema_version {found} is not supported (this build reads {supported})")]
    UnsupportedSchema { found: u32, supported: u32 },
    #[error("bundle expired at {expires} (now {now})")]
    Expired { expires: u64, now: u64 },
    #[error("bundle generation {offered} is not newer than the running generation {running}")]
    OlderGeneration { offered: u64, running: u64 },
    #[error("bundle tables are inconsistent: {0}")]
    Inconsistent(String),
    #[error(transparent)]
    Name(#[from] InvalidName),
    #[error("key is invalid: {0}")]
    Key(String),
}
