//! Arbitrary bytes as a bundle: verification and inspection must return an error, never
//! panic, and only a correctly signed envelope may verify.
#![no_main]

use libfuzzer_sys::fuzz_target;
use waygate_core::bundle::{PrivateKey, TrustedKeys, inspect, verify};

fuzz_target!(|data: &[u8]| {
    let keys = TrustedKeys::new(vec![PrivateKey::from_seed(&[1; 32]).public_key()]);
    if let Ok(bundle) = verify(data, &keys, 0) {
        // Only reachable with a real signature: building tables must not panic either.
        let _ = waygate_core::router::Router::new(&bundle);
    }
    let _ = inspect(data);
});
