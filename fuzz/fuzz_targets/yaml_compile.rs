//! Arbitrary text as a manifest file: the compiler reports errors, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use waygate_compiler::{CompileOptions, Source, compile};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let sources = [Source { name: "fuzz.yaml".into(), text: text.to_owned() }];
    let options = CompileOptions {
        gateway_class: "waygate".into(),
        generation: 1,
        created: 1_700_000_000,
        expires: None,
        kubernetes_origin: None,
    };
    let _ = compile(&sources, &options);
});
