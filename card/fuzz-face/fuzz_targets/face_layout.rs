//! Arbitrary holder text (as typed by an operator or mirrored from SIAK) through the KTP-el and
//! receipt layouts: every input is laid out whole or refused with a `FaceError`; nothing panics.
#![no_main]

use card::face::{self, TextField, sample};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Split the input over the two longest fields so both fitting paths are exercised.
    let (name, address) = text.split_at(text.char_indices().nth(text.chars().count() / 2).map_or(0, |(i, _)| i));
    let (Ok(name), Ok(address)) = (TextField::new(name), TextField::new(address)) else {
        return;
    };
    let Ok(mut card) = sample::ktp() else { return };
    card.name = name.clone();
    card.address = address;
    if let Ok(doc) = face::ktp_front(&card) {
        let lines = doc.page.text_lines().join(" ");
        // Accepted text is on the page in full (modulo line breaks).
        for word in name.upper().split(' ') {
            assert!(lines.contains(word), "{word:?} missing");
        }
    }
    if let Ok(mut receipt) = sample::receipt() {
        receipt.name = name;
        let _ = face::receipt(&receipt);
    }
});
