#![no_main]
//! Any bytes: decode must not panic; whatever decodes must re-encode to the same bytes.
use biometrics::codec::ansi378;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = ansi378::decode(data) {
        // A short length field is re-encoded short, so the bytes must match exactly.
        assert_eq!(ansi378::encode(&record).ok().as_deref(), Some(data));
        let _ = ansi378::decode_templates(data);
    }
});
