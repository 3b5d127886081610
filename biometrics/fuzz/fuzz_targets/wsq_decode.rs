//! Any bytes into the WSQ decoder: it must return Ok or a WsqError, never panic, hang or
//! allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(img) = biometrics::wsq::decode(data) {
        // A decoded image is internally consistent.
        assert_eq!(
            img.pixels().len(),
            img.width() as usize * img.height() as usize
        );
    }
});
