//! ed25519 keys in PKCS#8 / SPKI PEM, the format `openssl pkey` reads too.

use std::fmt;

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest as _, Sha256};

use super::BundleError;

/// A key id: the first 8 bytes of the SHA-256 of the raw public key, in hex.
fn key_id(key: &VerifyingKey) -> String {
    hex::encode(&Sha256::digest(key.as_bytes())[..8])
}

/// A signing key. Lives in CI secrets; never in a bundle.
pub struct PrivateKey {
    key: SigningKey,
    id: String,
}

impl PrivateKey {
    /// A key from 32 random bytes supplied by the caller (core has no RNG).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let key = SigningKey::from_bytes(seed);
        let id = key_id(&key.verifying_key());
        Self { key, id }
    }

    pub fn from_pem(pem: &str) -> Result<Self, BundleError> {
        let key = SigningKey::from_pkcs8_pem(pem.trim())
            .map_err(|e| BundleError::Key(format!("not an ed25519 PKCS#8 private key PEM: {e}")))?;
        let id = key_id(&key.verifying_key());
        Ok(Self { key, id })
    }

    pub fn to_pem(&self) -> Result<String, BundleError> {
        self.key
            .to_pkcs8_pem(LineEnding::LF)
            .map(|pem| pem.to_string())
            .map_err(|e| BundleError::Key(e.to_string()))
    }

    pub fn key_id(&self) -> &str {
        &self.id
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            key: self.key.verifying_key(),
            id: self.id.clone(),
        }
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A public key trusted to sign bundles.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    id: String,
}

impl PublicKey {
    pub fn from_pem(pem: &str) -> Result<Self, BundleError> {
        let key = VerifyingKey::from_public_key_pem(pem.trim())
            .map_err(|e| BundleError::Key(format!("not an ed25519 SPKI public key PEM: {e}")))?;
        let id = key_id(&key);
        Ok(Self { key, id })
    }

    pub fn to_pem(&self) -> Result<String, BundleError> {
        self.key
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| BundleError::Key(e.to_string()))
    }

    pub fn key_id(&self) -> &str {
        &self.id
    }

    pub(crate) fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        ed25519_dalek::Signature::from_slice(sig)
            .is_ok_and(|sig| self.key.verify(message, &sig).is_ok())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The set of keys a runtime accepts. Several keys allow rotation.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys(Vec<PublicKey>);

impl TrustedKeys {
    pub fn new(keys: Vec<PublicKey>) -> Self {
        Self(keys)
    }

    /// Parses one or more PEM public keys, concatenated or separated by commas (the form an
    /// environment variable can hold).
    pub fn parse(text: &str) -> Result<Self, BundleError> {
        const END: &str = "-----END PUBLIC KEY-----";
        let mut keys = Vec::new();
        for chunk in text.split(END) {
            let chunk = chunk.trim_matches(|c: char| c == ',' || c.is_whitespace());
            if chunk.is_empty() {
                continue;
            }
            keys.push(PublicKey::from_pem(&format!("{chunk}\n{END}\n"))?);
        }
        if keys.is_empty() {
            return Err(BundleError::Key("no public key found".into()));
        }
        Ok(Self(keys))
    }

    pub fn get(&self, key_id: &str) -> Option<&PublicKey> {
        self.0.iter().find(|k| k.id == key_id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &PublicKey> {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trip_and_comma_separated_keys() {
        let a = PrivateKey::from_seed(&[1; 32]);
        let b = PrivateKey::from_seed(&[2; 32]);
        let back = PrivateKey::from_pem(&a.to_pem().unwrap()).unwrap();
        assert_eq!(back.key_id(), a.key_id());
        let text = format!(
            "{},{}",
            a.public_key().to_pem().unwrap(),
            b.public_key().to_pem().unwrap()
        );
        let trusted = TrustedKeys::parse(&text).unwrap();
        assert!(trusted.get(a.key_id()).is_some());
        assert!(trusted.get(b.key_id()).is_some());
        assert!(TrustedKeys::parse("nonsense").is_err());
    }
}
