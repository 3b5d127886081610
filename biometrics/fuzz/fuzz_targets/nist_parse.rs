//! Any bytes into the ANSI/NIST-ITL parser (syntax layer and typed layer): Ok or a NistError,
//! never a panic; whatever parses must write back and parse again to the same value.
#![no_main]

use biometrics::nist::{encoding, EnrollmentTransaction};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(records) = encoding::decode_transaction(data) {
        // The syntax layer is lossless: re-encoding gives records that parse identically.
        if let Ok(bytes) = encoding::encode_transaction(&records) {
            let again = encoding::decode_transaction(&bytes).expect("re-encoded transaction parses");
            assert_eq!(again, records);
        }
    }
    if let Ok(t) = EnrollmentTransaction::from_bytes(data) {
        if let Ok(bytes) = t.to_bytes() {
            let again = EnrollmentTransaction::from_bytes(&bytes).expect("re-encoded enrollment parses");
            assert_eq!(again.applicant, t.applicant);
            assert_eq!(again.fingers, t.fingers);
        }
    }
});
