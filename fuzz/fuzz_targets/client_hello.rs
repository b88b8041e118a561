//! Arbitrary bytes as the start of a TLS connection: reading the SNI must never panic, a
//! name comes back lowercased, and once the ClientHello is complete (or the bytes are not
//! TLS) more bytes never change the answer, since passthrough routes on the first one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use waygate_core::client_hello::{Sni, parse};

fuzz_target!(|data: &[u8]| {
    let first = parse(data);
    if let Sni::Done(Some(name)) = &first {
        assert_eq!(name, &name.to_ascii_lowercase());
    }
    if matches!(first, Sni::Incomplete) {
        return;
    }
    for cut in [data.len() / 3, data.len() / 2] {
        let mut more = data.to_vec();
        more.extend_from_slice(&data[..cut]);
        assert_eq!(parse(&more), first, "bytes after the answer changed it");
    }
});
