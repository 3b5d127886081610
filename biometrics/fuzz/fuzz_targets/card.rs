#![no_main]
//! Any bytes in both card formats: decode must not panic; decoded minutiae must re-encode.
use biometrics::codec::card::{self, CardFormat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for format in [CardFormat::Normal, CardFormat::Compact] {
        if let Ok(minutiae) = card::decode(data, 500, format) {
            assert!(card::encode(&minutiae, 500, format).is_ok());
        }
    }
});
