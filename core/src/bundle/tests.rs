use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use super::*;

fn payload(generation: u64) -> Payload {
    Payload {
        schema_version: SCHEMA_VERSION,
        generation,
        created: 1_700_000_000,
        expires: Some(1_800_000_000),
        kubernetes_origin: None,
        gateways: vec![],
        routes: vec![],
    }
}

fn keys() -> (PrivateKey, TrustedKeys) {
    let key = PrivateKey::from_seed(&[7; 32]);
    let trusted = TrustedKeys::new(vec![key.public_key()]);
    (key, trusted)
}

/// Rewrites the envelope's payload, keeping the old signature.
fn with_body(bytes: &[u8], body: &str) -> Vec<u8> {
    let mut env: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    env["payload"] = B64.encode(body).into();
    serde_json::to_vec(&env).unwrap()
}

#[test]
fn round_trip_is_deterministic_and_verifies() {
    let (key, trusted) = keys();
    let a = sign(&payload(3), &[&key]).unwrap();
    let b = sign(&payload(3), &[&key]).unwrap();
    assert_eq!(a, b);
    let verified = verify(&a, &trusted, 1_750_000_000).unwrap();
    assert_eq!(verified.generation(), 3);
    assert_eq!(verified.key_id(), key.key_id());
    assert_eq!(verified.digest(), Digest::of(&a));
}

#[test]
fn each_kind_of_bad_bundle_has_its_own_error() {
    let (key, trusted) = keys();
    let good = sign(&payload(3), &[&key]).unwrap();
    let now = 1_750_000_000;

    let truncated = &good[..good.len() / 2];
    assert!(matches!(
        verify(truncated, &trusted, now),
        Err(BundleError::Truncated(_))
    ));

    let corrupted = String::from_utf8(good.clone())
        .unwrap()
        .replacen('{', "[", 1);
    assert!(matches!(
        verify(corrupted.as_bytes(), &trusted, now),
        Err(BundleError::Malformed(_))
    ));

    let body = serde_json::to_string(&payload(4)).unwrap();
    let tampered = with_body(&good, &body);
    assert!(matches!(
        verify(&tampered, &trusted, now),
        Err(BundleError::BadSignature(_))
    ));

    let other = PrivateKey::from_seed(&[9; 32]);
    let foreign = sign(&payload(3), &[&other]).unwrap();
    assert!(matches!(
        verify(&foreign, &trusted, now),
        Err(BundleError::UntrustedKey(_))
    ));

    let mut unknown = serde_json::to_value(payload(3)).unwrap();
    unknown["surprise"] = true.into();
    let p: Result<Payload, _> = serde_json::from_value(unknown.clone());
    assert!(p.is_err());
    // Signed properly, but with a field this build does not know.
    let body = serde_json::to_vec(&unknown).unwrap();
    let message = {
        let mut m = format!(
            "DSSEv1 {} {} {} ",
            PAYLOAD_TYPE.len(),
            PAYLOAD_TYPE,
            body.len()
        )
        .into_bytes();
        m.extend_from_slice(&body);
        m
    };
    let env = serde_json::json!({
        "payloadType": PAYLOAD_TYPE,
        "payload": B64.encode(&body),
        "signatures": [{"keyid": key.key_id(), "sig": B64.encode(key.sign(&message))}],
    });
    let unknown_field = serde_json::to_vec(&env).unwrap();
    assert!(matches!(
        verify(&unknown_field, &trusted, now),
        Err(BundleError::InvalidPayload(m)) if m.contains("surprise")
    ));

    assert!(matches!(
        verify(&good, &trusted, 1_900_000_000),
        Err(BundleError::Expired { .. })
    ));

    let verified = verify(&good, &trusted, now).unwrap();
    assert!(matches!(
        verified.ensure_newer_than(3),
        Err(BundleError::OlderGeneration {
            offered: 3,
            running: 3
        })
    ));
    assert!(verified.ensure_newer_than(2).is_ok());
}

#[test]
fn a_signature_for_another_payload_type_is_refused() {
    let (key, trusted) = keys();
    let good = sign(&payload(1), &[&key]).unwrap();
    let mut env: serde_json::Value = serde_json::from_slice(&good).unwrap();
    env["payloadType"] = "application/json".into();
    let bytes = serde_json::to_vec(&env).unwrap();
    assert!(matches!(
        verify(&bytes, &trusted, 0),
        Err(BundleError::WrongPayloadType { .. })
    ));
}
