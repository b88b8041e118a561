//! The signed envelope (DSSE-style): payload bytes, their type, and signatures over a
//! pre-authentication encoding so a signature for one payload type can never be replayed
//! as another.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::{BundleError, Payload, PrivateKey, SCHEMA_VERSION, TrustedKeys};

/// The payload type every Waygate bundle declares.
pub const PAYLOAD_TYPE: &str = "application/vnd.waygate.bundle+json; version=1";

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    #[serde(rename = "payloadType")]
    payload_type: String,
    payload: String,
    signatures: Vec<Signature>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Signature {
    keyid: String,
    sig: String,
}

/// DSSE v1 pre-authentication encoding.
fn pae(payload_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload_type.len() + body.len() + 32);
    out.extend_from_slice(
        format!(
            "DSSEv1 {} {} {} ",
            payload_type.len(),
            payload_type,
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(body);
    out
}

/// SHA-256 of the envelope bytes; names the bundle in object keys, logs and metrics.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digest([u8; 32]);

impl Digest {
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

/// Serialises `payload` deterministically and signs it with every key in `keys`.
/// Returns the envelope bytes as they are stored and published.
pub fn sign(payload: &Payload, keys: &[&PrivateKey]) -> Result<Vec<u8>, BundleError> {
    if keys.is_empty() {
        return Err(BundleError::Unsigned);
    }
    let body =
        serde_json::to_vec(payload).map_err(|e| BundleError::InvalidPayload(e.to_string()))?;
    let message = pae(PAYLOAD_TYPE, &body);
    let envelope = Envelope {
        payload_type: PAYLOAD_TYPE.to_owned(),
        payload: B64.encode(&body),
        signatures: keys
            .iter()
            .map(|k| Signature {
                keyid: k.key_id().to_owned(),
                sig: B64.encode(k.sign(&message)),
            })
            .collect(),
    };
    let mut bytes =
        serde_json::to_vec_pretty(&envelope).map_err(|e| BundleError::Malformed(e.to_string()))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// A bundle whose signature verified against a trusted key. The only way to get one is
/// [`verify`], so holding one proves the payload came from a trusted signer.
#[derive(Debug, Clone)]
pub struct VerifiedBundle {
    /// Shared so that building a router from the bundle does not copy the payload.
    payload: Arc<Payload>,
    digest: Digest,
    key_id: String,
}

impl VerifiedBundle {
    pub fn payload(&self) -> &Payload {
        &self.payload
    }

    /// The payload, shared with the bundle.
    pub fn shared_payload(&self) -> Arc<Payload> {
        Arc::clone(&self.payload)
    }

    pub fn digest(&self) -> Digest {
        self.digest
    }

    /// The trusted key whose signature was accepted.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn generation(&self) -> u64 {
        self.payload.generation
    }

    /// Refuses a bundle that is not newer than the one a runtime already runs.
    pub fn ensure_newer_than(&self, running: u64) -> Result<(), BundleError> {
        if self.payload.generation > running {
            Ok(())
        } else {
            Err(BundleError::OlderGeneration {
                offered: self.payload.generation,
                running,
            })
        }
    }
}

fn json_error(e: &serde_json::Error, what: &str) -> BundleError {
    if e.is_eof() {
        BundleError::Truncated(format!("{what}: {e}"))
    } else {
        BundleError::Malformed(format!("{what}: {e}"))
    }
}

/// Checks the envelope, its signatures, the payload schema and the expiry (`now` in Unix
/// seconds), and yields the loadable bundle.
pub fn verify(bytes: &[u8], keys: &TrustedKeys, now: u64) -> Result<VerifiedBundle, BundleError> {
    let envelope: Envelope =
        serde_json::from_slice(bytes).map_err(|e| json_error(&e, "envelope"))?;
    if envelope.payload_type != PAYLOAD_TYPE {
        return Err(BundleError::WrongPayloadType {
            found: envelope.payload_type,
            expected: PAYLOAD_TYPE,
        });
    }
    let body = B64
        .decode(envelope.payload.as_bytes())
        .map_err(|e| BundleError::Malformed(format!("payload is not base64: {e}")))?;
    if envelope.signatures.is_empty() {
        return Err(BundleError::Unsigned);
    }
    let message = pae(&envelope.payload_type, &body);
    let mut untrusted = Vec::new();
    let mut accepted = None;
    for signature in &envelope.signatures {
        let Some(key) = keys.get(&signature.keyid) else {
            untrusted.push(signature.keyid.clone());
            continue;
        };
        let sig = B64
            .decode(signature.sig.as_bytes())
            .map_err(|e| BundleError::Malformed(format!("signature is not base64: {e}")))?;
        if !key.verify(&message, &sig) {
            return Err(BundleError::BadSignature(signature.keyid.clone()));
        }
        accepted = Some(signature.keyid.clone());
        break;
    }
    let Some(key_id) = accepted else {
        return Err(BundleError::UntrustedKey(untrusted));
    };
    let payload = decode_payload(&body)?;
    if let Some(expires) = payload.expires
        && now >= expires
    {
        return Err(BundleError::Expired { expires, now });
    }
    Ok(VerifiedBundle {
        payload: Arc::new(payload),
        digest: Digest::of(bytes),
        key_id,
    })
}

/// Reads a bundle's payload without checking signatures, for `waygate inspect`. The result
/// is not loadable: only [`verify`] produces a [`VerifiedBundle`].
pub fn inspect(bytes: &[u8]) -> Result<(Payload, Digest, Vec<String>), BundleError> {
    let envelope: Envelope =
        serde_json::from_slice(bytes).map_err(|e| json_error(&e, "envelope"))?;
    let body = B64
        .decode(envelope.payload.as_bytes())
        .map_err(|e| BundleError::Malformed(format!("payload is not base64: {e}")))?;
    let payload = decode_payload(&body)?;
    let key_ids = envelope.signatures.into_iter().map(|s| s.keyid).collect();
    Ok((payload, Digest::of(bytes), key_ids))
}

fn decode_payload(body: &[u8]) -> Result<Payload, BundleError> {
    // One pass in the common case; the version is read separately only to explain a
    // failure, so a newer schema is reported as such rather than as unknown fields.
    #[derive(Deserialize)]
    struct Version {
        schema_version: u32,
    }
    match serde_json::from_slice::<Payload>(body) {
        Ok(payload) if payload.schema_version == SCHEMA_VERSION => Ok(payload),
        Ok(payload) => Err(BundleError::UnsupportedSchema {
            found: payload.schema_version,
            supported: SCHEMA_VERSION,
        }),
        Err(e) => match serde_json::from_slice::<Version>(body) {
            Ok(v) if v.schema_version != SCHEMA_VERSION => Err(BundleError::UnsupportedSchema {
                found: v.schema_version,
                supported: SCHEMA_VERSION,
            }),
            _ => Err(BundleError::InvalidPayload(format!("payload: {e}"))),
        },
    }
}
