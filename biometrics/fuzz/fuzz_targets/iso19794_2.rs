#![no_main]
//! Any bytes: decode must not panic; whatever decodes must re-encode to the same bytes.
use biometrics::codec::iso19794_2;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = iso19794_2::decode(data) {
        assert_eq!(iso19794_2::encode(&record).ok().as_deref(), Some(data));
        let _ = iso19794_2::decode_templates(data);
    }
});
